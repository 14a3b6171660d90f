"""Installed skills as facts (filled by the skills scanner: see ``clawfence.scan``).

Source: OpenClaw ``docs/tools/skills.md`` "Loading order": ``<workspace>/skills``,
``<workspace>/.agents/skills``, ``~/.agents/skills``, ``<stateDir>/skills``, bundled, ``skills.load.extraDirs``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class SkillFact(BaseModel, frozen=True):
    """One installed skill: folder, name, where it was loaded from, and the scanner's verdict."""

    path: str
    name: str
    source: str
    verdict: str | None = None
    score: float | None = None
    top_rules: list[str] = Field(default_factory=list)
    approved: bool | None = None


class SkillsFacts(BaseModel, frozen=True):
    """Every skill OpenClaw would load, with scan verdicts."""

    skills: list[SkillFact] = Field(default_factory=list)
    lockfile: str | None = None
