"""OCSF 1.5.0 events as plain dicts: Detection Finding (2004), Compliance Finding (2003), API Activity (6003).

Shapes follow the OCSF 1.5.0 schema (schema.ocsf.io); tests validate every event clawfence emits with
``ocsf-emitter`` (pydantic models of all OCSF 1.5.0 classes plus its invariant checks: ``type_uid =
class_uid * 100 + activity_id``, sibling caption fields, schema version). ``time`` is the time of the event
the record describes (epoch milliseconds), never the export time. No I/O here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from clawfence import __version__

VERSION = "1.5.0"
#: OCSF severity_id by clawfence severity, and the schema's caption for each id.
SEVERITY_ID = {"info": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
SEVERITY_CAPTION = {0: "Unknown", 1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical", 6: "Fatal",
                    99: "Other"}
#: API Activity activity_id captions (OCSF 1.5.0 ``api_activity.activity_id``).
API_ACTIVITY = {1: "Create", 2: "Read", 3: "Update", 4: "Delete", 99: "Other"}
#: Finding activity captions (``finding.activity_id``).
FINDING_ACTIVITY = {1: "Create", 2: "Update", 3: "Close", 99: "Other"}
#: Compliance status (``compliance.status_id``) captions.
COMPLIANCE_STATUS = {1: "Pass", 2: "Warning", 3: "Fail", 99: "Other"}


def epoch_ms(ts: datetime) -> int:
    """Aware datetime -> OCSF ``timestamp_t`` (integer milliseconds since the epoch)."""
    return int(ts.timestamp() * 1000)


def _base(class_uid: int, class_name: str, category_uid: int, category_name: str, activity_id: int,
          activity_name: str, time_ms: int, severity: str, message: str,
          unmapped: dict[str, Any] | None) -> dict[str, Any]:
    sev = SEVERITY_ID.get(severity, 0)
    ev: dict[str, Any] = {
        "metadata": {"version": VERSION, "product": {"name": "clawfence", "vendor_name": "clawfence",
                                                      "version": __version__}},
        "time": time_ms, "severity_id": sev, "severity": SEVERITY_CAPTION[sev], "message": message,
        "category_uid": category_uid, "category_name": category_name,
        "class_uid": class_uid, "class_name": class_name,
        "activity_id": activity_id, "activity_name": activity_name,
        "type_uid": class_uid * 100 + activity_id, "type_name": f"{class_name}: {activity_name}",
    }
    if unmapped:
        ev["unmapped"] = unmapped
    return ev


def detection_finding(*, uid: str, title: str, desc: str, types: list[str], severity: str, time_ms: int,
                      message: str, unmapped: dict[str, Any] | None = None) -> dict[str, Any]:
    """Detection Finding (class 2004, category 2 Findings): something clawfence detected in what happened."""
    ev = _base(2004, "Detection Finding", 2, "Findings", 1, FINDING_ACTIVITY[1], time_ms, severity, message,
               unmapped)
    ev["status_id"], ev["status"] = 1, "New"
    ev["finding_info"] = {"uid": uid, "title": title, "desc": desc, "types": types}
    return ev


def compliance_finding(*, uid: str, title: str, desc: str, severity: str, time_ms: int, message: str,
                       control: str, requirements: list[str], status: str,
                       unmapped: dict[str, Any] | None = None) -> dict[str, Any]:
    """Compliance Finding (class 2003): one check against the CNCERT OpenClaw guide. ``status`` is
    pass|warn|fail (anything else -> Other); ``requirements`` are guide point ids."""
    ev = _base(2003, "Compliance Finding", 2, "Findings", 1, FINDING_ACTIVITY[1], time_ms, severity, message,
               unmapped)
    sid = {"pass": 1, "warn": 2, "fail": 3}.get(status, 99)
    ev["status_id"], ev["status"] = 1, "New"
    ev["finding_info"] = {"uid": uid, "title": title, "desc": desc}
    ev["compliance"] = {"control": control, "requirements": requirements,
                        "standards": ["CNCERT OpenClaw Secure Usage Practice Guide (2026-03-22)"],
                        "status_id": sid, "status": COMPLIANCE_STATUS[sid]}
    return ev


def api_activity(*, operation: str, activity_id: int, time_ms: int, severity: str, message: str,
                 actor_app: str, actor_user: str | None, src_name: str, service: str, outcome: str | None,
                 unmapped: dict[str, Any] | None = None) -> dict[str, Any]:
    """API Activity (class 6003, category 6 Application Activity): an agent tool call, model call or guard
    decision. ``src_name`` names the calling endpoint (agent/session), ``service`` the API (``openclaw``,
    ``clawfence-guard``); ``outcome`` success|failure|None."""
    aid = activity_id if activity_id in API_ACTIVITY else 99
    ev = _base(6003, "API Activity", 6, "Application Activity", aid, API_ACTIVITY[aid], time_ms, severity, message,
               unmapped)
    ev["api"] = {"operation": operation, "service": {"name": service}}
    actor: dict[str, Any] = {"app_name": actor_app}
    if actor_user:
        actor["user"] = {"name": actor_user}
    ev["actor"] = actor
    ev["src_endpoint"] = {"name": src_name}
    if outcome in ("success", "failure"):
        ev["status_id"], ev["status"] = (1, "Success") if outcome == "success" else (2, "Failure")
    return ev
