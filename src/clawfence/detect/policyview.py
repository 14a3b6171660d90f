"""What the detection kernel needs to know about a guard policy, as a structural type.

:func:`clawfence.detect.analyze.analyze_call` reads the policy's compiled ``settings`` (egress allow-list,
allow-list mode, protected paths, ...) and ``model.settings.financial_tools``; :class:`clawfence.guard.policy.Policy`
satisfies this protocol without the kernel importing the guard (layers: detect < guard).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from clawfence.detect.hosts import Settings


class PolicyView(Protocol):
    """A policy as the kernel sees it: ``settings`` (the guard's compiled ``Settings``) and ``model`` (the
    validated policy document, whose ``settings.financial_tools`` lists tool names that move money)."""

    @property
    def settings(self) -> Any:
        """Compiled settings (``clawfence.guard.policy.Settings``)."""

    @property
    def model(self) -> Any:
        """The validated policy document (``clawfence.guard.policy.PolicyModel``)."""


@dataclass(frozen=True)
class _KernelModelSettings:
    financial_tools: tuple[str, ...] = ()


@dataclass(frozen=True)
class _KernelModel:
    settings: _KernelModelSettings = field(default_factory=_KernelModelSettings)


@dataclass(frozen=True)
class KernelPolicy:
    """The guard's built-in analysis knobs without a policy file (empty egress allow-list, no approved packages,
    no financial tool globs): what the trail analyses past calls with. Satisfies :class:`PolicyView`."""

    settings: Settings = field(default_factory=Settings)
    model: _KernelModel = field(default_factory=_KernelModel)


__all__ = ["KernelPolicy", "PolicyView"]
