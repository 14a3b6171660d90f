"""The closed set of typed fix actions. Fixers return them; only :mod:`clawfence.audit.fix.apply` performs them.

Every action is frozen, JSON-describable (:meth:`to_dict`) and printable (:meth:`describe`) without ever
holding a secret value: a secret is written by :class:`WriteSecretFile`, whose value is produced at apply
time (a fresh random token, or the literal currently at a config key) and never enters a plan, a log or a
report.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Safety(StrEnum):
    """``safe``: cannot break a working setup (applied by ``--apply``); ``unsafe``: may (needs ``--unsafe``)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, slots=True)
class Chmod:
    """Set POSIX permission bits of ``path`` (``mode`` e.g. 0o600); ``old`` is the mode seen when planning."""

    path: str
    mode: int
    old: int | None = None

    def describe(self) -> str:
        """``chmod 600 /path (was 644)``."""
        was = f" (was {self.old:03o})" if self.old is not None else ""
        return f"chmod {self.mode:03o} {self.path}{was}"


@dataclass(frozen=True, slots=True)
class SetConfig:
    """Set dotted config ``key`` to the JSON ``value``; ``old`` is the redacted value seen when planning."""

    key: str
    value: Any
    old: Any = None

    def describe(self) -> str:
        """``key: old -> new``."""
        return f"{self.key}: {_show(self.old)} -> {_show(self.value)}"


@dataclass(frozen=True, slots=True)
class UnsetConfig:
    """Remove dotted config ``key`` (retired or dangerous); ``old`` is the redacted value seen when planning."""

    key: str
    old: Any = None

    def describe(self) -> str:
        """``key: old -> (removed)``."""
        return f"{self.key}: {_show(self.old)} -> (removed)"


@dataclass(frozen=True, slots=True)
class WriteSecretFile:
    """Write ``var=<secret>`` into the 0600 dotenv file ``path`` (OpenClaw loads ``<state>/.env``).

    ``source``: ``random:<bytes>`` (a fresh token of that many random bytes, hex) or ``config:<key>`` (the
    plaintext value currently at that config key, moved out of the config).
    """

    path: str
    var: str
    source: str

    def describe(self) -> str:
        """``write VAR=<...> to path (0600)`` with the value's origin, never the value."""
        what = (f"fresh {int(self.source.split(':', 1)[1]) * 8}-bit random token" if self.source.startswith("random:")
                else f"value moved from {self.source.split(':', 1)[1]}")
        return f"write {self.var}=<{what}> to {self.path} (mode 600)"


@dataclass(frozen=True, slots=True)
class Manual:
    """A step clawfence will not perform itself (a command outside OpenClaw's files): shown, never run."""

    text: str

    def describe(self) -> str:
        """``manual: text``."""
        return f"manual step: {self.text}"


Action = Chmod | SetConfig | UnsetConfig | WriteSecretFile | Manual
ACTION_TYPES: dict[str, type] = {"chmod": Chmod, "set": SetConfig, "unset": UnsetConfig,
                                 "secret": WriteSecretFile, "manual": Manual}


def kind(action: Action) -> str:
    """Short type name used in JSON and in the action log."""
    return {Chmod: "chmod", SetConfig: "set", UnsetConfig: "unset", WriteSecretFile: "secret",
            Manual: "manual"}[type(action)]


def to_dict(action: Action) -> dict[str, Any]:
    """JSON form ``{"kind", ...fields, "describe"}`` (secret-free by construction)."""
    d = asdict(action)
    if isinstance(action, Chmod):
        d["mode"] = f"{action.mode:03o}"
        d["old"] = f"{action.old:03o}" if action.old is not None else None
    return {"kind": kind(action), **d, "describe": action.describe()}


@dataclass(frozen=True, slots=True)
class Plan:
    """What one fixer proposes for one finding: ``fix_id``, its ``safety``, the finding ids it answers,
    the actions, and ``notes`` (why something was left out, e.g. a key the installed version lacks)."""

    fix_id: str
    safety: Safety
    findings: tuple[str, ...]
    actions: tuple[Action, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"fix": self.fix_id, "safety": self.safety.value, "findings": list(self.findings),
                "actions": [to_dict(a) for a in self.actions], "notes": list(self.notes)}
