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

from clawfence.core.atomic import atomic_write_bytes
from clawfence.core.canonical import canonical, json_string
from clawfence.core.paths import clawfence_home
from clawfence.integrity.checkpoint import (
    CHECKPOINT_DOMAIN,
    Signer,
    first_hash,
    head_sig_ok,
    load_signer,
    read_head,
    write_head,
)
from clawfence.integrity.verify import VerifyResult, _parse_fast, verify

__all__ = [
    "CHECKPOINT_EVERY",
    "GENESIS",
    "LogWriter",
    "VerifyResult",
    "append",
    "append_checked",
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


def _line_start(fh: BinaryIO, end: int) -> int:
    """Offset just after the last newline before ``end`` (0 when none)."""
    pos = end
    while pos > 0:
        step = min(65536, pos)
        pos -= step
        fh.seek(pos)
        nl = fh.read(min(step, end - pos)).rfind(b"\n")
        if nl >= 0:
            return pos + nl + 1
    return 0


def _last_line_before(fh: BinaryIO, end: int) -> bytes | None:
    """The newline-terminated line that ends at offset ``end`` (without its newline), None when ``end`` is 0."""
    if end <= 0:
        return None
    start = _line_start(fh, end - 1)
    fh.seek(start)
    return fh.read(end - 1 - start)


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
        self.genesis: str | None = None
        #: problems found when opening (unverified tail quarantined); empty when the log was intact
        self.quarantined: list[str] = []
        self._dirty = False
        try:
            self._open_tail()
        except BaseException:
            self.close(checkpoint=False)
            raise

    def _open_tail(self) -> None:
        """Position the writer after the last *verified* record (see :meth:`_damage`)."""
        fh = self.fh
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if self.signer is None:
            self._open_unsigned(size)
            return
        cut, seq, prev, problem, kind = self._verified_end(size)
        if problem is None:
            self.seq, self.prev = seq, prev
            self.genesis = first_hash(self.path) if seq else None
            return
        self._quarantine(cut, size, seq, prev, problem, kind)

    def _open_unsigned(self, size: int) -> None:
        """Unsigned logs (``sign=False``): a torn fragment is preserved and recorded, whole lines kept."""
        fh = self.fh
        cut = size
        if size:
            fh.seek(size - 1)
            if fh.read(1) != b"\n":
                cut = _line_start(fh, size)
        last = _last_line_before(fh, cut)
        seq, prev = 0, GENESIS
        if last:
            try:
                rec = json.loads(last)
                seq, prev = int(rec["seq"]) + 1, str(rec["hash"])
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                raise ValueError(f"{self.path}: last line is not a log record (tampered?); run clawfence log "
                                 "verify") from exc
        if cut < size:
            self._quarantine(cut, size, seq, prev, "partial record at the end (interrupted append)", "torn")
        else:
            self.seq, self.prev = seq, prev

    def _verified_end(self, size: int) -> tuple[int, int, str, str | None, str]:
        """(cut offset, next seq, prev hash, problem or None, kind) for a signed log.

        Fast path: the signed head (signature by this writer's key, same log) says the log ends at ``bytes``
        with record ``seq``/``hash``; the line ending there is checked. Anything after it is an unverified tail;
        anything else (no head, bad head, the head's record differs) falls back to a full scan that keeps the
        longest prefix whose chain verifies, up to the head when the head is in it.
        """
        assert self.signer is not None
        pub = self.signer.key.public_key()
        try:
            head = read_head(self.path)
        except ValueError:
            head = None
            why = "the signed head file is not valid JSON (tampered)"
        else:
            why = "the signed head file is missing"
        if head is not None and (head.get("key_id") != self.signer.key_id or not head_sig_ok(pub, head)):
            why, head = "the signed head has an invalid signature or another key (tampered)", None
        if size == 0:
            if head is None or why.startswith("the signed head file is missing"):
                return 0, 0, GENESIS, None, ""
            return 0, 0, GENESIS, f"the log is empty but its signed head covers seq {head.get('seq')} " \
                "(truncated)", "damaged"
        if head is not None:
            hb, hseq, hhash = head.get("bytes"), head.get("seq"), head.get("hash")
            if isinstance(hb, int) and isinstance(hseq, int) and 0 < hb <= size:
                line = _last_line_before(self.fh, hb)
                self.fh.seek(hb - 1)
                if self.fh.read(1) == b"\n" and line is not None:
                    fast = _parse_fast(line)
                    if fast is not None and fast[0] == hseq and fast[2] == hhash:
                        if hb == size:
                            return size, hseq + 1, str(hhash), None, ""
                        kind = "torn" if b"\n" not in self._read(hb, size) else "unsigned"
                        what = ("a partial record (interrupted append)" if kind == "torn"
                                else "record(s) not covered by the signed head (forged or unsigned)")
                        return hb, hseq + 1, str(hhash), f"{size - hb} byte(s) after the signed head " \
                            f"(seq {hseq}): {what}", kind
            why = (f"the log does not match its signed head (seq {hseq}, {hb} bytes; the log has {size} bytes): "
                   "records before the head were edited, joined, removed or rolled back")
        if head is None:  # nothing vouches for any record: all of it is unverified
            return 0, 0, GENESIS, why + "; nothing in the log is covered by a valid signature", "damaged"
        # slow path: longest verifying prefix (legacy heads without ``bytes``, damage before the head)
        cut, seq, prev, at_head = self._scan_prefix(head)
        if at_head is not None:
            hs, hoff = at_head
            if cut == size and hoff == size:
                return size, seq, prev, None, ""
            return hoff, hs + 1, str(head["hash"]) if head else prev, \
                f"{size - hoff} byte(s) after the signed head (seq {hs}) are not covered by it", "unsigned"
        return cut, seq, prev, why, "damaged"

    def _read(self, start: int, end: int) -> bytes:
        self.fh.seek(start)
        return self.fh.read(end - start)

    def _scan_prefix(self, head: dict[str, Any] | None) -> tuple[int, int, str, tuple[int, int] | None]:
        """(end offset, next seq, last hash, (head seq, offset after it) if the head's record is in the
        prefix) of the longest prefix of whole lines that chain from genesis."""
        fh = self.fh
        fh.seek(0)
        off, seq, prev = 0, 0, GENESIS
        at_head: tuple[int, int] | None = None
        hseq = head.get("seq") if head else None
        hhash = head.get("hash") if head else None
        for raw in fh:
            if not raw.endswith(b"\n"):
                break
            line = raw[:-1]
            fast = _parse_fast(line)
            if fast is None:
                try:
                    rec = json.loads(line)
                    r = (rec["seq"], rec["prev"], rec["hash"])
                    if not isinstance(rec, dict) or record_hash(rec) != r[2]:
                        break
                except (ValueError, KeyError, TypeError, RecursionError):
                    break
            else:
                r = fast
            if r[0] != seq or r[1] != prev:
                break
            off, seq, prev = off + len(raw), seq + 1, str(r[2])
            if hseq == seq - 1 and hhash == prev:
                at_head = (seq - 1, off)
        return off, seq, prev, at_head

    def _quarantine(self, cut: int, size: int, seq: int, prev: str, problem: str, kind: str) -> None:
        """Move bytes ``[cut, size)`` aside (file ``<log>.quarantine-<time>``, 0600), truncate the log to ``cut``
        and append a ``log.quarantine`` record naming the problem, the file, its size and sha256. Nothing is
        ever cut without that record; the moved bytes are never covered by a new signature."""
        fh = self.fh
        tail = self._read(cut, size)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        qpath = self.path.with_name(f"{self.path.name}.quarantine-{stamp}")
        if tail:
            atomic_write_bytes(qpath, tail, mode=0o600)
            os.ftruncate(fh.fileno(), cut)
            os.fsync(fh.fileno())
        self.seq, self.prev = seq, prev
        self.genesis = first_hash(self.path) if seq else None
        data = {"kind": kind, "problem": problem, "bytes": len(tail),
                "sha256": hashlib.sha256(tail).hexdigest(), "lines": tail.count(b"\n"),
                "file": str(qpath.resolve()) if tail else None, "kept_upto_seq": seq - 1}
        self.quarantined.append(f"{problem}; {len(tail)} byte(s) moved to {qpath}" if tail else problem)
        self.append("log.quarantine", data)
        self.checkpoint()

    def append(self, type: str, data: dict[str, Any]) -> dict[str, Any]:
        """Append one record; returns it (with ``hash``)."""
        ts = datetime.now(UTC).isoformat(timespec="microseconds")
        body = {"data": data, "prev": self.prev, "seq": self.seq, "ts": ts, "type": type}
        # == canonical(body): keys in RFC 8785 order, each value canonical (prev/ts are plain ASCII)
        raw = b"".join((b'{"data":', canonical(data), b',"prev":"', self.prev.encode(), b'","seq":',
                        str(self.seq).encode(), b',"ts":"', ts.encode(), b'","type":', json_string(type)))
        h = hashlib.sha256(raw + b"}").hexdigest()
        self.fh.write(raw + b',"hash":"' + h.encode() + b'"}\n')
        if self.seq == 0:
            self.genesis = h
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
            self._head()
        self._dirty = False

    def _head(self) -> None:
        assert self.signer is not None
        write_head(self.path, self.seq - 1, self.prev, self.signer, size=self.fh.tell(),
                   genesis=self.genesis or self.prev)

    def sync(self, *, head: bool = True) -> None:
        """Flush and fsync the records appended so far; with ``head`` also replace the signed head (even if
        this writer appended nothing, so a head skipped by an earlier writer catches up). Group committers
        fsync every batch and re-sign the head less often; records after the head are still hash-chained
        and :func:`verify` reports them as unsigned (a warning), not as a break."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        if head and self.signer is not None and self.seq:
            self._head()
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


def append_checked(path: Path, type: str, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Like :func:`append` (signed), also returning the problems the writer found in the log's tail and
    quarantined before appending (empty when the log was intact)."""
    with LogWriter(path, sign=True, sync_each=True) as w:
        return w.append(type, data), list(w.quarantined)


def default_log_path() -> Path:
    """``$CLAWFENCE_HOME/actions.jsonl`` (default ``~/.clawfence/actions.jsonl``)."""
    base = clawfence_home()
    return base / "actions.jsonl"
