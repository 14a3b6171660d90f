"""SIEM export (guide E4.3): findings, guard decisions (clawfence action-log records) and trail events as
RFC 5424 syslog with structured data, ArcSight CEF, OCSF 1.5.0 JSON, or JSONL; to stdout/a file or over the
network (``syslog://host:port`` UDP, ``tcp://host:port`` and ``tls://host:port`` with RFC 6587 octet counting).

Everything is scrubbed first. Structured-data id ``clawfence@32473`` uses the IANA documentation enterprise
number 32473 (RFC 5612) — replace it if you register one.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import ssl
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from clawfence import __version__
from clawfence.core import ocsf
from clawfence.core.model import Finding
from clawfence.trail.events import TrailEvent
from clawfence.trail.render import summary
from clawfence.trail.scrub import scrub, scrub_obj

FORMATS = ("ocsf", "cef", "syslog", "jsonl")
SD_ID = "clawfence@32473"
_SEV_NUM = {"critical": 2, "high": 3, "medium": 4, "low": 5, "info": 6}  # syslog severities
_CEF_SEV = {"critical": 10, "high": 8, "medium": 5, "low": 3, "info": 1}


#: Tool names whose call reads, writes or deletes (OCSF API Activity activity_id 2/3/4); others are 99 Other.
_READ_TOOLS = frozenset({"read", "web_fetch", "web_search", "browser", "image", "memory_search", "memory_get"})
_UPDATE_TOOLS = frozenset({"write", "edit", "apply_patch", "gateway", "cron", "message"})


@dataclass(frozen=True)
class Item:
    """One exportable thing: ``cls`` finding|decision|event, a name, severity, the time of what it describes
    (never the export time when that is known), message and fields."""

    cls: str
    name: str
    severity: str
    ts: datetime
    message: str
    fields: dict[str, Any]


def from_finding(f: Finding, now: datetime | None = None) -> Item:
    """Export item for a finding, stamped with the time of the event behind it (``Finding.observed_at``);
    ``now`` (else the current time) only when the finding carries none."""
    ts = _parse_time(f.observed_at) or now or datetime.now(UTC)
    return Item("finding", f.id, f.severity.value, ts, f"{f.title}: {f.detail}",
                {"id": f.id, "title": f.title, "subject": f.subject, "guide": ",".join(f.guide),
                 "cwe": ",".join(f.cwe), "path": (f.location.path if f.location else None) or "",
                 "evidence": f.evidence or "", "fingerprint": f.fingerprint})


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def from_record(rec: dict[str, Any]) -> Item:
    """Export item for a clawfence action-log record (guard decision, fix action, ...), at the record's time."""
    data = rec.get("data") if isinstance(rec.get("data"), dict) else {}
    assert isinstance(data, dict)
    decision = str(data.get("decision", data.get("action", "")))
    sev = "high" if decision in ("deny", "block", "blocked") else "info"
    ts = _parse_time(rec.get("ts")) or datetime.now(UTC)
    flat = {k: (v if isinstance(v, (str, int, float, bool)) else json.dumps(v, sort_keys=True)) for k, v in data.items()}
    return Item("decision", str(rec.get("type", "record")), sev, ts, f"{rec.get('type')} {decision}".strip(),
                {"seq": rec.get("seq"), "hash": rec.get("hash"), **flat})


def from_event(ev: TrailEvent) -> Item:
    """Export item for a trail event, at the event's time."""
    return Item("event", ev.kind, "info", ev.ts or datetime.now(UTC), summary(ev, 1000),
                {"agent": ev.agent, "session_key": ev.session_key, "session_id": ev.session_id, "tool": ev.tool,
                 "tool_call_id": ev.tool_call_id, "channel": ev.channel, "sender": ev.sender,
                 "args": json.dumps(ev.args, sort_keys=True, ensure_ascii=False) if ev.args else "",
                 "source": ev.source})


def _clean(item: Item) -> Item:
    return Item(item.cls, item.name, item.severity, item.ts, scrub(item.message),
                {k: scrub_obj(v) for k, v in item.fields.items() if v not in (None, "")})


# ------------------------------------------------------------------------------------------ RFC 5424 syslog
_SD_NAME_BAD = re.compile(r'[^!-~]|[=\]"]')


def sd_name(key: str) -> str:
    """RFC 5424 PARAM-NAME for ``key``: 1-32 printable US-ASCII characters except ``= ] "`` and space. A key that
    is not one already (non-ASCII, spaces, too long) becomes a readable ASCII prefix plus 8 hex digits of its
    SHA-256, so two different keys never collide."""
    if key and len(key) <= 32 and not _SD_NAME_BAD.search(key):
        return key
    ascii_part = _SD_NAME_BAD.sub("_", key)[:23] or "_"
    return f"{ascii_part}.{hashlib.sha256(key.encode()).hexdigest()[:8]}"


def _sd_escape(v: str) -> str:
    """PARAM-VALUE: escape ``\\``, ``"`` and ``]`` (RFC 5424 6.3.3); CR/LF become ``\\r``/``\\n`` so a
    record is always one line for line-framed transports."""
    return (v.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")
            .replace("\r", "\\r").replace("\n", "\\n"))


def _header_field(v: str, limit: int) -> str:
    """A header field: printable US-ASCII without spaces, at most ``limit`` characters, ``-`` when empty."""
    out = "".join(c if "!" <= c <= "~" else "_" for c in v)[:limit]
    return out or "-"


def syslog_header(item: Item, hostname: str | None = None, facility: int = 13, msgid: str | None = None) -> str:
    """``<PRI>1 TIMESTAMP HOSTNAME clawfence - MSGID`` (facility 13 = log audit) at the item's own time."""
    pri = facility * 8 + _SEV_NUM.get(item.severity, 6)
    host = _header_field(hostname or socket.gethostname(), 255)
    ts = item.ts.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    return f"<{pri}>1 {ts} {host} clawfence - {_header_field(msgid or item.cls, 32)}"


def to_syslog(item: Item, hostname: str | None = None, facility: int = 13) -> str:
    """RFC 5424 line: ``<PRI>1 TS HOST clawfence - MSGID [clawfence@32473 k="v" ...] MSG``. MSGID is the item
    class; PARAM-NAMEs follow :func:`sd_name`; no raw CR/LF anywhere; a non-ASCII MSG starts with the UTF-8 BOM
    (RFC 5424 6.4)."""
    i = _clean(item)
    params = {"class": i.cls, "name": i.name, "severity": i.severity, **i.fields}
    sd = " ".join(f'{sd_name(k)}="{_sd_escape(str(v))}"' for k, v in params.items())
    msg = i.message.replace("\r", " ").replace("\n", " ")
    if not msg.isascii():
        msg = "\ufeff" + msg
    return f"{syslog_header(i, hostname, facility)} [{SD_ID} {sd}] {msg}"


# ------------------------------------------------------------------------------------------------------ CEF
def _cef_h(v: str) -> str:
    """CEF header field: ``\\`` and ``|`` escaped; line breaks are not allowed there, so they become spaces."""
    return v.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _cef_e(v: str) -> str:
    """CEF extension value: ``\\`` and ``=`` escaped, line breaks written as ``\\n``/``\\r`` (CEF spec 25)."""
    return v.replace("\\", "\\\\").replace("=", "\\=").replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\r")


#: Fields that have a standard CEF key (ArcSight dictionary), then labelled custom slots for the rest.
_CEF_STD = {"tool": "requestClientApplication", "path": "filePath", "decision": "act", "sender": "suser",
            "agent": "duser", "id": "externalId", "hash": "fileHash", "channel": "app", "url": "request",
            "host": "dhost", "session_key": "cs1", "fingerprint": "cs2", "guide": "cs3", "subject": "cs4",
            "evidence": "cs5", "rule": "cs6", "tool_call_id": "flexString1", "cwe": "flexString2", "seq": "cn1",
            "exit_code": "cn2"}
_CEF_LABELS = {"cs1": "session", "cs2": "fingerprint", "cs3": "guide", "cs4": "subject", "cs5": "evidence",
               "cs6": "rule", "flexString1": "toolCallId", "flexString2": "cwe", "cn1": "seq", "cn2": "exitCode"}


def to_cef(item: Item, hostname: str | None = None) -> str:
    """``CEF:0|clawfence|clawfence|VER|SIGID|NAME|SEV|ext``. Known fields go to standard keys (act, suser,
    filePath, externalId, requestClientApplication, ...) or labelled custom slots (cs1-cs6, flexString1-2,
    cn1-cn2); every other field is kept in ``cs6`` as JSON when cs6 is free, else appended to ``msg``. ``rt`` is
    the event time (ms); ``dvchost`` the host."""
    i = _clean(item)
    ext: dict[str, str] = {"rt": str(int(i.ts.timestamp() * 1000)), "cat": i.cls,
                           "dvchost": _header_field(hostname or socket.gethostname(), 255)}
    rest: dict[str, Any] = {}
    for k, v in i.fields.items():
        key = _CEF_STD.get(k)
        if key is None or key in ext:
            rest[k] = v
            continue
        if key.startswith("cn") and not isinstance(v, int):
            rest[k] = v
            continue
        ext[key] = str(v)
        if key in _CEF_LABELS:
            ext[key + "Label"] = _CEF_LABELS[key]
    msg = i.message
    if rest:
        extra = json.dumps(rest, sort_keys=True, ensure_ascii=False)
        if "cs6" not in ext:
            ext["cs6"], ext["cs6Label"] = extra, "extra"
        else:
            msg = f"{msg} {extra}"
    ext["msg"] = msg
    body = " ".join(f"{k}={_cef_e(v)}" for k, v in ext.items())
    return (f"CEF:0|clawfence|clawfence|{_cef_h(__version__)}|{_cef_h(i.name)}|{_cef_h(i.message[:128])}|"
            f"{_CEF_SEV.get(i.severity, 1)}|{body}")


# ----------------------------------------------------------------------------------------------------- OCSF
def _api_activity_id(tool: str) -> int:
    return 2 if tool in _READ_TOOLS else 3 if tool in _UPDATE_TOOLS else 99


def to_ocsf(item: Item) -> dict[str, Any]:
    """OCSF 1.5.0 (see :mod:`clawfence.core.ocsf`): findings as Detection Finding (2004); guard decisions and
    trail events as API Activity (6003) with the agent/session as ``src_endpoint`` and the tool as
    ``api.operation``. ``time`` is the item's event time."""
    i = _clean(item)
    t = ocsf.epoch_ms(i.ts)
    if i.cls == "finding":
        return ocsf.detection_finding(uid=str(i.fields.get("fingerprint", i.name)), title=str(i.fields.get("title") or i.name),
                                      desc=i.message, types=[i.name], severity=i.severity, time_ms=t, message=i.message,
                                      unmapped=i.fields)
    tool = str(i.fields.get("tool") or "")
    decision = str(i.fields.get("decision") or "")
    outcome = None
    if i.cls == "decision":
        outcome = "failure" if decision in ("deny", "block", "blocked") else "success" if decision else None
    elif i.name == "tool_result":
        outcome = "failure" if str(i.fields.get("is_error", "")).lower() == "true" else "success"
    src = str(i.fields.get("session_key") or i.fields.get("agent") or "openclaw")
    return ocsf.api_activity(operation=tool or i.name, activity_id=_api_activity_id(tool), time_ms=t,
                             severity=i.severity, message=i.message, actor_app="openclaw" if i.cls == "event" else
                             "clawfence-guard", actor_user=str(i.fields.get("sender") or "") or None, src_name=src,
                             service="clawfence-guard" if i.cls == "decision" else "openclaw", outcome=outcome,
                             unmapped=i.fields)


def render(items: Iterable[Item], fmt: str, *, network: bool = False, hostname: str | None = None) -> Iterator[str]:
    """Lines (no trailing newline) in ``fmt``; raises ``ValueError`` for an unknown format. With ``network`` set
    (sending to a syslog receiver), CEF, OCSF and JSONL lines get an RFC 5424 header (MSGID ``cef``/``ocsf``/
    ``jsonl``, no structured data) so the receiver sees the real host and the event time."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    for it in items:
        if fmt == "syslog":
            yield to_syslog(it, hostname)
        elif fmt == "cef":
            line = to_cef(it, hostname)
            yield f"{syslog_header(it, hostname, msgid='cef')} - {line}" if network else line
        else:
            if fmt == "ocsf":
                line = json.dumps(to_ocsf(it), ensure_ascii=False, sort_keys=True)
            else:
                c = _clean(it)
                line = json.dumps({"class": c.cls, "name": c.name, "severity": c.severity, "ts": c.ts.isoformat(),
                                   "message": c.message, **c.fields}, ensure_ascii=False, sort_keys=True)
            yield f"{syslog_header(it, hostname, msgid=fmt)} - {line}" if network else line


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
