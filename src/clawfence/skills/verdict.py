"""Score and verdict of a skill from its findings.

Each rule contributes ``weight(severity) * confidence`` for its strongest hit plus a quarter of the rest, capped at
twice the strongest. Weights: critical 10, high 5, medium 2, low 0.5, info 0. Several distinct high-signal
behaviours add up; a single weak hint stays small. ``malicious`` >= :data:`MALICIOUS`, ``suspicious`` >= :data:`SUSPICIOUS`.
"""

from __future__ import annotations

from collections import defaultdict

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


def verdict(total: float) -> str:
    """malicious | suspicious | benign."""
    if total >= MALICIOUS:
        return "malicious"
    if total >= SUSPICIOUS:
        return "suspicious"
    return "benign"
