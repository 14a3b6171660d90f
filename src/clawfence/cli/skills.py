"""CLI: ``clawfence skills scan|approve|verify|install|ioc-update`` (supply-chain scanner and gate).

Exit codes as for audit: 0 clean, 1 findings/drift at or above ``--fail-on`` (or a malicious verdict, or an
install refused by policy), 2 usage errors. Nothing in a scanned skill is executed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clawfence.cli.common import SEVERITIES, check_choice, check_lang, emit
from clawfence.core.errors import UsageError

if TYPE_CHECKING:
    from clawfence.audit.facts.config import ConfigFacts
    from clawfence.skills.result import SkillResult
FORMATS = ("text", "json", "sarif", "html")
SEV_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}


def _state(state_dir: str | None) -> tuple[Path, Path, Path]:
    from clawfence.audit.facts import locate
    inst = locate(state_dir)
    return inst.state_dir, inst.config_path, inst.home


def _config(path: Path) -> ConfigFacts | None:
    from clawfence.audit.facts.config import load_config
    if not path.exists():
        return None
    try:
        return load_config(path)
    except Exception:
        return None


def scan_exit(results: list[SkillResult], fail_on: str) -> int:
    """1 when a skill is malicious or has a finding (confidence >= 0.5) at/above ``fail_on``; ``none`` never fails."""
    if fail_on == "none":
        return 0
    th = SEV_RANK[fail_on]
    for r in results:
        if r.verdict == "malicious":
            return 1
        if any(SEV_RANK.get(f.severity, 0) >= th and f.confidence >= 0.5 for f in r.findings):
            return 1
    return 0


def _render(results: list[SkillResult], fmt: str, lang: str, verbose: bool) -> str:
    from clawfence.skills import report
    if fmt == "json":
        return report.to_json(results)
    if fmt == "text":
        return report.to_text(results, lang, verbose)
    from clawfence.reporters import REPORTERS

    try:
        return REPORTERS[fmt](report.to_report(results, lang))
    except NotImplementedError as exc:
        raise UsageError(f"--format {fmt} is not available in this build") from exc


def _scan_paths(paths: list[Path], use_ioc: bool = True, jobs: int = 1) -> list[SkillResult]:
    from clawfence.skills.scanner import scan_path
    from clawfence.skills.source import SourceError
    out: list[SkillResult] = []
    for p in paths:
        try:
            out.extend(scan_path(p, use_ioc=use_ioc, jobs=jobs))
        except SourceError as exc:
            raise UsageError(str(exc)) from exc
    return out


def register(app: typer.Typer) -> None:
    """Add the ``skills`` sub-app (scan, approve, verify, install, ioc-update) to ``app``."""
    sk = typer.Typer(name="skills", help="Scan, approve, verify and gate OpenClaw skills.", no_args_is_help=True)
    app.add_typer(sk, name="skills")

    @sk.command()
    def scan(
        paths: Annotated[list[Path] | None, typer.Argument(help="skill folder, folder of skills, .zip/.tar.gz")] = None,
        installed: Annotated[bool, typer.Option("--installed", help="scan every skill OpenClaw would load")] = False,
        state_dir: Annotated[str | None, typer.Option("--state-dir", help="OpenClaw state dir (default ~/.openclaw)")] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help="text|json|sarif|html")] = "text",
        output: Annotated[Path | None, typer.Option("--output", "-o", help="write the report here")] = None,
        lang: Annotated[str, typer.Option("--lang", help="en|zh")] = "en",
        fail_on: Annotated[str, typer.Option("--fail-on", help="critical|high|medium|low|info|none")] = "high",
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="text: show low-confidence hints")] = False,
        llm: Annotated[bool, typer.Option("--llm", help="also ask the model set by CLAWFENCE_LLM_*")] = False,
        llm_config: Annotated[Path | None, typer.Option("--llm-config", help="model review config (TOML/JSON)")] = None,
        no_ioc: Annotated[bool, typer.Option("--no-ioc", help="analysis alone: do not match the indicator list")] = False,
        jobs: Annotated[int, typer.Option("--jobs", "-j", help="processes (default: all cores)")] = 0,
    ) -> None:
        """Scan skills statically; verdict malicious|suspicious|benign with findings (file, line, evidence)."""
        check_lang(lang)
        check_choice("--format", fmt, FORMATS)
        check_choice("--fail-on", fail_on, SEVERITIES)
        if not paths and not installed:
            raise UsageError("give one or more PATHs or --installed")
        if jobs < 0:
            raise UsageError("--jobs must be 0 (all cores) or more")
        n = jobs or (os.cpu_count() or 1)
        results = _scan_paths(list(paths or []), not no_ioc, n)
        if installed:
            from clawfence.skills.installed import skill_roots
            sd, cfg, home = _state(state_dir)
            roots = [p for _, p in skill_roots(sd, _config(cfg), home)]
            results += _scan_paths(roots, not no_ioc, n)
        if llm or llm_config:  # optional model-assisted pass (SC900): may raise benign -> suspicious, never lower
            from clawfence.skills import llm as llm_pass
            results = llm_pass.review_results(results, llm_pass.cli_config(llm_config))
        emit(_render(results, fmt, lang, verbose), output)
        raise typer.Exit(scan_exit(results, fail_on))

    @sk.command()
    def approve(
        paths: Annotated[list[Path], typer.Argument(help="skill folder(s) to approve")],
        state_dir: Annotated[str | None, typer.Option("--state-dir")] = None,
        lockfile: Annotated[Path | None, typer.Option("--lockfile", help="default <state>/clawfence/skills.lock.json")] = None,
        force: Annotated[bool, typer.Option("--force", help="approve even a malicious verdict")] = False,
    ) -> None:
        """Record content hashes and the capability ceiling of reviewed skills in the lockfile."""
        from clawfence.skills import lockfile as lf
        results = _scan_paths(paths)
        bad = [r for r in results if r.verdict == "malicious"]
        if bad and not force:
            typer.echo(f"refusing to approve malicious skill(s): {', '.join(r.name for r in bad)} (use --force)", err=True)
            raise typer.Exit(1)
        lp = lockfile or lf.default_path(_state(state_dir)[0])
        try:
            names = lf.approve(lp, results)
        except (lf.LockError, OSError) as exc:
            raise UsageError(str(exc)) from exc
        for r in results:
            typer.echo(f"approved {r.name} [{r.verdict}] ceiling: {', '.join(r.capabilities) or 'none'}")
        typer.echo(f"{len(names)} skill(s) recorded in {lp}")

    @sk.command()
    def verify(
        state_dir: Annotated[str | None, typer.Option("--state-dir")] = None,
        lockfile: Annotated[Path | None, typer.Option("--lockfile")] = None,
        fmt: Annotated[str, typer.Option("--format", "-f", help="text|json")] = "text",
        fail_on: Annotated[str, typer.Option("--fail-on", help="critical|high|medium|low|none")] = "medium",
    ) -> None:
        """Rescan approved skills: drift (changed files) and rug-pulls (capabilities beyond the ceiling)."""
        import json

        from clawfence.skills import lockfile as lf
        from clawfence.skills.scanner import scan_path
        from clawfence.skills.source import SourceError
        check_choice("--fail-on", fail_on, SEVERITIES)
        lp = lockfile or lf.default_path(_state(state_dir)[0])
        if not lp.exists():
            raise UsageError(f"no lockfile at {lp}; run `clawfence skills approve PATH` first")
        try:
            doc = lf.load(lp)
        except lf.LockError as exc:
            raise UsageError(str(exc)) from exc
        drifts: list[lf.Drift] = []
        for name, entry in sorted(doc["skills"].items()):
            try:
                res = scan_path(Path(entry["path"]))
                now = next((r for r in res if r.name == name), res[0] if len(res) == 1 else None)
            except (SourceError, KeyError, TypeError):
                now = None
            drifts += lf.compare(entry, now, name)
        if fmt == "json":
            emit(
                json.dumps(
                    {
                        "schema": 1,
                        "lockfile": str(lp),
                        "results": [{"name": d.name, "kind": d.kind, "severity": d.severity, "detail": d.detail} for d in drifts],
                    },
                    indent=2,
                )
                + "\n",
                None,
            )
        else:
            emit("".join(f"{d.severity:<8} {d.name}: {d.kind} - {d.detail}\n" for d in drifts), None)
        th = SEV_RANK.get(fail_on, 99) if fail_on != "none" else 99
        raise typer.Exit(1 if any(SEV_RANK.get(d.severity, 0) >= th and d.kind != "ok" for d in drifts) else 0)

    @sk.command()
    def install(
        source: Annotated[str, typer.Argument(help="a skill folder/archive PATH, or a ClawHub SLUG")],
        state_dir: Annotated[str | None, typer.Option("--state-dir")] = None,
        max_verdict: Annotated[str, typer.Option("--max-verdict", help="benign|suspicious: worst verdict allowed")] = "benign",
        force: Annotated[bool, typer.Option("--force", help="install even when the policy refuses (explicit)")] = False,
        replace: Annotated[bool, typer.Option("--replace", help="replace an installed skill of the same name")] = False,
    ) -> None:
        """Gate: scan first, install into <state>/skills/<name> only if within policy, then approve it."""
        from clawfence.skills import gate
        if max_verdict not in ("benign", "suspicious"):
            raise UsageError("--max-verdict must be benign or suspicious")
        sd = _state(state_dir)[0]
        try:
            res = gate.install(source, sd, max_verdict, force, replace)
        except gate.GateError as exc:
            raise UsageError(str(exc)) from exc
        typer.echo(res.message)
        raise typer.Exit(0 if res.installed else 1)

    @sk.command("ioc-update")
    def ioc_update(feed: Annotated[Path, typer.Argument(help="IOC TSV (type, value, context, confidence, source)")]) -> None:
        """Install an IOC feed (offline; validated, atomic) used in addition to the packaged one."""
        from clawfence.skills import ioc
        try:
            n = ioc.update_feed(feed)
        except (ioc.IocError, OSError) as exc:
            raise UsageError(str(exc)) from exc
        typer.echo(f"installed {n} indicators into {ioc.user_feed_path()}")
