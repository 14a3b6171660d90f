"""Turn one OpenClaw transcript record (file-era JSONL line or database-era ``transcript_events.event_json``)
into trail events. Same parser for both eras: ``event_json`` is the former JSONL record.

Record shapes (OpenClaw ``docs/reference/session-management-compaction/schema.md``; confirmed on real 2026.9.6
rows): header ``{"type":"session","version","id","timestamp","cwd"}``; entries with ``id``/``parentId``/
``timestamp`` and ``type`` ``message`` (``message.role`` user|assistant|toolResult), ``custom_message``,
``custom``, ``compaction``, ``model_change``, ``branch_summary``, ``reset``. Assistant ``content`` blocks:
``text``, ``thinking``, ``toolCall {id,name,arguments}``; ``stopReason`` ``toolUse`` when calling tools.
Tool results: ``{"role":"toolResult","toolCallId","toolName","content":[{type:text,text}],"details"?,"isError"}``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from clawfence.trail.events import SessionMeta, TrailEvent

MAX_TEXT = 4000


def parse_ts(value: Any) -> datetime | None:
    """ISO-8601 string or epoch milliseconds -> aware UTC datetime; None if absent/unparseable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value:
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
    return None


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content[:MAX_TEXT]
    parts: list[str] = []
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
            elif isinstance(block, dict) and block.get("type") == "image":
                parts.append("[image]")
    return "\n".join(parts)[:MAX_TEXT]


def parse_record(rec: dict[str, Any], meta: SessionMeta, source: str) -> list[TrailEvent]:
    """Events for one record; unknown or state-only types (``custom``, ``thinking_level_change``) give []."""
    typ = rec.get("type")
    ts = parse_ts(rec.get("timestamp"))

    rid = str(rec.get("id") or "")
    pid = str(rec.get("parentId") or "")

    def mk(when: datetime | None, kind: str, **kw: Any) -> TrailEvent:
        return TrailEvent(when, kind, agent=meta.agent, session_id=meta.session_id, session_key=meta.session_key,
                          source=source, record_id=rid, parent_id=pid, **kw)

    if typ == "session":
        return [mk(ts, "session", text=f"session {rec.get('id', '')} cwd={rec.get('cwd', '')}")]
    if typ == "compaction":
        return [mk(ts, "compaction", text=str(rec.get("summary", ""))[:MAX_TEXT])]
    if typ == "model_change":
        return [mk(ts, "model_change", text=f"{rec.get('provider', '')}/{rec.get('modelId', '')}")]
    if typ == "custom_message":
        return [mk(ts, "notice", text=_text_of(rec.get("content")),
                           tool=str(rec.get("customType", "")))]
    if typ != "message" or not isinstance(rec.get("message"), dict):
        return []
    msg: dict[str, Any] = rec["message"]
    ts = ts or parse_ts(msg.get("timestamp"))
    role = msg.get("role")
    if role == "user":
        oc = msg.get("__openclaw") if isinstance(msg.get("__openclaw"), dict) else {}
        owner = "owner" if isinstance(oc, dict) and oc.get("senderIsOwner") else ""
        return [mk(ts, "inbound", text=_text_of(msg.get("content")), channel=meta.channel,
                   sender=meta.sender or owner)]
    if role == "toolResult":
        details = msg.get("details") if isinstance(msg.get("details"), dict) else {}
        code = details.get("exitCode") if isinstance(details, dict) else None
        return [mk(ts, "tool_result", text=_text_of(msg.get("content")), tool=str(msg.get("toolName", "")),
                           tool_call_id=str(msg.get("toolCallId", "")), is_error=bool(msg.get("isError")),
                           exit_code=code if isinstance(code, int) else None)]
    if role != "assistant":
        return []
    out: list[TrailEvent] = []
    provider, model = str(msg.get("provider") or ""), str(msg.get("model") or "")
    if provider or model or msg.get("api"):
        usage = msg.get("usage") if isinstance(msg.get("usage"), dict) else {}
        assert isinstance(usage, dict)
        tokens = f" · in {usage.get('input', '?')} / out {usage.get('output', '?')} tokens" if usage else ""
        out.append(mk(ts, "model_call", text=f"{provider or '?'}/{model or '?'} via {msg.get('api') or '?'}{tokens}",
                      provider=provider, model=model, is_error=msg.get("stopReason") == "error"))
    content = msg.get("content")
    text = _text_of(content)
    calls = [b for b in content if isinstance(b, dict) and b.get("type") == "toolCall"] \
        if isinstance(content, list) else []
    if calls:
        if text:
            out.append(mk(ts, "model", text=text))
        for b in calls:
            args = b.get("arguments")
            out.append(mk(ts, "tool_call", tool=str(b.get("name", "")), tool_call_id=str(b.get("id", "")),
                                  args=args if isinstance(args, dict) else {"_": args}))
    else:
        out.append(mk(ts, "outbound", text=text, channel=meta.channel, is_error=msg.get("stopReason") == "error"))
    return out


def parse_log_line(obj: dict[str, Any], source: str) -> TrailEvent | None:
    """A tslog JSON line of the gateway file log (``/tmp/openclaw/openclaw-YYYY-MM-DD.log``): positional parts
    ``"0"``, ``"1"``…, ``_meta`` (``date``, ``logLevelName``, ``name``), ``time``, ``message`` (newer builds)."""
    if not isinstance(obj, dict):
        return None
    meta = obj.get("_meta") if isinstance(obj.get("_meta"), dict) else {}
    assert isinstance(meta, dict)
    parts = [str(obj[k]) for k in sorted((k for k in obj if k.isdigit()), key=int)]
    subsystem = ""
    if parts and parts[0].startswith("{") and "subsystem" in parts[0]:
        subsystem = parts.pop(0)
    msg = str(obj.get("message") or " ".join(parts))
    return TrailEvent(parse_ts(obj.get("time") or meta.get("date")), "log", text=msg[:MAX_TEXT],
                      level=str(meta.get("logLevelName", "")), tool=subsystem[:120], source=source)
