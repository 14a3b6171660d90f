"""Bounded reading of untrusted input: files that may be FIFOs, devices, huge or deeply nested.

Every product part reads user- or attacker-supplied files through these helpers so that bad input becomes one
:class:`InputError` (the CLI prints it as one line and exits 2), never a hang, a traceback or a silent default.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

#: Default size limit for a config/log/JSON document read whole (bytes).
MAX_BYTES = 64 * 1024 * 1024
#: Default nesting limit for JSON/JSON5 documents (objects + arrays).
MAX_DEPTH = 200


class InputError(ValueError):
    """An input that cannot be read safely: not a regular file, too large, too deep, undecodable."""


def read_bytes(path: Path | str, max_bytes: int = MAX_BYTES) -> bytes:
    """Read a regular file whole, at most ``max_bytes``. Opens without blocking (a FIFO never hangs) and
    without following into devices: raises :class:`InputError` for a FIFO, device, socket, directory, a file
    larger than ``max_bytes``, a symlink loop or an unreadable file (message names the path and the reason)."""
    p = str(path)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{p}: not a regular file")
        if st.st_size > max_bytes:
            raise InputError(f"{p}: too large ({st.st_size} bytes, limit {max_bytes})")
        chunks: list[bytes] = []
        total = 0
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            total += len(b)
            if total > max_bytes:
                raise InputError(f"{p}: too large (over {max_bytes} bytes)")
            chunks.append(b)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)


def read_text(path: Path | str, max_bytes: int = MAX_BYTES) -> str:
    """:func:`read_bytes` decoded as UTF-8 (a BOM is dropped); :class:`InputError` if it is not UTF-8."""
    data = read_bytes(path, max_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def nesting_depth(text: str) -> int:
    """Maximum bracket nesting of a JSON/JSON5 text, ignoring brackets inside strings and comments. O(n)."""
    depth = best = 0
    i, n = 0, len(text)
    quote = ""
    while i < n:
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "/" and i + 1 < n and text[i + 1] == "/":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c == "/" and i + 1 < n and text[i + 1] == "*":
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        elif c in "[{":
            depth += 1
            best = max(best, depth)
        elif c in "]}":
            depth -= 1
        i += 1
    return best


def check_depth(text: str, max_depth: int = MAX_DEPTH, what: str = "document") -> None:
    """Raise :class:`InputError` when ``text`` nests deeper than ``max_depth`` (before any recursive parser)."""
    d = nesting_depth(text)
    if d > max_depth:
        raise InputError(f"{what}: nested {d} levels deep (limit {max_depth})")


def loads_json(text: str, max_depth: int = MAX_DEPTH, what: str = "JSON") -> Any:
    """``json.loads`` with a nesting limit; :class:`InputError` on too-deep or invalid JSON (one line)."""
    check_depth(text, max_depth, what)
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{what}: invalid JSON: {exc}") from exc
