"""SARIF 2.1.0 report (OASIS Static Analysis Results Interchange Format), built from the Report only.

Shape: one ``run``; ``tool.driver.rules`` has one rule per distinct finding id (title, remediation as
help, guide ids + CWE as tags, ``security-severity`` for code-scanning UIs); ``results`` holds the FAIL,
WARN and ERROR findings, waived ones with an external suppression; the 76-point compliance rollup and
the summary go in ``run.properties``. Validated in tests against the official OASIS schema
(``sarif-2.1/schema/sarif-schema-2.1.0.json``, errata01).
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from clawfence.core.model import Finding, Report, Severity, Status

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/clawfence/clawfence"
FINGERPRINT_KEY = "clawfence/v1"

_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note", Severity.INFO: "note"}


def level(f: Finding) -> str:
    """SARIF ``level`` of a finding: from its severity; a WARN is at most ``warning``, an ERROR ``warning``."""
    lv = _LEVEL[f.severity]
    if f.status in (Status.WARN, Status.ERROR) and lv == "error":
        return "warning"
    return lv


def file_uri(path: str) -> str:
    """``file://`` URI of an absolute POSIX path; a relative path stays a relative URI reference."""
    p = PurePosixPath(path)
    quoted = quote(str(p), safe="/")
    return f"file://{quoted}" if p.is_absolute() else quoted


def _tags(f: Finding) -> list[str]:
    tags = ["security", *f.guide]
    tags += [c if c.upper().startswith("CWE-") else f"CWE-{c}" for c in f.cwe]
    return list(dict.fromkeys(tags))


def _rule(f: Finding, severity: Severity) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": f.id,
        "name": f.id,
        "shortDescription": {"text": f.title},
        "help": {"text": f.remediation},
        "defaultConfiguration": {"level": _LEVEL[severity]},
        "properties": {
            "tags": _tags(f),
            "security-severity": f"{severity.score:.1f}",
            "problem.severity": "error" if severity.rank >= 3 else "warning" if severity.rank == 2 else "recommendation",
            "guide": list(f.guide),
            "upstream": list(f.upstream),
        },
    }
    web = [r for r in f.references if r.startswith(("https://", "http://"))]
    if web:
        rule["helpUri"] = web[0]
    return rule


def _rules(report: Report) -> tuple[list[dict[str, Any]], dict[str, int]]:
    first: dict[str, Finding] = {}
    worst: dict[str, Severity] = {}
    for f in report.findings:
        first.setdefault(f.id, f)
        if f.id not in worst or f.severity.rank > worst[f.id].rank:
            worst[f.id] = f.severity
    ids = sorted(first)
    return [_rule(first[i], worst[i]) for i in ids], {i: n for n, i in enumerate(ids)}


def _location(f: Finding, report: Report) -> dict[str, Any]:
    loc = f.location
    path = (loc.path if loc else None) or (report.target.config_path if loc and loc.key else None)
    out: dict[str, Any] = {}
    if path:
        phys: dict[str, Any] = {"artifactLocation": {"uri": file_uri(path)}}
        if loc and loc.line and loc.line >= 1:
            phys["region"] = {"startLine": loc.line}
        out["physicalLocation"] = phys
    if loc and loc.key:
        out["logicalLocations"] = [{"name": loc.key.rsplit(".", 1)[-1], "fullyQualifiedName": loc.key,
                                    "kind": "property"}]
    if not out:  # SARIF consumers expect a location: point at the state dir
        out["physicalLocation"] = {"artifactLocation": {"uri": file_uri(report.target.state_dir or ".")}}
    return out


def _result(f: Finding, report: Report, index: int) -> dict[str, Any]:
    text = f"{f.title}: {f.detail}" if f.detail else f.title
    res: dict[str, Any] = {
        "ruleId": f.id,
        "ruleIndex": index,
        "level": level(f),
        "message": {"text": text},
        "locations": [_location(f, report)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {
            "status": f.status.value,
            "severity": f.severity.value,
            "subject": f.subject,
            "guide": list(f.guide),
            "remediation": f.remediation,
        },
    }
    if f.evidence:
        res["properties"]["evidence"] = f.evidence
    if f.suppressed:
        res["suppressions"] = [{"kind": "external", "justification": f.suppressed}]
    return res


def _utc(ts: str) -> str:
    return ts[:-6] + "Z" if ts.endswith("+00:00") else ts


def to_dict(report: Report) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict (one run)."""
    rules, index = _rules(report)
    results = [_result(f, report, index[f.id]) for f in report.findings if f.is_problem]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": report.tool_name,
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "invocations": [{"executionSuccessful": True, "startTimeUtc": _utc(report.started),
                         "endTimeUtc": _utc(report.finished)}],
        "language": "zh-CN" if report.lang == "zh" else "en-US",
        "results": results,
        "properties": {
            "target": {
                "state_dir": report.target.state_dir,
                "config_path": report.target.config_path,
                "openclaw_version": report.target.openclaw_version,
            },
            "summary": report.summary(),
            "compliance": [p.to_dict() for p in report.compliance],
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(report: Report) -> str:
    """SARIF 2.1.0 JSON text (2-space indent, UTF-8 kept)."""
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"
