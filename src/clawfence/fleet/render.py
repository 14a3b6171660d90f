"""Fleet report output: JSON (schema ``fleet-1``), one self-contained HTML page, OCSF Compliance Finding lines.

OCSF (1.5.0, class 2003, built by :mod:`clawfence.core.ocsf`): one event per cross-host risk (``control`` = the
FL rule id, every host named in ``unmapped.hosts``) and one per unsuppressed fail/warn finding of each host
(``device.hostname`` = the inventory host, ``control`` = the check id), timed at that host's audit. Nothing
rendered here holds a secret: credentials appear only as salted fingerprint and redacted form.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from html import escape
from typing import Any

from clawfence.core import ocsf
from clawfence.fleet.aggregate import FleetFinding, FleetReport
from clawfence.fleet.load import HostInput

FORMATS = ("json", "html", "ocsf")


def _risk(f: FleetFinding) -> dict[str, Any]:
    return {"id": f.rule.id, "title": f.rule.title, "title_zh": f.rule.title_zh, "severity": f.severity.value,
            "status": f.rule.status, "guide": list(f.rule.guide), "hosts": list(f.hosts), "subject": f.subject,
            "detail": f.detail, "remediation": f.rule.remediation, "references": list(f.rule.references),
            "evidence": dict(f.evidence)}


def to_dict(rep: FleetReport) -> dict[str, Any]:
    """The JSON document: ``schema: "fleet-1"``, generated, tool, score (lowest host score), hosts, risks,
    worst (fleet-wide, by check), versions."""
    return {
        "schema": "fleet-1", "generated": rep.generated, "tool": {"name": "clawfence", "version": rep.tool_version},
        "score": rep.score, "host_count": len(rep.hosts),
        "hosts": [{"name": h.name, "ok": h.ok, "score": h.score, "openclaw_version": h.version,
                   "audited": h.finished, "problems": dict(h.problems), "worst": [dict(w) for w in h.worst],
                   "guard": h.guard, "baseline": h.baseline,
                   "credentials": [c.model_dump() for c in h.fleet.credentials] if h.fleet else None,
                   "fleet_salt_id": h.fleet.salt_id if h.fleet else None, "errors": list(h.errors)}
                  for h in rep.hosts],
        "risks": [_risk(f) for f in rep.risks],
        "worst": [{"id": w.id, "title": w.title, "severity": w.severity.value, "status": w.status,
                   "guide": list(w.guide), "hosts": list(w.hosts)} for w in rep.worst],
        "versions": {v: list(h) for v, h in rep.versions.items()},
    }


def to_json(rep: FleetReport) -> str:
    """Pretty JSON, stable key order within each object."""
    return json.dumps(to_dict(rep), indent=2, ensure_ascii=False) + "\n"


def _ms(stamp: str | None, fallback: str) -> int:
    for s in (stamp, fallback):
        if s:
            try:
                t = datetime.fromisoformat(s)
            except ValueError:
                continue
            if t.tzinfo is not None:
                return ocsf.epoch_ms(t)
    return 0


def ocsf_events(rep: FleetReport, inputs: Sequence[HostInput]) -> Iterator[dict[str, Any]]:
    """OCSF 1.5.0 Compliance Finding events: fleet risks first, then each host's problems."""
    t_fleet = _ms(rep.generated, rep.generated)
    for f in rep.risks:
        yield ocsf.compliance_finding(
            uid=f"fleet:{f.rule.id}:{f.subject}", title=f.rule.title, desc=f.detail, severity=f.severity.value,
            time_ms=t_fleet, message=f"{f.rule.id} {f.rule.title} ({len(f.hosts)} hosts)", control=f.rule.id,
            requirements=list(f.rule.guide), status=f.rule.status,
            unmapped={"hosts": list(f.hosts), "remediation": f.rule.remediation, "scope": "fleet"})
    results = {h.name: h for h in rep.hosts}
    for h in inputs:
        if h.report is None:
            continue
        when = _ms(results[h.name].finished if h.name in results else None, rep.generated)
        for raw in h.report.get("findings", []):
            if raw.get("status") not in ("fail", "warn") or raw.get("suppressed"):
                continue
            sev = str(raw.get("severity"))
            ev = ocsf.compliance_finding(
                uid=f"{h.name}:{raw.get('fingerprint') or raw.get('id')}", title=str(raw.get("title", "")),
                desc=str(raw.get("detail", "")), severity=sev if sev in ocsf.SEVERITY_ID else "info", time_ms=when,
                message=f"{h.name}: {raw.get('id')} {raw.get('title', '')}", control=str(raw.get("id")),
                requirements=[str(g) for g in raw.get("guide") or []], status=str(raw.get("status")),
                unmapped={"subject": str(raw.get("subject", "")), "scope": "host"})
            ev["device"] = {"hostname": h.name, "type_id": 0, "type": "Unknown"}
            yield ev


def to_ocsf(rep: FleetReport, inputs: Sequence[HostInput]) -> str:
    """NDJSON: one OCSF event per line."""
    return "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in ocsf_events(rep, inputs))


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#1d2330;padding:0 1em}
h1{font-size:1.5em}h2{margin-top:1.6em;border-bottom:1px solid #ccd;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #d5d9e0;padding:.35em .5em;
text-align:left;vertical-align:top}th{background:#f2f4f8}
.badge{display:inline-block;border-radius:3px;padding:0 .45em;font-size:.85em;font-weight:600;color:#fff}
.sv-critical{background:#7a0019}.sv-high{background:#c0392b}.sv-medium{background:#d68910}.sv-low{background:#2e86c1}
.sv-info{background:#7f8c8d}.st-pass{background:#1e8449}.st-fail{background:#c0392b}.st-warn{background:#d68910}
.st-none,.st-skip,.st-error{background:#7f8c8d}.score{font-size:2em;font-weight:700}
.risk{border:1px solid #d5d9e0;border-left:6px solid #c0392b;padding:.6em .9em;margin:.8em 0;border-radius:4px}
.r-critical{border-left-color:#7a0019}.r-medium{border-left-color:#d68910}.r-low{border-left-color:#2e86c1}
.r-info{border-left-color:#7f8c8d}
code{background:#f2f4f8;padding:0 .25em;border-radius:3px}.muted{color:#667}
@media print{.risk{break-inside:avoid}}
"""


def _e(v: object) -> str:
    return "" if v is None else escape(str(v), quote=True)


def _badge(kind: str, value: str) -> str:
    return f'<span class="badge {kind}-{_e(value)}">{_e(value)}</span>'


def _hosts_table(rep: FleetReport) -> str:
    rows = []
    for h in sorted(rep.hosts, key=lambda h: (h.score if h.score is not None else -1, h.name)):
        worst = "<br>".join(f"{_badge('sv', w['severity'])} <code>{_e(w['id'])}</code> {_e(w['title'])}"
                            for w in h.worst) or ('<span class="muted">none</span>' if h.ok else _e("; ".join(h.errors)))
        probs = ", ".join(f"{n} {s}" for s, n in sorted(h.problems.items(), key=lambda kv: kv[0])) or "-"
        rows.append(f"<tr><td><b>{_e(h.name)}</b></td><td>{_e(h.score if h.score is not None else '-')}</td>"
                    f"<td>{_e(h.version or 'unknown')}</td><td>{_badge('st', h.guard)}</td>"
                    f"<td>{_badge('st', h.baseline)}</td><td>{_e(probs)}</td><td>{worst}</td></tr>")
    return ("<table><tr><th>host</th><th>score</th><th>OpenClaw</th><th>guard (RG001)</th><th>baseline (BL001)"
            "</th><th>problems</th><th>worst findings</th></tr>" + "".join(rows) + "</table>")


def to_html(rep: FleetReport) -> str:
    """One self-contained page (inline CSS, no script, no external asset); every value is HTML-escaped."""
    risks = "".join(
        f'<div class="risk r-{_e(f.severity.value)}"><b>{_badge("sv", f.severity.value)} {_e(f.rule.id)} {_e(f.rule.title)}</b>'
        f'<p>{_e(f.detail)}</p><p class="muted">hosts: {_e(", ".join(f.hosts))} · guide: {_e(", ".join(f.rule.guide))}'
        f'</p><p>{_e(f.rule.remediation)}</p></div>' for f in rep.risks) or "<p>No cross-host risk found.</p>"
    worst_rows = "".join(
        f"<tr><td><code>{_e(w.id)}</code></td><td>{_badge('sv', w.severity.value)} {_badge('st', w.status)}</td>"
        f"<td>{_e(w.title)}</td><td>{len(w.hosts)}: {_e(', '.join(w.hosts))}</td><td>{_e(', '.join(w.guide))}</td></tr>"
        for w in rep.worst)
    versions = "".join(f"<tr><td>{_e(v)}</td><td>{_e(', '.join(h))}</td></tr>" for v, h in rep.versions.items())
    score = rep.score if rep.score is not None else "-"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
        'content="width=device-width,initial-scale=1"><title>clawfence fleet report</title>'
        f"<style>{_CSS}</style></head><body><h1>clawfence fleet report</h1>"
        f'<p><span class="score">{_e(score)}</span> <span class="muted">lowest host score · {len(rep.hosts)} hosts · '
        f"{len(rep.risks)} cross-host risks · generated {_e(rep.generated)} by clawfence {_e(rep.tool_version)}</span></p>"
        f"<h2>Cross-host risks</h2>{risks}<h2>Hosts</h2>{_hosts_table(rep)}"
        "<h2>Worst findings across the fleet</h2><table><tr><th>check</th><th>severity</th><th>title</th>"
        f"<th>hosts</th><th>guide</th></tr>{worst_rows}</table>"
        f"<h2>OpenClaw versions</h2><table><tr><th>version</th><th>hosts</th></tr>{versions}</table>"
        "</body></html>\n")


def render(rep: FleetReport, fmt: str, inputs: Sequence[HostInput]) -> str:
    """``fmt`` one of :data:`FORMATS` (raises ``ValueError`` otherwise)."""
    if fmt == "json":
        return to_json(rep)
    if fmt == "html":
        return to_html(rep)
    if fmt == "ocsf":
        return to_ocsf(rep, inputs)
    raise ValueError(f"unknown fleet report format {fmt!r}")


def summary_lines(rep: FleetReport) -> list[str]:
    """Short text summary (stderr of ``fleet report``): hosts with scores, then each risk in one line."""
    out = [f"{len(rep.hosts)} hosts, fleet score {rep.score if rep.score is not None else '-'} (lowest host)"]
    out += [f"  {h.name}: score {h.score if h.score is not None else '-'}, OpenClaw {h.version or 'unknown'}, "
            f"guard {h.guard}, baseline {h.baseline}" for h in rep.hosts]
    out += [f"{f.rule.id} [{f.severity.value}] {f.detail}" for f in rep.risks]
    return out


__all__ = ["FORMATS", "ocsf_events", "render", "summary_lines", "to_dict", "to_html", "to_json", "to_ocsf"]
