"""Self-protection effects: calls that would switch the guard off, tamper with it, approve for the agent,
or impersonate the decision service (issue 10; guide P3.5, E5.1, E5.2, D3.2).

The agent runs as the gateway's OS user with a shell. What it must not do to the guard, modelled as
*effects* on guard assets rather than spellings of one command:

* ``guard-disable`` — ``openclaw plugins disable|uninstall|update|install|enable ... clawfence-guard``
  (any plugins sub-command that names the plugin, except read-only ones).
* ``guard-config`` — writing ``plugins.entries.clawfence-guard.*``, ``plugins.allow/deny/enabled/load/slots``,
  or hook timeouts, through ``openclaw config set|unset|patch|apply`` (also ``--batch-json``), the ``gateway``
  tool's ``config.*`` actions, or by editing ``openclaw.json`` / its ``$include`` files with content about
  plugins, hooks, or includes.
* ``guard-tamper`` — writing, moving, deleting or re-moding the plugin directory (``<state>/extensions/
  clawfence-guard`` and the workspace copy) by any tool.
* ``guard-state`` — any access to clawfence's home (``$CLAWFENCE_HOME``), the service home (keys, approvals,
  TOTP secrets, socket) or writes to the trust dir (pinned keys). Reading the trust dir (public keys) is fine.
* ``guard-endpoint`` — talking to the service directly: its Unix socket, its TCP ports (decision service and
  console), from the shell (curl/nc/socat, ``/dev/tcp``, inline code) or the URL tools.
* ``guard-kill`` — stopping the service: ``kill``/``pkill``/``killall`` by name or with a ``pgrep``/``pidof``
  substitution, ``systemctl stop|kill|disable|mask|restart``, ``service ... stop``, ``fuser -k PORT/tcp``.
* ``guard-impersonate`` — starting a listener on a guard port (``nc -l``, ``socat TCP-LISTEN``,
  ``python -m http.server``, inline code that binds it).
* ``guard-approve`` — ``clawfence guard approvals|approvers|console|serve|install|secrets`` (and
  ``python -m clawfence ...``) run by the agent.

Locations come from :mod:`clawfence.core.paths` (``clawfence_home``, ``service_home``, ``trust_dir``); when the
environment does not set ``CLAWFENCE_HOME`` the call's home (``ctx.home``) is used, so that a call judged for
another user is judged against that user's ``~/.clawfence``. Ports: ``$CLAWFENCE_GUARD_PORT`` (default 18795)
and ``$CLAWFENCE_CONSOLE_PORT`` (default 18796).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from clawfence.core.paths import service_home, trust_dir
from clawfence.detect import paths as P
from clawfence.detect.calls import PathContext, Signal

PLUGIN_ID = "clawfence-guard"
SERVICE_UNITS = frozenset({"clawfence-guard", "clawfence-guard.service", "clawfence", "clawfence.service"})
#: Signal kinds produced here (the policy's PG100.. rules match them).
KINDS = ("guard-disable", "guard-config", "guard-tamper", "guard-state", "guard-endpoint", "guard-kill",
         "guard-impersonate", "guard-approve")

_RO_PLUGIN_VERBS = frozenset({"list", "ls", "info", "inspect", "show", "doctor", "status", "search", "help"})
_CONFIG_KEY_RE = re.compile(
    r"^plugins\.(?:entries\.clawfence-guard(?:\.|$)|allow$|deny$|enabled$|load(?:\.|$)|slots(?:\.|$)|entries$)"
    r"|^plugins$|hooks?\.timeouts?|timeoutMs$|^\$include")
_CONTENT_RE = re.compile(r"clawfence-guard|\"?plugins\"?\s*:|\bhooks\b|timeoutMs|\$include|\"allow\"\s*:\s*\[")
_CLAWFENCE_CMDS = frozenset({"approvals", "approvers", "console", "serve", "install", "secrets", "uninstall"})
_KILLERS = frozenset({"kill", "pkill", "killall", "skill", "snice"})
_LISTEN_WORDS = re.compile(r"(?i)(?:^-[a-z]*l[a-z]*$|listen|http\.server|SimpleHTTPServer|createServer|bind\(|"
                           r"serve_forever|socketserver|HTTPServer|\.listen\()")
_MUTATING = frozenset({"rm", "mv", "cp", "rsync", "tee", "truncate", "chmod", "chown", "chgrp", "ln", "install",
                       "touch", "shred", "unlink", "dd", "sed", "perl", "patch", "tar", "unzip", "rmdir", "mkdir",
                       "chattr", "setfacl", "git", "npm", "pnpm", "yarn", "find"})


_PYTHON_NAME = re.compile(r"^python[0-9.]*$")
_FINDERS = re.compile(r"\b(pgrep|pidof|lsof|fuser|ss|netstat)\b")
_DEV_TCP = re.compile(r"/dev/(?:tcp|udp)/[^/\s]+/(\d+)")
_CODE_GUARD_PATH = re.compile(r"(?:~|/)[\w./~-]*(?:clawfence|openclaw)[\w./-]*")
_DEFAULT_SERVICE_HOME = "/var/lib/clawfence"
_DEFAULT_TRUST_DIR = "/etc/clawfence/trust"


def guard_ports() -> tuple[int, ...]:
    """TCP ports of the decision service and the console (``$CLAWFENCE_GUARD_PORT``, ``$CLAWFENCE_CONSOLE_PORT``)."""
    return _ports(os.environ.get("CLAWFENCE_GUARD_PORT"), os.environ.get("CLAWFENCE_CONSOLE_PORT"))


@lru_cache(maxsize=16)
def _ports(guard: str | None, console: str | None) -> tuple[int, ...]:
    out = []
    for raw, dflt in ((guard, 18795), (console, 18796)):
        try:
            out.append(int(raw or dflt))
        except ValueError:
            out.append(dflt)
    return tuple(out)


@lru_cache(maxsize=16)
def _port_rx(ports: tuple[int, ...]) -> re.Pattern[str]:
    """One regex finding any of ``ports`` as a whole number (what ``_port_in`` tests port by port)."""
    return re.compile(r"(?<![0-9])(?:" + "|".join(str(p) for p in ports) + r")(?![0-9])") if ports else re.compile(
        r"(?!)")


def guard_paths(ctx: PathContext) -> dict[str, tuple[str, ...]]:
    """Asset -> absolute paths: ``clawfence-home``, ``service-home``, ``trust-dir``, ``plugin-dir``."""
    return dict(_guard_paths(*_path_key(ctx)))


def _path_key(ctx: PathContext) -> tuple[str | None, str | None, str | None, str, str, str]:
    """Everything :func:`guard_paths` depends on (the environment and the path context)."""
    env = os.environ
    return (env.get("CLAWFENCE_HOME"), env.get("CLAWFENCE_SERVICE_HOME"), env.get("CLAWFENCE_TRUST_DIR"),
            ctx.home, ctx.workspace, ctx.state_dir)


@lru_cache(maxsize=64)
def _guard_paths(env_home: str | None, _svc: str | None, _trust: str | None, home: str, workspace: str,
                 state_dir: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    homes = {os.path.normpath(env_home)} if env_home else set()
    homes.add(os.path.join(home, ".clawfence"))
    ws = workspace.rstrip("/")
    # the configured locations and the defaults: an agent must not reach the default ones either
    shs = tuple(sorted({os.path.normpath(str(service_home())), _DEFAULT_SERVICE_HOME}))
    return (
        ("guard-socket", tuple(os.path.join(sh, n) for sh in shs for n in ("guard.sock", "console.sock"))),
        ("clawfence-home", tuple(sorted(homes))),
        ("service-home", shs),
        ("trust-dir", tuple(sorted({os.path.normpath(str(trust_dir())), _DEFAULT_TRUST_DIR}))),
        ("plugin-dir", (os.path.join(state_dir, "extensions", PLUGIN_ID),
                        os.path.join(ws, ".openclaw", "extensions", PLUGIN_ID))),
    )


@lru_cache(maxsize=64)
def _asset_roots(key: tuple[str | None, str | None, str | None, str, str, str]
                 ) -> tuple[tuple[str, str, str], ...]:
    """(asset, root, root + "/") in :func:`guard_paths` order."""
    return tuple((asset, r, r.rstrip("/") + "/") for asset, roots in _guard_paths(*key) for r in roots)


def asset_of(path: str, ctx: PathContext) -> str | None:
    """Which guard asset the normalised absolute ``path`` is (or is inside), or None."""
    for asset, r, prefix in _asset_roots(_path_key(ctx)):
        if path == r or path.startswith(prefix):
            return asset
    real = os.path.realpath(path) if ctx.resolve_symlinks else path
    if real != path:
        return asset_of(real, PathContext(ctx.home, ctx.workspace, ctx.state_dir, ctx.cwd, False))
    return None


def _path_signal(asset: str, raw: str, write: bool, how: str) -> Signal | None:
    if asset == "trust-dir" and not write:
        return None  # pinned public keys are meant to be read
    if asset == "guard-socket":
        return Signal("guard-endpoint", f"{how} connects to the guard service socket ({raw})")
    if asset == "plugin-dir":
        return Signal("guard-tamper", f"{how} modifies the guard plugin ({raw})") if write else None
    verb = "writes" if write else "reads"
    return Signal("guard-state", f"{how} {verb} guard state {asset} ({raw})")


def file_signals(raw_paths: Iterable[str], write: bool, tool: str, ctx: PathContext,
                 content: str = "") -> list[Signal]:
    """Signals for a file tool touching ``raw_paths`` (``write`` for write/edit/patch tools). A write to the
    OpenClaw config (or a sibling ``*.json``/``*.json5`` an ``$include`` can pull in) whose ``content`` is about
    plugins, hooks or includes is ``guard-config``."""
    out: list[Signal] = []
    for raw in raw_paths:
        norm = P.normalise(raw, ctx)
        if norm is None:
            continue
        a = asset_of(norm, ctx)
        if a is not None:
            s = _path_signal(a, raw, write, tool)
            if s:
                out.append(s)
        elif write and _is_config_file(norm, ctx) and _CONTENT_RE.search(content):
            out.append(Signal("guard-config", f"{tool} edits plugin/hook settings in the OpenClaw config ({raw})"))
    return out


def _is_config_file(norm: str, ctx: PathContext) -> bool:
    cfg = os.environ.get("OPENCLAW_CONFIG_PATH")
    if cfg and norm == os.path.normpath(cfg):
        return True
    d = ctx.state_dir.rstrip("/")
    return (os.path.dirname(norm) == d and norm.endswith((".json", ".json5"))) or norm.startswith(
        d + "/openclaw.json")


def config_key_signals(keys: Iterable[str], how: str) -> list[Signal]:
    """``guard-config`` for config keys that switch plugins or hook budgets (``plugins.entries.clawfence-guard.*``,
    ``plugins.allow|deny|enabled|load|slots``, ``*.hooks.timeoutMs``, ``$include``)."""
    out = []
    for k in keys:
        k = k.strip()
        if _CONFIG_KEY_RE.search(k) or PLUGIN_ID in k:
            out.append(Signal("guard-config", f"{how} changes {k} (guard plugin / hook settings)"))
    return out


def _batch_keys(text: str) -> list[str]:
    try:
        doc: Any = json.loads(text)
    except ValueError:
        return [text] if PLUGIN_ID in text or "plugins" in text else []
    ops = doc if isinstance(doc, list) else [doc]
    return [str(o.get("path", "")) for o in ops if isinstance(o, dict)]


def _port_in(word: str, ports: tuple[int, ...]) -> bool:
    return _port_rx(ports).search(word) is not None


def command_signals(argv: list[str], redirects: list[tuple[str, str]], ctx: PathContext,
                    code: str | None = None) -> list[Signal]:
    """Signals of one effective shell command (already unwrapped from ``sudo``/``env``/... by the caller).

    ``redirects`` are ``(op, target)`` pairs; ``code`` is inline interpreter code of this command, if any
    (scanned for the guard's ports and paths, since its effect cannot be parsed as argv)."""
    if not argv:
        argv = ["exec"]  # a bare redirection (``exec 3<>/dev/tcp/...``)
    out: list[Signal] = []
    name = os.path.basename(argv[0])
    args = argv[1:]
    ops = [a for a in args if not a.startswith("-")]
    ports = guard_ports()
    sock_words = _sock_words(os.environ.get("CLAWFENCE_SERVICE_HOME"))

    # clawfence itself (approve / enrol / reconfigure from the agent's shell)
    cf_args: list[str] | None = None
    if name == "clawfence":
        cf_args = ops
    elif _PYTHON_NAME.match(name) and len(args) >= 2 and args[0] == "-m" and args[1].startswith("clawfence"):
        cf_args = [a for a in args[2:] if not a.startswith("-")]
    if cf_args is not None and len(cf_args) >= 2 and cf_args[0] == "guard" and cf_args[1] in _CLAWFENCE_CMDS:
        out.append(Signal("guard-approve", f"clawfence guard {cf_args[1]} is for people, not the agent"))

    if name == "openclaw":
        if ops[:1] == ["plugins"] and len(ops) >= 2 and ops[1] not in _RO_PLUGIN_VERBS and (
                any(PLUGIN_ID in a for a in ops[2:]) or (ops[1] in ("disable", "uninstall", "remove", "rm", "reset")
                and len(ops) == 2)):
            out.append(Signal("guard-disable", f"openclaw plugins {ops[1]} {PLUGIN_ID}"))
        elif ops[:1] == ["plugins"] and len(ops) >= 2 and ops[1] in ("disable", "uninstall", "remove"):
            pass  # another plugin
        if ops[:1] == ["config"] and len(ops) >= 2 and ops[1] in ("set", "unset", "patch", "apply", "edit"):
            keys = list(ops[2:3])
            for j, a in enumerate(args):
                if a == "--batch-json" and j + 1 < len(args):
                    keys += _batch_keys(args[j + 1])
                elif a.startswith("--batch-json="):
                    keys += _batch_keys(a.split("=", 1)[1])
            out += config_key_signals(keys, f"openclaw config {ops[1]}")
            if ops[1] in ("apply", "edit", "patch") and len(ops) == 2 and not keys:
                out.append(Signal("guard-config", f"openclaw config {ops[1]} can rewrite the guard plugin's settings"))
        if ops[:1] == ["hooks"] and len(ops) >= 2 and ops[1] in ("disable", "uninstall", "remove"):
            out.append(Signal("guard-disable", f"openclaw hooks {ops[1]}"))

    # stopping the service
    if name in _KILLERS:
        joined = " ".join(args)
        if "clawfence" in joined or (_FINDERS.search(joined) and (
                "clawfence" in joined or any(_port_in(a, ports) for a in args))):
            out.append(Signal("guard-kill", f"{name} targets the guard service"))
    if name in ("systemctl", "service", "rc-service", "sv", "supervisorctl") and any(
            u in args or any(a.startswith("clawfence") for a in args) for u in SERVICE_UNITS):
        verbs = {"stop", "kill", "disable", "mask", "restart", "reload", "edit", "revert", "set-property",
                 "try-restart", "reload-or-restart", "daemon-reexec", "freeze"}
        if verbs & set(args):
            out.append(Signal("guard-kill", f"{name} {' '.join(a for a in args if a in verbs)} on the guard service"))
    if name == "fuser" and any(a.startswith("-") and "k" in a for a in args) and any(
            _port_in(a, ports) or any(w in a for w in sock_words) for a in args):
        out.append(Signal("guard-kill", "fuser -k on the guard service's port or socket"))

    # talking to / impersonating the service (``sh -c CODE``: CODE is analysed as its own script by the caller)
    if name in ("sh", "bash", "dash", "zsh", "ksh", "ash", "fish") and "-c" in args:
        return _dedup(out)
    words = args + ([code] if code else [])
    hits_port = any(_port_in(a, ports) for a in words)
    hits_sock = any(w in a for a in words for w in sock_words) or any(
        a == "--unix-socket" or a.startswith("UNIX") for a in args)
    if (hits_port or hits_sock) and cf_args is None and name not in _KILLERS and name != "fuser":
        listen = any(_LISTEN_WORDS.search(a) for a in words) or name in ("http-server", "serve")
        if listen and hits_port:
            out.append(Signal("guard-impersonate", f"{name} starts a listener on a guard service port"))
        elif hits_port:
            out.append(Signal("guard-endpoint", f"{name} talks to the guard service directly"))
    for a in words + [t for _, t in redirects]:
        m = _DEV_TCP.search(a) if "/dev/" in a else None
        if m and int(m.group(1)) in ports and not any(s.kind == "guard-endpoint" for s in out):
            out.append(Signal("guard-endpoint", "/dev/tcp connection to the guard service"))

    # files: operands and redirect targets
    write_cmd = name in _MUTATING or name.startswith("python") or name in ("node", "bash", "sh")
    cands = [(a, write_cmd) for a in args if "/" in a or a.startswith((".", "~")) or a.startswith("$")]
    # ``tar -C DIR .clawfence``, ``git -C DIR``, ``make -C DIR``: operands relative to another directory
    for j, a in enumerate(args[:-1]):
        if a in ("-C", "--directory") and not args[j + 1].startswith("-"):
            cands += [(os.path.join(args[j + 1], b), write_cmd) for b in args[j + 2:] if not b.startswith("-")]
    if name == "sed" and not any(a.startswith("-i") or a == "--in-place" for a in args):
        cands = [(a, False) for a, _ in cands]
    if name in ("cat", "less", "more", "head", "tail", "grep", "sqlite3", "strings", "xxd", "od", "base64", "ls",
                "stat", "file", "cd", "find"):
        cands = [(a, name in ("sqlite3", "find") and ("-delete" in args or name == "sqlite3")) for a, _ in cands]
    cands += [(t, op not in ("<", "<<", "<<<", "<&")) for op, t in redirects]
    if code:
        cands += [(m.group(0), True) for m in _CODE_GUARD_PATH.finditer(code)]
    for raw, write in cands:
        for piece in raw.split("=", 1)[-1:]:
            norm = P.normalise(piece, ctx)
            if norm is None:
                continue
            a2 = asset_of(norm, ctx)
            if a2 is not None:
                s = _path_signal(a2, raw, write, name)
                if s:
                    out.append(s)
            elif write and name != "cat" and _is_config_file(norm, ctx) and any(
                    PLUGIN_ID in w or "plugins" in w or "timeoutMs" in w or "$include" in w for w in words):
                out.append(Signal("guard-config", f"{name} rewrites plugin/hook settings in the OpenClaw config"))
    return _dedup(out)


@lru_cache(maxsize=16)
def _sock_words(_env: str | None) -> tuple[str, str, str]:
    """Words naming the service socket or home (``_env``: ``$CLAWFENCE_SERVICE_HOME``, the cache key)."""
    return ("guard.sock", str(service_home()), _DEFAULT_SERVICE_HOME)


def _dedup(sigs: list[Signal]) -> list[Signal]:
    seen: set[Signal] = set()
    out = []
    for s in sigs:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def url_signals(url: str, tool: str) -> list[Signal]:
    """``guard-endpoint`` for a URL tool aimed at a loopback guard port (decision service or console)."""
    m = re.match(r"(?i)^[a-z]+://(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d+))?", url.strip())
    if not m or not m.group(2):
        return []
    if int(m.group(2)) in guard_ports():
        return [Signal("guard-endpoint", f"{tool} to the guard service port {m.group(2)}")]
    return []
