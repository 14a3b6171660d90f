"""CLI: `clawfence guard` (not yet implemented)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `guard` command(s) to ``app``."""
