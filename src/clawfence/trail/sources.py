"""Read OpenClaw's own records, streaming, in both storage eras (see ``reference/openclaw.md`` §1.3-1.5).

* File era: ``agents/<id>/sessions/<sessionId>.jsonl`` (+ ``-topic-<t>.jsonl``, ``.jsonl.reset.<ts>`` /
  ``.deleted.<ts>`` archives) and ``sessions.json`` (``sessionKey -> SessionEntry``: sessionId, lastChannel,
  chatType, origin {provider, from, label}).
* Database era: ``agents/<id>/agent/openclaw-agent.sqlite`` — ``transcript_events(session_id, seq, event_json,
  created_at, event_zstd?, event_utf8_bytes?)`` (agent schema 23 compresses large rows with zstd) and session
  rows from ``session_windows`` (2026.9.x) or ``sessions``/``session_entries`` (2026.7 schema v4), plus the
  audit ledger ``state/openclaw.sqlite`` ``audit_events``. Databases are opened READ-ONLY (``mode=ro`` URI,
  ``query_only``), never locking out the gateway; a WAL database whose ``-shm`` cannot be opened falls back
  to ``immutable=1``.
* Gateway logs: tslog JSON lines ``/tmp/openclaw/openclaw-YYYY-MM-DD.log`` (and rotations ``.1``…).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from clawfence.trail.events import SessionMeta, TrailEvent
from clawfence.trail.parse import parse_log_line, parse_record, parse_ts

try:  # optional: agent schema 23 stores large transcript rows zstd-compressed
    import zstandard
except ImportError:  # pragma: no cover - exercised only without the optional dependency
    zstandard = None  # type: ignore[assignment]

#: Records skipped because they were zstd-compressed and ``zstandard`` is missing (per process; for reports).
SKIPPED_COMPRESSED: list[str] = []


def agents(state_dir: Path, agent: str | None = None) -> list[Path]:
    """``agents/<id>`` directories (only ``agent`` when given)."""
    root = state_dir / "agents"
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (agent is None or p.name == agent))


def open_ro(path: Path) -> sqlite3.Connection:
    """Open an SQLite database read-only without taking write locks. Raises ``sqlite3.Error``."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        db = sqlite3.connect(uri, uri=True, timeout=0.5)
        db.execute("PRAGMA query_only=1")
        db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError:
        db = sqlite3.connect(uri + "&immutable=1", uri=True, timeout=0.5)
        db.execute("PRAGMA query_only=1")
    return db


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]


def _meta_from_entry(agent: str, key: str, entry: dict[str, Any], era: str) -> SessionMeta:
    origin = entry.get("origin") if isinstance(entry.get("origin"), dict) else {}
    assert isinstance(origin, dict)
    return SessionMeta(agent, str(entry.get("sessionId", "")), key,
                       channel=str(entry.get("lastChannel") or origin.get("provider") or entry.get("channel") or ""),
                       sender=str(origin.get("from") or origin.get("label") or ""),
                       chat_type=str(entry.get("chatType", "")), model=str(entry.get("model", "")), era=era)


def sqlite_sessions(db: sqlite3.Connection, agent: str) -> dict[str, SessionMeta]:
    """session_id -> metadata from whichever session table the schema has."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    out: dict[str, SessionMeta] = {}
    if "session_windows" in tables:
        cols = set(_columns(db, "session_windows"))
        want = [c for c in ("session_id", "session_key", "channel", "chat_type", "model_provider", "model",
                            "account_id") if c in cols]
        for row in db.execute(f"SELECT {', '.join(want)} FROM session_windows"):
            r = dict(zip(want, row, strict=True))
            out[str(r["session_id"])] = SessionMeta(
                agent, str(r["session_id"]), str(r.get("session_key") or ""),
                channel=":".join(str(r[c]) for c in ("channel", "account_id") if r.get(c)),
                chat_type=str(r.get("chat_type") or ""),
                model="/".join(str(r[c]) for c in ("model_provider", "model") if r.get(c)), era="sqlite")
    if "session_entries" in tables and {"session_key", "entry_json"} <= set(_columns(db, "session_entries")):
        for key, raw in db.execute("SELECT session_key, entry_json FROM session_entries"):
            try:
                entry = json.loads(raw)
            except (TypeError, ValueError):
                continue
            if isinstance(entry, dict) and entry.get("sessionId"):
                m = _meta_from_entry(agent, str(key), entry, "sqlite")
                out.setdefault(m.session_id, m)
    if "sessions" in tables:
        cols = set(_columns(db, "sessions"))
        if {"session_id", "session_key"} <= cols:
            for sid, key in db.execute("SELECT session_id, session_key FROM sessions"):
                out.setdefault(str(sid), SessionMeta(agent, str(sid), str(key), era="sqlite"))
    return out


def iter_sqlite(state_dir: Path, agent: str | None = None) -> Iterator[tuple[SessionMeta, TrailEvent]]:
    """Events from every per-agent database, streamed in (session, seq) order."""
    for adir in agents(state_dir, agent):
        path = adir / "agent" / "openclaw-agent.sqlite"
        if not path.is_file():
            continue
        db = open_ro(path)
        try:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "transcript_events" not in tables:
                continue
            metas = sqlite_sessions(db, adir.name)
            has_z = "event_zstd" in _columns(db, "transcript_events")
            sel = "event_zstd, event_utf8_bytes" if has_z else "NULL, NULL"
            q = f"SELECT session_id, seq, event_json, {sel} FROM transcript_events ORDER BY session_id, seq"
            for sid, seq, ej, ez, nbytes in db.execute(q):
                src = f"sqlite:{path}#{sid}/{seq}"
                if ej is None and ez is not None:
                    if zstandard is None:
                        SKIPPED_COMPRESSED.append(src)
                        continue
                    ej = zstandard.ZstdDecompressor().decompress(ez, max_output_size=int(nbytes or 4194304))
                try:
                    rec = json.loads(ej)
                except (TypeError, ValueError):
                    continue
                meta = metas.get(str(sid)) or SessionMeta(adir.name, str(sid), era="sqlite")
                metas[str(sid)] = meta
                if isinstance(rec, dict):
                    for ev in parse_record(rec, meta, src):
                        yield meta, ev
        finally:
            db.close()


def jsonl_index(sessions_dir: Path, agent: str) -> dict[str, SessionMeta]:
    """sessionId -> metadata from ``sessions.json`` (empty if absent or unreadable)."""
    try:
        store = json.loads((sessions_dir / "sessions.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, SessionMeta] = {}
    if isinstance(store, dict):
        for key, entry in store.items():
            if isinstance(entry, dict) and entry.get("sessionId"):
                m = _meta_from_entry(agent, str(key), entry, "jsonl")
                out[m.session_id] = m
    return out


def transcript_files(state_dir: Path, agent: str | None = None) -> Iterator[tuple[str, Path]]:
    """(agent, path) of every file-era transcript, archives included."""
    for adir in agents(state_dir, agent):
        sdir = adir / "sessions"
        if sdir.is_dir():
            for p in sorted(sdir.iterdir()):
                if p.is_file() and (p.name.endswith(".jsonl") or ".jsonl.reset." in p.name
                                    or ".jsonl.deleted." in p.name):
                    yield adir.name, p


def iter_jsonl_file(path: Path, agent: str, index: dict[str, SessionMeta],
                    skip_ids: frozenset[str] = frozenset()) -> Iterator[tuple[SessionMeta, TrailEvent]]:
    """Stream one transcript file; sessions in ``skip_ids`` (already read from SQLite) are skipped."""
    sid = path.name.split(".jsonl")[0].split("-topic-")[0]
    meta = index.get(sid) or SessionMeta(agent, sid, era="jsonl")
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            try:
                rec = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(rec, dict):
                continue
            if n == 1 and rec.get("type") == "session" and rec.get("id"):
                sid = str(rec["id"])
                meta = index.get(sid) or SessionMeta(agent, sid, era="jsonl")
                if sid in skip_ids:
                    return
            for ev in parse_record(rec, meta, f"jsonl:{path}:{n}"):
                yield meta, ev


def iter_jsonl(state_dir: Path, agent: str | None = None,
               skip_ids: frozenset[str] = frozenset()) -> Iterator[tuple[SessionMeta, TrailEvent]]:
    """Events from every file-era transcript."""
    indexes: dict[str, dict[str, SessionMeta]] = {}
    for ag, path in transcript_files(state_dir, agent):
        if ag not in indexes:
            indexes[ag] = jsonl_index(path.parent, ag)
        yield from iter_jsonl_file(path, ag, indexes[ag], skip_ids)


def iter_audit_ledger(state_dir: Path) -> Iterator[TrailEvent]:
    """Rows of OpenClaw's metadata-only audit ledger (``state/openclaw.sqlite`` ``audit_events``)."""
    path = state_dir / "state" / "openclaw.sqlite"
    if not path.is_file():
        return
    db = open_ro(path)
    try:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name='audit_events'").fetchone():
            return
        cols = _columns(db, "audit_events")
        for row in db.execute("SELECT * FROM audit_events ORDER BY sequence"):
            r = dict(zip(cols, row, strict=True))
            yield TrailEvent(parse_ts(r.get("occurred_at")), "audit", agent=str(r.get("agent_id") or ""),
                             session_id=str(r.get("session_id") or ""), session_key=str(r.get("session_key") or ""),
                             text=f"{r.get('action')} {r.get('status')}" + (f" ({r['reason_code']})"
                                                                            if r.get("reason_code") else ""),
                             tool=str(r.get("tool_name") or ""), tool_call_id=str(r.get("tool_call_id") or ""),
                             channel=str(r.get("channel") or ""), sender=str(r.get("actor_id") or ""),
                             level=str(r.get("direction") or ""), source=f"sqlite:{path}#audit/{r.get('sequence')}")
    finally:
        db.close()


def log_files(log_dir: Path) -> list[Path]:
    """Gateway log files in ``log_dir`` (``openclaw-*.log`` and rotations), oldest name first."""
    if not log_dir.is_dir():
        return []
    return sorted(p for p in log_dir.iterdir() if p.is_file() and p.name.startswith("openclaw")
                  and ".log" in p.name)


def iter_logs(paths: list[Path]) -> Iterator[TrailEvent]:
    """Stream gateway log lines (non-JSON lines are skipped)."""
    for path in paths:
        with open(path, "rb") as fh:
            for n, raw in enumerate(fh, 1):
                try:
                    obj = json.loads(raw)
                except ValueError:
                    continue
                ev = parse_log_line(obj, f"log:{path}:{n}")
                if ev is not None:
                    yield ev
