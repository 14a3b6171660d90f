"""CLI: `clawfence fix` (not yet implemented)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `fix` command(s) to ``app``."""
