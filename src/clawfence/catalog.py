"""The catalogue of every rule id clawfence can emit: adapters from each family's own declarations into the one
:class:`clawfence.core.rules.RuleRegistry` (used by ``clawfence explain``, ``scripts/gen_docs.py`` -> ``docs/rules.md``
and the generic example test).

Families and where they are declared: audit checks (``@check`` in ``clawfence.audit.checks``; examples are the
fixture dirs ``tests/fixtures/checks/<ID>/``), deployment checks DP0xx (``clawfence.audit.deployment``; fixtures
``tests/fixtures/deployment/<ID>/``), skills scanner rules SCxxx (``skills/rules.yaml``), guard rules PGxxx
(``guard/default_policy.yaml`` and ``guard/strict_policy.yaml``), trail detections TRxxx (``trail/rules.yaml``),
fleet rules FLxxx (``fleet/rules.yaml``). Layer: above audit and fleet, below reporters/cli.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from clawfence.core.rules import RuleMeta, RuleRegistry

_GUARD_SEVERITY = {"deny": "high", "ask": "medium", "allow": "info"}


def audit_rules() -> list[RuleMeta]:
    """Audit checks (``@check``)."""
    from clawfence.audit.checks import all_checks
    return [RuleMeta(id=c.id, family="audit", title=c.title, title_zh=c.title_zh, severity=c.severity.value,
                     guide=tuple(c.guide), remediation=c.remediation, remediation_zh=c.remediation_zh,
                     references=tuple(c.references) + tuple(f"openclaw checkId {u}" for u in c.upstream),
                     cwe=tuple(c.cwe), source=c.fn.__module__, examples_at=f"tests/fixtures/checks/{c.id}",
                     rationale=c.rationale)
            for c in all_checks()]


def deployment_rules() -> list[RuleMeta]:
    """Deployment checks DP0xx."""
    from clawfence.audit.deployment import ALL
    return [RuleMeta(id=c.id, family="deployment", title=c.title, title_zh=c.title_zh, severity=c.severity.value,
                     guide=tuple(c.guide), remediation=c.remediation, remediation_zh=c.remediation_zh,
                     references=tuple(c.references), cwe=tuple(c.cwe), source=c.fn.__module__,
                     examples_at=f"tests/fixtures/deployment/{c.id}", rationale=c.rationale)
            for c in ALL]


def skills_rules() -> list[RuleMeta]:
    """Skills scanner rules (``skills/rules.yaml``); ``title_zh`` is the rule's Chinese message."""
    from clawfence.skills.rules import load_rules
    out = []
    for r in load_rules().rules:
        ex = r.examples or {}
        out.append(RuleMeta(id=r.id, family="skills", title=r.title, title_zh=r.message_zh, severity=r.severity.value,
                            guide=tuple(r.guide), remediation=r.remediation, remediation_zh="",
                            references=tuple(r.references), source="clawfence/skills/rules.yaml",
                            examples={k: list(v) for k, v in ex.items()}, rationale=r.message))
    return out


def guard_rules() -> list[RuleMeta]:
    """Guard rules of the built-in profiles (standard and strict); severity from the rule, else its decision."""
    from clawfence.guard.policy import builtin_policy, profile_policy
    out: list[RuleMeta] = []
    seen: set[str] = set()
    for pol, src in ((builtin_policy(), "clawfence/guard/default_policy.yaml"),
                     (profile_policy("strict"), "clawfence/guard/strict_policy.yaml")):
        for rule in pol.rules:
            m = rule.model
            if m.id in seen:
                continue
            seen.add(m.id)
            ex = {"fire": list(m.examples.fire), "ok": list(m.examples.ok)} if m.examples else {}
            out.append(RuleMeta(id=m.id, family="guard", title=m.title or m.description, title_zh=m.title_zh or "",
                                severity=m.severity or _GUARD_SEVERITY[m.decision], guide=tuple(m.guide),
                                remediation=m.remediation or "", remediation_zh=m.remediation_zh or "",
                                references=tuple(m.references), source=src, examples=ex,
                                rationale=f"decision: {m.decision}. {m.description}"))
    return out


def trail_rules() -> list[RuleMeta]:
    """Trail detections (``trail/rules.yaml``)."""
    from clawfence.trail.rules import rules
    return [RuleMeta(id=r.id, family="trail", title=r.title, title_zh=r.title_zh, severity=r.severity.value,
                     guide=r.guide, remediation=r.remediation, remediation_zh=r.remediation_zh,
                     references=r.references, cwe=r.cwe, source="clawfence/trail/rules.yaml",
                     examples={k: list(v) for k, v in r.examples.items()},
                     rationale=f"family: {r.family}" + (f"; kernel signals: {', '.join(r.signals)}" if r.signals else "")
                     + (f"; {r.evaluator}" if r.evaluator else ""))
            for r in rules().values()]


def fleet_rules() -> list[RuleMeta]:
    """Fleet rules (``fleet/rules.yaml``)."""
    from clawfence.fleet.aggregate import rules
    return [RuleMeta(id=r.id, family="fleet", title=r.title, title_zh=r.title_zh, severity=r.severity.value,
                     guide=r.guide, remediation=" ".join(r.remediation.split()), remediation_zh=r.remediation_zh,
                     references=r.references, source="clawfence/fleet/rules.yaml",
                     examples={k: list(v) for k, v in r.examples.items()})
            for r in rules().values()]


#: One adapter per family, in :data:`clawfence.core.rules.FAMILIES` order.
ADAPTERS: tuple[Callable[[], list[RuleMeta]], ...] = (audit_rules, deployment_rules, skills_rules, guard_rules,
                                                       trail_rules, fleet_rules)


def build(adapters: tuple[Callable[[], list[RuleMeta]], ...] = ADAPTERS) -> RuleRegistry:
    """A fresh registry of every family. Raises :class:`clawfence.core.rules.DuplicateRuleError` when two
    declarations share an id."""
    reg = RuleRegistry()
    for adapt in adapters:
        for meta in adapt():
            reg.register(meta)
    return reg


@lru_cache(maxsize=1)
def registry() -> RuleRegistry:
    """The registry of every rule id clawfence can emit (built once)."""
    return build()


def explain(rule_id: str, lang: str = "en") -> str | None:
    """``clawfence explain`` text of any registered rule id, or None."""
    meta = registry().get(rule_id)
    return meta.text(lang) if meta else None


__all__ = ["ADAPTERS", "build", "explain", "registry"]
