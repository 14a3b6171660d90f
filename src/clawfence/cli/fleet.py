"""CLI: ``clawfence fleet report DIR [--format json|html|ocsf] [-o FILE] [--fail-on SEVERITY]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clawfence.cli.common import SEVERITIES, check_choice, emit
from clawfence.core.errors import UsageError


def register(app: typer.Typer) -> None:
    """Add the ``fleet`` sub-app."""
    fl = typer.Typer(help="Many hosts' audits in one report (issue 14; guide E1-E3, C1-C3).", no_args_is_help=True)
    app.add_typer(fl, name="fleet")

    @fl.command("report")
    def report(
        directory: Annotated[Path, typer.Argument(help="DIR/<host>/ with facts.json and report.json per host "
                                                      "(ansible/playbooks/audit.yml fetches them)")],
        fmt: Annotated[str, typer.Option("--format", "-f", help="json|html|ocsf")] = "json",
        output: Annotated[Path | None, typer.Option("--output", "-o", help="write the report here")] = None,
        fail_on: Annotated[str, typer.Option("--fail-on", help="exit 1 on a cross-host risk at or above: "
                                                              "critical|high|medium|low|info|none")] = "high",
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no summary on stderr")] = False,
    ) -> None:
        """Aggregate many hosts: per-host score and worst findings, worst findings across the fleet, cross-host
        risks (shared gateway token by salted fingerprint, versions with advisories, hosts without guard or
        baseline). Exit 0 clean, 1 a risk at or above --fail-on, 2 bad input."""
        from clawfence.audit.advisories import affecting
        from clawfence.core.model import Severity
        from clawfence.fleet import aggregate, load, render
        check_choice("--format", fmt, render.FORMATS)
        check_choice("--fail-on", fail_on, SEVERITIES)
        try:
            hosts = load.load_dir(directory)
        except load.FleetDirError as exc:
            raise UsageError(str(exc)) from exc
        rep = aggregate.aggregate(hosts, affecting)
        emit(render.render(rep, fmt, hosts), output)
        if not quiet:
            typer.echo("\n".join(render.summary_lines(rep)), err=True)
        if fail_on != "none" and any(f.severity.rank >= Severity(fail_on).rank for f in rep.risks):
            raise typer.Exit(1)
