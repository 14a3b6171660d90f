"""``clawfence audit --deployment PATH``: parse, run every ``DP0xx`` check, roll up the guide points they cite,
return a :class:`~clawfence.core.model.Report` (``kind="deployment"``) that every reporter renders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from clawfence import __version__
from clawfence.audit.deployment.checks import ALL, DeploymentCheck
from clawfence.audit.deployment.model import Deployment
from clawfence.audit.deployment.parse import load
from clawfence.audit.engine import sort_key
from clawfence.core.guide import load as load_guide
from clawfence.core.model import Finding, Location, Outcome, PointResult, PointStatus, Report, Status, Target


def stamp(c: DeploymentCheck, o: Outcome, lang: str = "en") -> Finding:
    """An outcome of ``c`` as a finding carrying its metadata (title/remediation in ``lang``)."""
    return Finding(id=c.id, title=c.title_zh if lang == "zh" else c.title, severity=o.severity or c.severity,
                   status=o.status, detail=o.detail, subject=o.subject, location=o.location, guide=c.guide,
                   remediation=c.remediation_zh if lang == "zh" else c.remediation, references=c.references,
                   cwe=c.cwe, evidence=o.evidence)


def run_checks(dep: Deployment, checks: Sequence[DeploymentCheck] = ALL, lang: str = "en") -> list[Finding]:
    """Every check over ``dep``; a crashing check gives one ERROR finding instead of aborting. Sorted."""
    out: list[Finding] = []
    for c in checks:
        try:
            found = [stamp(c, o, lang) for o in c.fn(dep)]
        except Exception as exc:  # a crashing check must never abort the run
            found = [stamp(c, Outcome(Status.ERROR, f"check crashed: {type(exc).__name__}: {exc}", c.id,
                                      Location()), lang)]
        out.extend(found)
    return sorted(out, key=sort_key)


def rollup(findings: Sequence[Finding], checks: Sequence[DeploymentCheck] = ALL) -> tuple[PointResult, ...]:
    """One :class:`PointResult` per guide point a deployment check cites (guide order)."""
    guide = load_guide()
    out: list[PointResult] = []
    for item in guide.items:
        for pid in item.points:
            ids = sorted(c.id for c in checks if pid in c.guide)
            if not ids:
                continue
            fs = [f for f in findings if f.id in ids and not f.suppressed]
            if any(f.status in (Status.FAIL, Status.ERROR) for f in fs):
                st = PointStatus.FAIL
            elif any(f.status == Status.WARN for f in fs):
                st = PointStatus.WARN
            elif any(f.status == Status.PASS for f in fs):
                st = PointStatus.PASS
            else:
                st = PointStatus.NOT_APPLICABLE
            p = guide.points[pid]
            out.append(PointResult(pid, item.id, st, tuple(ids), p.en, p.zh))
    return tuple(out)


def audit_deployment(path: Path, lang: str = "en") -> Report:
    """Audit the deployment at ``path`` (file or directory). Raises
    :class:`~clawfence.audit.deployment.parse.DeploymentError` when nothing there can be read."""
    started = datetime.now(UTC).isoformat(timespec="seconds")
    dep = load(path)
    findings = run_checks(dep, lang=lang)
    return Report(
        tool_name="clawfence", tool_version=__version__,
        target=Target(state_dir=str(path), config_path=", ".join(dep.files[:5]), openclaw_version=None,
                      version_source="deployment"),
        started=started, finished=datetime.now(UTC).isoformat(timespec="seconds"), findings=tuple(findings),
        compliance=rollup(findings), facts_summary={"deployment": str(path), "kinds": sorted(dep.kinds),
                                                    "files": len(dep.files), "workloads": len(dep.workloads)},
        lang=lang, kind="deployment")
