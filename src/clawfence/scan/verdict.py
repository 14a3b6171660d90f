"""Score and verdict of a skill from its findings.

Each rule contributes ``weight(severity) * confidence`` for its strongest hit plus a quarter of the rest, capped at
twice the strongest. Weights: critical 10, high 5, medium 2, low 0.5, info 0. Several distinct high-signal
behaviours add up; a single weak hint stays small. ``malicious`` >= :data:`MALICIOUS`, ``suspicious`` >= :data:`SUSPICIOUS`.
"""

from __future__ import annotations

from collections import defaultdict

from clawfence.scan.model import ScanFinding

WEIGHTS = {"critical": 10.0, "high": 5.0, "medium": 2.0, "low": 0.5, "info": 0.0}
MALICIOUS = 9.0
SUSPICIOUS = 3.0


def score(findings: list[ScanFinding]) -> float:
    """Total score (>= 0)."""
    per: dict[str, list[float]] = defaultdict(list)
    for f in findings:
        per[f.rule].append(WEIGHTS.get(f.severity, 0.0) * f.confidence)
    total = 0.0
    for vals in per.values():
        vals.sort(reverse=True)
        top = vals[0]
        total += top + min(sum(vals[1:]) * 0.25, top)
    return total


def verdict(total: float) -> str:
    """malicious | suspicious | benign."""
    if total >= MALICIOUS:
        return "malicious"
    if total >= SUSPICIOUS:
        return "suspicious"
    return "benign"
