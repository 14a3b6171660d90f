"""SIEM export (guide E4.3): findings, guard decisions (clawfence action-log records) and trail events as
RFC 5424 syslog with structured data, ArcSight CEF, OCSF 1.3 JSON, or JSONL; to stdout/a file or over the
network (``syslog://host:port`` UDP, ``tcp://host:port`` and ``tls://host:port`` with RFC 6587 octet counting).

Everything is scrubbed first. Structured-data id ``clawfence@32473`` uses the IANA documentation enterprise
number 32473 (RFC 5612) — replace it if you register one.
"""

from __future__ import annotations

import json
import socket
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from clawfence import __version__
from clawfence.core.model import Finding
from clawfence.trail.events import TrailEvent
from clawfence.trail.render import summary
from clawfence.trail.scrub import scrub, scrub_obj

FORMATS = ("ocsf", "cef", "syslog", "jsonl")
SD_ID = "clawfence@32473"
_SEV_NUM = {"critical": 2, "high": 3, "medium": 4, "low": 5, "info": 6}  # syslog severities
_CEF_SEV = {"critical": 10, "high": 8, "medium": 5, "low": 3, "info": 1}
_OCSF_SEV = {"critical": 5, "high": 4, "medium": 3, "low": 2, "info": 1}


@dataclass(frozen=True)
class Item:
    """One exportable thing: ``cls`` finding|decision|event, a name, severity, time, message and fields."""

    cls: str
    name: str
    severity: str
    ts: datetime
    message: str
    fields: dict[str, Any]


def from_finding(f: Finding, now: datetime | None = None) -> Item:
    """Export item for a finding."""
    return Item("finding", f.id, f.severity.value, now or datetime.now(UTC), f"{f.title}: {f.detail}",
                {"id": f.id, "title": f.title, "subject": f.subject, "guide": ",".join(f.guide),
                 "cwe": ",".join(f.cwe), "path": (f.location.path if f.location else None) or "",
                 "evidence": f.evidence or "", "fingerprint": f.fingerprint})


def from_record(rec: dict[str, Any]) -> Item:
    """Export item for a clawfence action-log record (guard decision, fix action, ...)."""
    data = rec.get("data") if isinstance(rec.get("data"), dict) else {}
    assert isinstance(data, dict)
    decision = str(data.get("decision", data.get("action", "")))
    sev = "high" if decision in ("deny", "block", "blocked") else "info"
    ts = datetime.fromisoformat(str(rec.get("ts"))) if rec.get("ts") else datetime.now(UTC)
    flat = {k: (v if isinstance(v, (str, int, float, bool)) else json.dumps(v, sort_keys=True)) for k, v in data.items()}
    return Item("decision", str(rec.get("type", "record")), sev, ts, f"{rec.get('type')} {decision}".strip(),
                {"seq": rec.get("seq"), "hash": rec.get("hash"), **flat})


def from_event(ev: TrailEvent) -> Item:
    """Export item for a trail event."""
    return Item("event", ev.kind, "info", ev.ts or datetime.now(UTC), summary(ev, 1000),
                {"agent": ev.agent, "session_key": ev.session_key, "session_id": ev.session_id, "tool": ev.tool,
                 "tool_call_id": ev.tool_call_id, "channel": ev.channel, "sender": ev.sender,
                 "args": json.dumps(ev.args, sort_keys=True, ensure_ascii=False) if ev.args else "",
                 "source": ev.source})


def _clean(item: Item) -> Item:
    return Item(item.cls, item.name, item.severity, item.ts, scrub(item.message),
                {k: scrub_obj(v) for k, v in item.fields.items() if v not in (None, "")})


def _sd_escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def to_syslog(item: Item, hostname: str | None = None, facility: int = 13) -> str:
    """RFC 5424 line: ``<PRI>1 TS HOST clawfence - MSGID [clawfence@32473 k="v" ...] MSG`` (facility 13 = log
    audit). MSGID is the item class; SD param names are ASCII, max 32 chars."""
    i = _clean(item)
    pri = facility * 8 + _SEV_NUM.get(i.severity, 6)
    params = {"class": i.cls, "name": i.name, "severity": i.severity, **i.fields}
    sd = " ".join(f'{k[:32]}="{_sd_escape(str(v))}"' for k, v in params.items()
                  if k.isascii() and all(c not in k for c in ' ="]'))
    host = (hostname or socket.gethostname() or "-")[:255]
    ts = i.ts.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    msg = i.message.replace("\n", " ")
    return f"<{pri}>1 {ts} {host} clawfence - {i.cls} [{SD_ID} {sd}] {msg}"


def _cef_h(v: str) -> str:
    return v.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _cef_e(v: str) -> str:
    return v.replace("\\", "\\\\").replace("=", "\\=").replace("\n", "\\n").replace("\r", "\\r")


def to_cef(item: Item) -> str:
    """``CEF:0|clawfence|clawfence|VER|SIGID|NAME|SEV|ext``; custom strings cs1..cs6 carry the fields."""
    i = _clean(item)
    ext = {"rt": str(int(i.ts.timestamp() * 1000)), "cat": i.cls, "msg": i.message}
    labels = list(i.fields.items())[:6]
    for n, (k, v) in enumerate(labels, 1):
        ext[f"cs{n}Label"] = k
        ext[f"cs{n}"] = str(v)
    body = " ".join(f"{k}={_cef_e(v)}" for k, v in ext.items())
    return (f"CEF:0|clawfence|clawfence|{_cef_h(__version__)}|{_cef_h(i.name)}|{_cef_h(i.message[:128])}|"
            f"{_CEF_SEV.get(i.severity, 1)}|{body}")


def to_ocsf(item: Item) -> dict[str, Any]:
    """OCSF 1.3: findings as Detection Finding (class 2004), decisions and events as API Activity (6003)."""
    i = _clean(item)
    meta = {"version": "1.3.0", "product": {"name": "clawfence", "vendor_name": "clawfence", "version": __version__}}
    base: dict[str, Any] = {"time": int(i.ts.timestamp() * 1000), "severity_id": _OCSF_SEV.get(i.severity, 1),
                            "severity": i.severity.capitalize(), "message": i.message, "metadata": meta,
                            "unmapped": i.fields}
    if i.cls == "finding":
        return {**base, "category_uid": 2, "class_uid": 2004, "activity_id": 1, "type_uid": 200401,
                "status_id": 1, "finding_info": {"uid": str(i.fields.get("fingerprint", i.name)), "title": i.name,
                                                   "desc": i.message, "types": [i.name]}}
    return {**base, "category_uid": 6, "class_uid": 6003, "activity_id": 99, "type_uid": 600399,
            "api": {"operation": str(i.fields.get("tool") or i.name)},
            "actor": {"app_name": str(i.fields.get("agent") or "openclaw")}}


def render(items: Iterable[Item], fmt: str) -> Iterator[str]:
    """Lines (no trailing newline) in ``fmt``; raises ``ValueError`` for an unknown format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    for it in items:
        if fmt == "syslog":
            yield to_syslog(it)
        elif fmt == "cef":
            yield to_cef(it)
        elif fmt == "ocsf":
            yield json.dumps(to_ocsf(it), ensure_ascii=False, sort_keys=True)
        else:
            c = _clean(it)
            yield json.dumps({"class": c.cls, "name": c.name, "severity": c.severity, "ts": c.ts.isoformat(),
                              "message": c.message, **c.fields}, ensure_ascii=False, sort_keys=True)


def send(lines: Iterable[str], target: str, *, cafile: str | None = None, timeout: float = 10.0) -> int:
    """Send lines to ``syslog://host:port`` (UDP datagrams), ``tcp://`` or ``tls://`` (octet-counted frames).

    Returns the number sent. Raises ``ValueError`` for a bad target and ``OSError``/``ssl.SSLError`` on network
    errors. TLS verifies the server certificate (system CAs or ``cafile``).
    """
    u = urlparse(target)
    if u.scheme not in ("syslog", "udp", "tcp", "tls") or not u.hostname:
        raise ValueError(f"bad --to {target!r}: use syslog://host:port, tcp://host:port or tls://host:port")
    port = u.port or (6514 if u.scheme == "tls" else 514)
    n = 0
    if u.scheme in ("syslog", "udp"):
        family = socket.AF_INET6 if ":" in u.hostname else socket.AF_INET
        with socket.socket(family, socket.SOCK_DGRAM) as s:
            for line in lines:
                s.sendto(line.encode("utf-8")[:65000], (u.hostname, port))
                n += 1
        return n
    raw = socket.create_connection((u.hostname, port), timeout=timeout)
    conn: socket.socket = raw
    if u.scheme == "tls":
        ctx = ssl.create_default_context(cafile=cafile)
        conn = ctx.wrap_socket(raw, server_hostname=u.hostname)
    with conn:
        for line in lines:
            data = line.encode("utf-8")
            conn.sendall(str(len(data)).encode() + b" " + data)
            n += 1
    return n
