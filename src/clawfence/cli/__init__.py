"""Command line: ``clawfence audit|guide|explain|fix|skills|guard|trail|log|baseline|advisories|deploy|fleet``.

Parsing -> library call -> exit code; no security logic here. Every error a user can cause ends in a
one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from clawfence.core.errors import UsageError

if TYPE_CHECKING:  # typer and the command modules are imported on demand (start-up time; see fastpath.py)
    import typer

    app: typer.Typer
    MODULES: tuple[ModuleType, ...]

#: the CLI modules (under ``clawfence.cli``), in registration order
MODULE_NAMES: tuple[str, ...] = ("audit", "fix", "skills", "guard", "trail", "baseline", "advisories", "deploy",
                                 "fleet")
#: first argument -> the name of the CLI module (under ``clawfence.cli``) that registers it
COMMANDS: dict[str, str] = {
    "audit": "audit", "guide": "audit", "explain": "audit", "fix": "fix", "skills": "skills",
    "guard": "guard", "trail": "trail", "log": "trail", "baseline": "baseline",
    "advisories": "advisories", "deploy": "deploy", "fleet": "fleet",
}


def _module(name: str) -> ModuleType:
    """The CLI module ``clawfence.cli.<name>``."""
    return importlib.import_module(f"clawfence.cli.{name}")


def __getattr__(name: str) -> Any:
    """``app`` (the full typer application) and ``MODULES``, built on first use."""
    if name == "MODULES":
        mods = tuple(_module(n) for n in MODULE_NAMES)
        globals()["MODULES"] = mods
        return mods
    if name == "app":
        application = build_app()
        globals()["app"] = application
        return application
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_app(modules: tuple[ModuleType, ...] | None = None) -> typer.Typer:
    """The typer application with the commands of ``modules`` (all of them by default)."""
    import typer

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

    for mod in (tuple(_module(n) for n in MODULE_NAMES) if modules is None else modules):
        mod.register(application)
    return application


def skip_pydantic_plugin_discovery() -> None:
    """When pydantic plugins are disabled (``PYDANTIC_DISABLE_PLUGINS`` = ``__all__``/``1``/``true``), stand in
    for ``pydantic.plugin._loader`` with a module whose ``get_plugins()`` returns ``()``: exactly what pydantic's
    own loader returns then, without importing ``importlib.metadata`` (and email, csv, ...: ~10 ms) just to return
    it. ``tests/cli/test_cli_fastpath.py`` checks the pinned pydantic still behaves so. No-op otherwise."""
    import types

    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in ("__all__", "1", "true"):
        return
    name = "pydantic.plugin._loader"
    if name in sys.modules:
        return
    stub = types.ModuleType(name, "clawfence stand-in: plugins are disabled, so there are none to load")
    stub.get_plugins = lambda: ()  # type: ignore[attr-defined]
    sys.modules[name] = stub


def main() -> None:
    """Entry point of the ``clawfence`` script.

    Pydantic's entry-point plugins are not loaded (``PYDANTIC_DISABLE_PLUGINS``, unless the user set it):
    third-party code has no business inside a security audit, and discovering plugins scans every installed
    distribution's metadata (~12 ms of a ~0.3 s audit).

    ``clawfence audit`` with a plain command line skips typer (:mod:`clawfence.cli.fastpath`; same options,
    same results, exit codes and error messages); anything else goes through typer.
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    skip_pydantic_plugin_discovery()
    first = sys.argv[1] if len(sys.argv) > 1 else ""
    try:
        if first == "audit":
            from clawfence.cli import fastpath
            kwargs = fastpath.parse_audit(sys.argv[2:])
            if kwargs is not None:
                fastpath.run_audit(kwargs)  # exits
        # typer inspects every registered command on each run; register only the group being invoked
        # (everything for --help, no arguments or an unknown command, so help and errors stay complete)
        runner = build_app((_module(COMMANDS[first]),)) if first in COMMANDS else build_app()
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
