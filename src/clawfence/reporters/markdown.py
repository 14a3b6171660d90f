"""Markdown (placeholder: replaced by the full reporter)."""

from __future__ import annotations

from clawfence.model import Report


def render(report: Report) -> str:
    """Not yet implemented."""
    raise NotImplementedError("markdown")
