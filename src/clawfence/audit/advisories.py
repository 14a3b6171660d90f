"""Bundled offline advisory data for OpenClaw (``data/advisories.yaml``) and version matching.

Source: reference/openclaw.md §6. A version is affected when it sorts before ``fixed`` under
:class:`clawfence.core.calver.CalVer` order, which places ``-beta.N`` before and ``-N`` re-publishes after the
base date. ``last_affected`` ("<= 2026.2.21-2") is kept as documentation only: a pre-release of the fixed
date (``2026.2.22-beta.1``) is conservatively treated as affected.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from clawfence.core import yamlload
from clawfence.core.calver import CalVer
from clawfence.core.model import Severity


@dataclass(frozen=True, slots=True)
class Advisory:
    """One advisory: ``id`` (CVE or GHSA or a named id), ``aliases``, ``title``, ``severity``, the human
    ``affected`` range, ``fixed`` (None when no fixed version is stated), ``last_affected``, ``references``."""

    id: str
    aliases: tuple[str, ...]
    title: str
    severity: Severity
    affected: str
    fixed: str | None
    last_affected: str | None
    references: tuple[str, ...]

    def affects(self, version: CalVer) -> bool | None:
        """True/False for ``version``; None when the advisory states no fixed version (cannot judge)."""
        if self.fixed is None:
            return None
        return version < CalVer(self.fixed)


@lru_cache(maxsize=1)
def load() -> tuple[Advisory, ...]:
    """All bundled advisories, in file order. Raises ``ValueError`` on a malformed entry."""
    text = resources.files("clawfence.data").joinpath("advisories.yaml").read_text(encoding="utf-8")
    out = []
    for raw in yamlload.safe_load(text) or []:
        fixed = raw.get("fixed")
        last = raw.get("last_affected")
        if fixed is not None:
            CalVer(str(fixed))
        out.append(Advisory(
            id=str(raw["id"]), aliases=tuple(raw.get("aliases") or ()), title=str(raw["title"]),
            severity=Severity(raw["severity"]), affected=str(raw.get("affected", "")),
            fixed=str(fixed) if fixed is not None else None, last_affected=str(last) if last else None,
            references=tuple(raw.get("references") or ()),
        ))
    return tuple(out)


def affecting(version: str) -> list[Advisory]:
    """Advisories affecting ``version`` (raises :class:`clawfence.core.calver.VersionError` if unparsable)."""
    v = CalVer(version)
    return [a for a in load() if a.affects(v)]
