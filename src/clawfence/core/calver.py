"""OpenClaw CalVer: ``YYYY.M.D``, ``YYYY.M.D-beta.N`` (pre-release, sorts before the date) and
``YYYY.M.D-N`` (re-publish, sorts after). Source: reference/openclaw.md §6 "Reading the installed version".
"""

from __future__ import annotations

import re
from functools import total_ordering

_RX = re.compile(r"^v?(\d{4})\.(\d{1,2})\.(\d{1,2})(?:-(beta|alpha|rc)\.?(\d+)|-(\d+))?$")


class VersionError(ValueError):
    """Not an OpenClaw CalVer string."""


@total_ordering
class CalVer:
    """A parsed OpenClaw version; compare with ``<``/``==``. Raises :class:`VersionError` on bad input."""

    __slots__ = ("key", "text")

    def __init__(self, text: str) -> None:
        m = _RX.match(text.strip())
        if not m:
            raise VersionError(f"not an OpenClaw version: {text!r}")
        y, mo, d, pre, pre_n, rep = m.groups()
        # pre-release: (0, n); plain release: (1, 0); re-publish -N: (1, N)
        tail = (0, int(pre_n)) if pre else (1, int(rep or 0))
        self.key: tuple[int, int, int, int, int] = (int(y), int(mo), int(d), *tail)
        self.text = text.strip()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CalVer) and self.key == other.key

    def __lt__(self, other: CalVer) -> bool:
        return self.key < other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"CalVer({self.text!r})"

    def __str__(self) -> str:
        return self.text


def parse(text: str | None) -> CalVer | None:
    """Parse or return None (never raises)."""
    if not text:
        return None
    try:
        return CalVer(text)
    except VersionError:
        return None


def extract(text: str) -> str | None:
    """Find a CalVer in free text such as ``OpenClaw 2026.9.6 (eb377ac)``."""
    m = re.search(r"\b(\d{4}\.\d{1,2}\.\d{1,2}(?:-(?:beta|alpha|rc)\.?\d+|-\d+)?)\b", text)
    return m.group(1) if m else None
