"""Rules for specific commands (rm, find, dd, shred, chmod/chown, mv, openclaw, git, clawhub, package
installers) used by :class:`clawfence.detect.classify.ShellAnalyzer` as a mixin. Sources: guide P3.5 and
D3.2 (destructive commands, auth changes), E5.1 (mass deletion), E6.4 (installs from outside the approved
set; unarchived code), P3.6 (egress via git)."""

from __future__ import annotations

import re
from functools import lru_cache

from clawfence.detect import paths as P
from clawfence.detect.calls import PathContext
from clawfence.detect.hosts import URL_RE, Settings, config_key_signal, host_signal
from clawfence.detect.shell import Cmd, base, unwrap

_SCP_RE = re.compile(r"^[\w.-]+@[\w.-]+:")
_PYVER_RE = re.compile(r"^python3?-\d")
_CACHE_DIR = re.compile(r"^/(\.cache(/[^/]+)+|\.npm/_(cacache|npx|logs)|\.cargo/registry/cache|\.gradle/caches|"
                        r"\.m2/repository|\.pnpm-store|\.yarn/cache|go/pkg/mod/cache|\.cache)/?$")

_INSTALL_ECOS = {"pip": "pip", "pip3": "pip", "uv": "pip", "pipx": "pip", "npm": "npm", "pnpm": "npm",
                 "yarn": "npm", "bun": "npm", "gem": "gem", "cargo": "cargo", "go": "go", "brew": "brew",
                 "apt": "apt", "apt-get": "apt", "dnf": "rpm", "yum": "rpm", "apk": "apk", "conda": "conda"}
_INSTALL_VERBS = frozenset({"install", "i", "add", "get"})
_PKG_VALUE_OPTS = frozenset({"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
                             "--extra-index-url", "-t", "--target", "--prefix", "--registry", "-f", "--find-links"})



class CommandRules:
    """Per-command handlers ``_cmd_<name>(args, cmd, via_xargs, upstream)``; needs ``ctx``, ``settings``,
    :meth:`add` and :meth:`_path` from the analyzer."""

    ctx: PathContext
    settings: Settings

    def add(self, kind: str, detail: str) -> None:
        """Record a signal (implemented by the analyzer)."""
        raise NotImplementedError

    def _path(self, raw: str) -> str | None:
        raise NotImplementedError

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
            elif _CACHE_DIR.match(p[len(self.ctx.home):] if p.startswith(self.ctx.home + "/") else ""):
                continue  # package-manager and tool caches are rebuilt on demand
            elif p.startswith(self.ctx.state_dir.rstrip("/") + "/") and not P.in_workspace(p, self.ctx) and \
                    P.protected_category(p, self.ctx) is None:
                self.add("destructive", f"{how} deletes OpenClaw state ({t})")
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
        if len(ops) >= 2 and ops[-1].startswith("/dev/") and not ops[-1].startswith(("/dev/shm", "/dev/fd/")):
            self.add("destructive", f"mv moves {ops[0]} onto device {ops[-1]} (the data is gone; as root the device "
                                    "node itself is replaced)")

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
                if URL_RE.match(a) or _SCP_RE.match(a):
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
                        self.add("download-exec", f"{tool} installs from a package index outside the allowlist "
                                 f"({val[:60]})")
                continue
            if a.startswith("-"):
                continue
            pkgs.append(a)
        self._packages(eco, pkgs, f"{tool} {verbs[0]}")

    def _requirements(self, val: str, tool: str) -> None:
        if URL_RE.match(val):
            self.add("download-exec", f"{tool} installs from a remote requirements file")
            return
        p = self._path(val)
        if p is None or not P.in_workspace(p, self.ctx) or not self.settings.allow_workspace_requirements:
            self.add("unapproved-install", f"{tool} -r {val}: requirements file outside the workspace")

    def _packages(self, eco: str, pkgs: list[str], how: str) -> None:
        approved = self.settings.approved(eco)
        for pkg in pkgs:
            low = pkg.lower()
            if URL_RE.match(pkg) or low.startswith(("git+", "git:", "github:", "http:", "https:")):
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
                squat = typosquat_of(name, eco)
                if squat:
                    self.add("unapproved-install", f"{how} {name}: looks like a typosquat of {squat}")
                else:
                    self.add("package-install", f"{how} {name}: not in the approved {eco} set")

    def __getattr__(self, item: str) -> object:
        if item.startswith("_cmd_"):
            tool = item[5:].replace("_", "-")
            if tool in _INSTALL_ECOS:
                return lambda args, cmd, via_xargs, upstream: self._install(tool, args)
            if tool in ("python", "python3") or _PYVER_RE.match(tool):
                return self._cmd_python
        raise AttributeError(item)

    def _cmd_python(self, args: list[str], cmd: Cmd, via_xargs: bool, upstream: list[Cmd]) -> None:
        if args[:2] == ["-m", "pip"] or args[:2] == ["-m", "pip3"]:
            self._install("pip", args[2:])
        if args[:2] in (["-m", "http.server"], ["-m", "SimpleHTTPServer"]):
            self._serves_dir(args, ("-d", "--directory"), ("-b", "--bind"))

    def _serves_dir(self, args: list[str], dir_flags: tuple[str, ...], bind_flags: tuple[str, ...]) -> None:
        """A static file server started on a directory: serving a directory that is or holds credentials, the
        home or a system directory publishes them to whoever can reach the port (exfiltration by pull); binding
        every interface widens that to the network (guide P3.6, C3.4)."""
        served = "."
        bind = "127.0.0.1" if not bind_flags else ""
        for j, a in enumerate(args):
            nxt = args[j + 1] if j + 1 < len(args) else ""
            if a in dir_flags:
                served = nxt
            elif a.startswith(tuple(f + "=" for f in dir_flags)):
                served = a.split("=", 1)[1]
            elif a in bind_flags:
                bind = nxt
        p = self._path(served)
        if p is None:
            self.add("unresolved", f"file server on a directory that depends on an unknown variable ({served})")
            return
        why = P.protected_category(p, self.ctx) or P.holds_protected(p, self.ctx) or P.root_like(p, self.ctx)
        if why and not P.in_workspace(p, self.ctx):
            wide = " on every interface" if bind in ("", "0.0.0.0", "::") else ""
            self.add("exfil", f"serves {served} over HTTP ({why}){wide}")



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


#: widely used packages per ecosystem: a name one or two edits away from one of these is a typosquat candidate
POPULAR: dict[str, frozenset[str]] = {
    "pip": frozenset({"requests", "numpy", "pandas", "django", "flask", "urllib3", "setuptools", "boto3", "pyyaml",
                      "cryptography", "pillow", "scipy", "matplotlib", "pytest", "selenium", "beautifulsoup4",
                      "tensorflow", "torch", "openai", "anthropic", "colorama", "jinja2", "httpx", "fastapi",
                      "pydantic", "sqlalchemy", "python-dateutil", "certifi", "idna", "charset-normalizer", "rich",
                      "click", "aiohttp", "psycopg2", "redis", "paramiko", "scikit-learn", "transformers"}),
    "npm": frozenset({"react", "lodash", "express", "axios", "typescript", "webpack", "vue", "next", "chalk",
                      "commander", "moment", "eslint", "prettier", "jest", "vite", "dotenv", "uuid", "debug",
                      "request", "underscore", "jquery", "socket.io", "mongoose", "electron", "cross-env",
                      "node-fetch", "vitest", "tsx", "discord.js", "puppeteer", "openai", "colors", "ethers", "web3"}),
}


@lru_cache(maxsize=4096)
def typosquat_of(name: str, eco: str) -> str | None:
    """The popular package ``name`` imitates (edit distance 1-2, or separators/digits swapped), or None."""
    pop = POPULAR.get(eco)
    if not pop or name in pop or len(name) < 4:
        return None
    flat = re.sub(r"[-_.]", "", name)
    for p in pop:
        if flat == re.sub(r"[-_.]", "", p) and name != p:
            return p
        if abs(len(p) - len(name)) <= 2 and _dist(name, p) <= (1 if len(p) < 6 else 2):
            return p
    return None


def _dist(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
