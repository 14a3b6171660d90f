"""Trail detection rules as data (``trail/rules.yaml``): metadata, EN/ZH text, the shared kernel's signal kinds
each rule reports, and examples (short transcripts that must / must not raise the rule).

Loaded once; :func:`rules` returns them by id, :func:`rule_for_signal` says which rule reports a kernel signal
(:func:`clawfence.detect.analyze.analyze_call`, the analysis the guard decides on). Raises :class:`RuleFileError`
when the file breaks its schema (a packaging bug, never user input).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from clawfence.core import yamlload
from clawfence.core.model import Severity

FAMILIES = frozenset({"command", "path", "secret", "privacy", "egress", "config", "volume", "time", "financial",
                      "unknown"})


class RuleFileError(ValueError):
    """``trail/rules.yaml`` does not follow its schema."""


@dataclass(frozen=True)
class TrailRule:
    """One trail detection. ``signals``: kernel signal kinds it reports; ``severity_by_signal`` overrides the
    default ``severity`` for some of them; ``examples`` ``{"fire": [transcript, ...], "ok": [...]}`` where a
    transcript is a list of event dicts (see the file header)."""

    id: str
    family: str
    title: str
    title_zh: str
    severity: Severity
    guide: tuple[str, ...]
    remediation: str
    remediation_zh: str
    references: tuple[str, ...] = ()
    cwe: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    severity_by_signal: dict[str, Severity] = field(default_factory=dict)
    evaluator: str = ""
    examples: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)


_REQUIRED = ("id", "family", "title", "title_zh", "severity", "guide", "remediation", "remediation_zh", "examples")


def _rule(doc: Any) -> TrailRule:
    if not isinstance(doc, dict):
        raise RuleFileError(f"trail rule is not a mapping: {doc!r}")
    missing = [k for k in _REQUIRED if not doc.get(k)]
    if missing:
        raise RuleFileError(f"trail rule {doc.get('id')}: missing {', '.join(missing)}")
    if doc["family"] not in FAMILIES:
        raise RuleFileError(f"trail rule {doc['id']}: unknown family {doc['family']}")
    ex = doc["examples"]
    if not isinstance(ex, dict) or not ex.get("fire") or not ex.get("ok"):
        raise RuleFileError(f"trail rule {doc['id']}: needs examples.fire and examples.ok")
    try:
        sev = Severity(doc["severity"])
        by_sig = {str(k): Severity(v) for k, v in (doc.get("severity_by_signal") or {}).items()}
    except ValueError as exc:
        raise RuleFileError(f"trail rule {doc['id']}: {exc}") from exc
    return TrailRule(id=str(doc["id"]), family=str(doc["family"]), title=str(doc["title"]),
                     title_zh=str(doc["title_zh"]), severity=sev, guide=tuple(doc["guide"]),
                     remediation=" ".join(str(doc["remediation"]).split()),
                     remediation_zh=str(doc["remediation_zh"]).strip(),
                     references=tuple(str(r) for r in doc.get("references") or ()),
                     cwe=tuple(doc.get("cwe") or ()), signals=tuple(doc.get("signals") or ()),
                     severity_by_signal=by_sig, evaluator=str(doc.get("evaluator") or ""),
                     examples={"fire": list(ex["fire"]), "ok": list(ex["ok"])})


@lru_cache(maxsize=1)
def rules() -> dict[str, TrailRule]:
    """Every trail rule by id, in file order. Raises :class:`RuleFileError` on a broken file or duplicate id, or
    when two rules claim the same kernel signal."""
    doc = yamlload.packaged("clawfence.trail", "rules.yaml")
    out: dict[str, TrailRule] = {}
    owner: dict[str, str] = {}
    for raw in (doc or {}).get("rules") or []:
        r = _rule(raw)
        if r.id in out:
            raise RuleFileError(f"duplicate trail rule id {r.id}")
        for s in r.signals:
            if s in owner:
                raise RuleFileError(f"kernel signal {s} claimed by {owner[s]} and {r.id}")
            owner[s] = r.id
        out[r.id] = r
    return out


def rule_for_signal(kind: str) -> TrailRule | None:
    """The rule reporting kernel signal ``kind``, or None (signals no trail rule reports, e.g. ``unknown-tool``)."""
    return _by_signal().get(kind)


@lru_cache(maxsize=1)
def _by_signal() -> dict[str, TrailRule]:
    return {s: r for r in rules().values() for s in r.signals}


__all__ = ["FAMILIES", "RuleFileError", "TrailRule", "rule_for_signal", "rules"]
