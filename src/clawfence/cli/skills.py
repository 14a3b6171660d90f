"""CLI: `clawfence skills` (not yet implemented)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `skills` command(s) to ``app``."""
