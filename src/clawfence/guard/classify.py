"""Per-command classification of parsed shell scripts into :class:`~clawfence.guard.model.Signal` records.

Signals (see ``model.Signal``): destructive (``rm -rf /``/``~``/workspace root, ``find -delete`` on those,
``mkfs``, ``dd of=/dev/...``, ``chmod -R 777 /``, fork bomb), mass-delete (recursive deletion elsewhere
outside the workspace or of unknown targets), download-exec (``curl|sh``, saved-then-run, ``bash <(curl)``,
``sh -c "$(curl)"``, ``pip install git+https://...``), obfuscated (base64 payload executed),
unapproved-install (``npx``/``pip``/``npm``... packages outside the approved set), skill-install,
protected-read/-write, auth-change (``openclaw config set gateway.auth...``, exec approvals, pairing),
config-change, egress-unlisted/-internal, privilege (sudo). Sources: guide P3.5, P3.6, D3.2, E3.2, E5.1, E6.4.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from ipaddress import ip_address
from urllib.parse import urlsplit

from clawfence.guard import paths as P
from clawfence.guard.model import PathContext, Signal
from clawfence.guard.shell import (
    SHELLS,
    Cmd,
    Parsed,
    b64_decode,
    base,
    code_literals,
    code_signals,
    inline_code,
    interpreter_family,
    parse,
    unwrap,
)

DOWNLOADERS = frozenset({"curl", "wget", "fetch", "aria2c", "http", "https", "httpie", "xh", "lwp-download"})
NET_TOOLS = frozenset({"nc", "ncat", "netcat", "telnet", "socat", "ssh", "scp", "sftp", "rsync", "ftp"})
READ_ONLY_LISTERS = frozenset({"ls", "stat", "test", "[", "du", "file", "realpath", "readlink", "dirname", "basename"})
WRITERS = frozenset({"tee", "truncate", "chmod", "chown", "chgrp", "ln", "install", "touch", "rm", "shred", "unlink"})
#: config key prefixes whose change is an authentication/permission change (D3.2)
AUTH_KEYS = (
    "gateway.auth", "gateway.trustedProxies", "gateway.controlUi", "gateway.tailscale", "gateway.bind",
    "tools.exec.security", "tools.exec.ask", "tools.exec.mode", "tools.elevated", "tools.profile", "tools.allow",
    "tools.deny", "tools.fs", "commands.ownerAllowFrom", "session.dmScope", "security.", "plugins.allow",
    "agents.defaults.sandbox", "hooks.token",
)
_CHANNEL_AUTH_RE = re.compile(r"^channels\.[^.]+\.(?:.*\.)?(dmPolicy|allowFrom|groupPolicy|groupAllowFrom|token|botToken)")
METADATA_HOSTS = frozenset({"169.254.169.254", "metadata.google.internal", "100.100.100.200", "fd00:ec2::254",
                            "metadata.azure.com", "169.254.170.2"})
FINANCIAL_CMDS = (
    re.compile(r"^(?:bitcoin-cli|litecoin-cli|electrum)$"), re.compile(r"^(?:solana|spl-token)$"),
    re.compile(r"^(?:cast)$"), re.compile(r"^(?:stripe)$"),
)
_FIN_ARGS = frozenset({"sendtoaddress", "sendmany", "transfer", "send", "payto", "payouts", "charges", "pay"})
_URL_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)[^\s]+$", re.I)
_HOSTISH_RE = re.compile(r"^(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:/\S*)?$")


@dataclass(frozen=True)
class Settings:
    """Analysis knobs from the policy's ``settings``: egress allowlist (host globs), approved packages per
    ecosystem (pip, npm, ...), whether ``pip install -r <file in workspace>`` is allowed."""

    egress_allowlist: tuple[str, ...] = ()
    approved_packages: tuple[tuple[str, frozenset[str]], ...] = ()
    allow_workspace_requirements: bool = True

    def approved(self, eco: str) -> frozenset[str]:
        """Approved package names for ecosystem ``eco`` (lower-case)."""
        for k, v in self.approved_packages:
            if k == eco:
                return v
        return frozenset()


def host_signal(url_or_host: str, settings: Settings, how: str) -> Signal | None:
    """egress-internal / egress-unlisted signal for a URL or host, or None when allowed/loopback."""
    host = url_or_host
    if "://" in url_or_host:
        try:
            host = urlsplit(url_or_host).hostname or ""
        except ValueError:
            return Signal("egress-unlisted", f"{how}: unparsable URL")
    else:
        host = re.split(r"[/:]", url_or_host.split("@")[-1], maxsplit=1)[0]
    host = host.strip("[]").lower().rstrip(".")
    if not host:
        return None
    if host in METADATA_HOSTS:
        return Signal("egress-internal", f"{how}: cloud metadata endpoint {host}")
    try:
        ip = ip_address(host)
        if ip.is_loopback:
            return None
        if ip.is_link_local:
            return Signal("egress-internal", f"{how}: link-local address {host}")
    except ValueError:
        if host == "localhost" or host.endswith(".localhost"):
            return None
    if any(fnmatchcase(host, pat.lower()) for pat in settings.egress_allowlist):
        return None
    return Signal("egress-unlisted", f"{how}: host {host} is not in the egress allowlist")


def config_key_signal(key: str, how: str) -> Signal:
    """auth-change for authentication/permission keys, else config-change."""
    if key.startswith(AUTH_KEYS) or _CHANNEL_AUTH_RE.match(key):
        return Signal("auth-change", f"{how} changes authentication/permission key {key}")
    return Signal("config-change", f"{how} changes core config key {key}")


_INSTALL_ECOS = {"pip": "pip", "pip3": "pip", "uv": "pip", "pipx": "pip", "npm": "npm", "pnpm": "npm",
                 "yarn": "npm", "bun": "npm", "gem": "gem", "cargo": "cargo", "go": "go", "brew": "brew",
                 "apt": "apt", "apt-get": "apt", "dnf": "rpm", "yum": "rpm", "apk": "apk", "conda": "conda"}
_INSTALL_VERBS = frozenset({"install", "i", "add", "get"})
_PKG_VALUE_OPTS = frozenset({"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
                             "--extra-index-url", "-t", "--target", "--prefix", "--registry", "-f", "--find-links"})


class ShellAnalyzer:
    """Walks a parsed script with a path context; :meth:`analyze` returns the signals found.

    State across commands of one script: ``cd`` changes the cwd, downloaded file names are remembered
    so that running them later is a download-exec.
    """

    def __init__(self, ctx: PathContext, settings: Settings, max_depth: int = 6) -> None:
        self.ctx = ctx
        self.settings = settings
        self.max_depth = max_depth
        self.downloaded: set[str] = set()
        self.signals: list[Signal] = []

    def add(self, kind: str, detail: str) -> None:
        """Record one signal (deduplicated)."""
        s = Signal(kind, detail)
        if s not in self.signals:
            self.signals.append(s)

    def analyze(self, script: str, depth: int = 0) -> list[Signal]:
        """Signals of ``script`` (and of everything it runs indirectly)."""
        if depth > self.max_depth:
            self.add("obfuscated", "command nesting too deep to analyse")
            return self.signals
        if re.search(r":\s*\(\s*\)\s*\{[^}]*:\s*\|\s*:", script):
            self.add("destructive", "fork bomb")
        parsed = parse(script)
        if parsed.error and depth == 0:
            self.add("parse-error", f"shell parser could not read the command ({parsed.error})")
        self._parsed(parsed, depth)
        return self.signals

    def _parsed(self, parsed: Parsed, depth: int) -> None:
        for pipeline in parsed.pipelines:
            self._pipeline(pipeline, depth)

    def _pipeline(self, pipeline: list[Cmd], depth: int) -> None:
        download_seen = False
        b64_payload: str | None = None
        literal: str | None = None
        for pos, cmd in enumerate(pipeline):
            for sub in cmd.subs:
                self._parsed(sub, depth + 1)
            argv, wrappers, via_xargs = unwrap(cmd.argv)
            if "sudo" in wrappers or "doas" in wrappers:
                self.add("privilege", "runs with sudo/doas")
            if not argv:
                continue
            name = base(argv[0])
            fam = interpreter_family(name)
            runs_stdin = (name in SHELLS or fam is not None) and inline_code(argv) is None and (
                len(argv) == 1 or argv[1] in ("-", "-s") or all(a.startswith("-") for a in argv[1:]))
            if pos > 0 and runs_stdin:
                if download_seen:
                    self.add("download-exec", f"downloaded content piped into {name}")
                if b64_payload is not None:
                    self.add("obfuscated", f"base64-decoded payload piped into {name}")
                    self._decoded(b64_payload, depth)
            if name in ("echo", "printf") and len(argv) > 1:
                literal = argv[-1]
            elif name == "base64" and any(a in ("-d", "--decode", "-D") for a in argv[1:]):
                src = cmd.heredoc if cmd.heredoc is not None else literal
                if src is not None:
                    b64_payload = b64_decode(src.strip(), min_len=4) or b64_payload
            if name in DOWNLOADERS:
                download_seen = True
            if cmd.heredoc is not None and (name in SHELLS or fam is not None) and runs_stdin:
                self._nested(cmd.heredoc, name in SHELLS, depth)
            if cmd.heredoc is not None and name == "cat" and pos + 1 < len(pipeline):
                nxt = unwrap(pipeline[pos + 1].argv)[0]
                if nxt and base(nxt[0]) in SHELLS:
                    self._nested(cmd.heredoc, True, depth)
            self._command(argv, cmd, via_xargs, depth, pipeline[:pos])

    def _decoded(self, text: str, depth: int) -> None:
        self.analyze(text, depth + 1)

    def _nested(self, code: str, is_shell: bool, depth: int) -> None:
        if is_shell:
            self.analyze(code, depth + 1)
            return
        for s in code_signals(code):
            self.add(s.kind, s.detail)
        for lit in code_literals(code):
            dec = b64_decode(lit, min_len=8)
            if dec is not None:
                sub0 = ShellAnalyzer(replace(self.ctx), self.settings, self.max_depth)
                found = [s for s in sub0.analyze(dec, depth + 1) if s.kind != "parse-error"]
                if found:
                    self.add("obfuscated", "inline code hides a base64-encoded command")
                    for s in found:
                        self.add(s.kind, s.detail)
            if " " in lit or lit.startswith("/"):
                sub = ShellAnalyzer(replace(self.ctx), self.settings, self.max_depth)
                sub.downloaded = self.downloaded
                for s in sub.analyze(lit, depth + 1):
                    if s.kind != "parse-error":
                        self.add(s.kind, s.detail)

    def _path(self, raw: str) -> str | None:
        return P.normalise(raw, self.ctx)

    # ------------------------------------------------------------------ one effective command
    def _command(self, argv: list[str], cmd: Cmd, via_xargs: bool, depth: int, upstream: list[Cmd]) -> None:
        name = base(argv[0])
        args = argv[1:]
        code = inline_code(argv)
        if code is not None:
            self._nested(code[1], code[0] == "shell", depth)
        if name == "eval" and args:
            if any("$(" in a or "`" in a for a in args) and any(
                base(c.argv[0]) in DOWNLOADERS for s in cmd.subs for pl in s.pipelines for c in pl if c.argv
            ):
                self.add("download-exec", "eval of downloaded content")
            self.analyze(" ".join(args), depth + 1)
        if name in SHELLS or interpreter_family(name) or name in ("source", "."):
            self._runs_file(name, argv, cmd)
            if code is not None and any(
                base(c.argv[0]) in DOWNLOADERS for s in cmd.subs for pl in s.pipelines for c in pl if c.argv
            ):
                self.add("download-exec", f"{name} -c runs downloaded content")
        elif name.startswith("./") or argv[0].startswith(("./", "/")):
            p = self._path(argv[0])
            if p and p in self.downloaded:
                self.add("download-exec", f"runs downloaded file {argv[0]}")
        for w in args:
            dec = b64_decode(w)
            if dec is not None:
                sub = ShellAnalyzer(self.ctx, self.settings, self.max_depth)
                found = [s for s in sub.analyze(dec, depth + 1) if s.kind != "parse-error"]
                if found:
                    self.add("obfuscated", "argument hides a base64-encoded command")
                    for s in found:
                        self.add(s.kind, s.detail)
        handler = getattr(self, "_cmd_" + name.replace("-", "_").replace(".", "_"), None)
        if name.startswith("mkfs") or name in ("mke2fs", "wipefs", "fdisk", "sfdisk", "parted", "sgdisk"):
            self.add("destructive", f"{name} rewrites a filesystem or partition table")
        elif handler is not None:
            handler(args, cmd, via_xargs, upstream)
        if name in DOWNLOADERS:
            self._download(name, args, cmd)
        if name in NET_TOOLS:
            self._net_args(name, args)
        for pat in FINANCIAL_CMDS:
            if pat.match(name) and _FIN_ARGS.intersection(a.lower() for a in args):
                self.add("financial", f"{name} {next(a for a in args if a.lower() in _FIN_ARGS)} moves money")
        if name == "cd":
            target = self._path(args[0] if args else "~")
            if target:
                self.ctx = replace(self.ctx, cwd=target)
        self._redirects(name, cmd)
        self._path_args(name, args)

    def _runs_file(self, name: str, argv: list[str], cmd: Cmd) -> None:
        for j, a in enumerate(argv[1:], 1):
            if j in cmd.procsub_words and re.search(r"\b(?:curl|wget|fetch|aria2c)\b", a):
                self.add("download-exec", f"{name} runs a process substitution that downloads")
            if a.startswith("-"):
                continue
            if _URL_RE.match(a):
                self.add("download-exec", f"{name} runs a remote script {a[:60]}")
            p = self._path(a)
            if p and p in self.downloaded:
                self.add("download-exec", f"{name} runs downloaded file {a}")
            break

    def _download(self, name: str, args: list[str], cmd: Cmd) -> None:
        urls = [a for a in args if _URL_RE.match(a)]
        out: str | None = None
        for j, a in enumerate(args):
            if a in ("-o", "-O", "--output", "--output-document") and j + 1 < len(args) and not _URL_RE.match(
                    args[j + 1]):
                out = args[j + 1]
            elif a.startswith("--output=") or a.startswith("--output-document="):
                out = a.split("=", 1)[1]
        for op, target in cmd.redirects:
            if op in (">", ">>"):
                out = target
        if out is None and urls and (name == "wget" or "-O" in args or "--remote-name" in args):
            path = urlsplit(urls[0]).path
            out = posixpath.basename(path) or None
        if out and out != "-":
            p = self._path(out)
            if p:
                self.downloaded.add(p)
        for u in urls:
            s = host_signal(u, self.settings, "download")
            if s:
                self.add(s.kind, s.detail)
        for j, a in enumerate(args):
            if a in ("-d", "--data", "--data-binary", "--data-raw", "-F", "--form", "-T", "--upload-file",
                     "--post-file", "--body-file") and j + 1 < len(args):
                val = args[j + 1]
                f = val.split("=", 1)[1] if "=@" in val else val
                if f.startswith("@") or a in ("-T", "--upload-file", "--post-file", "--body-file"):
                    self._protected(f.lstrip("@"), write=False, how="uploads")

    def _net_args(self, name: str, args: list[str]) -> None:
        for a in args:
            if a.startswith("-"):
                continue
            if _URL_RE.match(a) or "@" in a or _HOSTISH_RE.match(a) or re.match(r"^\d+\.\d+\.\d+\.\d+$", a):
                s = host_signal(a.split(":", 1)[0] if "://" not in a else a, self.settings, name)
                if s:
                    self.add(s.kind, s.detail)
                break

    def _redirects(self, name: str, cmd: Cmd) -> None:
        for op, target in cmd.redirects:
            if target.startswith("&") or target == "/dev/null":
                continue
            write = op in (">", ">>", ">|", "&>", ">&")
            if write and re.match(r"^/dev/(sd|hd|vd|xvd|nvme|mmcblk|disk|md)", target):
                self.add("destructive", f"redirect overwrites block device {target}")
            self._protected(target, write=write, how=f"redirect {op}")

    def _path_args(self, name: str, args: list[str]) -> None:
        if name in READ_ONLY_LISTERS:
            return
        write = name in WRITERS
        for j, a in enumerate(args):
            if a.startswith("-") and "=" not in a:
                continue
            cand = a.split("=", 1)[1] if re.match(r"^(?:--?[\w-]+|of|if)=", a) else a
            if cand.startswith("@"):
                cand = cand[1:]
            if not cand or not (cand.startswith(("/", "~", ".", "$")) or "/" in cand):
                continue
            if "://" in cand:
                continue
            is_write = write or (name in ("cp", "mv", "rsync", "install") and j == len(args) - 1) or (
                name == "sed" and any(x.startswith("-i") for x in args)) or a.startswith("of=")
            self._protected(cand, write=is_write, how=name)

    def _protected(self, raw: str, write: bool, how: str) -> None:
        p = self._path(raw)
        if not p:
            return
        cat = P.protected_category(p, self.ctx)
        if cat is None:
            return
        if write and cat in P.AUTH_CATEGORIES:
            self.add("auth-change", f"{how} modifies {cat} ({raw})")
        elif write and cat == "ssh" and p.endswith(("authorized_keys", "authorized_keys2")):
            self.add("auth-change", f"{how} modifies SSH authorized_keys")
        else:
            self.add("protected-write" if write else "protected-read", f"{how} touches {cat} ({raw})")

    # ------------------------------------------------------------------ specific commands
    def _cmd_rm(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        recursive = any(
            (a.startswith("-") and not a.startswith("--") and ("r" in a or "R" in a)) or a == "--recursive"
            for a in args)
        if "--no-preserve-root" in args:
            self.add("destructive", "rm --no-preserve-root")
        targets = _operands(args)
        if via_xargs and recursive:
            src = [a for c in upstream for a in unwrap(c.argv)[0][1:] if not a.startswith("-")]
            self._delete_targets(src or ["$XARGS_INPUT"], "xargs rm -r")
        if recursive:
            self._delete_targets(targets, "rm -r")

    def _delete_targets(self, targets: list[str], how: str, filtered: bool = False) -> None:
        """``filtered``: only some entries are deleted (``find -name '*.pyc'``)."""
        for t in targets:
            raw, has_glob, match_all = P.glob_base(t)
            p = self._path(raw)
            if p is None:
                self.add("mass-delete", f"{how} of a target that depends on a variable ({t})")
                continue
            why = P.root_like(p, self.ctx)
            if why and (filtered or (has_glob and not match_all)):
                if not P.in_workspace(p, self.ctx):
                    self.add("mass-delete", f"{how} of selected entries under {why} ({t})")
            elif why:
                self.add("destructive", f"{how} deletes {why}" + (" (glob)" if has_glob else ""))
            elif not P.in_workspace(p, self.ctx):
                cat = P.protected_category(p, self.ctx)
                if cat:
                    self.add("auth-change" if cat in P.AUTH_CATEGORIES else "protected-write",
                             f"{how} deletes {cat} ({t})")
                elif not p.startswith("/tmp/"):
                    self.add("mass-delete", f"{how} outside the workspace ({t})")

    def _cmd_find(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        roots: list[str] = []
        for a in args:
            if a.startswith(("-", "(", "!")):
                break
            roots.append(a)
        deletes = "-delete" in args or any(
            a in ("-exec", "-execdir", "-ok") and j + 1 < len(args) and base(args[j + 1]) in ("rm", "shred", "unlink")
            for j, a in enumerate(args))
        names = [args[j + 1] for j, a in enumerate(args[:-1])
                 if a in ("-name", "-iname", "-path", "-ipath", "-regex", "-iregex", "-newer", "-mtime", "-mmin",
                          "-size", "-user", "-perm")]
        filtered = any(n not in ("*", "*.*", ".*") for n in names)
        if deletes:
            self._delete_targets(roots or ["."], "find -delete", filtered)

    def _cmd_dd(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        for a in args:
            if a.startswith("of=/dev/") and a not in ("of=/dev/null", "of=/dev/zero", "of=/dev/stdout"):
                self.add("destructive", f"dd writes to device {a[3:]}")

    def _cmd_shred(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        for a in _operands(args):
            if a.startswith("/dev/"):
                self.add("destructive", f"shred of device {a}")

    def _chmod_like(self, name: str, args: list[str]) -> None:
        recursive = any(a in ("-R", "--recursive") or (a.startswith("-") and "R" in a) for a in args)
        ops = _operands(args)
        for t in ops[1:]:
            raw = P.glob_base(t)[0]
            p = self._path(raw)
            if p and P.root_like(p, self.ctx) and (recursive or p == "/"):
                self.add("destructive", f"{name} {'-R ' if recursive else ''}on {P.root_like(p, self.ctx)}")

    def _cmd_chmod(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        self._chmod_like("chmod", args)

    def _cmd_chown(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        self._chmod_like("chown", args)

    def _cmd_mv(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        ops = _operands(args)
        for t in ops[:-1]:
            p = self._path(t)
            if p and P.root_like(p, self.ctx):
                self.add("destructive", f"mv moves away {P.root_like(p, self.ctx)}")

    def _cmd_openclaw(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        ops = [a for a in args if not a.startswith("-")]
        if len(ops) >= 2 and ops[0] == "config" and ops[1] in ("set", "unset", "patch", "apply"):
            if len(ops) >= 3:
                s = config_key_signal(ops[2], f"openclaw config {ops[1]}")
                self.add(s.kind, s.detail)
            else:
                self.add("config-change", f"openclaw config {ops[1]}")
        elif ops[:1] in (["approvals"], ["exec-policy"]) and len(ops) >= 2 and ops[1] not in ("get", "show", "list"):
            self.add("auth-change", f"openclaw {ops[0]} {ops[1]} changes exec approvals")
        elif ops[:1] in (["pairing"], ["devices"]) and len(ops) >= 2 and ops[1] in (
                "approve", "rotate", "revoke", "remove", "add"):
            self.add("auth-change", f"openclaw {ops[0]} {ops[1]} changes who may connect")
        elif ops[:1] in (["plugins"], ["skills"], ["hooks"]) and len(ops) >= 2 and ops[1] in ("install", "add", "update"):
            self.add("skill-install", f"openclaw {ops[0]} {ops[1]} installs code (route through clawfence skills)")
        elif ops[:1] == ["onboard"] or ops[:2] == ["gateway", "install"]:
            self.add("config-change", f"openclaw {' '.join(ops[:2])} rewrites configuration")

    def _cmd_git(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        ops = [a for a in args if not a.startswith("-")]
        if ops[:1] in (["clone"], ["fetch"], ["pull"], ["push"], ["ls-remote"]) or ops[:2] == ["remote", "add"]:
            for a in ops[1:]:
                if _URL_RE.match(a) or re.match(r"^[\w.-]+@[\w.-]+:", a):
                    s = host_signal(a if "://" in a else a.split("@", 1)[1].split(":", 1)[0], self.settings,
                                    f"git {ops[0]}")
                    if s:
                        self.add(s.kind, s.detail)

    def _cmd_clawhub(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        if any(a in ("install", "update") for a in args):
            self.add("skill-install", "clawhub install (route through clawfence skills)")

    def _cmd_npx(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        ops = [a for a in args if not a.startswith("-")]
        if ops:
            self._packages("npm", ops[:1], "npx")

    def _install(self, tool: str, args: list[str]) -> None:
        eco = _INSTALL_ECOS[tool]
        rest = list(args)
        if tool == "uv" and rest[:1] == ["pip"]:
            rest = rest[1:]
        verbs = [a for a in rest if not a.startswith("-")]
        if not verbs or verbs[0] not in _INSTALL_VERBS:
            if tool in ("npm", "pnpm", "yarn") and verbs[:1] in (["exec"], ["dlx"]):
                self._packages("npm", verbs[1:2], f"{tool} {verbs[0]}")
            return
        pkgs: list[str] = []
        skip = False
        after = rest[rest.index(verbs[0]) + 1:]
        for j, a in enumerate(after):
            if skip:
                skip = False
                continue
            if a in _PKG_VALUE_OPTS or a.startswith(("--requirement=", "--index-url=", "--extra-index-url=")):
                skip = "=" not in a
                val = a.split("=", 1)[1] if "=" in a else (after[j + 1] if j + 1 < len(after) else "")
                if a in ("-r", "--requirement") or a.startswith("--requirement="):
                    self._requirements(val, tool)
                elif a in ("-e", "--editable"):
                    pkgs.append(val)
                elif a.startswith(("-i", "--index-url", "--extra-index-url", "--registry", "-f", "--find-links")):
                    s = host_signal(val, self.settings, f"{tool} index")
                    if s:
                        self.add("unapproved-install", f"{tool} uses a package index outside the allowlist")
                continue
            if a.startswith("-"):
                continue
            pkgs.append(a)
        self._packages(eco, pkgs, f"{tool} {verbs[0]}")

    def _requirements(self, val: str, tool: str) -> None:
        if _URL_RE.match(val):
            self.add("download-exec", f"{tool} installs from a remote requirements file")
            return
        p = self._path(val)
        if p is None or not P.in_workspace(p, self.ctx) or not self.settings.allow_workspace_requirements:
            self.add("unapproved-install", f"{tool} -r {val}: requirements file outside the workspace")

    def _packages(self, eco: str, pkgs: list[str], how: str) -> None:
        approved = self.settings.approved(eco)
        for pkg in pkgs:
            low = pkg.lower()
            if _URL_RE.match(pkg) or low.startswith(("git+", "git:", "github:", "http:", "https:")):
                self.add("download-exec", f"{how} installs unarchived code from {pkg[:80]}")
                continue
            if pkg.startswith((".", "/", "~")) or pkg.endswith((".whl", ".tar.gz", ".tgz")):
                p = self._path(pkg)
                if p is None or not P.in_workspace(p, self.ctx):
                    self.add("unapproved-install", f"{how} installs a local package outside the workspace")
                continue
            name = re.split(r"[<>=!~\[;@ ]", low, maxsplit=1)[0] if not low.startswith("@") else (
                "@" + re.split(r"[<>=!~\[;@ ]", low[1:], maxsplit=1)[0])
            if name and name not in approved:
                self.add("unapproved-install", f"{how} {name}: not in the approved {eco} set")

    def __getattr__(self, item: str) -> object:
        if item.startswith("_cmd_"):
            tool = item[5:].replace("_", "-")
            if tool in _INSTALL_ECOS:
                return lambda args, cmd, via_xargs, upstream: self._install(tool, args)
            if tool in ("python", "python3") or re.match(r"^python3?-\d", tool):
                return self._cmd_python
        raise AttributeError(item)

    def _cmd_python(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        if args[:2] == ["-m", "pip"] or args[:2] == ["-m", "pip3"]:
            self._install("pip", args[2:])


def _operands(args: list[str]) -> list[str]:
    out: list[str] = []
    after_ddash = False
    for a in args:
        if after_ddash:
            out.append(a)
        elif a == "--":
            after_ddash = True
        elif not a.startswith("-") or a == "-":
            out.append(a)
    return out
