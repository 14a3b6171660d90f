"""``clawfence baseline watch``: report drift from the baseline as it happens (watchdog / inotify).

Every filesystem event under the state dir (debounced) triggers a comparison; when the drift differs from the
last one reported it is appended to the action log as ``baseline.drift`` (paths and key names only) and, if a
target is given, sent as RFC 5424 syslog. Guide D3.3, E4.1.

The baseline file itself is watched too: when it is deleted, replaced or edited, or its signature does not
verify with the trusted key (at start or later), a ``baseline.tampered`` record is appended (and sent to
syslog), ``on_tamper`` is called and :class:`BaselineTampered` is raised, so ``clawfence baseline watch`` exits
non-zero instead of comparing against an attacker's baseline or stopping silently.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from clawfence.audit.facts.drift import DriftFacts
from clawfence.integrity import actionlog as auditlog
from clawfence.integrity import baseline


class BaselineTampered(baseline.BaselineError):
    """The baseline file was deleted, replaced or edited, or its signature does not verify."""


def _digest(path: Path) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _baseline_problem(path: Path, digest0: str | None, pubkey: Path | None) -> str | None:
    """Why the baseline file can no longer be trusted, or None."""
    if not path.exists():
        return f"baseline file {path} was deleted"
    d = _digest(path)
    if d is None:
        return f"baseline file {path} can no longer be read"
    if digest0 is not None and d != digest0:
        return f"baseline file {path} was replaced or edited (sha256 {digest0[:16]} -> {d[:16]})"
    try:
        _doc, ok = baseline.load(path, pubkey)
    except baseline.BaselineError as exc:
        return f"baseline file is not usable: {exc}"
    if ok is False:
        return f"baseline file {path} has an invalid signature (tampered or signed by another key)"
    return None


class _Kick(FileSystemEventHandler):
    def __init__(self, ev: threading.Event) -> None:
        self.ev = ev

    def on_any_event(self, event: FileSystemEvent) -> None:
        if not event.is_directory or event.event_type in ("created", "deleted", "moved"):
            self.ev.set()


#: ``notify(name, severity, message, fields)``: deliver one alert to a SIEM (the CLI passes a syslog sender built
#: on :mod:`clawfence.trail.siem`); it may raise OSError/ValueError, which never hides the alert.
Notify = Callable[[str, str, str, dict[str, str]], None]


def _alert(problem: str, state_dir: Path, baseline_path: Path, log_path: Path, notify: Notify | None) -> None:
    """Record (action log) and send (``notify``) a baseline-tamper alert; delivery errors do not hide the alert."""
    data = {"state_dir": str(state_dir), "baseline": str(baseline_path), "problem": problem}
    # delivery errors are swallowed: the caller still raises, the CLI prints the alert and exits non-zero
    with contextlib.suppress(OSError, ValueError):
        auditlog.append(log_path, "baseline.tampered", data)
    if notify:
        with contextlib.suppress(OSError, ValueError):
            notify("baseline.tampered", "critical", problem, {"baseline": str(baseline_path)})


def watch(state_dir: Path, baseline_path: Path, log_path: Path, *, notify: Notify | None = None,
          duration: float | None = None, debounce: float = 0.5,
          on_drift: Callable[[DriftFacts], None] | None = None, ready: threading.Event | None = None,
          pubkey: Path | None = None, on_tamper: Callable[[str], None] | None = None) -> int:
    """Watch until ``duration`` seconds pass (forever if None) or KeyboardInterrupt; returns drift reports made.

    ``notify(name, severity, message, fields)`` (optional) also sends each drift report and tamper alert on, e.g.
    to syslog. Raises :class:`clawfence.integrity.baseline.BaselineError` if the baseline cannot be read at start and
    :class:`BaselineTampered` (after the alert is recorded) when the baseline file is or becomes untrustworthy.
    """
    baseline.load(baseline_path, pubkey)
    digest0 = _digest(baseline_path)

    def tampered() -> None:
        problem = _baseline_problem(baseline_path, digest0, pubkey)
        if problem is None:
            return
        _alert(problem, state_dir, baseline_path, log_path, notify)
        if on_tamper:
            on_tamper(problem)
        raise BaselineTampered(problem)

    tampered()
    kick = threading.Event()
    obs = Observer()
    obs.schedule(_Kick(kick), str(state_dir), recursive=True)
    bdir = baseline_path.resolve().parent
    if not bdir.is_relative_to(state_dir.resolve()):
        obs.schedule(_Kick(kick), str(bdir), recursive=False)
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
            tampered()
            d = baseline.compare(state_dir, baseline_path, pubkey=pubkey)
            if last is not None and d.model_dump() == last.model_dump():
                continue
            if d.drifted or last is not None:
                reports += 1
                data = {"state_dir": str(state_dir), "drifted": d.drifted, **d.model_dump(exclude={"baseline"})}
                auditlog.append(log_path, "baseline.drift", data)
                if notify:
                    notify("baseline.drift", "high" if d.drifted else "info", baseline.describe(d).replace("\n", "; "),
                           {"changed": ",".join(d.changed), "added": ",".join(d.added),
                            "removed": ",".join(d.removed), "keys": ",".join(d.changed_keys)})
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


__all__ = ["BaselineTampered", "Notify", "watch"]
