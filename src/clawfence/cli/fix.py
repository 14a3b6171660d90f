"""CLI: ``clawfence fix`` — show the remediation plan (default, writes nothing), ``--apply`` safe actions,
``--unsafe`` also the ones that can break a working setup, ``--rollback [RUN_ID]`` restore a run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from clawfence.cli.common import emit
from clawfence.core.errors import UsageError

if TYPE_CHECKING:
    from clawfence.audit.fix.actions import Plan
    from clawfence.audit.fix.apply import ApplyResult
def render_plan(plans: list[Plan], config_path: str, version: str | None, unsafe: bool) -> str:
    """Plan as a diff of config keys (``-`` old / ``+`` new) and file modes; secrets appear redacted."""
    from clawfence.audit.fix.actions import Chmod, Manual, SetConfig, UnsetConfig, WriteSecretFile
    out = [f"clawfence fix plan for {config_path} (OpenClaw {version or 'unknown version'})"]
    if not plans:
        out.append("nothing to fix: no failing check has an automatic fix")
    for p in plans:
        tag = "safe" if p.safety.value == "safe" else ("unsafe" if unsafe else "unsafe, needs --unsafe")
        out.append(f"\n[{tag}] {p.fix_id}  ({', '.join(p.findings)})")
        for a in p.actions:
            if isinstance(a, SetConfig):
                if a.old is not None:
                    out.append(f"  - {a.key}: {json.dumps(a.old, ensure_ascii=False)}")
                out.append(f"  + {a.key}: {json.dumps(a.value, ensure_ascii=False)}")
            elif isinstance(a, UnsetConfig):
                out.append(f"  - {a.key}: {json.dumps(a.old, ensure_ascii=False)}   (removed)")
            elif isinstance(a, Chmod):
                out.append(f"  ~ mode {a.path}: {a.old:03o} -> {a.mode:03o}" if a.old is not None
                           else f"  ~ mode {a.path}: -> {a.mode:03o}")
            elif isinstance(a, WriteSecretFile | Manual):
                out.append(f"  ! {a.describe()}")
        out += [f"  note: {n}" for n in p.notes]
    safe = sum(1 for p in plans if p.safety.value == "safe")
    out.append(f"\n{safe} safe and {len(plans) - safe} unsafe fix(es). Nothing was written. "
               "Apply with --apply (safe) or --apply --unsafe (all); a backup is kept for --rollback.")
    return "\n".join(out) + "\n"


def render_result(res: ApplyResult) -> str:
    """Text summary of an apply run."""
    if res.refused:
        return "refused, nothing written:\n" + "\n".join(f"  {r}" for r in res.refused) + "\n"
    out = [f"fix run {res.run_id}: {sum(1 for r in res.results if r['status'] == 'applied')} action(s) applied"]
    out += [f"  {r['status']:<8} {r['fix']:<24} {r['action']['describe']}" for r in res.results]
    if res.comments_lost:
        out.append("  note: the config could not be edited in place; it was rewritten as plain JSON and its "
                   "comments are lost (the original is in the backup)")
    out += [f"  verify   {k:<24} {v}" for k, v in sorted(res.verified.items())]
    out += [f"  warning: {w}" for w in res.warnings]
    out.append(f"undo with: clawfence fix --rollback {res.run_id}")
    return "\n".join(out) + "\n"


def register(app: typer.Typer) -> None:
    """Add the ``fix`` command to ``app``."""

    @app.command()
    def fix(
        run_id: Annotated[str | None, typer.Argument(help="with --rollback: the run to restore (default latest)")] = None,
        state_dir: Annotated[str | None, typer.Option("--state-dir", help="OpenClaw state dir (default ~/.openclaw)")] = None,
        config: Annotated[str | None, typer.Option("--config", help="config file (default <state-dir>/openclaw.json)")] = None,
        profile: Annotated[str | None, typer.Option("--profile", help="OpenClaw profile name")] = None,
        apply: Annotated[bool, typer.Option("--apply", help="apply the safe actions")] = False,
        unsafe: Annotated[bool, typer.Option("--unsafe", help="include actions that can break a working setup")] = False,
        rollback: Annotated[bool, typer.Option("--rollback", help="restore the files of a fix run")] = False,
        fmt: Annotated[str, typer.Option("--format", "-f", help="text|json")] = "text",
        output: Annotated[Path | None, typer.Option("--output", "-o", help="write the plan/result here")] = None,
        openclaw_version: Annotated[str | None, typer.Option("--openclaw-version", help="override version detection")] = None,
    ) -> None:
        """Show (default), apply or roll back fixes for the failing checks."""
        from clawfence.audit.fix import backup as bk
        from clawfence.audit.fix.apply import FixError, apply_plans
        from clawfence.audit.fix.apply import rollback as do_rollback
        if fmt not in ("text", "json"):
            raise UsageError("--format must be text or json")
        if run_id is not None and not rollback:
            raise UsageError(f"unexpected argument {run_id!r} (a run id goes with --rollback)")
        if rollback:
            if apply or unsafe:
                raise UsageError("--rollback cannot be combined with --apply/--unsafe")
            try:
                rid, done = do_rollback(run_id)
            except (bk.BackupError, OSError) as exc:
                raise UsageError(str(exc)) from exc
            doc: Any = {"rolled_back": rid, "done": done}
            emit(json.dumps(doc, indent=2) + "\n" if fmt == "json"
                 else f"rolled back run {rid}:\n" + "".join(f"  {d}\n" for d in done), output)
            return
        facts, plans = _plan(state_dir, config, profile, openclaw_version)
        if not apply:
            emit(json.dumps({"config": facts.config_path, "version": facts.version.version, "applied": False,
                             "plans": [p.to_dict() for p in plans]}, indent=2) + "\n" if fmt == "json"
                 else render_plan(plans, facts.config_path, facts.version.version, unsafe), output)
            return
        chosen = [p for p in plans if p.safety.value == "safe" or unsafe]
        if not any(p.actions for p in chosen):
            left = len(plans) - len(chosen)
            emit(json.dumps({"applied": False, "unsafe_pending": left}) + "\n" if fmt == "json" else
                 "nothing to apply" + (f" ({left} unsafe fix(es) need --unsafe)" if left else "") + "\n", output)
            return
        try:
            res = apply_plans(plans, facts, include_unsafe=unsafe)
        except (FixError, bk.BackupError) as exc:
            raise UsageError(str(exc)) from exc
        doc = {"run_id": res.run_id, "ok": res.ok, "refused": res.refused, "results": res.results,
               "comments_lost": res.comments_lost, "verified": res.verified, "warnings": res.warnings}
        emit(json.dumps(doc, indent=2) + "\n" if fmt == "json" else render_result(res), output)
        # a skipped action (e.g. a secret not moved because the dotenv holds another value) needs attention
        raise typer.Exit(0 if res.ok and all(r["status"] != "skipped" for r in res.results) else 1)


def _plan(state_dir: str | None, config: str | None, profile: str | None, version: str | None) -> tuple[Any, list[Any]]:
    from clawfence.audit import facts as facts_mod
    from clawfence.audit.collect import collect
    from clawfence.audit.fix.fixers import plan_fixes
    from clawfence.audit.run import audit
    from clawfence.core.calver import parse
    if version and parse(version) is None:
        raise UsageError(f"--openclaw-version {version!r} is not an OpenClaw version (YYYY.M.D[-N])")
    inst = facts_mod.locate(state_dir, config, profile)
    if state_dir and not inst.state_dir.exists():
        raise UsageError(f"state dir not found: {inst.state_dir}")
    try:
        facts = collect(inst, version_override=version)
    except (facts_mod.FactsError, facts_mod.ConfigLoadError) as exc:
        raise UsageError(str(exc)) from exc
    report = audit(facts)
    return facts, plan_fixes(list(report.findings), facts)
