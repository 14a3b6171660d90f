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
from clawfence.trail.events import SessionMeta, SessionTimeline, TrailEvent, assign_turns

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


def iter_sessions(state_dir: Path, *, agent: str | None = None, session: str | None = None,
                  since: datetime | None = None) -> Iterator[SessionTimeline]:
    """Stream session timelines one at a time (memory bounded by the largest session, not the input).

    SQLite rows arrive ordered by session; each JSONL file is one session (topic threads and archives are
    separate files and so separate timelines). Sessions already read from SQLite are skipped in JSONL.
    Raises ``sqlite3.Error`` / ``OSError`` like :func:`load`.
    """
    seen: set[str] = set()

    def finish(tl: SessionTimeline | None) -> Iterator[SessionTimeline]:
        if tl is not None and tl.events:
            tl.events.sort(key=lambda e: e.ts or _EPOCH)
            assign_turns(tl.events)
            yield tl

    cur: SessionTimeline | None = None
    cur_key: tuple[str, str] | None = None
    for meta, ev in sources.iter_sqlite(state_dir, agent):
        key = (meta.agent, meta.session_id)
        if key != cur_key:
            yield from finish(cur)
            cur_key = key
            seen.add(meta.session_id)
            cur = SessionTimeline(meta) if _matches(meta, session) else None
        if cur is not None and not (since and ev.ts and ev.ts < since):
            cur.events.append(ev)
    yield from finish(cur)
    indexes: dict[str, dict[str, SessionMeta]] = {}
    frozen = frozenset(seen)
    for ag, path in sources.transcript_files(state_dir, agent):
        if ag not in indexes:
            indexes[ag] = sources.jsonl_index(path.parent, ag)
        tl: SessionTimeline | None = None
        for meta, ev in sources.iter_jsonl_file(path, ag, indexes[ag], frozen):
            if tl is None:
                if not _matches(meta, session):
                    break
                tl = SessionTimeline(meta)
            if not (since and ev.ts and ev.ts < since):
                tl.events.append(ev)
        yield from finish(tl)


def load(state_dir: Path, *, agent: str | None = None, session: str | None = None,
         since: datetime | None = None, log_paths: list[Path] | None = None,
         sessions: bool = True) -> Trail:
    """Read and group everything under ``state_dir``. ``session`` matches a session key or id.

    Holds every event in memory; use :func:`iter_sessions` to stream. Raises ``sqlite3.Error`` for an
    unreadable database and ``OSError`` for unreadable files.
    """
    trail = Trail()
    before = len(sources.SKIPPED_COMPRESSED)
    if sessions:
        trail.sessions = sorted(iter_sessions(state_dir, agent=agent, session=session, since=since),
                                key=lambda t: t.events[0].ts or _EPOCH)
    trail.audit = list(iter_audit(state_dir, agent=agent, session=session, since=since))
    for ev in sources.iter_logs(log_paths or []):
        if not (since and ev.ts and ev.ts < since):
            trail.logs.append(ev)
    trail.skipped_compressed = len(sources.SKIPPED_COMPRESSED) - before
    return trail


def iter_audit(state_dir: Path, *, agent: str | None = None, session: str | None = None,
               since: datetime | None = None) -> Iterator[TrailEvent]:
    """Audit-ledger events matching the filters."""
    for ev in sources.iter_audit_ledger(state_dir):
        if (agent is None or ev.agent in ("", agent)) and (session is None or session in (ev.session_key, ev.session_id)) \
                and not (since and ev.ts and ev.ts < since):
            yield ev
