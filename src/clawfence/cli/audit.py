"""CLI: ``clawfence audit``, ``clawfence guide`` and ``clawfence explain``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from clawfence.audit.facts import Facts
from clawfence.cli.common import SEVERITIES, check_choice, check_lang, emit
from clawfence.core.errors import UsageError

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


def register(app: typer.Typer) -> None:
    """Add ``audit``, ``guide`` and ``explain``."""

    @app.command()
    def audit(
        state_dir: Annotated[str | None, typer.Option("--state-dir", help="OpenClaw state dir (default ~/.openclaw)")] = None,
        config: Annotated[str | None, typer.Option("--config", help="config file (default <state-dir>/openclaw.json)")] = None,
        profile: Annotated[str | None, typer.Option("--profile", help="OpenClaw profile name (~/.openclaw-<name>)")] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help="text|json|sarif|markdown|html")] = "text",
        output: Annotated[Path | None, typer.Option("--output", "-o", help="write the report here")] = None,
        lang: Annotated[str, typer.Option("--lang", help="en|zh")] = "en",
        fail_on: Annotated[str, typer.Option("--fail-on", help="critical|high|medium|low|info|none")] = "high",
        deep: Annotated[bool, typer.Option("--deep", help="also probe the live gateway (loopback / --target only)")] = False,
        target: Annotated[list[str] | None, typer.Option("--target", help="HOST:PORT to probe with --deep")] = None,
        waivers: Annotated[Path | None, typer.Option("--waivers", help="YAML file of accepted risks")] = None,
        save_facts: Annotated[Path | None, typer.Option("--save-facts", help="write the collected facts as JSON")] = None,
        from_facts: Annotated[Path | None, typer.Option("--from-facts", help="audit a saved facts file")] = None,
        openclaw_version: Annotated[str | None, typer.Option("--openclaw-version", help="override version detection")] = None,
        baseline: Annotated[Path | None, typer.Option("--baseline", help="config hash baseline to check drift against")] = None,
        no_host: Annotated[bool, typer.Option("--no-host", help="skip host facts (processes, sockets)")] = False,
        fleet_salt_file: Annotated[Path | None, typer.Option(
            "--fleet-salt-file", help="fleet-wide secret salt (else env CLAWFENCE_FLEET_SALT): fingerprint the gateway "
                                      "credentials comparably across hosts for `clawfence fleet report`")] = None,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="text: also list passed checks")] = False,
        deployment: Annotated[Path | None, typer.Option("--deployment", help="audit deployment files instead: compose, "
                                                        "Kubernetes/Helm output, Dockerfile, systemd unit (file or dir)")] = None,
    ) -> None:
        """Audit an OpenClaw installation against every item of the CNCERT guide."""
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
            _audit_deployment(deployment, fmt, output, lang, fail_on, verbose)
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
        raise typer.Exit(exit_code(list(report.findings), fail_on))

    @app.command()
    def guide(
        fmt: Annotated[str, typer.Option("--format", "-f", help="text|json")] = "text",
        lang: Annotated[str, typer.Option("--lang", help="en|zh")] = "en",
    ) -> None:
        """List the guide's 20 items / 76 points and the checks that cover each."""
        from clawfence.audit.checks import all_checks
        from clawfence.audit.compliance import rollup
        from clawfence.core.guide import load
        check_lang(lang)
        g = load()
        roll = rollup(g, all_checks(), [], lang)
        if fmt == "json":
            doc = {
                "source": g.source,
                "items": [
                    {"id": i.id, "audience": i.audience, "title": i.title_zh if lang == "zh" else i.title_en,
                     "points": [{"id": p.point, "text": p.text_zh if lang == "zh" else p.text_en,
                                 "checks": list(p.checks), "automated": bool(p.checks),
                                 "manual_evidence": p.manual_evidence} for p in roll if p.item == i.id]}
                    for i in g.items
                ],
                "points": len(roll),
                "automated": sum(1 for p in roll if p.checks),
            }
            emit(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", None)
            return
        if fmt != "text":
            raise UsageError("--format must be text or json")
        lines = []
        for i in g.items:
            lines.append(f"{i.id}  {i.title_zh if lang == 'zh' else i.title_en}")
            for p in (p for p in roll if p.item == i.id):
                cov = ", ".join(p.checks) if p.checks else "manual"
                text = p.text_zh if lang == "zh" else p.text_en
                lines.append(f"  {p.point:<7} [{cov}] {text[:110]}")
        auto = sum(1 for p in roll if p.checks)
        lines.append(f"\n{auto}/{len(roll)} points automated, {len(roll) - auto} manual")
        emit("\n".join(lines) + "\n", None)

    @app.command()
    def explain(
        ident: Annotated[str, typer.Argument(help="a check id (GW001), rule id, or guide point (D1.3.3)")],
        lang: Annotated[str, typer.Option("--lang", help="en|zh")] = "en",
    ) -> None:
        """Explain a check, a scanner rule or a guide point."""
        from clawfence.audit.checks import all_checks, by_id
        from clawfence.core.guide import load
        check_lang(lang)
        c = by_id(ident)
        if c is not None:
            out = [f"{c.id}  {c.title_zh if lang == 'zh' else c.title}", f"severity: {c.severity.value}",
                   f"guide: {', '.join(c.guide)}", f"openclaw checkIds: {', '.join(c.upstream) or '-'}",
                   f"cwe: {', '.join(c.cwe) or '-'}", f"auto-fix: {c.fix or 'none'}", "", c.rationale, "",
                   f"remediation: {c.remediation_zh if lang == 'zh' else c.remediation}"]
            emit("\n".join(out) + "\n", None)
            return
        g = load()
        p = g.points.get(ident) or g.points.get(ident.upper())
        if p is not None:
            cs = [c for c in all_checks() if p.id in c.guide or any(k in c.guide for k in p.children)]
            out = [f"{p.id} ({p.item})", p.zh if lang == "zh" else p.en, ""]
            out += [f"  {c.id} {c.title}" for c in cs] or ["  manual: no automated check"]
            emit("\n".join(out) + "\n", None)
            return
        item = next((it for it in g.items if it.id == ident.upper()), None)
        if item is not None:  # a guide item (P2): its title, points and the checks behind each
            out = [f"{item.id} ({item.audience})", item.title_zh if lang == "zh" else item.title_en, ""]
            for pid in item.points:
                pt = g.points[pid]
                ids = [c.id for c in all_checks() if pid in c.guide or any(k in c.guide for k in pt.children)]
                out.append(f"  {pid}  {pt.zh if lang == 'zh' else pt.en}")
                out.append(f"        checks: {', '.join(ids) or 'manual: no automated check'}")
            emit("\n".join(out) + "\n", None)
            return
        rule_text = _explain_rule(ident, lang)
        if rule_text:
            emit(rule_text, None)
            return
        raise UsageError(f"unknown check, rule or guide point: {ident}")


def _audit_deployment(path: Path, fmt: str, output: Path | None, lang: str, fail_on: str, verbose: bool) -> None:
    """``audit --deployment PATH``: render the deployment report and exit with the audit's exit code."""
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
    raise typer.Exit(exit_code(list(report.findings), fail_on))


def _explain_rule(ident: str, lang: str) -> str | None:
    """Explanation of a scanner or guard rule id, if those modules know it."""
    from clawfence.audit.deployment import by_id as deployment_check
    dc = deployment_check(ident)
    if dc is not None:
        return "\n".join([f"{dc.id}  {dc.title_zh if lang == 'zh' else dc.title}", f"severity: {dc.severity.value}",
                          f"guide: {', '.join(dc.guide)}", f"cwe: {', '.join(dc.cwe) or '-'}", "", dc.rationale, "",
                          f"remediation: {dc.remediation_zh if lang == 'zh' else dc.remediation}"]) + "\n"
    for modname in ("clawfence.skills.explain", "clawfence.guard.explain"):
        try:
            mod = __import__(modname, fromlist=["explain"])
        except ImportError:
            continue
        text = mod.explain(ident, lang)
        if text:
            return str(text)
    from clawfence.catalog import explain  # every other family (trail TR, fleet FL, ...) from the one registry
    return explain(ident, lang)


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
