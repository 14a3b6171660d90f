"""CLI: ``clawfence trail [export]`` (what the agent did; SIEM export) and ``clawfence log verify|append``."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from clawfence.cli.common import emit
from clawfence.core.errors import UsageError

TRAIL_FORMATS = ("text", "json", "html")


class _Query:
    """Parsed common trail options; reading errors become :class:`UsageError`."""

    def __init__(self, state_dir: str | None, agent: str | None, session: str | None, since: str | None,
                 logs: list[str] | None, no_logs: bool) -> None:
        from clawfence.audit.facts.known_secrets import configured_secrets
        from clawfence.audit.facts.locate import locate
        from clawfence.trail import scrub, sources, timeline
        inst = locate(state_dir)
        self.state_dir = inst.state_dir
        if not self.state_dir.is_dir():
            raise UsageError(f"state dir {self.state_dir} does not exist")
        # Configured secrets (gateway token, bot tokens, .env, auth profiles) are redacted in every output.
        scrub.add_known_secrets(configured_secrets(self.state_dir, inst.config_path))
        try:
            self.since = timeline.parse_since(since)
        except ValueError as exc:
            raise UsageError(f"--since {since!r}: use an ISO date/time or 30m/12h/7d") from exc
        self.agent, self.session = agent, session
        self.log_paths: list[Path] = []
        if not no_logs:
            for d in logs or ["/tmp/openclaw"]:
                p = Path(d)
                self.log_paths += [p] if p.is_file() else sources.log_files(p)

    def _guard(self, fn: Any) -> Any:
        try:
            return fn()
        except sqlite3.Error as exc:
            raise UsageError(f"cannot read an OpenClaw database: {exc}") from exc
        except OSError as exc:
            raise UsageError(f"cannot read {exc.filename}: {exc.strerror}") from exc

    def load(self, sessions: bool = True) -> Any:
        """The whole :class:`~clawfence.trail.timeline.Trail` (``sessions=False``: audit + logs only)."""
        from clawfence.trail import timeline
        return self._guard(lambda: timeline.load(self.state_dir, agent=self.agent, session=self.session,
                                                 since=self.since, log_paths=self.log_paths, sessions=sessions))

    def sessions(self) -> Iterator[Any]:
        """Stream session timelines."""
        from clawfence.trail import timeline
        it = timeline.iter_sessions(self.state_dir, agent=self.agent, session=self.session, since=self.since)
        while True:
            tl = self._guard(lambda: next(it, None))
            if tl is None:
                return
            yield tl


def _records(log: Path) -> Iterator[Any]:
    """Export items for every record of a clawfence action log (guard decisions, fix actions)."""
    from clawfence.trail import siem as export
    with open(log, "rb") as fh:
        for raw in fh:
            try:
                yield export.from_record(json.loads(raw))
            except (ValueError, TypeError, AttributeError):
                continue


def register(app: typer.Typer) -> None:
    """Add the ``trail`` (with ``export``) and ``log`` sub-apps."""
    trail_app = typer.Typer(help="What the agent did: timelines from OpenClaw's transcripts and logs (E4.4).",
                            invoke_without_command=True, no_args_is_help=False)
    log_app = typer.Typer(help="clawfence's tamper-evident action log (E4.2).", no_args_is_help=True)
    app.add_typer(trail_app, name="trail")
    app.add_typer(log_app, name="log")

    common_opts: dict[str, Any] = {}

    @trail_app.callback()
    def trail(
        ctx: typer.Context,
        state_dir: Annotated[str | None, typer.Option("--state-dir", help="OpenClaw state dir (default ~/.openclaw)")] = None,
        agent: Annotated[str | None, typer.Option("--agent", help="only this agent id")] = None,
        session: Annotated[str | None, typer.Option("--session", help="only this session key or id")] = None,
        since: Annotated[str | None, typer.Option("--since", help="ISO time or 30m/12h/7d")] = None,
        logs: Annotated[list[str] | None, typer.Option("--logs", help="gateway log file/dir (default /tmp/openclaw)")] = None,
        no_logs: Annotated[bool, typer.Option("--no-logs", help="do not read gateway logs")] = False,
        fmt: Annotated[str, typer.Option("--format", "-f", help="text|json|html")] = "text",
        output: Annotated[Path | None, typer.Option("--output", "-o", help="write here")] = None,
        no_detect: Annotated[bool, typer.Option("--no-detect", help="timeline only, no findings")] = False,
        known_domain: Annotated[list[str] | None, typer.Option("--known-domain", help="domain not reported as new")] = None,
        tz_offset: Annotated[int, typer.Option("--tz-offset", help="hours from UTC for working hours")] = 0,
        fail_on_findings: Annotated[bool, typer.Option("--fail-on-findings", help="exit 1 if any finding")] = False,
    ) -> None:
        """Rebuild per-session timelines (inbound -> model -> tool calls -> results -> outbound) and detect
        dangerous commands, protected-file reads, secrets in clear and more. Output is always redacted."""
        common_opts.update(state_dir=state_dir, agent=agent, session=session, since=since, logs=logs,
                           no_logs=no_logs, known=known_domain or [], tz=tz_offset)
        if ctx.invoked_subcommand is not None:
            return
        from clawfence.trail import detections as detect
        from clawfence.trail import render
        if fmt not in TRAIL_FORMATS:
            raise UsageError(f"--format must be one of {', '.join(TRAIL_FORMATS)}")
        q = _Query(state_dir, agent, session, since, logs, no_logs)
        opts = detect.Options(known_domains=frozenset(known_domain or []), tz_offset_hours=tz_offset)
        n_findings = 0
        if fmt == "text" and output is None:  # stream: memory bounded by the largest session
            seen: set[str] = set()
            for tl in q.sessions():
                fs = [] if no_detect else detect.dedupe(detect.detect_session(tl, opts), seen)
                n_findings += len(fs)
                emit(render.session_text(tl, fs), None)
            rest = q.load(sessions=False)
            fs = [] if no_detect else detect.dedupe(detect.detect_other(rest.audit, rest.logs, opts), seen)
            n_findings += len(fs)
            if rest.audit or rest.logs or fs:
                emit(render.to_text(rest, fs), None)
        else:
            tr = q.load()
            findings = [] if no_detect else detect.detect(tr, opts)
            n_findings = len(findings)
            emit({"text": render.to_text, "json": render.to_json, "html": render.to_html}[fmt](tr, findings), output)
        if fail_on_findings and n_findings:
            raise typer.Exit(1)

    @trail_app.command("export")
    def export_cmd(
        fmt: Annotated[str, typer.Option("--format", "-f", help="ocsf|cef|syslog|jsonl")] = "jsonl",
        to: Annotated[str | None, typer.Option("--to", help="syslog://host:514 | tcp://host:port | tls://host:port")] = None,
        cafile: Annotated[str | None, typer.Option("--cafile", help="CA bundle for tls://")] = None,
        what: Annotated[str, typer.Option("--what", help="comma list of findings,decisions,events")] = "findings,decisions",
        action_log: Annotated[Path | None, typer.Option("--action-log", help="clawfence action log (guard decisions)")] = None,
        output: Annotated[Path | None, typer.Option("--output", "-o", help="write here instead of stdout")] = None,
    ) -> None:
        """Export findings, guard decisions and trail events for a SIEM (E4.3)."""
        from clawfence.integrity.actionlog import default_log_path
        from clawfence.trail import detections as detect
        from clawfence.trail import siem as export
        if fmt not in export.FORMATS:
            raise UsageError(f"--format must be one of {', '.join(export.FORMATS)}")
        kinds = {w.strip() for w in what.split(",") if w.strip()}
        if not kinds <= {"findings", "decisions", "events"}:
            raise UsageError("--what takes findings, decisions, events")
        o = common_opts
        q = _Query(o.get("state_dir"), o.get("agent"), o.get("session"), o.get("since"), o.get("logs"),
                   bool(o.get("no_logs")))
        opts = detect.Options(known_domains=frozenset(o.get("known", [])), tz_offset_hours=o.get("tz", 0))

        def trail_items() -> Iterator[export.Item]:
            seen: set[str] = set()
            for tl in q.sessions():
                if "findings" in kinds:
                    yield from (export.from_finding(f) for f in detect.dedupe(detect.detect_session(tl, opts), seen))
                if "events" in kinds:
                    yield from (export.from_event(e) for e in tl.events)
            rest = q.load(sessions=False)
            if "findings" in kinds:
                other = detect.dedupe(detect.detect_other(rest.audit, rest.logs, opts), seen)
                yield from (export.from_finding(f) for f in other)
            if "events" in kinds:
                yield from (export.from_event(e) for e in rest.audit)

        items: list[Iterator[export.Item]] = []
        if kinds & {"findings", "events"}:
            items.append(trail_items())
        if "decisions" in kinds:
            log = action_log or default_log_path()
            if log.exists():
                items.append(_records(log))
            elif action_log is not None:
                raise UsageError(f"action log {log} does not exist")
        lines = export.render(itertools.chain.from_iterable(items), fmt, network=bool(to))
        if to:
            try:
                n = export.send(lines, to, cafile=cafile)
            except ValueError as exc:
                raise UsageError(str(exc)) from exc
            except OSError as exc:
                raise UsageError(f"cannot send to {to}: {exc}") from exc
            typer.echo(f"sent {n} {fmt} events to {to}", err=True)
        elif output is None:
            for line in lines:
                emit(line + "\n", None)
        else:
            emit("".join(x + "\n" for x in lines), output)

    @log_app.command("verify")
    def log_verify(
        file: Annotated[Path, typer.Argument(help="log file (JSONL)")],
        pubkey: Annotated[Path | None, typer.Option("--pubkey", help="trusted Ed25519 public key (hex or PEM)")] = None,
        anchor: Annotated[Path | None, typer.Option("--anchor", help="anchor file of signed heads "
                                                    "(CLAWFENCE_LOG_ANCHOR of the writer)")] = None,
        allow_unsigned: Annotated[bool, typer.Option("--allow-unsigned", help="a missing signed head is only a warning")] = False,
        allow_incidents: Annotated[bool, typer.Option("--allow-incidents", help="damage a writer quarantined is "
                                                      "only a warning (after a person looked at it)")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    ) -> None:
        """Verify the hash chain, checkpoint signatures and signed head, and with --anchor every anchored head
        (rollback, fork/rewrite, missing tail, other key); exit 1 naming the first break, 2 on bad input."""
        from clawfence.core.safeio import InputError
        from clawfence.integrity import anchor as anchors
        from clawfence.integrity import checkpoint
        if not file.is_file():
            raise UsageError(f"{file} is not a file")
        try:
            pub = checkpoint.load_public_key(pubkey) if pubkey else None
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
        if pubkey and pub is None:
            raise UsageError(f"cannot read public key {pubkey}")
        try:
            chk = anchors.check_log(file, pubkey=pub, pubkey_source=f"--pubkey {pubkey}" if pubkey else "",
                                    anchor_path=anchor, allow_incidents=allow_incidents,
                                    require_head=not allow_unsigned)
        except InputError as exc:
            raise UsageError(str(exc)) from exc
        res = chk.chain
        problems = chk.anchor.problems if chk.anchor else []
        if as_json:
            typer.echo(json.dumps({"ok": chk.ok, "records": res.records, "bad_line": res.bad_line,
                                   "reason": res.reason, "torn_tail": res.torn_tail, "checkpoints": res.checkpoints,
                                   "signed_upto": res.signed_upto, "head": res.head, "warnings": list(res.warnings),
                                   "incidents": list(res.incidents), "key": chk.key_source,
                                   "anchor": None if chk.anchor is None else {
                                       "ok": chk.anchor.ok, "anchored": chk.anchor.anchored,
                                       "last_seq": chk.anchor.last, "problems": problems}}))
        else:
            typer.echo(f"key: {chk.key_source}")
            if res.ok:
                typer.echo(f"chain: OK, {res.records} records, signed up to seq {res.signed_upto} "
                           f"(head {res.head}, {res.checkpoints} checkpoints)")
            else:
                where = f"line {res.bad_line} (seq {res.bad_line - 1})" if res.bad_line else "log"
                typer.echo(f"chain: BROKEN at {where}: {res.reason}; {res.records} records verified before it")
            for inc in res.incidents:
                typer.echo(f"incident: {inc}")
            if chk.anchor is not None:
                if chk.anchor.ok:
                    typer.echo(f"anchor: OK, {chk.anchor.anchored} anchored heads, last seq {chk.anchor.last}")
                for p in problems:
                    typer.echo(f"anchor: {p}")
            for w in res.warnings:
                typer.echo(f"warning: {w}")
            typer.echo("OK" if chk.ok else "FAILED")
        if not chk.ok:
            raise typer.Exit(1)

    @log_app.command("append")
    def log_append(
        file: Annotated[Path, typer.Argument(help="log file (JSONL); created 0600")],
        type_: Annotated[str, typer.Option("--type", help="event type, e.g. guard.decision")],
        data: Annotated[str, typer.Option("--data", help="JSON object")] = "{}",
    ) -> None:
        """Append one event (hash-chained, signed head updated)."""
        from clawfence.integrity import actionlog as auditlog
        try:
            obj = json.loads(data)
        except ValueError as exc:
            raise UsageError(f"--data is not JSON: {exc}") from exc
        if not isinstance(obj, dict):
            raise UsageError("--data must be a JSON object")
        try:
            with auditlog.LogWriter(file, sync_each=True) as w:
                rec = w.append(type_, obj)
                incidents = list(w.incidents)
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot append to {file}: {exc}") from exc
        typer.echo(f"appended seq {rec['seq']} {rec['hash'][:16]}")
        for kind, d in incidents:  # damage was kept aside and recorded, never signed over: say so, exit 1
            typer.echo(f"incident: {kind}: {d.get('records', d.get('bytes'))} "
                       f"{'records' if 'records' in d else 'bytes'} quarantined in {d.get('quarantine')}", err=True)
        if incidents:
            raise typer.Exit(1)
