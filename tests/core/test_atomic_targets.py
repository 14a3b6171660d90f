"""core.atomic: a symlink is written through (never replaced), devices/dirs are refused, crash debris is swept."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from clawfence.core import atomic


def test_symlink_target_replaced_link_kept(tmp_path: Path) -> None:
    target, link = tmp_path / "t.json", tmp_path / "l.json"
    target.write_text("old")
    target.chmod(0o640)
    link.symlink_to(target)
    atomic.atomic_write_text(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640  # mode kept


def test_non_regular_targets_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    for p in (fifo, tmp_path):
        with pytest.raises(OSError, match="not a regular file"):
            atomic.atomic_write_text(p, "x")
    assert fifo.exists() and not fifo.is_file()


def test_stale_temp_files_swept_fresh_ones_kept(tmp_path: Path) -> None:
    p = tmp_path / "c.json"
    stale, fresh = tmp_path / ".c.json.abc.tmp", tmp_path / ".c.json.def.tmp"
    stale.write_text("debris")
    fresh.write_text("in flight")
    old = time.time() - atomic.STALE_TMP_SECONDS - 5
    os.utime(stale, (old, old))
    atomic.atomic_write_text(p, "x")
    assert not stale.exists() and fresh.exists() and p.read_text() == "x"


def test_failed_write_leaves_no_temp_file(tmp_path: Path) -> None:
    p = tmp_path / "c.json"
    p.write_text("orig")

    def boom(tmp: Path, dst: Path) -> None:
        raise OSError(28, "No space left on device")

    atomic.BEFORE_RENAME.append(boom)
    try:
        with pytest.raises(OSError):
            atomic.atomic_write_text(p, "new")
    finally:
        atomic.BEFORE_RENAME.remove(boom)
    assert p.read_text() == "orig" and list(tmp_path.iterdir()) == [p]
