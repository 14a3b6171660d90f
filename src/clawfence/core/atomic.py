"""Atomic, crash-safe file writes: temp file in the same dir + fsync + rename, owner and mode preserved.

Every write clawfence makes to a user's file goes through here (or through ``fix.apply``, which uses it).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

#: Test hook: called after the temp file is written and fsynced, before the rename (fault injection).
BEFORE_RENAME: list[Callable[[Path, Path], None]] = []


#: A temp file of ours older than this (seconds) is debris of a crashed write and is removed on the next write.
STALE_TMP_SECONDS = 600


def _sweep_stale(path: Path) -> None:
    """Remove ``.<name>.*.tmp`` files left in ``path``'s directory by writes that crashed (SIGKILL, power loss)
    more than :data:`STALE_TMP_SECONDS` ago; a concurrent writer's fresh temp file is left alone."""
    now = time.time()
    with contextlib.suppress(OSError):
        for p in path.parent.glob(f".{path.name}.*.tmp"):
            with contextlib.suppress(OSError):
                st = p.lstat()
                if p.is_file() and not p.is_symlink() and now - st.st_mtime > STALE_TMP_SECONDS:
                    p.unlink()


def atomic_write_bytes(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically. Keeps an existing file's mode and owner unless ``mode``
    is given. A symlink is followed: its target is replaced and the link stays a link. Raises ``OSError`` on
    failure (also when ``path`` is a directory, device, FIFO or socket: those are never replaced by a file); the
    original file is then untouched."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_ISREG(path.stat().st_mode):
            raise OSError(errno.EINVAL, "not a regular file, not replaced", str(path))
    _sweep_stale(path)
    st = None
    with contextlib.suppress(FileNotFoundError):
        st = path.stat()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode if mode is not None else (st.st_mode & 0o7777 if st else 0o600))
        if st is not None and hasattr(os, "chown"):
            with contextlib.suppress(PermissionError):
                os.chown(tmp, st.st_uid, st.st_gid)
        for hook in BEFORE_RENAME:
            hook(Path(tmp), path)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dfd = os.open(str(path.parent), os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def atomic_write_text(path: Path, text: str, mode: int | None = None) -> None:
    """UTF-8 text version of :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode("utf-8"), mode)
