"""Installed skills as facts (filled by the skills scanner: see ``clawfence.skills``).

Source: OpenClaw ``docs/tools/skills.md`` "Loading order": ``<workspace>/skills``,
``<workspace>/.agents/skills``, ``~/.agents/skills``, ``<stateDir>/skills``, bundled, ``skills.load.extraDirs``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class SkillFact(BaseModel, frozen=True):
    """One installed skill: folder, name, where it was loaded from (workspace|workspace-agents|personal-agents|
    managed|extra), the scanner's verdict (malicious|suspicious|benign) and score, its critical/high rule ids,
    whether the approved-skills lockfile lists it (None = no lockfile), and drift against the lockfile
    (``"<kind>: <detail>"`` strings; ``drift_severity`` is the worst of them)."""

    path: str
    name: str
    source: str
    verdict: str | None = None
    score: float | None = None
    top_rules: list[str] = Field(default_factory=list)
    approved: bool | None = None
    drift: list[str] = Field(default_factory=list)
    drift_severity: str | None = None


class SkillsFacts(BaseModel, frozen=True):
    """Every skill OpenClaw would load, with scan verdicts; ``lockfile`` = path of the approved-skills lockfile
    when one exists."""

    skills: list[SkillFact] = Field(default_factory=list)
    lockfile: str | None = None
