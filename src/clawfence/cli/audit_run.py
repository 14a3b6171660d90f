"""``clawfence audit`` itself, without typer: what the typer command in :mod:`clawfence.cli.audit` and the fast
start-up path in :mod:`clawfence.cli.fastpath` both call.

Nothing here imports typer, pydantic or the reporters at module level: an audit's start-up is most of its wall
time (see ``benchmarks/bench_audit.py``), so each run imports only what it uses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from clawfence.cli.common import SEVERITIES, check_choice, check_lang, emit
from clawfence.core.errors import UsageError

if TYPE_CHECKING:
    from clawfence.audit.facts import Facts

FORMATS = ("text", "json", "sarif", "markdown", "html")


def exit_code(findings: list[object], fail_on: str) -> int:
    """0 when no unwaived FAIL/ERROR at or above ``fail_on``; 1 otherwise; ``none`` never fails."""
    from clawfence.core.model import Finding, Severity, Status
    if fail_on == "none":
        return 0
    threshold = Severity(fail_on).rank
    for f in findings:
        assert isinstance(f, Finding)
        if f.suppressed or f.status not in (Status.FAIL, Status.ERROR):
            continue
        if f.severity.rank >= threshold:
            return 1
    return 0


def audit_command(state_dir: str | None = None, config: str | None = None, profile: str | None = None,
                  fmt: str = "text", output: Path | None = None, lang: str = "en", fail_on: str = "high",
                  deep: bool = False, target: list[str] | None = None, waivers: Path | None = None,
                  save_facts: Path | None = None, from_facts: Path | None = None,
                  openclaw_version: str | None = None, baseline: Path | None = None, no_host: bool = False,
                  fleet_salt_file: Path | None = None, verbose: bool = False,
                  deployment: Path | None = None) -> int:
    """Run ``clawfence audit`` with already-parsed options (names and defaults as the CLI's; see
    ``clawfence audit --help``); writes the report to stdout or ``output`` and returns the exit code (0/1,
    see :func:`exit_code`). Raises :class:`UsageError` for bad input (the CLI prints it and exits 2)."""
    # imports are deferred to what this run needs (startup time is most of an audit; see benchmarks/)
    from clawfence.audit import facts as facts_mod
    from clawfence.audit.collect import collect
    from clawfence.audit.run import audit as run_audit
    check_lang(lang)
    check_choice("--format", fmt, FORMATS)
    check_choice("--fail-on", fail_on, SEVERITIES)
    if openclaw_version:
        from clawfence.core.calver import parse
        if parse(openclaw_version) is None:
            raise UsageError(f"--openclaw-version {openclaw_version!r} is not an OpenClaw version (YYYY.M.D[-N])")
    if from_facts and fleet_salt_file:
        raise UsageError("--fleet-salt-file needs a live audit, not --from-facts")
    fleet_salt = None if from_facts else _fleet_salt(fleet_salt_file)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    if deployment is not None:
        return _audit_deployment(deployment, fmt, output, lang, fail_on, verbose)
    if from_facts:
        try:
            facts = facts_mod.Facts.from_json(from_facts.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot read {from_facts}: {exc.strerror or exc}") from exc
        except facts_mod.FactsError as exc:
            raise UsageError(f"{from_facts}: {exc}") from exc
    else:
        inst = facts_mod.locate(state_dir, config, profile)
        if state_dir and not inst.state_dir.exists():
            raise UsageError(f"state dir not found: {inst.state_dir}")
        try:
            facts = collect(inst, version_override=openclaw_version, with_host=not no_host,
                            baseline=baseline)
        except (facts_mod.FactsError, facts_mod.ConfigLoadError) as exc:
            raise UsageError(str(exc)) from exc
        facts = _add_fleet(facts, inst.state_dir, fleet_salt)
    if deep:
        facts = _add_probe(facts, target or [])
    if save_facts:
        emit(facts.to_json() + "\n", save_facts)
    accepted = []
    if waivers:
        from clawfence.audit import waivers as waivers_mod
        try:
            accepted = waivers_mod.load(waivers)
        except waivers_mod.WaiverError as exc:
            raise UsageError(str(exc)) from exc
    report = run_audit(facts, lang=lang, deep=deep, started=started, waivers=accepted)
    from clawfence.reporters import REPORTERS

    if fmt == "text":
        from clawfence.reporters import terminal
        text = terminal.render(report, verbose=verbose, color=output is None and _isatty())
    else:
        text = REPORTERS[fmt](report)
    emit(text, output)
    return exit_code(list(report.findings), fail_on)


def _fleet_salt(salt_file: Path | None) -> bytes | None:
    """The fleet salt from ``--fleet-salt-file`` or env ``CLAWFENCE_FLEET_SALT`` (None: not a fleet audit)."""
    import os

    from clawfence.audit.facts.fleet import FleetSaltError, salt_from
    try:
        return salt_from(os.environ, salt_file)
    except FleetSaltError as exc:
        raise UsageError(str(exc)) from exc


def _add_fleet(facts: Facts, state_dir: Path, salt: bytes | None) -> Facts:
    """``facts`` with the fleet fingerprints when a fleet salt is given, else unchanged."""
    import os

    from clawfence.audit.facts.config import ConfigLoadError, read_config
    from clawfence.audit.facts.fleet import collect_fleet
    if salt is None:
        return facts
    raw = None
    if facts.config is not None and facts.config.exists:
        try:
            raw = read_config(Path(facts.config_path))[1]
        except ConfigLoadError as exc:  # collected a moment ago; changed since
            raise UsageError(str(exc)) from exc
    return facts.model_copy(update={"fleet": collect_fleet(raw, state_dir, os.environ, salt)})


def _audit_deployment(path: Path, fmt: str, output: Path | None, lang: str, fail_on: str, verbose: bool) -> int:
    """``audit --deployment PATH``: render the deployment report; returns the audit's exit code."""
    from clawfence.audit.deployment import DeploymentError, audit_deployment
    from clawfence.reporters import REPORTERS
    try:
        report = audit_deployment(path, lang=lang)
    except DeploymentError as exc:
        raise UsageError(str(exc)) from exc
    if fmt == "text":
        from clawfence.reporters import terminal
        text = terminal.render(report, verbose=verbose, color=output is None and _isatty())
    else:
        text = REPORTERS[fmt](report)
    emit(text, output)
    return exit_code(list(report.findings), fail_on)


def _add_probe(facts: Facts, targets: list[str]) -> Facts:
    """Attach live probe facts (``--deep``) when the probe module exists."""
    import importlib

    try:
        mod = importlib.import_module("clawfence.audit.probes")
    except ImportError:
        return facts
    out: Facts = mod.collect_probe(facts, targets)
    return out


def _isatty() -> bool:
    import sys

    return sys.stdout.isatty()
