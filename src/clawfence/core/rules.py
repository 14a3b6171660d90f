"""One rule-metadata shape and one registry for every rule family clawfence emits ids for.

Families keep their own declaration formats (``@check`` for audit checks, ``skills/rules.yaml``,
``guard/default_policy.yaml``, ``trail/rules.yaml``, ``fleet/rules.yaml``, ``DP0xx`` deployment checks); adapters
(:mod:`clawfence.catalog`) turn each into a :class:`RuleMeta` and :meth:`RuleRegistry.register` it. Ids are unique
across all families: registering an id twice raises :class:`DuplicateRuleError`, whichever families declare it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FAMILIES = ("audit", "deployment", "skills", "guard", "trail", "fleet")
SEVERITIES = ("critical", "high", "medium", "low", "info")


class DuplicateRuleError(ValueError):
    """A rule id is declared twice (in the same family or in two families)."""


class RuleMetaError(ValueError):
    """A rule declaration lacks a required field or has an unknown family/severity."""


@dataclass(frozen=True)
class RuleMeta:
    """What every rule of every family declares (COMMON "Declaring rules").

    ``family`` one of :data:`FAMILIES`; ``severity`` one of :data:`SEVERITIES`; ``guide`` guide ids (P1..D3 points);
    ``examples`` ``{"fire": [...], "ok": [...]}`` in the family's own input shape (empty when the family keeps them
    elsewhere, see ``examples_at``); ``source`` where the rule is declared (file or module); ``examples_at`` where
    its examples live when not inline (e.g. ``tests/fixtures/checks/GW001``)."""

    id: str
    family: str
    title: str
    title_zh: str
    severity: str
    guide: tuple[str, ...]
    remediation: str
    remediation_zh: str
    references: tuple[str, ...] = ()
    cwe: tuple[str, ...] = ()
    examples: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    source: str = ""
    examples_at: str = ""
    rationale: str = ""

    def __post_init__(self) -> None:
        if not self.id or not self.title:
            raise RuleMetaError(f"rule {self.id!r}: id and title are required")
        if self.family not in FAMILIES:
            raise RuleMetaError(f"rule {self.id}: unknown family {self.family!r}")
        if self.severity not in SEVERITIES:
            raise RuleMetaError(f"rule {self.id}: unknown severity {self.severity!r}")

    def text(self, lang: str = "en") -> str:
        """The ``clawfence explain`` text in ``lang`` (en|zh); Chinese falls back to English per field."""
        zh = lang == "zh"
        title = (self.title_zh or self.title) if zh else self.title
        rem = (self.remediation_zh or self.remediation) if zh else self.remediation
        lines = [f"{self.id}  {title}",
                 f"{'类别' if zh else 'family'}: {self.family}   {'严重性' if zh else 'severity'}: {self.severity}",
                 f"{'指南条款' if zh else 'guide'}: {', '.join(self.guide) or '-'}",
                 f"cwe: {', '.join(self.cwe) or '-'}"]
        if self.rationale:
            lines += ["", self.rationale]
        lines += ["", f"{'修复建议' if zh else 'remediation'}: {rem or '-'}"]
        if self.references:
            lines.append(f"{'参考' if zh else 'references'}: {', '.join(self.references)}")
        if self.source:
            lines.append(f"{'定义于' if zh else 'declared in'}: {self.source}")
        return "\n".join(lines) + "\n"


class RuleRegistry:
    """Every rule id clawfence can emit, across families. Lookup is case-insensitive."""

    def __init__(self) -> None:
        self._rules: dict[str, RuleMeta] = {}

    def register(self, meta: RuleMeta) -> None:
        """Add ``meta``. Raises :class:`DuplicateRuleError` when its id is already registered (any family)."""
        key = meta.id.upper()
        old = self._rules.get(key)
        if old is not None:
            raise DuplicateRuleError(f"rule id {meta.id} declared twice: {old.family} ({old.source}) and "
                                     f"{meta.family} ({meta.source})")
        self._rules[key] = meta

    def get(self, rule_id: str) -> RuleMeta | None:
        """The rule with id ``rule_id`` (any case), or None."""
        return self._rules.get(rule_id.strip().upper())

    def __contains__(self, rule_id: object) -> bool:
        return isinstance(rule_id, str) and rule_id.strip().upper() in self._rules

    def __iter__(self) -> Iterator[RuleMeta]:
        return iter(sorted(self._rules.values(), key=lambda m: (FAMILIES.index(m.family), m.id)))

    def __len__(self) -> int:
        return len(self._rules)

    def by_family(self) -> dict[str, list[RuleMeta]]:
        """Rules grouped by family (in :data:`FAMILIES` order, ids sorted)."""
        out: dict[str, list[RuleMeta]] = {f: [] for f in FAMILIES}
        for m in self:
            out[m.family].append(m)
        return out


__all__ = ["FAMILIES", "SEVERITIES", "DuplicateRuleError", "RuleMeta", "RuleMetaError", "RuleRegistry"]
