"""Installed skills as facts (filled by the skills scanner: see ``clawfence.skills``).

Source: OpenClaw ``docs/tools/skills.md`` "Loading order": ``<workspace>/skills``,
``<workspace>/.agents/skills``, ``~/.agents/skills``, ``<stateDir>/skills``, bundled, ``skills.load.extraDirs``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    from clawfence.audit.facts.config import ConfigFacts


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


def _expand(path: str, home: Path) -> Path:
    """``~`` means OpenClaw's home (``OPENCLAW_HOME`` > ``HOME``), as OpenClaw resolves it."""
    if path == "~" or path.startswith("~/"):
        return home / path[2:]
    return Path(os.path.expanduser(path))


def skill_roots(state_dir: Path, config: ConfigFacts | None, home: Path) -> list[tuple[str, Path]]:
    """(source label, directory) pairs in OpenClaw's precedence order; missing directories are kept out."""
    ws_raw = config.get("agents.defaults.workspace") if config is not None else None
    ws = _expand(ws_raw, home) if isinstance(ws_raw, str) and ws_raw else state_dir / "workspace"
    if not ws.is_absolute():
        ws = state_dir / ws
    roots: list[tuple[str, Path]] = [
        ("workspace", ws / "skills"),
        ("workspace-agents", ws / ".agents" / "skills"),
        ("personal-agents", home / ".agents" / "skills"),
        ("managed", state_dir / "skills"),
    ]
    extra = config.get("skills.load.extraDirs") if config is not None else None
    if isinstance(extra, list):
        for e in extra:
            if isinstance(e, str) and e:
                p = _expand(e, home)
                roots.append(("extra", p if p.is_absolute() else state_dir / p))
    out: list[tuple[str, Path]] = []
    seen: set[Path] = set()
    for label, p in roots:
        try:
            rp = p.resolve()
        except OSError:
            continue
        if rp in seen or not p.is_dir():
            continue
        seen.add(rp)
        out.append((label, p))
    return out
