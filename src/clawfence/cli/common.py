"""Helpers shared by CLI modules: errors, output writing, format and language options."""

from __future__ import annotations

import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from clawfence.core.atomic import atomic_write_text
from clawfence.core.errors import UsageError

if TYPE_CHECKING:  # typer is imported only by the commands that use it (the audit's fast path does not)
    import typer


def fail(message: str) -> typer.Exit:
    """Print ``clawfence: error: message`` and return an Exit(2) to raise."""
    import typer

    typer.echo(f"clawfence: error: {message}", err=True)
    return typer.Exit(2)


def emit(text: str, output: Path | None) -> None:
    """Write ``text`` to stdout, or to ``output``: a regular file (or a symlink to one) is replaced atomically
    (0600 when new; a symlink stays a symlink); a device or FIFO (``/dev/null``, ``/dev/stdout``, a pipe) is
    written to, never replaced by a file. A directory or an unwritable target is a :class:`UsageError`."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        st = output.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
    try:
        if st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        elif st is not None and not stat.S_ISREG(st.st_mode):
            raise UsageError(f"cannot write {output}: not a regular file")
        else:
            atomic_write_text(output, text, mode=None if st is not None else 0o600)
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
