"""The audit's fact collection: the installation snapshot (:mod:`clawfence.audit.facts`) plus what other product
parts know about it, baseline drift (:mod:`clawfence.integrity.baseline`, guide D3.3) and every installed skill
scanned (:mod:`clawfence.skills.installed`, guide P4/D3.1). Facts themselves import no product part; this module
is where the audit calls into the integrity and skills parts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from clawfence.audit.facts import ConfigFacts, DriftFacts, Facts, SkillsFacts
from clawfence.audit.facts import collect as collect_installation
from clawfence.audit.facts.locate import Installation


def drift(state_dir: Path, baseline: Path | None) -> DriftFacts:
    """Drift against ``baseline`` (or the default baseline when it was made of this state dir)."""
    from clawfence.core.paths import clawfence_home

    if baseline is None and not (clawfence_home() / "baseline.json").exists():
        return DriftFacts(baseline=None)  # nothing to compare; skip loading the signing code
    from clawfence.integrity.baseline import drift_facts

    return drift_facts(state_dir, baseline)


def skills(inst: Installation, cfg: ConfigFacts) -> SkillsFacts:
    """Every skill OpenClaw would load, scanned (read-only, nothing executed), with lockfile status."""
    from clawfence.skills.installed import collect_skills

    return collect_skills(inst.state_dir, cfg, inst.home)


def collect(
    inst: Installation,
    env: Mapping[str, str] | None = None,
    version_override: str | None = None,
    with_host: bool = True,
    baseline: Path | None = None,
) -> Facts:
    """The full audit snapshot of ``inst``: :func:`clawfence.audit.facts.collect` plus drift and skills.
    Raises what that function raises (:class:`~clawfence.audit.facts.FactsError`, ``ConfigLoadError``)."""
    facts = collect_installation(inst, env, version_override, with_host)
    cfg = facts.config or ConfigFacts(path=str(inst.config_path), exists=False)
    return facts.model_copy(update={"drift": drift(inst.state_dir, baseline), "skills": skills(inst, cfg)})
