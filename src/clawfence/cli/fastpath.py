"""Fast start-up path for ``clawfence audit``: parse a plain audit command line without typer.

typer (0.29) imports its vendored click and builds one pydantic ``TypeAdapter`` per option on every run; for
``clawfence audit`` that is ~40-60 ms of a ~0.3 s run. :func:`parse_audit` understands only the unambiguous
forms (``--long VALUE``, ``--long=VALUE``, ``-f VALUE``, ``-o VALUE``, ``-v``, the boolean flags, repeated
``--target``); for anything else (``--help``, an unknown or misspelt option, a missing, empty or dash-leading
value, a positional argument, ``--``, clustered short options, an unreadable path, shell completion) it returns
None and the caller runs typer, so help texts and every parse error stay exactly typer's.

``tests/cli/test_cli_fastpath.py`` checks :data:`AUDIT_OPTIONS` against the typer command's own parameters (flags,
destinations, kinds, defaults), so the two cannot drift apart silently.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path
from typing import Any, Literal, NoReturn

Kind = Literal["str", "path", "flag", "list"]

#: option string -> (keyword of :func:`clawfence.cli.audit_run.audit_command`, kind)
AUDIT_OPTIONS: dict[str, tuple[str, Kind]] = {
    "--state-dir": ("state_dir", "str"),
    "--config": ("config", "str"),
    "--profile": ("profile", "str"),
    "--format": ("fmt", "str"), "-f": ("fmt", "str"),
    "--output": ("output", "path"), "-o": ("output", "path"),
    "--lang": ("lang", "str"),
    "--fail-on": ("fail_on", "str"),
    "--deep": ("deep", "flag"),
    "--target": ("target", "list"),
    "--waivers": ("waivers", "path"),
    "--save-facts": ("save_facts", "path"),
    "--from-facts": ("from_facts", "path"),
    "--openclaw-version": ("openclaw_version", "str"),
    "--baseline": ("baseline", "path"),
    "--no-host": ("no_host", "flag"),
    "--fleet-salt-file": ("fleet_salt_file", "path"),
    "--verbose": ("verbose", "flag"), "-v": ("verbose", "flag"),
    "--deployment": ("deployment", "path"),
}


def _path_value(value: str) -> Path | None:
    """``value`` as typer would pass it to a ``Path`` option (readable when it exists), or None when typer
    would reject it (then typer must run to word the error)."""
    try:
        os.stat(value)
    except (OSError, ValueError):
        return Path(value)
    return Path(value) if os.access(value, os.R_OK) else None


def parse_audit(args: list[str], environ: dict[str, str] | os._Environ[str] | None = None) -> dict[str, Any] | None:
    """Keyword arguments for :func:`clawfence.cli.audit_run.audit_command` from the arguments after ``audit``,
    or None when the command line is not one this parser is sure to read as typer would (see module doc)."""
    env = os.environ if environ is None else environ
    if any(k.endswith("_COMPLETE") for k in env):  # click shell completion: typer's job
        return None
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        tok = args[i]
        name, eq, attached = tok.partition("=") if tok.startswith("--") else (tok, "", "")
        spec = AUDIT_OPTIONS.get(name)
        if spec is None:
            return None
        dest, kind = spec
        if kind == "flag":
            if eq:
                return None
            out[dest] = True
            i += 1
            continue
        if eq:
            value = attached
            i += 1
        else:
            if i + 1 >= len(args):
                return None
            value = args[i + 1]
            i += 2
        if not value or value.startswith("-"):
            return None
        if kind == "str":
            out[dest] = value
        elif kind == "list":
            out.setdefault(dest, []).append(value)
        else:
            path = _path_value(value)
            if path is None:
                return None
            out[dest] = path
    return out


def run_audit(kwargs: dict[str, Any]) -> NoReturn:
    """Run the audit with parsed ``kwargs`` and exit as typer's standalone mode would: the audit's exit code;
    130 (silent) on Ctrl-C; 1 (silent) when stdout is a closed pipe. Other exceptions propagate to
    :func:`clawfence.cli.main`, which words them.

    The cyclic garbage collector is off for this one-shot process: importing pydantic and building the facts
    models triggers ~70 collections (20-50 ms of a ~0.25 s audit) that find next to nothing, and reference
    counting still frees all acyclic garbage (peak RSS of a 2,000-agent audit: 126 MB with, 128 MB without)."""
    import gc

    gc.disable()
    from clawfence.cli.audit_run import audit_command

    try:
        code = audit_command(**kwargs)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        _silence_stdio()
        sys.exit(1)
    sys.exit(code)


def _silence_stdio() -> None:
    """After EPIPE: point stdout/stderr at /dev/null so the interpreter's final flush cannot fail again."""
    fd = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(fd, stream.fileno())
        except (OSError, ValueError):
            continue
    os.close(fd)
