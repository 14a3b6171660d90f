"""Waivers: accepted risks. A waived finding stays in every report, flagged, and no longer fails the run.

File format (YAML): ``- {id: GW001, subject: gateway.bind (optional), reason: "...", expires: 2027-01-01 (optional)}``.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError, field_validator

from clawfence.core.model import Finding


class WaiverError(Exception):
    """The waiver file is unreadable or invalid (message names the entry and field)."""


class Waiver(BaseModel, frozen=True):
    """One accepted risk: check id, optional subject, a reason (required) and an optional expiry date."""

    id: str
    reason: str
    subject: str | None = None
    expires: date | None = None

    @field_validator("reason")
    @classmethod
    def _reason_required(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("reason must not be empty")
        return v


def load(path: Path) -> list[Waiver]:
    """Parse a waiver file. Raises :class:`WaiverError` with a one-line message."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise WaiverError(f"{path}: {exc}".splitlines()[0]) from exc
    if not isinstance(data, list):
        raise WaiverError(f"{path}: expected a list of waivers")
    out = []
    for i, entry in enumerate(data):
        try:
            out.append(Waiver.model_validate(entry))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise WaiverError(f"{path}: waiver #{i + 1}: {'.'.join(map(str, err['loc']))}: {err['msg']}") from exc
    return out


def apply(findings: list[Finding], waivers: list[Waiver], today: date | None = None) -> list[Finding]:
    """Mark matching findings as suppressed (expired waivers are ignored)."""
    today = today or date.today()
    out = []
    for f in findings:
        w = next((w for w in waivers if w.id.upper() == f.id and (w.subject in (None, f.subject))
                  and (w.expires is None or w.expires >= today)), None)
        out.append(dataclasses.replace(f, suppressed=w.reason) if w else f)
    return out
