"""Scanner result values: :class:`ScanFinding`, :class:`SkillFile`, :class:`SkillResult` (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ScanFinding:
    """One rule hit. ``path`` is relative to the skill root, ``line`` 1-based (0 = whole file),
    ``evidence`` a short excerpt with secrets redacted, ``confidence`` 0..1 after context damping."""

    rule: str
    severity: str
    confidence: float
    path: str
    line: int
    evidence: str
    guide: tuple[str, ...]
    capability: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON contract form."""
        return {
            "rule": self.rule,
            "severity": self.severity,
            "confidence": round(self.confidence, 2),
            "path": self.path,
            "line": self.line,
            "evidence": self.evidence,
            "guide": list(self.guide),
        }


@dataclass(frozen=True, slots=True)
class SkillFile:
    """A file of a skill held in memory. ``truncated`` = only head and tail kept (size cap)."""

    rel: str
    data: bytes
    size: int
    truncated: bool = False


@dataclass(slots=True)
class SkillResult:
    """Verdict for one skill: ``verdict`` malicious|suspicious|benign, ``score`` >= 0."""

    path: str
    name: str
    verdict: str
    score: float
    findings: list[ScanFinding] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON contract form: ``{"path","name","verdict","score","findings"}`` (+ capabilities)."""
        return {
            "path": self.path,
            "name": self.name,
            "verdict": self.verdict,
            "score": round(self.score, 1),
            "capabilities": list(self.capabilities),
            "findings": [f.to_dict() for f in self.findings],
        }
