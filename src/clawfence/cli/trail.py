"""CLI: `clawfence trail` (not yet implemented)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `trail` command(s) to ``app``."""
