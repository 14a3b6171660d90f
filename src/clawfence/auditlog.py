"""clawfence's own append-only action log: JSONL, each record hash-chained to the previous one.

Record: ``{"seq", "ts", "type", "data", "prev", "hash"}`` where ``hash = sha256(canonical JSON of the record
without "hash")`` (RFC 8785 canonicalisation) and ``prev`` is the previous record's hash (64 zeros first).
Used by ``fix`` and ``guard`` for every action and decision (guide E4.2, D3.2). Writers hold an exclusive
``flock`` while appending, so concurrent writers never interleave partial lines. The trail module extends
this with signed checkpoints; this API stays.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import rfc8785

GENESIS = "0" * 64


def canonical(obj: Any) -> bytes:
    """RFC 8785 canonical JSON bytes of ``obj``."""
    return bytes(rfc8785.dumps(obj))


def record_hash(record: dict[str, Any]) -> str:
    """sha256 hex of the canonical record without its ``hash`` field."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def _last_record(fh: Any) -> dict[str, Any] | None:
    """The last complete JSON line of an open binary file, or None (reads backwards, bounded)."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    chunk = b""
    pos = size
    while pos > 0:
        step = min(65536, pos)
        pos -= step
        fh.seek(pos)
        chunk = fh.read(step) + chunk
        lines = chunk.rstrip(b"\n").split(b"\n") if chunk.endswith(b"\n") else chunk.split(b"\n")[:-1]
        if len(lines) >= 2 or (pos == 0 and lines):
            for line in reversed(lines):
                if line.strip():
                    try:
                        rec: dict[str, Any] = json.loads(line)
                        return rec
                    except ValueError:
                        continue
            return None
    return None


def append(path: Path, type: str, data: dict[str, Any]) -> dict[str, Any]:
    """Append one event and return the record written. Creates the file 0600. Raises ``OSError``.

    A partial last line (a crash mid-write) is terminated first so the new record starts on its own line.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            fh.seek(0, os.SEEK_END)
            if fh.tell() > 0:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    fh.write(b"\n")
            last = _last_record(fh)
            rec: dict[str, Any] = {
                "seq": (int(last["seq"]) + 1) if last else 0,
                "ts": datetime.now(UTC).isoformat(timespec="microseconds"),
                "type": type,
                "data": data,
                "prev": last["hash"] if last else GENESIS,
            }
            rec["hash"] = record_hash(rec)
            fh.seek(0, os.SEEK_END)
            fh.write(json.dumps(rec, separators=(",", ":"), ensure_ascii=False).encode() + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    return rec


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Outcome of :func:`verify`: ``ok``, number of good records, first bad line (1-based) and why."""

    ok: bool
    records: int
    bad_line: int | None = None
    reason: str | None = None


def verify(path: Path) -> VerifyResult:
    """Check the chain of every record. Stops at the first edited, deleted, reordered or corrupt record."""
    prev, seq, n = GENESIS, 0, 0
    with open(path, "rb") as fh:
        for i, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except ValueError:
                return VerifyResult(False, n, i, "not valid JSON (partial or edited line)")
            if rec.get("seq") != seq:
                return VerifyResult(False, n, i, f"seq {rec.get('seq')} where {seq} was expected (deleted or reordered)")
            if rec.get("prev") != prev:
                return VerifyResult(False, n, i, "prev does not match the previous record's hash")
            if record_hash(rec) != rec.get("hash"):
                return VerifyResult(False, n, i, "hash does not match the record's content (edited)")
            prev, seq, n = rec["hash"], seq + 1, n + 1
    return VerifyResult(True, n)


def default_log_path() -> Path:
    """``$CLAWFENCE_HOME/actions.jsonl`` (default ``~/.clawfence/actions.jsonl``)."""
    base = Path(os.environ.get("CLAWFENCE_HOME", Path.home() / ".clawfence"))
    return base / "actions.jsonl"
