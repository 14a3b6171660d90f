"""Rebuild per-session timelines from both storage eras, the audit ledger and the gateway logs (guide E4.4).

``load(state_dir, ...)`` -> :class:`Trail`: sessions (inbound -> model turns -> tool calls -> results ->
outbound, in time order), audit-ledger rows and gateway log lines. SQLite sessions win over a JSONL copy of
the same session id (the legacy files are import inputs in the database era).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from clawfence.trail import sources
from clawfence.trail.events import SessionMeta, SessionTimeline, TrailEvent

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Trail:
    """Everything read: sessions by ``(agent, session_id)``, audit-ledger events, gateway log events."""

    sessions: list[SessionTimeline] = field(default_factory=list)
    audit: list[TrailEvent] = field(default_factory=list)
    logs: list[TrailEvent] = field(default_factory=list)
    skipped_compressed: int = 0

    def events(self) -> Iterator[TrailEvent]:
        """Every event: sessions first (each in order), then audit rows and log lines."""
        for s in self.sessions:
            yield from s.events
        yield from self.audit
        yield from self.logs


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """``--since``: ISO date/time or a relative ``30m``/``12h``/``7d``. Raises ``ValueError`` otherwise."""
    if not value:
        return None
    now = now or datetime.now(UTC)
    unit = value[-1:].lower()
    if unit in "smhd" and value[:-1].isdigit():
        return now - timedelta(**{{"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[unit]: int(value[:-1])})
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _matches(meta: SessionMeta, session: str | None) -> bool:
    return session is None or session in (meta.session_key, meta.session_id)


def load(state_dir: Path, *, agent: str | None = None, session: str | None = None,
         since: datetime | None = None, log_paths: list[Path] | None = None) -> Trail:
    """Read and group everything under ``state_dir``. ``session`` matches a session key or id.

    Raises ``sqlite3.Error`` for an unreadable database and ``OSError`` for unreadable files.
    """
    trail = Trail()
    by_id: dict[tuple[str, str], SessionTimeline] = {}
    before = len(sources.SKIPPED_COMPRESSED)

    def add(meta: SessionMeta, ev: TrailEvent) -> None:
        if not _matches(meta, session) or (since and ev.ts and ev.ts < since):
            return
        key = (meta.agent, meta.session_id)
        tl = by_id.get(key)
        if tl is None:
            tl = by_id[key] = SessionTimeline(meta)
        tl.events.append(ev)

    for meta, ev in sources.iter_sqlite(state_dir, agent):
        add(meta, ev)
    seen = frozenset(sid for (_, sid) in by_id)
    for meta, ev in sources.iter_jsonl(state_dir, agent, skip_ids=seen):
        add(meta, ev)
    for tl in by_id.values():
        tl.events.sort(key=lambda e: e.ts or _EPOCH)
    trail.sessions = sorted(by_id.values(), key=lambda t: (t.events[0].ts or _EPOCH) if t.events else _EPOCH)
    for ev in sources.iter_audit_ledger(state_dir):
        if (agent is None or ev.agent in ("", agent)) and (session is None or session in (ev.session_key, ev.session_id)) \
                and not (since and ev.ts and ev.ts < since):
            trail.audit.append(ev)
    for ev in sources.iter_logs(log_paths or []):
        if not (since and ev.ts and ev.ts < since):
            trail.logs.append(ev)
    trail.skipped_compressed = len(sources.SKIPPED_COMPRESSED) - before
    return trail
