"""Group-committed decision logging for ``clawfence guard serve`` (guide E4.2, D3.2: log everything).

A writer thread owns the action log (:mod:`clawfence.integrity.actionlog`): request threads put records on a bounded
queue; the thread appends whatever is queued as one batch under one lock, fsyncs the batch once, and only then
wakes the requests that wait for durability. Which requests wait is the ``mode``:

* ``"async-allow"`` (default): ``deny`` and ``ask`` decisions are durable before the answer (they wait for
  their batch's fsync — group commit: many concurrent denies share one fsync); ``allow`` decisions do not wait
  and become durable within one batch (normally well under 10 ms; all of them on :meth:`DecisionLog.close`).
* ``"sync"``: every decision waits for its batch's fsync.

The writer keeps the log open (and its ``flock``) across batches for at most ``head_interval`` seconds
(0.25 s) and after ``head_interval`` idle, then closes it — fsync and a re-signed head (``<log>.head``; signing
and the head's atomic replace cost ~0.5-3 ms, too much per record) — so other writers (``clawfence fix``, the CLI)
wait at most about that long. Records after the head stay hash-chained and fsynced; ``clawfence log verify``
notes them as not yet signed (a warning), so a truncation of at most the last ``head_interval`` of records is
not provable from the head alone until the next re-sign.
A full queue (10,000 records) blocks the request instead of dropping a record.
"""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path
from typing import Any

from clawfence.integrity import actionlog as auditlog


class _Rec:
    """One queued record and, if the requester waits for durability, its wake-up event."""

    __slots__ = ("data", "event", "failed")

    def __init__(self, data: dict[str, Any], wait: bool) -> None:
        self.data = data
        self.event = threading.Event() if wait else None
        self.failed = False


_Item = _Rec | None


class DecisionLog:
    """Background, batching writer of ``guard.decision`` records to ``path``.

    :meth:`record` queues one record (waiting for durability as the mode says); :meth:`close` drains and
    re-signs the head. ``errors`` counts records whose write failed (``OSError``), reported via metrics.
    """

    def __init__(self, path: Path, mode: str = "async-allow", *, head_interval: float = 0.25,
                 max_batch: int = 512, record_type: str = "guard.decision") -> None:
        if mode not in ("async-allow", "sync"):
            raise ValueError(f"log mode must be 'async-allow' or 'sync', not {mode!r}")
        self.path, self.mode, self.head_interval = path, mode, head_interval
        self.max_batch, self.record_type = max_batch, record_type
        self.errors = 0
        self._q: queue.Queue[_Item] = queue.Queue(maxsize=10000)
        self._thread = threading.Thread(target=self._run, name="guard-log", daemon=True)
        self._thread.start()

    def record(self, data: dict[str, Any], decision: str) -> bool:
        """Queue ``data``; for a decision that must be durable first, wait for its batch's fsync.
        Returns False if that write failed (the caller should fail closed), else True."""
        rec = _Rec(data, self.mode == "sync" or decision != "allow")
        self._q.put(rec)
        if rec.event is None:
            return True
        rec.event.wait()
        return not rec.failed

    def _run(self) -> None:
        w: auditlog.LogWriter | None = None
        opened = 0.0
        while True:
            try:
                first = self._q.get(timeout=self.head_interval if w is not None else None)
            except queue.Empty:  # idle: re-sign the head and let other writers (the CLI) have the lock
                self._release(w)
                w = None
                continue
            batch: list[_Item] = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._q.get_nowait())
                except queue.Empty:
                    break
            items = [b for b in batch if b is not None]
            stop = len(items) < len(batch)
            if items:
                try:
                    if w is None:
                        w, opened = auditlog.LogWriter(self.path), time.monotonic()
                    for r in items:
                        w.append(self.record_type, r.data)
                    w.sync(head=False)  # one fsync for the whole batch (group commit)
                except (OSError, ValueError):
                    self.errors += len(items)
                    self._wake(items, True)
                    self._release(w, ok=False)
                    w = None
                else:
                    self._wake(items, False)
            if w is not None and (stop or time.monotonic() - opened >= self.head_interval):
                self._release(w)
                w = None
            if stop:
                return

    def _release(self, w: auditlog.LogWriter | None, ok: bool = True) -> None:
        """Close the writer: with ``ok``, fsync and re-sign the head; always unlock."""
        if w is not None:
            try:
                w.close(checkpoint=ok)
            except OSError:
                self.errors += 1
        return None

    @staticmethod
    def _wake(items: list[_Rec], failed: bool) -> None:
        for r in items:
            if r.event is not None and not r.event.is_set():
                r.failed = failed
                r.event.set()

    def close(self, timeout: float = 30.0) -> None:
        """Write everything queued, fsync it and re-sign the head; then stop the writer thread."""
        if self._thread.is_alive():
            self._q.put(None)
            self._thread.join(timeout)
