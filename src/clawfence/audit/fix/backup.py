"""Backups of every file a fix run touches: ``$CLAWFENCE_HOME/backups/<run-id>/`` (dir 0700, files 0600).

``manifest.json`` lists, per original path: whether it existed, its mode / uid / gid, and the backup copy's
name; chmod-only targets record just the old mode. Written (atomically) before the first change, so an
interrupted run can always be rolled back. Run ids sort by time: ``YYYYmmddTHHMMSSZ-xxxxxx``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from clawfence.core.atomic import atomic_write_text
from clawfence.core.paths import clawfence_home


class BackupError(Exception):
    """A backup cannot be made or found (one-line message)."""


@dataclass
class Entry:
    """One original path: ``existed``, ``mode``/``uid``/``gid`` before the run, ``copy`` = backup file name
    (None for chmod-only entries and files that did not exist)."""

    path: str
    existed: bool
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    copy: str | None = None


@dataclass
class Manifest:
    """A run's backup manifest."""

    run_id: str
    created: str
    kind: str = "fix"
    entries: list[Entry] = field(default_factory=list)

    def to_json(self) -> str:
        """Canonical JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"




def new_run_id() -> str:
    """Time-sortable unique run id."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def run_dir(run_id: str, home: Path | None = None) -> Path:
    """Directory of a run's backups. Raises :class:`BackupError` for a malformed id."""
    if not run_id or "/" in run_id or run_id.startswith("."):
        raise BackupError(f"bad run id {run_id!r}")
    return (home or clawfence_home()) / "backups" / run_id


def make_backup(run_id: str, copies: list[Path], chmods: list[Path], kind: str = "fix",
                home: Path | None = None) -> Manifest:
    """Copy ``copies`` (0600) and record modes of ``chmods``; write the manifest. Raises :class:`BackupError`."""
    d = run_dir(run_id, home)
    try:
        d.mkdir(parents=True, mode=0o700, exist_ok=False)
        os.chmod(d.parent, 0o700)
    except OSError as exc:
        raise BackupError(f"cannot create backup dir {d}: {exc.strerror or exc}") from exc
    man = Manifest(run_id=run_id, created=datetime.now(UTC).isoformat(timespec="seconds"), kind=kind)
    seen: set[str] = set()
    for i, p in enumerate([*copies, *chmods]):
        if str(p) in seen:
            continue
        seen.add(str(p))
        try:
            st = p.lstat()
        except FileNotFoundError:
            man.entries.append(Entry(path=str(p), existed=False))
            continue
        e = Entry(path=str(p), existed=True, mode=st.st_mode & 0o7777, uid=st.st_uid, gid=st.st_gid)
        if i < len(copies) and p.is_file():
            e.copy = f"{i:03d}-{p.name}"
            try:
                fd = os.open(d / e.copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out, open(p, "rb") as src:
                    shutil.copyfileobj(src, out)
                    out.flush()
                    os.fsync(out.fileno())
            except OSError as exc:
                raise BackupError(f"cannot back up {p}: {exc.strerror or exc}") from exc
        man.entries.append(e)
    atomic_write_text(d / "manifest.json", man.to_json(), mode=0o600)
    return man


def load_manifest(run_id: str | None, home: Path | None = None) -> Manifest:
    """The manifest of ``run_id`` (None = the latest fix run). Raises :class:`BackupError`."""
    if run_id is None:
        fix_runs = [m for m in list_runs(home) if m.kind == "fix"]
        if not fix_runs:
            raise BackupError(f"no fix run to roll back in {(home or clawfence_home()) / 'backups'}")
        return fix_runs[-1]
    path = run_dir(run_id, home) / "manifest.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"no backup for run {run_id} ({path})") from exc
    except (OSError, ValueError) as exc:
        raise BackupError(f"unreadable manifest {path}: {exc}") from exc
    return Manifest(run_id=doc["run_id"], created=doc["created"], kind=doc.get("kind", "fix"),
                    entries=[Entry(**e) for e in doc.get("entries", [])])


def list_runs(home: Path | None = None) -> list[Manifest]:
    """Every run with a manifest, oldest first."""
    base = (home or clawfence_home()) / "backups"
    if not base.is_dir():
        return []
    return [load_manifest(p.name, home) for p in sorted(base.iterdir()) if (p / "manifest.json").is_file()]
