"""JSON report, schema 1 (the contract other tools and tests rely on)."""

from __future__ import annotations

import json
from typing import Any

from clawfence.core.model import Report


def to_dict(report: Report) -> dict[str, Any]:
    """The schema-1 document: tool, target, summary, findings, compliance."""
    return {
        "schema": 1,
        "kind": report.kind,
        "tool": {"name": report.tool_name, "version": report.tool_version},
        "target": {
            "state_dir": report.target.state_dir,
            "config_path": report.target.config_path,
            "openclaw_version": report.target.openclaw_version,
            "openclaw_version_source": report.target.version_source,
        },
        "started": report.started,
        "finished": report.finished,
        "lang": report.lang,
        "summary": report.summary(),
        "facts": report.facts_summary,
        "findings": [f.to_dict() for f in report.findings],
        "compliance": [p.to_dict() for p in report.compliance],
    }


def render(report: Report) -> str:
    """Pretty JSON with stable key order."""
    return json.dumps(to_dict(report), indent=2, ensure_ascii=False) + "\n"
