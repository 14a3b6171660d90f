"""CLI: ``clawfence guard check|serve|approvals|install|policy``.

Parsing -> library call -> exit code. ``check`` prints one JSON line ``{"decision","rule_id","reason"}``
per call (``--full`` adds approvals_needed, totp, timeout_s, guide, signals); exit 0 when no call was denied,
1 when at least one call was denied, 2 on bad input.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from clawfence.core.errors import UsageError

guard_app = typer.Typer(help="Runtime policy for agent tool calls (allow / deny / ask).", no_args_is_help=True)
policy_app = typer.Typer(help="Policy files.", no_args_is_help=True)
approvals_app = typer.Typer(help="Pending and decided approvals of 'ask' decisions.", no_args_is_help=True)
guard_app.add_typer(policy_app, name="policy")
guard_app.add_typer(approvals_app, name="approvals")
approvers_app = typer.Typer(help="People who may approve asks in the console (TOTP enrolment).", no_args_is_help=True)
guard_app.add_typer(approvers_app, name="approvers")

PolicyOpt = Annotated[Path | None, typer.Option("--policy", help="Policy YAML (default: built-in baseline).")]
StoreOpt = Annotated[Path | None, typer.Option("--store", help="Approvals SQLite (default $CLAWFENCE_HOME/guard).")]


def _policy(path: Path | None) -> Any:
    from clawfence.guard.policy import PolicyError, load_policy

    try:
        return load_policy(path)
    except PolicyError as exc:
        raise UsageError(str(exc)) from exc


def _ctx(policy: Any, workspace: str | None, state_dir: str | None) -> Any:
    from clawfence.detect.calls import PathContext
    s = policy.model.settings
    return PathContext.default(workspace or s.workspace, state_dir or s.state_dir)


@guard_app.command("check")
def check(
    policy: PolicyOpt = None,
    call: Annotated[str | None, typer.Option("--call", help="One call as JSON: {\"toolName\", \"params\", ...}.")] = None,
    calls: Annotated[Path | None, typer.Option("--calls", help="JSONL file of calls ('-' = stdin).")] = None,
    workspace: Annotated[str | None, typer.Option(help="Agent workspace (default from policy / OpenClaw).")] = None,
    state_dir: Annotated[str | None, typer.Option(help="OpenClaw state dir (default $OPENCLAW_STATE_DIR).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Also print approvals, guide points and signals.")] = False,
    profile: Annotated[str | None, typer.Option("--profile", help="Built-in profile: standard (default) or strict "
                                                 "(allowlist mode: what is not known to be safe asks).")] = None,
) -> None:
    """Judge tool calls offline and print one decision per call (one JSON line per input line).

    Calls of one ``sessionKey`` share session memory (a file written by one call and run by a later one is
    judged by its content). Exit 0 when no call was denied, 1 when at least one was denied, 2 on bad input
    (a line that is not a JSON object call gets a ``deny`` line with rule ``input-error`` and a message on
    stderr, and the run still judges every other line).
    """
    from clawfence.core.safeio import InputError, loads_json
    from clawfence.detect.calls import CallError, ToolCall
    from clawfence.guard.policy import Judge, PolicyError, profile_policy

    if (call is None) == (calls is None):
        raise UsageError("give exactly one of --call JSON or --calls FILE.jsonl")
    if profile is not None:
        if policy is not None:
            raise UsageError("give --policy or --profile, not both (a policy file names its own 'extends')")
        try:
            pol = profile_policy(profile)
        except PolicyError as exc:
            raise UsageError(str(exc)) from exc
    else:
        pol = _policy(policy)
    ctx = _ctx(pol, workspace, state_dir)
    if call is not None:
        lines = [(1, call)]
        where = "--call"
    else:
        assert calls is not None
        try:
            if str(calls) == "-":
                text = sys.stdin.read()
            else:
                from clawfence.core.safeio import read_text
                text = read_text(calls)
        except (OSError, UnicodeDecodeError, InputError) as exc:
            raise UsageError(f"cannot read {calls}: {getattr(exc, 'strerror', None) or exc}") from exc
        lines = [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if ln.strip()]
        where = str(calls)
    judge = Judge(pol, ctx)
    bad = denied = 0
    out_lines: list[str] = []
    for n, raw in lines:
        err: str | None = None
        tc: ToolCall | None = None
        if len(raw) > _MAX_LINE:
            err = f"line is {len(raw)} characters (limit {_MAX_LINE})"
        else:
            try:
                tc = ToolCall.from_json(loads_json(raw, max_depth=64, what="call"))
            except InputError as exc:
                err = str(exc)
            except json.JSONDecodeError as exc:
                err = f"not JSON: {exc.msg} (column {exc.colno})"
            except (CallError, ValueError, RecursionError) as exc:
                err = str(exc) or type(exc).__name__
        if tc is None:
            bad += 1
            msg = f"{where}:{n}: {err}"
            if call is not None:
                raise UsageError(msg)
            sys.stderr.write(f"clawfence: error: {msg}\n")
            out: dict[str, Any] = {"decision": "deny", "rule_id": "input-error", "reason": msg[:300]}
        else:
            try:
                d = judge.decide(tc)
                out = d.to_json() if full else {"decision": d.decision, "rule_id": d.rule_id, "reason": d.reason}
            except Exception as exc:  # fail closed on any analysis bug: never a traceback, never an allow
                sys.stderr.write(f"error: {where}:{n}: analysis failed ({type(exc).__name__}); denied\n")
                out = {"decision": "deny", "rule_id": "guard-error",
                       "reason": f"the guard could not analyse this call ({type(exc).__name__})"}
        denied += out["decision"] == "deny"
        out_lines.append(json.dumps(out, ensure_ascii=False))
    sys.stdout.write("\n".join(out_lines) + ("\n" if out_lines else ""))
    sys.stdout.flush()
    if bad:
        raise typer.Exit(2)
    if denied:
        raise typer.Exit(1)


_MAX_LINE = 4 * 1024 * 1024


@policy_app.command("validate")
def policy_validate(file: Annotated[Path, typer.Argument(help="Policy YAML to validate.")]) -> None:
    """Validate a policy file: exact file:line: field: message on error (exit 2)."""
    pol = _policy(file)
    typer.echo(f"ok: {file}: policy {pol.name!r}, {len(pol.rules)} rules, default {pol.model.default}")


@policy_app.command("show")
def policy_show() -> None:
    """Print the built-in baseline policy YAML."""
    from importlib import resources

    sys.stdout.write(resources.files("clawfence.guard").joinpath("default_policy.yaml").read_text(encoding="utf-8"))


def _store(path: Path | None) -> Any:
    from clawfence.guard.approvals import ApprovalStore, default_store_path

    try:
        return ApprovalStore(path or default_store_path())
    except OSError as exc:
        raise UsageError(f"cannot open approvals store: {exc.strerror or exc}") from exc


@approvals_app.command("list")
def approvals_list(
    store: StoreOpt = None,
    status: Annotated[str | None, typer.Option(help="pending|approved|denied|expired")] = "pending",
    all_: Annotated[bool, typer.Option("--all", help="Every status.")] = False,
) -> None:
    """List approval requests (JSON lines)."""
    st = _store(store)
    for r in st.list(None if all_ else status):
        typer.echo(json.dumps(r.to_json(), ensure_ascii=False))


def _vote(rid: str, approver: str, approve: bool, totp: str | None, store: Path | None) -> None:
    from clawfence.guard.approvals import ApprovalError

    _not_agent(_callers(None, None), "record a vote")  # $CLAWFENCE_GATEWAY_USERS: the agent's users never vote
    st = _store(store)
    try:
        r = st.vote(rid, approver, approve, totp)
    except ApprovalError as exc:
        raise UsageError(str(exc)) from exc
    typer.echo(json.dumps(r.to_json(), ensure_ascii=False))


@approvals_app.command("approve")
def approvals_approve(
    request_id: str,
    approver: Annotated[str, typer.Option("--approver", help="Your identity (distinct approvers count).")],
    totp: Annotated[str | None, typer.Option("--totp", help="Your current TOTP code (second factor).")] = None,
    store: StoreOpt = None,
) -> None:
    """Approve a pending request as APPROVER."""
    _vote(request_id, approver, True, totp, store)


@approvals_app.command("deny")
def approvals_deny(
    request_id: str,
    approver: Annotated[str, typer.Option("--approver", help="Your identity.")],
    store: StoreOpt = None,
) -> None:
    """Deny a pending request (one deny is final)."""
    _vote(request_id, approver, False, None, store)


@approvals_app.command("enroll")
def approvals_enroll(
    approver: Annotated[str, typer.Option("--approver", help="Approver identity to enrol for TOTP.")],
    store: StoreOpt = None,
) -> None:
    """Create a TOTP secret for APPROVER and print its otpauth:// URI (scan it into an authenticator)."""
    typer.echo(_store(store).enroll(approver))


@guard_app.command("serve")
def serve(
    policy: PolicyOpt = None,
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1.")] = 18795,
    token_file: Annotated[Path | None, typer.Option(help="Bearer token file (created 0600).")] = None,
    store: StoreOpt = None,
    log: Annotated[Path | None, typer.Option(help="Action log (default $CLAWFENCE_HOME/actions.jsonl).")] = None,
    openclaw_config: Annotated[Path | None, typer.Option(help="openclaw.json whose gateway token must never leave.")] = None,
    workspace: Annotated[str | None, typer.Option(help="Agent workspace.")] = None,
    state_dir: Annotated[str | None, typer.Option(help="OpenClaw state dir.")] = None,
    log_sync: Annotated[bool, typer.Option("--log-sync", help="Make every decision (also allow) durable in the "
                                           "action log before answering (slower).")] = False,
    console_port: Annotated[int | None, typer.Option(help="Approval console port on 127.0.0.1 (default "
                                                     "$CLAWFENCE_CONSOLE_PORT or 18796; -1 = no console).")] = None,
    gateway_user: GatewayUserOpt = None,
    gateway_pid: GatewayPidOpt = None,
    socket_path: Annotated[Path | None, typer.Option("--socket", help="Also listen on this Unix socket (callers "
                                                     "identified by SO_PEERCRED; no token).")] = None,
    socket_group: Annotated[str | None, typer.Option(help="Group that may connect to --socket (the gateway's).")] = None,
    no_tcp: Annotated[bool, typer.Option("--no-tcp", help="Serve only on --socket.")] = False,
    public_key_out: Annotated[Path | None, typer.Option(help="Write the decision-signing public key here (PEM).")] = None,
) -> None:
    """Run the decision service on 127.0.0.1 and/or a Unix socket (POST /v1/decide, /healthz, /metrics). Every
    answer is signed with the Ed25519 key in the service home (created on first start)."""
    from clawfence.guard.secrets_known import load_hashes
    from clawfence.guard.server import GuardService, ensure_token, guard_home, make_server, make_unix_server
    from clawfence.integrity import actionlog as auditlog

    pol = _policy(policy)
    ctx = _ctx(pol, workspace, state_dir)
    tf = token_file or guard_home() / "token"
    try:
        token = ensure_token(tf)
    except OSError as exc:
        raise UsageError(f"cannot create token file {tf}: {exc.strerror or exc}") from exc
    cfg = openclaw_config or Path(ctx.state_dir) / "openclaw.json"
    import contextlib
    import grp
    import threading

    from clawfence.guard import trust

    try:
        kp, private = trust.serve_key_path()
        signer = trust.load_or_create_key(kp)
        if not private:
            typer.echo(f"clawfence guard: single-user mode, signing key {kp} (run 'clawfence guard install "
                       "--service' for a key the agent cannot read)", err=True)
        if public_key_out is not None:
            trust.write_public(signer, public_key_out)
        callers = _callers(gateway_user, gateway_pid)
        gid = grp.getgrnam(socket_group).gr_gid if socket_group else None
    except (trust.TrustError, OSError) as exc:
        raise UsageError(str(exc)) from exc
    except KeyError as exc:
        raise UsageError(f"unknown group {socket_group!r}") from exc
    if no_tcp and socket_path is None:
        raise UsageError("--no-tcp needs --socket")
    svc = GuardService(pol, token, _store(store), log or auditlog.default_log_path(), load_hashes(cfg), ctx,
                       log_mode="sync" if log_sync else "async-allow", signer=signer, callers=callers)
    servers: list[Any] = []
    try:
        if socket_path is not None:
            servers.append(make_unix_server(svc, socket_path, group=gid))
        if not no_tcp:
            servers.append(make_server(svc, port))
    except OSError as exc:
        for s in servers:
            s.server_close()
        where = f"127.0.0.1:{port}" if socket_path is None or len(servers) == 1 else str(socket_path)
        raise UsageError(f"cannot listen on {where}: {exc.strerror or exc}") from exc
    if console_port is None:
        from clawfence.detect.selfprotect import guard_ports
        console_port = guard_ports()[1]
    if console_port >= 0:  # the human approval console beside the service (clawfence.guard.console)
        from clawfence.guard.console import start_console
        if not callers.gateway_uids:
            typer.echo("warning: no --gateway-user (or $CLAWFENCE_GATEWAY_USERS): the console cannot refuse the agent's "
                       "user; only the TOTP secrets in the service home keep it out", err=True)
        try:
            start_console(_console(svc.store, pol, callers, state_dir), console_port)
        except OSError as exc:
            raise UsageError(f"cannot listen on 127.0.0.1:{console_port} (console): {exc.strerror or exc}") from exc
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    where = " and ".join(f"unix:{s.server_address}" if isinstance(s.server_address, str)
                         else f"http://127.0.0.1:{s.server_address[1]} token file {tf}" for s in servers)
    typer.echo(f"clawfence guard: policy {pol.name!r} ({len(pol.rules)} rules) on {where}; answers signed "
               f"(key {kp})", err=True)
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    try:
        servers[0].serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for s in servers:
            s.server_close()
        if socket_path is not None:
            with contextlib.suppress(OSError):
                socket_path.unlink()
        svc.close()


@guard_app.command("install")
def install(
    state_dir: Annotated[Path | None, typer.Option(help="OpenClaw state dir (default ~/.openclaw).")] = None,
    socket: Annotated[Path | None, typer.Option("--socket", help="The service's Unix socket (default "
                                                "$CLAWFENCE_GUARD_SOCKET or /run/clawfence/guard.sock).")] = None,
    public_key: Annotated[Path | None, typer.Option(help="The service's public key the plugin pins (default "
                                                    "<trust dir>/guard-decision.pub; must be root-owned).")] = None,
    url: Annotated[str | None, typer.Option(help="Fallback: talk loopback HTTP to this URL with a token instead "
                                            "of the Unix socket.")] = None,
    token_file: Annotated[Path | None, typer.Option(help="With --url: service token file "
                                                    "(default $CLAWFENCE_HOME/guard/token).")] = None,
    openclaw: Annotated[str | None, typer.Option(help="openclaw executable (default: on PATH).")] = None,
    approval_wait_ms: Annotated[int, typer.Option(help="How long the hook waits for an approval (0 = block and retry).")] = 0,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the commands, change nothing.")] = False,
    install_policy: Annotated[bool, typer.Option("--install-policy", help="Also set security.installPolicy.exec "
                                                 "to 'clawfence guard install-policy'.")] = False,
    policy_command: Annotated[str | None, typer.Option(help="Absolute path of an install-policy executable run with no arguments "
                                                       "(default: the clawfence script on PATH).")] = None,
    service: Annotated[bool, typer.Option("--service", help="Root only: create the 'clawfence' system user, its "
                                          "0700 home with the signing key and approvals, the root-owned trust dir, "
                                          "the socket dir and a hardened systemd unit (no plugin install).")] = False,
    gateway_user: Annotated[str | None, typer.Option(help="With --service: the OS user the gateway runs as.")] = None,
    print_unit: Annotated[bool, typer.Option("--print-unit", help="With --service: print the unit, change nothing.")] = False,
    unit_path: Annotated[Path | None, typer.Option(help="With --service: where to write the unit.")] = None,
    exe: Annotated[Path | None, typer.Option(help="With --service: the clawfence executable the unit runs "
                                             "(default: on PATH).")] = None,
) -> None:
    """Install the OpenClaw plugin into a state dir via the real CLI (Unix socket + pinned key), or with
    --service set up the guard service's OS user, files and systemd unit (docs/guard-trust.md)."""
    import shutil

    from clawfence.guard import install as inst
    from clawfence.guard.server import ensure_token, guard_home
    from clawfence.guard.trust import pub_path

    if service:
        if not gateway_user:
            raise UsageError("--service needs --gateway-user (the OS user the OpenClaw gateway runs as)")
        cf = exe or (Path(w) if (w := shutil.which("clawfence")) else None)
        if cf is None:
            raise UsageError("--service: no clawfence executable on PATH (use --exe)")
        try:
            kw: dict[str, Any] = {"unit_path": unit_path} if unit_path else {}
            if socket:
                kw["socket"] = socket
            lay = inst.ServiceLayout.for_gateway(gateway_user, cf.absolute(), state_dir, **kw)
            if print_unit:
                typer.echo(inst.render_unit(lay), nl=False)
                return
            for line in inst.install_service(lay):
                typer.echo(line)
        except (inst.InstallError, OSError) as exc:
            raise UsageError(str(exc).splitlines()[0] if str(exc) else repr(exc)) from exc
        return
    if print_unit:
        raise UsageError("--print-unit needs --service")
    tf = token_file or guard_home() / "token"
    if url and not dry_run:
        try:
            ensure_token(tf)
        except OSError as exc:
            raise UsageError(f"cannot create token file {tf}: {exc.strerror or exc}") from exc
    sd = state_dir or Path(os.environ.get("OPENCLAW_STATE_DIR") or Path.home() / ".openclaw")
    cfg = inst.plugin_config(public_key or pub_path(), socket, url, tf if url else None, approval_wait_ms)
    try:
        cmd = None
        if install_policy:
            cmd = policy_command or shutil.which("clawfence")
            if not cmd:
                raise UsageError("--install-policy: no clawfence executable on PATH (use --policy-command)")
            cmd = os.path.abspath(cmd)
        for line in inst.install_plugin(sd, cfg, openclaw, dry_run, policy_command=cmd,
                                        policy_args=[] if policy_command else None):
            typer.echo(line)
    except inst.InstallError as exc:
        raise UsageError(str(exc)) from exc


@guard_app.command("install-policy")
def install_policy_cmd() -> None:
    """OpenClaw security.installPolicy.exec hook: request JSON on stdin, decision JSON on stdout."""
    from clawfence.guard.install_policy import run

    sys.stdout.write(run(sys.stdin.read()))


secrets_app = typer.Typer(help="Your own secrets the guard must never let out (stored hashed only).",
                          no_args_is_help=True)
guard_app.add_typer(secrets_app, name="secrets")


@secrets_app.command("add")
def secrets_add() -> None:
    """Read one secret from stdin (or a hidden prompt) and store only its salted hash."""
    from clawfence.guard.secrets_known import add_user_secret, user_file

    value = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else typer.prompt("secret", hide_input=True)
    try:
        n = add_user_secret(value)
    except (ValueError, OSError) as exc:
        raise UsageError(str(exc)) from exc
    typer.echo(f"stored hash #{n} in {user_file()} (the value itself is not kept); restart guard serve")


GatewayUserOpt = Annotated[list[str] | None, typer.Option(
    "--gateway-user", help="OS user the gateway (the agent) runs as; repeatable. Never allowed to approve.")]
GatewayPidOpt = Annotated[list[int] | None, typer.Option(
    "--gateway-pid", help="Gateway process id; its descendants are never allowed to approve. Repeatable.")]


def _callers(users: list[str] | None, pids: list[int] | None) -> Any:
    from clawfence.guard.trust import CallerRules, TrustError, uids_of

    env_users = [u for u in os.environ.get("CLAWFENCE_GATEWAY_USERS", "").split(",") if u.strip()]
    try:
        return CallerRules(gateway_uids=uids_of([*(users or []), *env_users]), gateway_pids=frozenset(pids or []))
    except TrustError as exc:
        raise UsageError(str(exc)) from exc


def _not_agent(rules: Any, what: str) -> None:
    from clawfence.guard.trust import self_refusal

    why = self_refusal(rules)
    if why is not None:
        raise UsageError(f"refusing to {what}: {why}")


@approvers_app.command("add")
def approvers_add(
    name: Annotated[str, typer.Argument(help="Approver name (what they type to sign in).")],
    store: StoreOpt = None,
    gateway_user: GatewayUserOpt = None,
    gateway_pid: GatewayPidOpt = None,
) -> None:
    """Enrol NAME: create a TOTP secret in the service home and print its otpauth:// URI once (scan it into an
    authenticator app). Run as root or the guard service user, never as the agent's user."""
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}", name):
        raise UsageError(f"approver name {name!r}: use letters, digits, '_', '.', '@', '-' (at most 64)")
    _not_agent(_callers(gateway_user, gateway_pid), "enrol an approver")
    st = _store(store)
    uri = st.enroll(name)
    typer.echo(uri)
    typer.echo(f"enrolled {name} in {st.path}; this URI is shown only now (the secret stays in the service home)",
               err=True)
    mode = st.path.parent.stat().st_mode & 0o077
    if mode:
        typer.echo(f"warning: {st.path.parent} is accessible to other users (mode {oct(st.path.parent.stat().st_mode & 0o777)});"
                   " make it 0700 and owned by the guard service user", err=True)


@approvers_app.command("list")
def approvers_list(store: StoreOpt = None) -> None:
    """Enrolled approver names, one a line (never their secrets)."""
    for n in _store(store).approvers():
        typer.echo(n)


@approvers_app.command("remove")
def approvers_remove(
    name: Annotated[str, typer.Argument(help="Approver to remove.")],
    store: StoreOpt = None,
    gateway_user: GatewayUserOpt = None,
    gateway_pid: GatewayPidOpt = None,
) -> None:
    """Remove NAME's enrolment (their TOTP secret); their past votes stay in the history."""
    _not_agent(_callers(gateway_user, gateway_pid), "remove an approver")
    if not _store(store).remove_approver(name):
        raise UsageError(f"no approver {name!r}")
    typer.echo(f"removed {name}")


def _console(store: Any, policy: Any, callers: Any, state_dir: str | None) -> Any:
    from clawfence.guard.console import Console, rule_info_of

    sd = state_dir or policy.model.settings.state_dir or os.environ.get("OPENCLAW_STATE_DIR")
    return Console(store, callers, rule_info_of(policy), Path(sd) if sd else None)


@guard_app.command("console")
def console_cmd(
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1.")] = 18796,
    store: StoreOpt = None,
    policy: PolicyOpt = None,
    gateway_user: GatewayUserOpt = None,
    gateway_pid: GatewayPidOpt = None,
    state_dir: Annotated[str | None, typer.Option(help="OpenClaw state dir (for config diffs).")] = None,
) -> None:
    """Run only the approval console on http://127.0.0.1:PORT (``guard serve`` also starts it)."""
    from clawfence.guard.console import make_console_server

    callers = _callers(gateway_user, gateway_pid)
    if not callers.gateway_uids:
        typer.echo("warning: no --gateway-user given: the console cannot tell the agent's user apart", err=True)
    try:
        srv = make_console_server(_console(_store(store), _policy(policy), callers, state_dir), port)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from exc
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    typer.echo(f"clawfence guard console on http://127.0.0.1:{srv.server_address[1]}/", err=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


def register(app: typer.Typer) -> None:
    """Add the ``guard`` command group to ``app``."""
    app.add_typer(guard_app, name="guard")
