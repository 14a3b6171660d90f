"""Score and verdict of a skill from its findings.

Each rule contributes ``weight(severity) * confidence`` for its strongest hit plus a quarter of the rest, capped at
twice the strongest. Weights: critical 10, high 5, medium 2, low 0.5, info 0. Several distinct high-signal
behaviours add up; a single weak hint stays small. ``malicious`` >= :data:`MALICIOUS`, ``suspicious`` >= :data:`SUSPICIOUS`.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from clawfence.skills.result import ScanFinding

WEIGHTS = {"critical": 10.0, "high": 5.0, "medium": 2.0, "low": 0.5, "info": 0.0}
MALICIOUS = 9.0
SUSPICIOUS = 3.0


HIJACK = {"SC403", "SC404", "SC408", "SC412", "SC401"}
ACTION_CAPS = {
    "remote-exec",
    "package-install",
    "social-engineering",
    "exfiltration",
    "install-hook",
    "financial",
    "credential-access",
    "wallet-access",
    "agent-persistence",
    "binary",
    "config-tamper",
}
COMBO_BONUS = 5.0


def combos(findings: list[ScanFinding]) -> list[str]:
    """Named combinations that signal intent beyond any single finding (each adds :data:`COMBO_BONUS`):
    hide-or-skip-confirmation + a risky action; persistence + remote execution; bundled binary + Gatekeeper
    bypass or fake prerequisite."""
    strong = [f for f in findings if f.confidence >= 0.5 and f.severity in ("critical", "high", "medium")]
    rules = {f.rule for f in strong}
    caps = {f.capability for f in strong}
    out = []
    hij = [f for f in strong if f.rule in HIJACK and f.confidence >= 0.6]
    act = [f for f in strong if f.capability in ACTION_CAPS]
    if any(a.severity in ("critical", "high") or (a.path == h.path and abs(a.line - h.line) <= 15) for h in hij for a in act):
        out.append("agent-hijack+action")
    pers = [f for f in strong if f.capability == "persistence"]
    rem = [f for f in strong if f.capability in ("remote-exec", "reverse-shell", "exfiltration")]
    if any(p.path == r.path and abs(p.line - r.line) <= 30 for p in pers for r in rem):
        out.append("persistence+remote")
    if ("binary" in caps and rules & {"SC108", "SC105", "SC703"} and "SC701" in rules | {f.rule for f in findings}) or (
        {"SC105", "SC108"} <= rules
    ):
        out.append("binary+bypass")
    return out


def score(findings: list[ScanFinding]) -> float:
    """Total score (>= 0), including :func:`combos` bonuses."""
    per: dict[str, list[float]] = defaultdict(list)
    for f in findings:
        per[f.rule].append(WEIGHTS.get(f.severity, 0.0) * f.confidence)
    total = 0.0
    for vals in per.values():
        vals.sort(reverse=True)
        top = vals[0]
        total += top + min(sum(vals[1:]) * 0.25, top)
    return total + COMBO_BONUS * len(combos(findings))


BEHAVIOUR = frozenset(f"SC{n}" for n in range(910, 930))
STRONG = 0.6


@lru_cache(maxsize=1)
def _decisive_rules() -> frozenset[str]:
    from clawfence.skills.rules import load_rules

    return frozenset(r.id for r in load_rules().rules if r.decisive)


def decisive(findings: list[ScanFinding]) -> list[ScanFinding]:
    """Findings that make a skill malicious on their own: a dangerous technique of the behaviour model
    (SC910-SC929, :mod:`clawfence.skills.behaviour`) or a high-confidence indicator match (SC601), at confidence
    >= :data:`STRONG` (documentation folders and quoted examples are damped below it); or a hit at >= 0.8 of a rule
    declared ``decisive: true`` in rules.yaml (effect-level analysers: encoded payload run, fetched code run,
    clipboard address swap, agent told to collect and send secrets)."""
    dec = _decisive_rules()
    return [f for f in findings if (f.confidence >= STRONG and f.severity == "critical"
                                    and (f.rule in BEHAVIOUR or f.rule == "SC601"))
            or (f.rule in dec and f.confidence >= 0.8)]


def verdict(total: float, findings: list[ScanFinding] | None = None) -> str:
    """malicious | suspicious | benign.

    With ``findings`` (the scanner always passes them): malicious needs a :func:`decisive` finding, or a score of
    at least :data:`MALICIOUS` built from two distinct high/critical capabilities; a sum of medium hints never makes
    a skill malicious. Suspicious needs the score *and* one high/critical finding at confidence >= 0.5.
    Without ``findings`` the score thresholds alone apply (old callers)."""
    if findings is None:
        return "malicious" if total >= MALICIOUS else "suspicious" if total >= SUSPICIOUS else "benign"
    if decisive(findings):
        return "malicious"
    strong = [f for f in findings if f.severity in ("critical", "high") and f.confidence >= STRONG]
    caps = {f.capability for f in strong}
    crit = [f for f in strong if f.severity == "critical" and f.confidence >= 0.75]
    if (total >= MALICIOUS + 3 and len(caps) >= 2) or (crit and len(caps) >= 2 and total >= MALICIOUS):
        return "malicious"
    if total >= SUSPICIOUS and any(f.severity in ("critical", "high") and f.confidence >= 0.5 for f in findings):
        return "suspicious"
    return "benign"
