"""Check declarations: the :class:`Check` value, the :func:`check` decorator and :func:`collect`.

Nothing registers itself at import: ``checks/__init__.py`` lists its modules and calls
:func:`collect`, which asserts the invariants (id format, unique ids and slugs, prefix per module,
guide ids that exist).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from clawfence.core.model import Outcome, Severity

if TYPE_CHECKING:
    from clawfence.audit.facts import Facts
CheckFn = Callable[["Facts"], Iterator[Outcome]]

ID_RE = re.compile(r"^[A-Z]{2}\d{3}$")

#: Area prefix of each check module (module name -> id prefix).
MODULE_PREFIX: dict[str, str] = {
    "gateway": "GW",
    "hooks": "GW",
    "control_ui": "GW",
    "trusted_proxy": "GW",
    "secrets": "AU",
    "secrets_native": "AU",
    "secrets_audit": "AU",
    "channels": "CH",
    "channels_native": "CH",
    "sandbox": "SB",
    "tools": "TL",
    "tools_reach": "TL",
    "fs": "FS",
    "host": "HO",
    "config_schema": "CF",
    "monitoring": "LG",
    "native_audit": "LG",
    "updates": "UP",
    "models": "MD",
    "runtime": "RG",
    "skills": "SK",
    "integrity": "BL",
    "probes": "NP",
    "policy_native": "PL",
    "gateway_roles": "RL",
    "fleet_cells": "FC",
}

#: Retired check ids -> replacement id (old waivers still resolve).
RETIRED: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Check:
    """A declared check: metadata plus the pure function that yields outcomes.

    ``requires`` names Facts fields that must be present; the engine skips the check otherwise.
    ``deep`` checks run only with ``--deep``.
    """

    id: str
    title: str
    title_zh: str
    severity: Severity
    guide: tuple[str, ...]
    remediation: str
    remediation_zh: str
    requires: tuple[str, ...]
    fix: str | None
    references: tuple[str, ...]
    upstream: tuple[str, ...]
    cwe: tuple[str, ...]
    fn: CheckFn
    deep: bool = False

    @property
    def slug(self) -> str:
        """Function name: the snake_case secure state."""
        return self.fn.__name__

    @property
    def rationale(self) -> str:
        """The docstring: why it matters and where the rule comes from."""
        return (self.fn.__doc__ or "").strip()

    @property
    def module(self) -> str:
        """Last component of the defining module's name."""
        return self.fn.__module__.rsplit(".", 1)[-1]


def check(
    *,
    id: str,
    title: str,
    severity: Severity,
    guide: tuple[str, ...],
    remediation: str,
    title_zh: str = "",
    remediation_zh: str = "",
    requires: tuple[str, ...] = ("config",),
    fix: str | None = None,
    references: tuple[str, ...] = (),
    upstream: tuple[str, ...] = (),
    cwe: tuple[str, ...] = (),
    deep: bool = False,
) -> Callable[[CheckFn], Check]:
    """Declare a check. Returns a decorator turning the function into a frozen :class:`Check`."""

    def wrap(fn: CheckFn) -> Check:
        return Check(
            id=id,
            title=title,
            title_zh=title_zh or title,
            severity=severity,
            guide=guide,
            remediation=remediation,
            remediation_zh=remediation_zh or remediation,
            requires=requires,
            fix=fix,
            references=references,
            upstream=upstream,
            cwe=cwe,
            fn=fn,
            deep=deep,
        )

    return wrap


class RegistryError(Exception):
    """A check declaration breaks an invariant (raised at collect time)."""


def collect(*modules: ModuleType, guide_ids: frozenset[str] | None = None) -> tuple[Check, ...]:
    """Gather every :class:`Check` defined in ``modules`` and validate the set.

    Raises :class:`RegistryError` on a bad id, duplicate id or slug, wrong prefix, missing
    docstring, or a guide id not in ``guide_ids`` (when given). Returns checks sorted by id.
    """
    found: list[Check] = []
    for mod in modules:
        name = mod.__name__.rsplit(".", 1)[-1]
        prefix = MODULE_PREFIX.get(name)
        for value in vars(mod).values():
            if not isinstance(value, Check) or value.fn.__module__ != mod.__name__:
                continue
            if not ID_RE.match(value.id):
                raise RegistryError(f"{value.id}: id must match {ID_RE.pattern}")
            if prefix and not value.id.startswith(prefix):
                raise RegistryError(f"{value.id}: checks in {name}.py use prefix {prefix}")
            if not value.rationale:
                raise RegistryError(f"{value.id}: missing docstring (rationale)")
            if not value.guide:
                raise RegistryError(f"{value.id}: cites no guide point")
            if guide_ids is not None:
                bad = [g for g in value.guide if g not in guide_ids]
                if bad:
                    raise RegistryError(f"{value.id}: unknown guide ids {bad}")
            found.append(value)
    ids = [c.id for c in found]
    slugs = [c.slug for c in found]
    for label, values in (("id", ids), ("slug", slugs)):
        dup = {v for v in values if values.count(v) > 1}
        if dup:
            raise RegistryError(f"duplicate check {label}s: {sorted(dup)}")
    return tuple(sorted(found, key=lambda c: c.id))
