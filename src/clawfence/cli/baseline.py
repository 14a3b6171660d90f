"""CLI: ``clawfence baseline create|verify|diff|watch`` (configuration hash baseline, guide D3.3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clawfence.cli.common import emit
from clawfence.core.errors import UsageError

if TYPE_CHECKING:
    from clawfence.audit.facts.drift import DriftFacts
SD = Annotated[str | None, typer.Option("--state-dir", help="OpenClaw state dir (default ~/.openclaw)")]
BP = Annotated[Path | None, typer.Option("--baseline", help="baseline file (default $CLAWFENCE_HOME/baseline.json)")]
PK = Annotated[Path | None, typer.Option("--pubkey", help="trusted Ed25519 public key (hex or PEM); default: the key "
                                         "pinned for this baseline in the trust dir")]


def _state(state_dir: str | None) -> Path:
    from clawfence.audit.facts.locate import locate
    sd = locate(state_dir).state_dir
    if not sd.is_dir():
        raise UsageError(f"state dir {sd} does not exist")
    return sd


def register(app: typer.Typer) -> None:
    """Add the ``baseline`` sub-app."""
    b = typer.Typer(help="Signed configuration hash baseline (D3.3).", no_args_is_help=True)
    app.add_typer(b, name="baseline")

    @b.command("create")
    def create(state_dir: SD = None, baseline_path: BP = None) -> None:
        """Hash and sign every security-relevant file and config key."""
        from clawfence.integrity import baseline
        sd = _state(state_dir)
        try:
            p = baseline.create(sd, baseline_path)
        except OSError as exc:
            raise UsageError(f"cannot write baseline: {exc}") from exc
        n = len(json.loads(p.read_text())["files"])
        typer.echo(f"baseline of {n} files written to {p}")

    def _compare(state_dir: str | None, baseline_path: Path | None, pubkey: Path | None = None) -> DriftFacts:
        from clawfence.integrity import baseline
        sd = _state(state_dir)
        try:
            return baseline.compare(sd, baseline_path or baseline.default_path(), pubkey=pubkey)
        except baseline.BaselineError as exc:
            raise UsageError(str(exc)) from exc

    @b.command("verify")
    def verify(state_dir: SD = None, baseline_path: BP = None, pubkey: PK = None,
               as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
        """Exit 1 if anything drifted or the baseline signature is invalid (values never shown); says which key
        checked the signature (pin, --pubkey or an unpinned key)."""
        from clawfence.integrity import baseline
        d = _compare(state_dir, baseline_path, pubkey)
        emit(json.dumps(d.model_dump(), indent=1) + "\n" if as_json else baseline.describe(d), None)
        if d.drifted or d.signature_ok is False:
            raise typer.Exit(1)

    @b.command("diff")
    def diff(state_dir: SD = None, baseline_path: BP = None, pubkey: PK = None) -> None:
        """Show what changed since the baseline (always exit 0 unless the input is bad)."""
        from clawfence.integrity import baseline
        emit(baseline.describe(_compare(state_dir, baseline_path, pubkey)), None)

    @b.command("watch")
    def watch(state_dir: SD = None, baseline_path: BP = None, pubkey: PK = None,
              log: Annotated[Path | None, typer.Option("--log", help="action log (default: CLAWFENCE_HOME)")] = None,
              syslog: Annotated[str | None, typer.Option("--syslog", help="also send to syslog://|tcp://|tls://")] = None,
              duration: Annotated[float | None, typer.Option("--duration", help="stop after N seconds")] = None) -> None:
        """Report drift as it happens into the action log (and optionally syslog). Exits 1 with an alert when the
        baseline file itself is deleted, replaced or fails its signature."""
        from clawfence.integrity import baseline
        from clawfence.integrity.actionlog import default_log_path
        from clawfence.integrity.watch import BaselineTampered, Notify
        from clawfence.integrity.watch import watch as run
        sd = _state(state_dir)
        notify: Notify | None = None
        if syslog:
            target = syslog

            def to_syslog(name: str, severity: str, message: str, fields: dict[str, str]) -> None:
                from clawfence.trail import siem
                item = siem.Item("event", name, severity, datetime.now(UTC), message, dict(fields))
                siem.send(siem.render([item], "syslog"), target)
            notify = to_syslog
        try:
            n = run(sd, baseline_path or baseline.default_path(), log or default_log_path(), notify=notify,
                    duration=duration, on_drift=lambda d: typer.echo(baseline.describe(d), nl=False),
                    pubkey=pubkey)
        except BaselineTampered as exc:
            typer.echo(f"ALERT: {exc}", err=True)
            raise typer.Exit(1) from exc
        except baseline.BaselineError as exc:
            raise UsageError(str(exc)) from exc
        typer.echo(f"{n} drift report(s)")
