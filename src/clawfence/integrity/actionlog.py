"""clawfence's own append-only, tamper-evident action log: JSONL, hash-chained, with signed checkpoints.

Record (one line): ``{"data","prev","seq","ts","type","hash"}``. ``hash = sha256(RFC 8785 canonical JSON of the
record without "hash")``; the line is written as exactly those canonical bytes with ``,"hash":"<hex>"}``
appended, so a verifier can hash the raw bytes instead of re-serialising (old non-canonical lines are still
verified by re-serialising). ``prev`` is the previous record's hash (64 zeros first).

Signing (``clawfence.integrity.checkpoint``): after every append the signed head ``<log>.head`` is replaced, and every
``CHECKPOINT_EVERY`` records a ``log.checkpoint`` record signing the chain so far is appended. Verification
names the first edited, deleted, reordered, inserted or truncated record.

Concurrency and crashes: writers hold an exclusive ``flock`` on the log for the whole append, so concurrent
writers (guard service + CLI) never interleave.

The writer never signs over damage. Before appending it checks the tail against the last signed head: a line
without its newline (a torn append, or records joined by an attacker) and whole records after the signed head
(forged appends, or a writer that died before signing) are moved to ``<log>.quarantine-<time>-<kind>`` (0600),
kept byte for byte, and an incident record (``log.torn_tail`` / ``log.unverified_tail`` with count, bytes,
sha256 and the quarantine file) is appended before anything else; :func:`verify` reports incidents as breaks
until a person has looked (``allow_incidents``). A log that no longer matches its signed head (shorter, or a
different record at the head's seq) is refused: the writer raises and appends nothing. Every signed head is
also published to the anchor (:mod:`clawfence.integrity.anchor`) and the public key is pinned on first use.
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
from clawfence.integrity import anchor
from clawfence.integrity.checkpoint import (
    CHECKPOINT_DOMAIN,
    Signer,
    head_sig_ok,
    load_signer,
    pin_key,
    public_hex,
    read_head,
    write_head,
)
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
    return _last_line_before(fh, fh.tell())


def _last_line_before(fh: BinaryIO, end: int) -> bytes | None:
    """The last newline-terminated line ending at byte ``end`` (exclusive) of an open binary file."""
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
        #: Damage found when the writer opened the log (quarantined and recorded): ``[(type, data)]``.
        self.incidents: list[tuple[str, dict[str, Any]]] = []
        try:
            self._open_tail()
        except BaseException:
            self.close(checkpoint=False)
            raise

    def _quarantine(self, data: bytes, kind: str) -> Path:
        """Keep ``data`` (bytes cut from the log) in ``<log>.quarantine-<time>-<kind>`` (0600); returns it."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        q = self.path.with_name(f"{self.path.name}.quarantine-{stamp}-{kind}")
        fd = os.open(q, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        return q

    def _open_tail(self) -> None:
        fh = self.fh
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        cut = size  # where whole records end
        if size:
            fh.seek(max(0, size - 1))
            if fh.read(1) != b"\n":
                # Bytes after the last newline: an interrupted append, or records joined into one line.
                pos = size
                while pos > 0:
                    step = min(65536, pos)
                    pos -= step
                    fh.seek(pos)
                    nl = fh.read(step).rfind(b"\n")
                    if nl >= 0:
                        pos += nl + 1
                        break
                cut = pos
        last = _last_line_before(fh, cut)
        if last:
            try:
                rec = json.loads(last)
                self.seq, self.prev = int(rec["seq"]) + 1, str(rec["hash"])
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{self.path}: last line is not a log record (tampered?); run clawfence log "
                                 "verify") from exc
        # Nothing is changed before the damage checks pass: a log that does not match its head is left as found.
        plan = self._check_signed_head() if self.signer is not None and self.seq else None
        incidents: list[tuple[str, dict[str, Any]]] = []
        if cut < size:
            fh.seek(cut)
            torn = fh.read()
            q = self._quarantine(torn, "torn")
            os.ftruncate(fh.fileno(), cut)
            os.fsync(fh.fileno())
            incidents.append(("log.torn_tail", {"bytes": len(torn), "sha256": hashlib.sha256(torn).hexdigest(),
                                                "quarantine": str(q)}))
        if plan is not None:
            incidents.append(self._quarantine_unverified(*plan))
        for kind, data in incidents:
            self.append(kind, data)
        self.incidents = incidents

    def _check_signed_head(self) -> tuple[int, str, int] | None:
        """Compare the whole records with the signed head before appending. Returns None when they match (or
        there is no head), ``(head seq, head hash, byte offset after that record)`` when whole records follow
        the head (to quarantine); raises ``ValueError`` when the log does not contain the head's record."""
        assert self.signer is not None
        try:
            head = read_head(self.path)
        except ValueError as exc:
            raise ValueError(f"{self.path}: the signed head is not valid JSON (tampered); run clawfence log "
                             "verify") from exc
        if head is None:
            return None  # a log that never had a head (unsigned writers): nothing to compare with
        pub = self.signer.key.public_key()
        if head.get("key_id") != self.signer.key_id or not head_sig_ok(pub, head):
            raise ValueError(f"{self.path}: the signed head is not signed by this writer's key; not appending "
                             "(run clawfence log verify)")
        hseq, hhash = head.get("seq"), head.get("hash")
        last_seq = self.seq - 1
        if not isinstance(hseq, int) or hseq > last_seq:
            raise ValueError(f"{self.path}: the log ends at seq {last_seq} but its signed head covers seq {hseq} "
                             "(truncated, rolled back or records joined); not appending")
        if hseq == last_seq:
            if hhash != self.prev:
                raise ValueError(f"{self.path}: record seq {hseq} differs from the signed head (rewritten); "
                                 "not appending")
            return None
        fh = self.fh
        fh.seek(0)
        offset, found = 0, None
        for i, raw in enumerate(fh):
            offset += len(raw)
            if i == hseq:
                try:
                    found = str(json.loads(raw)["hash"])
                except (ValueError, KeyError, TypeError):
                    found = None
                break
        if found != hhash:
            raise ValueError(f"{self.path}: record seq {hseq} differs from the signed head (rewritten); "
                             "not appending")
        return hseq, str(hhash), offset

    def _quarantine_unverified(self, hseq: int, hhash: str, offset: int) -> tuple[str, dict[str, Any]]:
        """Move the whole records after the signed head aside; the chain continues from the head."""
        fh = self.fh
        last_seq = self.seq - 1
        fh.seek(offset)
        tail = fh.read()
        q = self._quarantine(tail, "unverified")
        os.ftruncate(fh.fileno(), offset)
        os.fsync(fh.fileno())
        self.seq, self.prev = hseq + 1, hhash
        return ("log.unverified_tail", {"records": tail.count(b"\n"), "from_seq": hseq + 1, "to_seq": last_seq,
                                        "bytes": len(tail), "sha256": hashlib.sha256(tail).hexdigest(),
                                        "quarantine": str(q)})

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
            self._publish(write_head(self.path, self.seq - 1, self.prev, self.signer))
        self._dirty = False

    def _publish(self, head: dict[str, Any]) -> None:
        """Send a new signed head to the anchor (when configured) and pin the key on first use."""
        assert self.signer is not None
        pub = self.signer.key.public_key()
        anchor.publish(self.path, head, public_hex(pub))
        pin_key(self.path, pub)

    def sync(self, *, head: bool = True) -> None:
        """Flush and fsync the records appended so far; with ``head`` also replace the signed head (even if
        this writer appended nothing, so a head skipped by an earlier writer catches up). Group committers
        fsync every batch and re-sign the head less often; records after the head are still hash-chained
        and :func:`verify` reports them as unsigned (a warning), not as a break."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        if head and self.signer is not None and self.seq:
            self._publish(write_head(self.path, self.seq - 1, self.prev, self.signer))
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
