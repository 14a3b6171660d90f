"""Render a :class:`~clawfence.trail.timeline.Trail` as text, JSON or a self-contained HTML timeline.

Every string goes through :func:`clawfence.trail.scrub.scrub` first (secrets as first 4 chars + length).
"""

from __future__ import annotations

import html
import json
from typing import Any

from clawfence.core.model import Finding
from clawfence.trail.events import SessionTimeline, TrailEvent
from clawfence.trail.scrub import scrub, scrub_obj
from clawfence.trail.timeline import Trail

_ARROW = {"inbound": "<-", "outbound": "->", "tool_call": "=>", "tool_result": "<=", "model": "..",
          "session": "##", "notice": "!!", "audit": "AU", "log": "LG", "compaction": "~~", "model_change": "mc"}


def summary(ev: TrailEvent, width: int = 160) -> str:
    """One-line, scrubbed description of an event."""
    if ev.kind == "tool_call":
        s = f"{ev.tool}({json.dumps(ev.args, ensure_ascii=False, sort_keys=True)})"
    elif ev.kind == "tool_result":
        status = "ERROR" if ev.is_error else ("ok" if ev.exit_code in (None, 0) else f"exit {ev.exit_code}")
        s = f"{ev.tool} [{status}] {ev.text}"
    elif ev.kind == "inbound":
        who = "/".join(x for x in (ev.channel, ev.sender) if x)
        s = f"[{who}] {ev.text}" if who else ev.text
    elif ev.kind == "log":
        s = f"{ev.level} {ev.text}"
    else:
        s = ev.text
    s = scrub(s).replace("\n", " \\n ")
    return s if len(s) <= width else s[:width - 1] + "…"


def _ts(ev: TrailEvent) -> str:
    return ev.ts.strftime("%Y-%m-%d %H:%M:%S") if ev.ts else "-" * 19


def session_text(tl: SessionTimeline, findings: list[Finding] | None = None) -> str:
    """Text block of one session (header, one line per event, then its findings)."""
    m = tl.meta
    out = [f"== session {m.session_key or '-'} ({m.session_id}) agent={m.agent} era={m.era}"
           + (f" channel={m.channel}" if m.channel else "") + (f" sender={scrub(m.sender)}" if m.sender else "")]
    out += [f"{_ts(ev)} {_ARROW.get(ev.kind, '  ')} {ev.kind:<11} {summary(ev)}" for ev in tl.events]
    out += [finding_line(f) for f in findings or []]
    return "\n".join(out) + "\n"


def finding_line(f: Finding) -> str:
    """``[SEVERITY] ID title: detail (subject)`` (scrubbed)."""
    return f"[{f.severity.value.upper()}] {f.id} {f.title}: {scrub(f.detail)} ({scrub(f.subject)})"


def to_text(trail: Trail, findings: list[Finding] | None = None) -> str:
    """Plain-text timeline, one line per event, grouped by session; findings at the end."""
    out: list[str] = [session_text(tl).rstrip("\n") for tl in trail.sessions]
    if trail.audit:
        out.append("== audit ledger (state/openclaw.sqlite)")
        out += [f"{_ts(e)} AU {summary(e)} tool={e.tool} channel={e.channel}" for e in trail.audit]
    if trail.logs:
        out.append(f"== gateway log: {len(trail.logs)} lines (warnings and errors shown)")
        out += [f"{_ts(e)} LG {summary(e)}" for e in trail.logs if e.level in ("WARN", "ERROR", "FATAL")]
    if trail.skipped_compressed:
        out.append(f"note: {trail.skipped_compressed} compressed transcript rows skipped (install zstandard)")
    out += [finding_line(f) for f in findings or []]
    return "\n".join(out) + "\n"


def to_json(trail: Trail, findings: list[Finding] | None = None) -> str:
    """JSON document ``{"sessions":[{meta, events}], "audit", "logs", "findings"}`` (scrubbed)."""
    doc: dict[str, Any] = {
        "sessions": [{"agent": t.meta.agent, "session_id": t.meta.session_id, "session_key": t.meta.session_key,
                      "channel": t.meta.channel, "sender": t.meta.sender, "chat_type": t.meta.chat_type,
                      "model": t.meta.model, "era": t.meta.era,
                      "events": [e.to_dict() for e in t.events]} for t in trail.sessions],
        "audit": [e.to_dict() for e in trail.audit],
        "logs": [e.to_dict() for e in trail.logs],
        "skipped_compressed": trail.skipped_compressed,
        "findings": [f.to_dict() for f in findings or []],
    }
    return json.dumps(scrub_obj(doc), indent=1, ensure_ascii=False) + "\n"


_CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}h2{margin-top:2em}
table{border-collapse:collapse;width:100%}td{border-bottom:1px solid #eee;padding:3px 6px;vertical-align:top}
td.t{white-space:nowrap;color:#666;font-family:monospace}td.k{white-space:nowrap;font-weight:600}
pre{margin:0;white-space:pre-wrap;word-break:break-all;font-size:12px}
.inbound{background:#eef6ff}.outbound{background:#effbef}.tool_call{background:#fff8e6}
.tool_result{background:#fafafa}.notice{background:#fff0f0}.f-critical,.f-high{color:#b00}.f-medium{color:#b60}"""


def to_html(trail: Trail, findings: list[Finding] | None = None) -> str:
    """Self-contained HTML page: findings, then one table per session (scrubbed and HTML-escaped)."""
    e = html.escape
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>clawfence trail</title>",
             f"<style>{_CSS}</style></head><body><h1>clawfence trail</h1>"]
    if findings:
        parts.append("<h2>Findings</h2><ul>")
        for f in findings:
            parts.append(f"<li class='f-{e(f.severity.value)}'><b>{e(f.id)}</b> [{e(f.severity.value)}] "
                         f"{e(f.title)} — {e(scrub(f.detail))} <small>{e(scrub(f.subject))}</small></li>")
        parts.append("</ul>")
    for tl in trail.sessions:
        m = tl.meta
        parts.append(f"<h2>Session {e(m.session_key or m.session_id)}</h2><p>agent {e(m.agent)} · id "
                     f"{e(m.session_id)} · {e(m.era)} · channel {e(m.channel or '-')} · sender "
                     f"{e(scrub(m.sender) or '-')}</p><table>")
        for ev in tl.events:
            body = summary(ev, width=4000) if ev.kind != "tool_call" else scrub(
                f"{ev.tool} " + json.dumps(ev.args, ensure_ascii=False, indent=1, sort_keys=True))
            parts.append(f"<tr class='{e(ev.kind)}'><td class='t'>{e(_ts(ev))}</td><td class='k'>{e(ev.kind)}</td>"
                         f"<td><pre>{e(body)}</pre></td></tr>")
        parts.append("</table>")
    if trail.audit:
        parts.append("<h2>Audit ledger</h2><table>")
        parts += [f"<tr><td class='t'>{e(_ts(a))}</td><td><pre>{e(summary(a))}</pre></td></tr>" for a in trail.audit]
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "".join(parts)
