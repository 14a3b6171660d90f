"""Command line: ``clawfence audit|guide|explain|fix|skills|guard|trail|log|baseline``.

Parsing -> library call -> exit code; no security logic here. Every error a user can cause ends in a
one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys

import typer

from clawfence.cli import audit as audit_cmd
from clawfence.cli import baseline as baseline_cmd
from clawfence.cli import fix as fix_cmd
from clawfence.cli import guard as guard_cmd
from clawfence.cli import skills as skills_cmd
from clawfence.cli import trail as trail_cmd
from clawfence.cli.common import UsageError

app = typer.Typer(
    name="clawfence",
    help="Make OpenClaw deployments safe: every item of the CNCERT OpenClaw Secure Usage Practice Guide.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
audit_cmd.register(app)
fix_cmd.register(app)
skills_cmd.register(app)
guard_cmd.register(app)
trail_cmd.register(app)
baseline_cmd.register(app)


def main() -> None:
    """Entry point of the ``clawfence`` script.

    Pydantic's entry-point plugins are not loaded (``PYDANTIC_DISABLE_PLUGINS``, unless the user set it):
    third-party code has no business inside a security audit, and discovering plugins scans every installed
    distribution's metadata (~12 ms of a ~0.3 s audit).
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app()
    except UsageError as exc:
        print(f"clawfence: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("clawfence: interrupted", file=sys.stderr)
        sys.exit(130)
