"""CLI: ``clawfence audit``, ``clawfence guide`` and ``clawfence explain``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from clawfence.cli.audit_run import FORMATS, audit_command, exit_code  # noqa: F401  (FORMATS, exit_code: re-exported)
from clawfence.cli.common import check_lang, emit
from clawfence.core.errors import UsageError


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
        raise typer.Exit(audit_command(
            state_dir=state_dir, config=config, profile=profile, fmt=fmt, output=output, lang=lang, fail_on=fail_on,
            deep=deep, target=target, waivers=waivers, save_facts=save_facts, from_facts=from_facts,
            openclaw_version=openclaw_version, baseline=baseline, no_host=no_host, fleet_salt_file=fleet_salt_file,
            verbose=verbose, deployment=deployment))

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
