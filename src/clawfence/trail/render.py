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

_ARROW = {"inbound": "<-", "outbound": "->", "tool_call": "=>", "tool_result": "<=", "model": "..", "model_call": "MC",
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
    elif ev.kind == "model_call":
        s = f"model call {ev.text}"
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
    out += [f"{_ts(ev)} {ev.turn_id or '-':<4} {_ARROW.get(ev.kind, '  ')} {ev.kind:<11} "
            f"{(ev.tool_call_id + ' ') if ev.tool_call_id else ''}{summary(ev)}" for ev in tl.events]
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
td.c{white-space:nowrap;font-family:monospace;font-size:12px;color:#555}
pre{margin:0;white-space:pre-wrap;word-break:break-all;font-size:12px}
.inbound{background:#eef6ff}.outbound{background:#effbef}.tool_call{background:#fff8e6}.model_call{background:#f3f0ff}
.tool_result{background:#fafafa}.notice{background:#fff0f0}.f-critical,.f-high{color:#b00}.f-medium{color:#b60}
tr.hit{outline:2px solid #b00}tr:target{background:#ffe9a8}"""


def _source_key(path: str | None, line: int | None) -> tuple[str, int | None]:
    return (path or "", line)


def _event_key(ev: TrailEvent) -> tuple[str, int | None]:
    """The (path, line) a finding about ``ev`` is located at (same split as the detections use)."""
    src = ev.source
    if src.startswith(("jsonl:", "log:")):
        path, _, ln = src.split(":", 1)[1].rpartition(":")
        return _source_key(path, int(ln) if ln.isdigit() else None)
    return _source_key(src, None)


def to_html(trail: Trail, findings: list[Finding] | None = None) -> str:
    """Self-contained HTML page: findings (each linked to the timeline row it is about), then one table per
    session (time, turn, kind, tool call id, content), the audit ledger and the gateway log (warnings and errors,
    then a count of the rest). Everything scrubbed and HTML-escaped."""
    e = html.escape
    anchors: dict[tuple[str, int | None], str] = {}
    rows: list[tuple[str, list[tuple[str, TrailEvent]]]] = []
    for si, tl in enumerate(trail.sessions):
        evs = []
        for ei, ev in enumerate(tl.events):
            aid = f"s{si}-e{ei}"
            if ev.kind != "model_call":  # a model call shares its record with the call it produced
                anchors.setdefault(_event_key(ev), aid)
            evs.append((aid, ev))
        rows.append((str(si), evs))
    for li, ev in enumerate(trail.logs):
        anchors.setdefault(_event_key(ev), f"log-{li}")
    linked: set[str] = set()
    parts = ["<!doctype html><html><head><meta charset='utf-8'><title>clawfence trail</title>",
             f"<style>{_CSS}</style></head><body><h1>clawfence trail</h1>"]
    if findings:
        parts.append("<h2>Findings</h2><ul>")
        for f in findings:
            loc = f.location
            target = anchors.get(_source_key(loc.path if loc else None, loc.line if loc else None))
            link = f" <a href='#{e(target)}'>→ timeline</a>" if target else ""
            if target:
                linked.add(target)
            parts.append(f"<li class='f-{e(f.severity.value)}'><b>{e(f.id)}</b> [{e(f.severity.value)}] "
                         f"{e(f.title)} — {e(scrub(f.detail))} <small>{e(scrub(f.subject))}</small>{link}</li>")
        parts.append("</ul>")
    for (_, evs), tl in zip(rows, trail.sessions, strict=True):
        m = tl.meta
        parts.append(f"<h2>Session {e(m.session_key or m.session_id)}</h2><p>agent {e(m.agent)} · id "
                     f"{e(m.session_id)} · {e(m.era)} · channel {e(m.channel or '-')} · sender "
                     f"{e(scrub(m.sender) or '-')}</p><table><tr><th>time</th><th>turn</th><th>kind</th>"
                     "<th>call id</th><th>what</th></tr>")
        for aid, ev in evs:
            body = summary(ev, width=4000) if ev.kind != "tool_call" else scrub(
                f"{ev.tool} " + json.dumps(ev.args, ensure_ascii=False, indent=1, sort_keys=True))
            hit = " hit" if aid in linked else ""
            parts.append(f"<tr id='{aid}' class='{e(ev.kind)}{hit}'><td class='t'>{e(_ts(ev))}</td>"
                         f"<td class='c'>{e(ev.turn_id or '-')}</td><td class='k'>{e(ev.kind)}</td>"
                         f"<td class='c'>{e(ev.tool_call_id or '')}</td><td><pre>{e(body)}</pre></td></tr>")
        parts.append("</table>")
    if trail.audit:
        parts.append("<h2>Audit ledger</h2><table>")
        parts += [f"<tr><td class='t'>{e(_ts(a))}</td><td><pre>{e(summary(a))}</pre></td></tr>" for a in trail.audit]
        parts.append("</table>")
    if trail.logs:
        shown = [(i, ev) for i, ev in enumerate(trail.logs)
                 if ev.level in ("WARN", "ERROR", "FATAL") or f"log-{i}" in linked]
        parts.append(f"<h2>Gateway log</h2><p>{len(trail.logs)} lines read; {len(shown)} shown (warnings, errors "
                     "and lines a finding points at).</p><table>")
        parts += [f"<tr id='log-{i}' class='{'hit' if f'log-{i}' in linked else ''}'><td class='t'>{e(_ts(ev))}"
                  f"</td><td class='k'>{e(ev.level)}</td><td><pre>{e(scrub(ev.text))}</pre></td></tr>"
                  for i, ev in shown]
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "".join(parts)
