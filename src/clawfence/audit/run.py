"""Audit orchestration: facts -> checks -> waivers -> compliance -> :class:`Report`. No rendering here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from clawfence import __version__
from clawfence.audit.checks import all_checks
from clawfence.audit.compliance import rollup
from clawfence.audit.engine import run
from clawfence.audit.facts import Facts
from clawfence.audit.registry import Check
from clawfence.core.guide import load as load_guide
from clawfence.core.model import Finding, Report, Target

if TYPE_CHECKING:
    from clawfence.audit.waivers import Waiver
def summarise_facts(facts: Facts) -> dict[str, object]:
    """Short, secret-free summary of the snapshot for report headers."""
    host = facts.host
    return {
        "located_by": facts.located_by,
        "config_exists": bool(facts.config and facts.config.exists),
        "schema_version": facts.config.schema_version if facts.config else None,
        "version_source": facts.version.source,
        "container": host.container if host else None,
        "vm": host.vm if host else None,
        "gateway_processes": len(host.gateway_processes) if host else None,
        "listeners": [f"{x.address}:{x.port}" for x in host.listeners] if host else None,
    }


def audit(
    facts: Facts,
    lang: str = "en",
    deep: bool = False,
    checks: Sequence[Check] | None = None,
    extra_findings: Sequence[Finding] = (),
    started: str | None = None,
    waivers: Sequence[Waiver] = (),
) -> Report:
    """Run every check over ``facts``, mark waived findings, and roll up compliance for all guide points
    (a waived finding no longer fails its point)."""
    started = started or datetime.now(UTC).isoformat(timespec="seconds")
    chosen = tuple(checks) if checks is not None else all_checks()
    findings = run(chosen, facts, lang=lang, deep=deep) + list(extra_findings)
    if waivers:
        from clawfence.audit.waivers import apply
        findings = apply(findings, list(waivers))
    return Report(
        tool_name="clawfence",
        tool_version=__version__,
        target=Target(facts.state_dir, facts.config_path, facts.version.version, facts.version.source),
        started=started,
        finished=datetime.now(UTC).isoformat(timespec="seconds"),
        findings=tuple(findings),
        compliance=rollup(load_guide(), chosen, findings, lang),
        facts_summary=summarise_facts(facts),
        lang=lang,
    )
