"""CLI: `clawfence baseline` (not yet implemented)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `baseline` command(s) to ``app``."""
