"""Every skill OpenClaw would load, scanned: :func:`collect_skills` builds :class:`SkillsFacts`.

Source: OpenClaw ``docs/tools/skills.md`` loading order: ``<workspace>/skills``, ``<workspace>/.agents/skills``,
``~/.agents/skills``, ``<stateDir>/skills`` (managed), ``skills.load.extraDirs``. The workspace is
``agents.defaults.workspace`` (default ``<stateDir>/workspace``). Bundled skills of the npm package are not scanned.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clawfence.audit.facts.skills import SkillFact, SkillsFacts, skill_roots
from clawfence.skills import lockfile

__all__ = ["collect_skills", "skill_roots"]  # skill_roots lives in audit.facts.skills (shared with the baseline)

if TYPE_CHECKING:
    from clawfence.audit.facts.config import ConfigFacts
def collect_skills(state_dir: Path, config: ConfigFacts | None, home: Path, lock_path: Path | None = None) -> SkillsFacts:
    """Scan every installed skill; compare with the approved lockfile (default ``<state>/clawfence/skills.lock.json``).

    Never raises for unreadable skills (they are skipped); reads only, executes nothing."""
    lp = lock_path or lockfile.default_path(state_dir)
    try:
        lock = lockfile.load(lp)
        lock_ok = lp.exists()
    except lockfile.LockError:
        lock, lock_ok = {"schema": 1, "skills": {}}, False
    facts: list[SkillFact] = []
    roots = skill_roots(state_dir, config, home)
    if not roots:
        return SkillsFacts(skills=[], lockfile=str(lp) if lock_ok else None)
    # the scanner compiles its rules at import: load it only when there is something to scan
    from clawfence.skills.scanner import discover, scan_loaded
    from clawfence.skills.source import SourceError, load_dir
    for label, root in roots:
        for d in discover(root, max_depth=2):
            if d == root and not (d / "SKILL.md").exists():
                continue
            try:
                r = scan_loaded(load_dir(d), str(d), d.name)
            except SourceError:
                continue
            entry = lock["skills"].get(r.name)
            drift = [x for x in lockfile.compare(entry, r, r.name) if x.kind != "ok"] if entry else []
            facts.append(
                SkillFact(
                    path=str(d),
                    name=r.name,
                    source=label,
                    verdict=r.verdict,
                    score=r.score,
                    top_rules=sorted({f.rule for f in r.findings if f.severity in ("critical", "high") and f.confidence >= 0.5})[
                        :8
                    ],
                    approved=(entry is not None) if lock_ok else None,
                    drift=[f"{x.kind}: {x.detail}" for x in drift],
                    drift_severity=max((x.severity for x in drift), key=_sev_rank, default=None),
                )
            )
    return SkillsFacts(skills=facts, lockfile=str(lp) if lock_ok else None)


def _sev_rank(s: str) -> int:
    return {"critical": 4, "high": 3, "medium": 2, "low": 1}.get(s, 0)
