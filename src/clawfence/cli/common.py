"""Helpers shared by CLI modules: errors, output writing, format and language options."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from clawfence.core.atomic import atomic_write_text
from clawfence.core.errors import UsageError


def fail(message: str) -> typer.Exit:
    """Print ``clawfence: error: message`` and return an Exit(2) to raise."""
    typer.echo(f"clawfence: error: {message}", err=True)
    return typer.Exit(2)


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` atomically, or to stdout."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            atomic_write_text(output, text, mode=0o600)
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc


LANGS = ("en", "zh")


def check_lang(lang: str) -> str:
    """Validate ``--lang``."""
    if lang not in LANGS:
        raise UsageError(f"--lang must be one of {', '.join(LANGS)}")
    return lang


SEVERITIES = ("critical", "high", "medium", "low", "info", "none")


def check_choice(option: str, value: str, choices: tuple[str, ...]) -> str:
    """Validate a ``--format`` / ``--fail-on`` style option; raises :class:`UsageError` naming the choices."""
    if value not in choices:
        raise UsageError(f"{option} must be one of {', '.join(choices)}")
    return value
