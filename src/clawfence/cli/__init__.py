"""Command line: ``clawfence audit|guide|explain|fix|skills|guard|trail|log|baseline|advisories|deploy|fleet``.

Parsing -> library call -> exit code; no security logic here. Every error a user can cause ends in a
one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType

import typer

from clawfence.cli import advisories as advisories_cmd
from clawfence.cli import audit as audit_cmd
from clawfence.cli import baseline as baseline_cmd
from clawfence.cli import deploy as deploy_cmd
from clawfence.cli import fix as fix_cmd
from clawfence.cli import fleet as fleet_cmd
from clawfence.cli import guard as guard_cmd
from clawfence.cli import skills as skills_cmd
from clawfence.cli import trail as trail_cmd
from clawfence.core.errors import UsageError

MODULES: tuple[ModuleType, ...] = (audit_cmd, fix_cmd, skills_cmd, guard_cmd, trail_cmd, baseline_cmd, advisories_cmd,
                                   deploy_cmd, fleet_cmd)
#: first argument -> the CLI module that registers it
COMMANDS: dict[str, ModuleType] = {
    "audit": audit_cmd, "guide": audit_cmd, "explain": audit_cmd, "fix": fix_cmd, "skills": skills_cmd,
    "guard": guard_cmd, "trail": trail_cmd, "log": trail_cmd, "baseline": baseline_cmd,
    "advisories": advisories_cmd, "deploy": deploy_cmd, "fleet": fleet_cmd,
}


def build_app(modules: tuple[ModuleType, ...] = MODULES) -> typer.Typer:
    """The typer application with the commands of ``modules`` (all of them by default)."""
    application = typer.Typer(
        name="clawfence",
        help="Make OpenClaw deployments safe: every item of the CNCERT OpenClaw Secure Usage Practice Guide.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    @application.callback()
    def _root() -> None:
        """Make OpenClaw deployments safe: every item of the CNCERT OpenClaw Secure Usage Practice Guide."""
        # an explicit callback keeps group mode when only one command is registered (e.g. ``fix``)

    for mod in modules:
        mod.register(application)
    return application


app = build_app()


def main() -> None:
    """Entry point of the ``clawfence`` script.

    Pydantic's entry-point plugins are not loaded (``PYDANTIC_DISABLE_PLUGINS``, unless the user set it):
    third-party code has no business inside a security audit, and discovering plugins scans every installed
    distribution's metadata (~12 ms of a ~0.3 s audit).
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # typer inspects every registered command on each run; register only the group being invoked
    # (everything for --help, no arguments or an unknown command, so help and errors stay complete)
    first = sys.argv[1] if len(sys.argv) > 1 else ""
    runner = build_app((COMMANDS[first],)) if first in COMMANDS else app
    try:
        runner()
    except UsageError as exc:
        print(f"clawfence: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("clawfence: interrupted", file=sys.stderr)
        sys.exit(130)
    except PermissionError as exc:  # e.g. a state dir of mode 000 audited by another user
        who = f"{exc.filename}: " if exc.filename else ""
        print(f"clawfence: error: {who}permission denied (run as the OpenClaw user, or root)", file=sys.stderr)
        sys.exit(2)
    except OSError as exc:
        who = f"{exc.filename}: " if exc.filename else ""
        print(f"clawfence: error: {who}{exc.strerror or exc}", file=sys.stderr)
        sys.exit(2)
    except RecursionError:
        print("clawfence: error: input nested too deeply to analyse", file=sys.stderr)
        sys.exit(2)
    except Exception as exc:  # never a traceback for users; CLAWFENCE_DEBUG=1 shows it
        if os.environ.get("CLAWFENCE_DEBUG"):
            raise
        print(f"clawfence: internal error: {exc.__class__.__name__}: {exc} (CLAWFENCE_DEBUG=1 shows the traceback; "
              "please report it)", file=sys.stderr)
        sys.exit(70)
