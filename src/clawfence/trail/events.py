"""Trail data model: one :class:`TrailEvent` per thing that happened, grouped into :class:`SessionTimeline`.

Event kinds, in the order a turn produces them: ``session`` (transcript header), ``inbound`` (user/channel
message), ``model_call`` (one request to the model provider: it received the whole context, every tool result of
the turn so far included), ``model`` (assistant text that calls tools), ``tool_call`` (name + arguments),
``tool_result``,
``outbound`` (final assistant reply), ``notice`` (custom_message, e.g. run failed), ``compaction``,
``model_change``, ``audit`` (OpenClaw's audit ledger row), ``log`` (gateway log line). Text fields hold the
original text; every renderer and exporter passes them through ``clawfence.trail.scrub`` first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

KINDS = ("session", "inbound", "model_call", "model", "tool_call", "tool_result", "outbound", "notice", "compaction",
         "model_change", "audit", "log")


@dataclass(slots=True)
class TrailEvent:
    """One event. ``ts`` is timezone-aware UTC (None when the record had no time); ``source`` says where it came
    from (``jsonl:<path>:<line>``, ``sqlite:<path>#<session>/<seq>``, ``log:<path>:<line>``). ``turn_id`` links
    the events one inbound message caused (``t<n>``, assigned per session in time order; ``t0`` before the first
    inbound message); ``record_id``/``parent_id`` are the transcript record's own links; ``provider``/``model``
    name the model a ``model_call`` went to."""

    ts: datetime | None
    kind: str
    agent: str = ""
    session_id: str = ""
    session_key: str = ""
    text: str = ""
    tool: str = ""
    tool_call_id: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    is_error: bool = False
    exit_code: int | None = None
    channel: str = ""
    sender: str = ""
    level: str = ""
    source: str = ""
    turn_id: str = ""
    record_id: str = ""
    parent_id: str = ""
    provider: str = ""
    model: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form (unredacted — callers scrub)."""
        return {"ts": self.ts.isoformat() if self.ts else None, "kind": self.kind, "agent": self.agent,
                "session_id": self.session_id, "session_key": self.session_key, "text": self.text,
                "tool": self.tool, "tool_call_id": self.tool_call_id, "args": self.args, "is_error": self.is_error,
                "exit_code": self.exit_code, "channel": self.channel, "sender": self.sender, "level": self.level,
                "source": self.source, "turn_id": self.turn_id, "record_id": self.record_id,
                "parent_id": self.parent_id, "provider": self.provider, "model": self.model}


@dataclass(slots=True)
class SessionMeta:
    """What the session store says about a session: key, channel, sender, chat type, model, storage era."""

    agent: str
    session_id: str
    session_key: str = ""
    channel: str = ""
    sender: str = ""
    chat_type: str = ""
    model: str = ""
    era: str = ""


@dataclass(slots=True)
class SessionTimeline:
    """A session's metadata and its events in time order."""

    meta: SessionMeta
    events: list[TrailEvent] = field(default_factory=list)


def assign_turns(events: list[TrailEvent]) -> None:
    """Number the turns of one session's time-ordered events in place: each ``inbound`` message opens turn
    ``t<n>``; everything after it (model calls, tool calls, results, the outbound reply) belongs to it. A
    ``model_call`` also says how many tool results of its turn it received."""
    n = 0
    results = 0
    for ev in events:
        if ev.kind == "inbound":
            n += 1
            results = 0
        ev.turn_id = f"t{n}"
        if ev.kind == "tool_result":
            results += 1
        elif ev.kind == "model_call" and results:
            ev.text = f"{ev.text} · context held {results} tool result(s) of this turn"
