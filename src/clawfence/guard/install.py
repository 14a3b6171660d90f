"""``clawfence guard install``: put the packaged OpenClaw plugin into a state dir with the real CLI.

Steps (OpenClaw 2026.9.6, ``docs/cli/plugins.md``): ``openclaw plugins install <dir> --force
--accept-capabilities`` (local-path installs need both flags), then one ``openclaw config set --batch-json``
for ``plugins.entries.clawfence-guard.config.{transport,socketPath,publicKeyFile,timeoutMs,approvalWaitMs}``
(or ``url``/``tokenFile`` for the loopback-HTTP fallback) and ``plugins.entries.clawfence-guard.hooks.timeoutMs``
(the hook budget; a timeout fails closed).

``--service`` (:func:`install_service`, root only) builds the OS side of the trust boundary instead: the
``clawfence`` system user, its 0700 home with the signing key and approvals store, the root-owned trust dir with
the public key the plugin pins, the socket dir and a hardened systemd unit (:func:`render_unit`). See
``docs/guard-trust.md``.
``security.installPolicy.exec`` exists in 2026.9.6 and is printed as a suggestion only: it belongs to
``clawfence skills``. The gateway must be restarted to load the plugin.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from clawfence.core.atomic import atomic_write_text
from clawfence.core.paths import service_home, trust_dir
from clawfence.guard.trust import socket_path

PLUGIN_ID = "clawfence-guard"


class InstallError(RuntimeError):
    """The real OpenClaw CLI failed or is missing; message is one line."""


def plugin_source() -> Path:
    """Directory of the packaged plugin (``openclaw.plugin.json``, ``package.json``, ``index.js``)."""
    return Path(str(resources.files("clawfence.guard").joinpath("plugin")))


def plugin_config(public_key: Path, socket: Path | None = None, url: str | None = None,
                  token_file: Path | None = None, approval_wait_ms: int = 0) -> dict[str, object]:
    """The plugin's config: Unix socket (default) or, with ``url``, loopback HTTP with ``token_file``."""
    cfg: dict[str, object] = {"publicKeyFile": str(public_key), "timeoutMs": 2000, "approvalWaitMs": approval_wait_ms}
    if url:
        cfg.update(transport="http", url=url, tokenFile=str(token_file or ""))
    else:
        cfg.update(transport="unix", socketPath=str(socket or socket_path()))
    return cfg


def config_ops(cfg: dict[str, object]) -> list[dict[str, object]]:
    """The ``openclaw config set --batch-json`` operations for plugin config ``cfg``."""
    wait = cfg.get("approvalWaitMs", 0)
    hook_budget = max(5000, (wait if isinstance(wait, int) else 0) + 5000)
    base = f"plugins.entries.{PLUGIN_ID}"
    return [
        {"path": f"{base}.enabled", "value": True},
        {"path": f"{base}.config", "value": cfg},
        {"path": f"{base}.hooks.timeoutMs", "value": min(hook_budget, 600000)},
    ]


def install_policy_ops(command: str, args: list[str], env: dict[str, str] | None = None) -> list[dict[str, object]]:
    """``security.installPolicy`` pointing at ``clawfence guard install-policy`` (skills and plugins)."""
    exec_cfg: dict[str, object] = {"source": "exec", "command": command, "args": args, "timeoutMs": 30000}
    if env:
        exec_cfg["env"] = env
    return [{"path": "security.installPolicy", "value": {"enabled": True, "targets": ["skill", "plugin"],
                                                         "exec": exec_cfg}}]


def install_plugin(state_dir: Path, cfg: dict[str, object], openclaw: str | None = None,
                   dry_run: bool = False, timeout_s: float = 180,
                   policy_command: str | None = None, policy_args: list[str] | None = None,
                   policy_env: dict[str, str] | None = None) -> Iterator[str]:
    """Install and configure (``cfg``: :func:`plugin_config`); yields progress lines. With ``policy_command``
    (absolute path of a trusted executable, e.g. the ``clawfence`` script) also enables
    ``security.installPolicy`` after the plugin is installed. Raises :class:`InstallError`."""
    exe = openclaw or shutil.which("openclaw")
    if not exe:
        raise InstallError("openclaw not found on PATH (use --openclaw PATH)")
    env = dict(os.environ, OPENCLAW_STATE_DIR=str(state_dir), OPENCLAW_CONFIG_PATH=str(Path(state_dir) / "openclaw.json"))
    all_ops = config_ops(cfg)
    if policy_command:
        if not os.path.isabs(policy_command):
            raise InstallError(f"install policy command must be an absolute path: {policy_command}")
        all_ops += install_policy_ops(policy_command, policy_args if policy_args is not None
                                      else ["guard", "install-policy"], policy_env)
    ops = json.dumps(all_ops)
    with tempfile.TemporaryDirectory(prefix="clawfence-plugin-") as tmp:
        src = Path(tmp) / PLUGIN_ID
        shutil.copytree(plugin_source(), src, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        cmds = [[exe, "plugins", "install", str(src), "--force", "--accept-capabilities"],
                [exe, "config", "set", "--batch-json", ops]]
        for cmd in cmds:
            shown = " ".join(cmd[:3]) + (" " + " ".join(repr(c) for c in cmd[3:]))
            if dry_run:
                yield f"would run: OPENCLAW_STATE_DIR={state_dir} {shown}"
                continue
            try:
                r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout_s, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise InstallError(f"{cmd[1]} {cmd[2]} failed: {exc}") from exc
            if r.returncode != 0:
                tail = (r.stderr.strip() or r.stdout.strip()).splitlines()[-1:] or ["no output"]
                raise InstallError(f"openclaw {cmd[1]} {cmd[2]} exited {r.returncode}: {tail[0][:200]}")
            yield f"ok: {shown}"
    if not policy_command:
        yield ("hint: add --install-policy to route skill/plugin installs through clawfence "
               "(security.installPolicy.exec, OpenClaw >= 2026.9)")
    yield f"restart the gateway to load {PLUGIN_ID}"


# ------------------------------------------------------------------------------------ the service side
SERVICE_USER = "clawfence"
UNIT_NAME = "clawfence-guard.service"
NOLOGIN = "/usr/sbin/nologin"


@dataclass(frozen=True)
class ServiceLayout:
    """Where ``clawfence guard install --service`` puts things (all absolute paths).

    ``gateway_user``/``gateway_group``: the OS user and group the OpenClaw gateway (and so the agent) runs as;
    ``gateway_home``/``state_dir``/``workspace``: that user's home, OpenClaw state dir and agent workspace (the
    service resolves ``~`` and relative paths in calls against them); ``exe``: the ``clawfence`` executable the
    unit starts; ``home``: the service home (0700, service user: signing key, approvals store with TOTP secrets,
    action log); ``trust``: root-owned trust dir holding the public key the plugin pins; ``socket``: the
    decision socket (its directory is the service user's, 0755; the socket 0660 group ``gateway_group``)."""

    gateway_user: str
    gateway_group: str
    gateway_home: Path
    state_dir: Path
    workspace: Path
    exe: Path
    user: str = SERVICE_USER
    home: Path = field(default_factory=service_home)
    trust: Path = field(default_factory=trust_dir)
    socket: Path = field(default_factory=socket_path)
    unit_path: Path = Path("/etc/systemd/system") / UNIT_NAME

    @classmethod
    def for_gateway(cls, gateway_user: str, exe: Path, state_dir: Path | None = None,
                    workspace: Path | None = None, **kw: Any) -> ServiceLayout:
        """Layout for the gateway's OS user ``gateway_user`` (its primary group, home from the passwd entry).
        Raises :class:`InstallError` for an unknown user, root, or the service user itself."""
        try:
            pw = pwd.getpwnam(gateway_user)
        except KeyError as exc:
            raise InstallError(f"unknown gateway user {gateway_user!r}") from exc
        if pw.pw_uid == 0:
            raise InstallError("the gateway runs as root: no OS boundary can protect the guard from it; "
                               "run OpenClaw as an unprivileged user first")
        if gateway_user == kw.get("user", SERVICE_USER):
            raise InstallError("the gateway user must not be the guard's service user")
        gh = Path(pw.pw_dir)
        sd = state_dir or gh / ".openclaw"
        return cls(gateway_user, grp.getgrgid(pw.pw_gid).gr_name, gh, sd, workspace or sd / "workspace", exe, **kw)

    @property
    def store(self) -> Path:
        """The approvals store (with the approvers' TOTP secrets)."""
        return self.home / "approvals.sqlite"

    @property
    def log(self) -> Path:
        """The service's action log."""
        return self.home / "actions.jsonl"


def render_unit(lay: ServiceLayout) -> str:
    """A hardened systemd unit running ``clawfence guard serve`` as the service user on the Unix socket only.

    The service user differs from the gateway's, so the agent cannot signal, ptrace or read it
    (``kill(2)``/``ptrace(2)`` need the same uid); ``SupplementaryGroups`` lets the service give the socket to
    the gateway's group. Everything else read-only (``ProtectSystem=strict``) except the service home."""
    args = [str(lay.exe), "guard", "serve", "--socket", str(lay.socket), "--socket-group", lay.gateway_group,
            "--gateway-user", lay.gateway_user, "--no-tcp", "--store", str(lay.store), "--log", str(lay.log),
            "--state-dir", str(lay.state_dir), "--workspace", str(lay.workspace)]
    env = {"CLAWFENCE_HOME": str(lay.home / "home"), "CLAWFENCE_SERVICE_HOME": str(lay.home),
           "CLAWFENCE_TRUST_DIR": str(lay.trust), "CLAWFENCE_GUARD_SOCKET": str(lay.socket),
           "HOME": str(lay.gateway_home), "OPENCLAW_STATE_DIR": str(lay.state_dir)}
    q = _systemd_quote
    lines = [
        "# clawfence guard decision service (written by `clawfence guard install --service`; docs/guard-trust.md)",
        "[Unit]",
        "Description=clawfence guard: decisions on OpenClaw tool calls (signed, Unix socket)",
        "After=local-fs.target",
        "",
        "[Service]",
        "Type=simple",
        f"User={lay.user}",
        f"Group={lay.user}",
        f"SupplementaryGroups={lay.gateway_group}",
        *(f"Environment={q(f'{k}={v}')}" for k, v in env.items()),
        "ExecStart=" + " ".join(q(a) for a in args),
        "Restart=on-failure",
        "RestartSec=2",
        # under /run, systemd (re)creates the socket dir for the service user at each start
        *([f"RuntimeDirectory={lay.socket.parent.name}", "RuntimeDirectoryMode=0755"]
          if lay.socket.parent.parent == Path("/run") else []),
        f"ReadWritePaths={q(str(lay.home))}",
        "UMask=0077",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=read-only",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "ProtectKernelTunables=yes",
        "ProtectKernelModules=yes",
        "ProtectKernelLogs=yes",
        "ProtectControlGroups=yes",
        "ProtectClock=yes",
        "ProtectHostname=yes",
        "RestrictNamespaces=yes",
        "RestrictRealtime=yes",
        "RestrictSUIDSGID=yes",
        "LockPersonality=yes",
        # loopback only: the socket, and the owner's console on 127.0.0.1 (guard/console)
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "IPAddressDeny=any",
        "IPAddressAllow=localhost",
        "CapabilityBoundingSet=",
        "AmbientCapabilities=",
        "SystemCallArchitectures=native",
        "SystemCallFilter=@system-service",
        "SystemCallFilter=~@privileged",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
    ]
    return "\n".join(lines) + "\n"


def _systemd_quote(s: str) -> str:
    """Quote one word for a systemd ExecStart=/Environment= line (``%`` escaped as ``%%``)."""
    s = s.replace("%", "%%")
    if s and all(c.isalnum() or c in "/._-=:,+@" for c in s):
        return s
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _run(cmd: list[str]) -> None:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InstallError(f"{cmd[0]} failed: {exc}") from exc
    if r.returncode != 0:
        tail = (r.stderr.strip() or r.stdout.strip()).splitlines()[-1:] or ["no output"]
        raise InstallError(f"{' '.join(cmd[:2])} exited {r.returncode}: {tail[0][:200]}")


def _own(path: Path, uid: int, gid: int, mode: int) -> None:
    os.chown(path, uid, gid, follow_symlinks=False)
    os.chmod(path, mode)


def _mkdir(path: Path, uid: int, gid: int, mode: int) -> None:
    if path.is_symlink():
        raise InstallError(f"{path} is a symlink; refusing")
    path.mkdir(parents=True, exist_ok=True)
    _own(path, uid, gid, mode)


def install_service(lay: ServiceLayout, write_unit: bool = True) -> Iterator[str]:
    """Create the service side (root only): the ``clawfence`` system user (idempotent), the service home 0700
    with the signing key, approvals store and action log, the root-owned trust dir with the public key (0644),
    the socket dir, and the systemd unit (atomic write; an older different unit is kept as ``.bak``). Yields
    progress lines. Raises :class:`InstallError` (not root, useradd failed, bad paths)."""
    from clawfence.guard.approvals import ApprovalStore
    from clawfence.guard.trust import TrustError, key_path, load_or_create_key, pub_path, write_public

    if os.geteuid() != 0:
        raise InstallError("--service must run as root (it creates the clawfence system user and root-owned "
                           "trust files)")
    for p in (lay.home, lay.trust, lay.socket, lay.unit_path, lay.exe):
        if not p.is_absolute():
            raise InstallError(f"{p} is not an absolute path")
    try:
        pw = pwd.getpwnam(lay.user)
        yield f"ok: system user {lay.user} exists (uid {pw.pw_uid})"
    except KeyError:
        _run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", str(lay.home),
              "--shell", NOLOGIN, "--comment", "clawfence guard service", lay.user])
        pw = pwd.getpwnam(lay.user)
        yield f"ok: created system user {lay.user} (uid {pw.pw_uid}, shell {NOLOGIN})"
    uid, gid = pw.pw_uid, pw.pw_gid
    if uid == pwd.getpwnam(lay.gateway_user).pw_uid:
        raise InstallError("the gateway user must not be the guard's service user")
    _mkdir(lay.home, uid, gid, 0o700)
    for sub in ("keys", "home"):
        _mkdir(lay.home / sub, uid, gid, 0o700)
    try:
        key = load_or_create_key(key_path(lay.home))
    except TrustError as exc:
        raise InstallError(str(exc)) from exc
    _own(key_path(lay.home), uid, gid, 0o600)
    ApprovalStore(lay.store)
    for f in lay.home.glob(lay.store.name + "*"):
        _own(f, uid, gid, 0o600)
    yield f"ok: service home {lay.home} (0700, {lay.user}): signing key, approvals store"
    _mkdir(lay.trust, 0, 0, 0o755)
    write_public(key, pub_path(lay.trust))
    _own(pub_path(lay.trust), 0, 0, 0o644)
    yield f"ok: public key {pub_path(lay.trust)} (root, 0644): the plugin pins it"
    _mkdir(lay.socket.parent, uid, gid, 0o755)
    yield f"ok: socket dir {lay.socket.parent} ({lay.user}, 0755); socket 0660 group {lay.gateway_group}"
    if write_unit:
        text = render_unit(lay)
        old = lay.unit_path.read_text(encoding="utf-8") if lay.unit_path.exists() else None
        if old is not None and old != text:
            atomic_write_text(lay.unit_path.with_name(lay.unit_path.name + ".bak"), old, mode=0o644)
        lay.unit_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(lay.unit_path, text, mode=0o644)
        yield f"ok: unit {lay.unit_path}" + (" (previous kept as .bak)" if old not in (None, text) else "")
    yield f"next: systemctl daemon-reload && systemctl enable --now {UNIT_NAME}"
    yield (f"next, as {lay.gateway_user}: clawfence guard install --socket {lay.socket} "
           f"--public-key {pub_path(lay.trust)}  (then restart the gateway)")
