"""clawfence's own append-only, tamper-evident action log: JSONL, hash-chained, with signed checkpoints.

Record (one line): ``{"data","prev","seq","ts","type","hash"}``. ``hash = sha256(RFC 8785 canonical JSON of the
record without "hash")``; the line is written as exactly those canonical bytes with ``,"hash":"<hex>"}``
appended, so a verifier can hash the raw bytes instead of re-serialising (old non-canonical lines are still
verified by re-serialising). ``prev`` is the previous record's hash (64 zeros first).

Signing (``clawfence.integrity.checkpoint``): after every append the signed head ``<log>.head`` is replaced, and every
``CHECKPOINT_EVERY`` records a ``log.checkpoint`` record signing the chain so far is appended. Verification
names the first edited, deleted, reordered, inserted or truncated record.

Concurrency and crashes: writers hold an exclusive ``flock`` on the log for the whole append, so concurrent
writers (guard service + CLI) never interleave. A line torn by a crash (kill -9 mid-write) is not followed by a
newline; :func:`verify` reports it as ``torn_tail`` and still verifies every whole record, and the next writer
cuts it off and records a ``log.torn_tail`` event (its length and sha256) before appending.
Used by ``fix`` and ``guard`` for every action and decision (guide E4.2, D3.2).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from clawfence.core.canonical import canonical, json_string
from clawfence.core.paths import clawfence_home
from clawfence.integrity.checkpoint import CHECKPOINT_DOMAIN, Signer, load_signer, write_head
from clawfence.integrity.verify import VerifyResult, verify

__all__ = [
    "CHECKPOINT_EVERY",
    "GENESIS",
    "LogWriter",
    "VerifyResult",
    "append",
    "canonical",
    "default_log_path",
    "record_hash",
    "verify",
]

GENESIS = "0" * 64
#: An in-chain signed ``log.checkpoint`` record is written after this many records.
CHECKPOINT_EVERY = 1000


def record_hash(record: dict[str, Any]) -> str:
    """sha256 hex of the canonical record without its ``hash`` field."""
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def _last_line(fh: BinaryIO) -> bytes | None:
    """The last newline-terminated line of an open binary file (reads backwards, bounded chunks)."""
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    pos, chunk = end, b""
    while pos > 0:
        step = min(65536, pos)
        pos -= step
        fh.seek(pos)
        chunk = fh.read(step) + chunk
        body = chunk[:-1]  # drop the final newline
        cut = body.rfind(b"\n")
        if cut >= 0:
            return body[cut + 1:]
    return chunk[:-1] if chunk else None


class LogWriter:
    """Append many records under one lock: ``with LogWriter(path) as w: w.append("type", {...})``.

    The lock is held for the writer's lifetime, so keep it short in shared logs. ``fsync`` each record when
    ``sync_each`` (one-shot appends) or only at checkpoints and close (bulk). ``sign=False`` writes no head or
    checkpoint (for tools without a key). Raises ``OSError`` on I/O errors.
    """

    def __init__(self, path: Path, *, sign: bool = True, sync_each: bool = False,
                 checkpoint_every: int = CHECKPOINT_EVERY) -> None:
        self.path = Path(path)
        self.sync_each = sync_each
        self.checkpoint_every = checkpoint_every
        self.signer: Signer | None = load_signer() if sign else None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        self.fh: BinaryIO = os.fdopen(fd, "r+b")
        fcntl.flock(self.fh.fileno(), fcntl.LOCK_EX)
        self.seq, self.prev = 0, GENESIS
        self._dirty = False
        try:
            self._open_tail()
        except BaseException:
            self.close(checkpoint=False)
            raise

    def _open_tail(self) -> None:
        fh = self.fh
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        torn = b""
        if size:
            fh.seek(max(0, size - 1))
            if fh.read(1) != b"\n":
                # Find the torn fragment after the last newline and cut it off (it was never acknowledged).
                pos = size
                while pos > 0:
                    step = min(65536, pos)
                    pos -= step
                    fh.seek(pos)
                    nl = fh.read(step).rfind(b"\n")
                    if nl >= 0:
                        pos += nl + 1
                        break
                fh.seek(pos)
                torn = fh.read()
                os.ftruncate(fh.fileno(), pos)
                os.fsync(fh.fileno())
        last = _last_line(fh)
        if last:
            try:
                rec = json.loads(last)
                self.seq, self.prev = int(rec["seq"]) + 1, str(rec["hash"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{self.path}: last line is not a log record (tampered?); run clawfence log "
                                 "verify") from exc
        if torn:
            self.append("log.torn_tail", {"bytes": len(torn), "sha256": hashlib.sha256(torn).hexdigest()})

    def append(self, type: str, data: dict[str, Any]) -> dict[str, Any]:
        """Append one record; returns it (with ``hash``)."""
        ts = datetime.now(UTC).isoformat(timespec="microseconds")
        body = {"data": data, "prev": self.prev, "seq": self.seq, "ts": ts, "type": type}
        # == canonical(body): keys in RFC 8785 order, each value canonical (prev/ts are plain ASCII)
        raw = b"".join((b'{"data":', canonical(data), b',"prev":"', self.prev.encode(), b'","seq":',
                        str(self.seq).encode(), b',"ts":"', ts.encode(), b'","type":', json_string(type)))
        h = hashlib.sha256(raw + b"}").hexdigest()
        self.fh.write(raw + b',"hash":"' + h.encode() + b'"}\n')
        self.prev, self.seq, self._dirty = h, self.seq + 1, True
        if self.sync_each:
            self.fh.flush()
            os.fsync(self.fh.fileno())
        if self.signer is not None and self.checkpoint_every and self.seq % self.checkpoint_every == 0 \
                and type != "log.checkpoint":
            self._checkpoint_record()
        body["hash"] = h
        return body

    def _checkpoint_record(self) -> None:
        assert self.signer is not None
        upto = {"seq": self.seq - 1, "hash": self.prev}
        self.append("log.checkpoint", {"upto_seq": upto["seq"], "upto_hash": upto["hash"],
                                       "key_id": self.signer.key_id,
                                       "sig": self.signer.sign(CHECKPOINT_DOMAIN, upto)})
        self._dirty = True
        self.checkpoint()

    def checkpoint(self) -> None:
        """Flush, fsync and replace the signed head (no-op without a signer or new records)."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        if self.signer is not None and self._dirty and self.seq:
            write_head(self.path, self.seq - 1, self.prev, self.signer)
        self._dirty = False

    def sync(self, *, head: bool = True) -> None:
        """Flush and fsync the records appended so far; with ``head`` also replace the signed head (even if
        this writer appended nothing, so a head skipped by an earlier writer catches up). Group committers
        fsync every batch and re-sign the head less often; records after the head are still hash-chained
        and :func:`verify` reports them as unsigned (a warning), not as a break."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        if head and self.signer is not None and self.seq:
            write_head(self.path, self.seq - 1, self.prev, self.signer)
            self._dirty = False

    def close(self, checkpoint: bool = True) -> None:
        """Checkpoint (by default), unlock and close."""
        if self.fh.closed:
            return
        try:
            if checkpoint:
                self.checkpoint()
        finally:
            fcntl.flock(self.fh.fileno(), fcntl.LOCK_UN)
            self.fh.close()

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close(checkpoint=et is None)


def append(path: Path, type: str, data: dict[str, Any], *, sign: bool = True) -> dict[str, Any]:
    """Append one event durably (fsync) and return the record written. Creates the file 0600.

    With ``sign`` (default) the signed head is updated, creating the key under ``$CLAWFENCE_HOME`` on first use.
    Raises ``OSError`` on I/O errors, ``ValueError`` if the log's last line is not a record.
    """
    with LogWriter(path, sign=sign, sync_each=True) as w:
        return w.append(type, data)


def default_log_path() -> Path:
    """``$CLAWFENCE_HOME/actions.jsonl`` (default ``~/.clawfence/actions.jsonl``)."""
    base = clawfence_home()
    return base / "actions.jsonl"
