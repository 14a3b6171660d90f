"""Drift of watched files against a stored config hash baseline (filled by ``clawfence.baseline``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DriftFacts(BaseModel, frozen=True):
    """Baseline comparison: the baseline file used and added/removed/changed paths."""

    baseline: str | None = None
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    changed_keys: list[str] = Field(default_factory=list)
    signature_ok: bool | None = None
