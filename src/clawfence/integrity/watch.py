"""``clawfence baseline watch``: report drift from the baseline as it happens (watchdog / inotify).

Every filesystem event under the state dir (debounced) triggers a comparison; when the drift differs from the
last one reported it is appended to the action log as ``baseline.drift`` (paths and key names only) and, if a
target is given, sent as RFC 5424 syslog. Guide D3.3, E4.1.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from clawfence.audit.facts.drift import DriftFacts
from clawfence.integrity import actionlog as auditlog
from clawfence.integrity import baseline
from clawfence.trail import siem as export


class _Kick(FileSystemEventHandler):
    def __init__(self, ev: threading.Event) -> None:
        self.ev = ev

    def on_any_event(self, event: FileSystemEvent) -> None:
        if not event.is_directory or event.event_type in ("created", "deleted", "moved"):
            self.ev.set()


def watch(state_dir: Path, baseline_path: Path, log_path: Path, *, syslog_to: str | None = None,
          duration: float | None = None, debounce: float = 0.5,
          on_drift: Callable[[DriftFacts], None] | None = None, ready: threading.Event | None = None) -> int:
    """Watch until ``duration`` seconds pass (forever if None) or KeyboardInterrupt; returns drift reports made.

    Raises :class:`clawfence.integrity.baseline.BaselineError` if the baseline cannot be read at start.
    """
    baseline.load(baseline_path)
    kick = threading.Event()
    obs = Observer()
    obs.schedule(_Kick(kick), str(state_dir), recursive=True)
    obs.start()
    if ready is not None:
        ready.set()
    last: DriftFacts | None = None
    reports = 0
    end = time.monotonic() + duration if duration is not None else None
    kick.set()  # initial comparison
    try:
        while end is None or time.monotonic() < end:
            if not kick.wait(timeout=0.2):
                continue
            time.sleep(debounce)
            kick.clear()
            d = baseline.compare(state_dir, baseline_path)
            if last is not None and d.model_dump() == last.model_dump():
                continue
            if d.drifted or last is not None:
                reports += 1
                data = {"state_dir": str(state_dir), "drifted": d.drifted, **d.model_dump(exclude={"baseline"})}
                auditlog.append(log_path, "baseline.drift", data)
                if syslog_to:
                    sev = "high" if d.drifted else "info"
                    item = export.Item("event", "baseline.drift", sev, datetime.now(UTC),
                                       baseline.describe(d).replace("\n", "; "),
                                       {"changed": ",".join(d.changed), "added": ",".join(d.added),
                                        "removed": ",".join(d.removed), "keys": ",".join(d.changed_keys)})
                    export.send(export.render([item], "syslog"), syslog_to)
                if on_drift:
                    on_drift(d)
            last = d
    except KeyboardInterrupt:
        pass
    finally:
        # watchdog logs a spurious ERROR when its inotify thread is stopped mid-read; silence it for the stop
        wlog = logging.getLogger("watchdog.observers.inotify")
        level = wlog.level
        wlog.setLevel(logging.CRITICAL)
        try:
            obs.stop()
            obs.join(timeout=5)
        finally:
            wlog.setLevel(level)
    return reports


__all__ = ["watch"]
