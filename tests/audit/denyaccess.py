"""Test helper, imported first in a child process: every path under ``$DENY_DIR`` (and listing the dir itself)
fails with EACCES, as it does for a non-root user when the dir is mode 000 (tests run as root, so chmod alone
cannot show it). Patches ``os``/``open`` before clawfence is imported."""

from __future__ import annotations

import builtins
import io
import os
from collections.abc import Callable
from typing import Any

DENIED = os.environ["DENY_DIR"].rstrip("/")
def _hit(p: Any) -> bool:
    try:
        s = os.fsdecode(p) if not isinstance(p, int) else ""
    except TypeError:
        return False
    s = os.path.abspath(s)
    return s.startswith(DENIED + "/")
def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
    def inner(p: Any, *a: Any, **k: Any) -> Any:
        if _hit(p):
            raise PermissionError(13, "Permission denied", os.fsdecode(p))
        return fn(p, *a, **k)
    return inner
for name in ("open", "stat", "lstat", "listdir", "scandir", "access", "readlink"):
    setattr(os, name, wrap(getattr(os, name)))
def _deny_listing(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Listing the denied dir itself fails too (``ls`` of a mode-000 dir)."""
    def inner(p: Any = ".") -> Any:
        if os.path.abspath(os.fsdecode(p)) == DENIED:
            raise PermissionError(13, "Permission denied", os.fsdecode(p))
        return fn(p)
    return inner


os.scandir = _deny_listing(os.scandir)  # type: ignore[assignment]
os.listdir = _deny_listing(os.listdir)  # type: ignore[assignment]
builtins.open = wrap(builtins.open)
io.open = builtins.open
