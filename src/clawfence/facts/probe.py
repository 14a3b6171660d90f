"""Live gateway probe results (``--deep``; filled by ``clawfence.probe``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ProbeFacts(BaseModel, frozen=True):
    """What the live probes observed. ``targets`` lists probed HOST:PORT; ``results`` per target."""

    targets: list[str] = Field(default_factory=list)
    results: dict[str, dict[str, Any]] = Field(default_factory=dict)
    errors: list[str] = Field(default_factory=list)
