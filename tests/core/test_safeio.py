"""Bounded input reading: FIFOs, devices, size and depth limits become InputError, never a hang."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clawfence.core.safeio import InputError, loads_json, nesting_depth, read_text


def test_regular_file_read(tmp_path: Path) -> None:
    p = tmp_path / "a.json"
    p.write_text('{"a": [1, {"b": 2}]}', encoding="utf-8")
    assert read_text(p) == '{"a": [1, {"b": 2}]}'


def test_fifo_refused_without_hanging(tmp_path: Path) -> None:
    p = tmp_path / "fifo"
    os.mkfifo(p)
    with pytest.raises(InputError, match="not a regular file"):
        read_text(p)


@pytest.mark.parametrize("dev", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_refused(dev: str) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        read_text(dev)


def test_size_limit(tmp_path: Path) -> None:
    p = tmp_path / "big"
    p.write_bytes(b"x" * 100)
    with pytest.raises(InputError, match="too large"):
        read_text(p, max_bytes=10)


def test_symlink_loop(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(InputError, match="cannot read"):
        read_text(a)


def test_depth_ignores_strings_and_comments() -> None:
    assert nesting_depth('{"a": "[[[[", /* {{{{ */ "b": [1]} // [[[') == 2


def test_deep_json_refused() -> None:
    with pytest.raises(InputError, match="nested 10000 levels"):
        loads_json("[" * 10000 + "]" * 10000)
    assert loads_json('{"a": [[1]]}') == {"a": [[1]]}
