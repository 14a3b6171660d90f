"""Per-command classification of parsed shell scripts into :class:`~clawfence.detect.calls.Signal` records.

Signals (see ``model.Signal``): destructive (``rm -rf /``/``~``/workspace root, ``find -delete`` on those,
``mkfs``, ``dd of=/dev/...``, ``chmod -R 777 /``, fork bomb), mass-delete (recursive deletion elsewhere
outside the workspace or of unknown targets), download-exec (``curl|sh``, saved-then-run, ``bash <(curl)``,
``sh -c "$(curl)"``, ``pip install git+https://...``), obfuscated (base64 payload executed),
unapproved-install (``npx``/``pip``/``npm``... packages outside the approved set), skill-install,
protected-read/-write, auth-change (``openclaw config set gateway.auth...``, exec approvals, pairing),
config-change, egress-unlisted/-internal, privilege (sudo). Command-specific rules live in
:mod:`clawfence.detect.cmdrules`, hosts and config keys in :mod:`clawfence.detect.hosts`.
Sources: guide P3.5, P3.6, D3.2, E3.2, E5.1, E6.4.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import replace
from urllib.parse import urlsplit

from clawfence.detect import effects as E
from clawfence.detect import paths as P
from clawfence.detect import selfprotect
from clawfence.detect.calls import PathContext, Signal
from clawfence.detect.cmdrules import CommandRules
from clawfence.detect.hosts import (
    FIN_ARGS,
    FINANCIAL_CMDS,
    HOSTISH_RE,
    URL_RE,
    Settings,
    config_key_signal,
    host_signal,
)
from clawfence.detect.shell import (
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

_FORKBOMB_RE = re.compile(r":\s*\(\s*\)\s*\{[^}]*:\s*\|\s*:")
_FETCHER_RE = re.compile(r"\b(?:curl|wget|fetch|aria2c)\b")
_IPV4_RE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_BLOCKDEV_RE = re.compile(r"^/dev/(sd|hd|vd|xvd|nvme|mmcblk|disk|md)")
_OPT_ASSIGN_RE = re.compile(r"^(?:--?[\w-]+|of|if)=")
DOWNLOADERS = frozenset({"curl", "wget", "fetch", "aria2c", "http", "https", "httpie", "xh", "lwp-download"})
NET_TOOLS = frozenset({"nc", "ncat", "netcat", "telnet", "socat", "ssh", "scp", "sftp", "rsync", "ftp"})
READ_ONLY_LISTERS = frozenset({"ls", "stat", "test", "[", "du", "file", "realpath", "readlink", "dirname", "basename"})
WRITERS = frozenset({"tee", "truncate", "chmod", "chown", "chgrp", "ln", "install", "touch", "rm", "shred", "unlink"})
__all__ = ["Settings", "ShellAnalyzer", "config_key_signal", "host_signal"]

class ShellAnalyzer(CommandRules):
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
        self.script = ""

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
        if _FORKBOMB_RE.search(script):
            self.add("destructive", "fork bomb")
        if depth == 0:
            self.script = script
        if E._RSH_SCRIPT.search(script):
            self.add("reverse-shell", "connects a shell to a network socket (/dev/tcp, /inet/tcp, s_client)")
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
                for s in selfprotect.command_signals([], cmd.redirects, self.ctx):
                    self.add(s.kind, s.detail)
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
                elif literal is not None and name in SHELLS:
                    self.analyze(literal, depth + 1)  # echo "cmd" | sh runs the literal
            if name in ("echo", "printf") and len(argv) > 1:
                literal = argv[-1]
            elif (name == "base64" and any(a in ("-d", "--decode", "-D") for a in argv[1:])) or (
                    name == "openssl" and any(a in ("base64", "-base64", "-a") for a in argv[1:]) and "-d" in argv):
                src = cmd.heredoc if cmd.heredoc is not None else literal
                if src is not None:
                    b64_payload = b64_decode(src.strip(), min_len=4) or b64_payload
            if name in DOWNLOADERS:
                download_seen = True
            if cmd.heredoc is not None and (name in SHELLS or fam is not None) and runs_stdin:
                self._nested(cmd.heredoc, name in SHELLS, depth, fam or "")
            if cmd.heredoc is not None and name == "cat" and pos + 1 < len(pipeline):
                nxt = unwrap(pipeline[pos + 1].argv)[0]
                if nxt and base(nxt[0]) in SHELLS:
                    self._nested(cmd.heredoc, True, depth)
            self._command(argv, cmd, via_xargs, depth, pipeline[:pos])

    def _decoded(self, text: str, depth: int) -> None:
        self.analyze(text, depth + 1)

    def _nested(self, code: str, is_shell: bool, depth: int, lang: str = "") -> None:
        if is_shell:
            self.analyze(code, depth + 1)
            return
        for s in code_signals(code):
            self.add(s.kind, s.detail)
        for kind, detail in E.code_effects(lang or "code", code):
            self.add(kind, detail)
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
        dyn = P.expand(argv[0], self.ctx)
        if dyn is None or "$(" in argv[0] or "`" in argv[0]:
            self.add("parse-error", f"command name is computed at run time ({argv[0][:40]})")
        code = inline_code(argv)
        if code is not None:
            self._nested(code[1], code[0] == "shell", depth, interpreter_family(name) or name)
        for kind, detail in E.command_effects(name, args, " ".join(argv) + "".join(
                f" {op}{t}" for op, t in cmd.redirects) + "\n" + self.script):
            self.add(kind, detail)
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
            if pat.match(name) and FIN_ARGS.intersection(a.lower() for a in args):
                self.add("financial", f"{name} {next(a for a in args if a.lower() in FIN_ARGS)} moves money")
        if name == "cd":
            target = self._path(args[0] if args else "~")
            if target:
                self.ctx = replace(self.ctx, cwd=target)
        self._redirects(name, cmd)
        self._path_args(name, args)
        for s in selfprotect.command_signals(argv, cmd.redirects, self.ctx,
                                             code[1] if code is not None and code[0] == "interp" else None):
            self.add(s.kind, s.detail)

    def _runs_file(self, name: str, argv: list[str], cmd: Cmd) -> None:
        for j, a in enumerate(argv[1:], 1):
            if j in cmd.procsub_words and _FETCHER_RE.search(a):
                self.add("download-exec", f"{name} runs a process substitution that downloads")
            if a.startswith("-"):
                continue
            if URL_RE.match(a):
                self.add("download-exec", f"{name} runs a remote script {a[:60]}")
            p = self._path(a)
            if p and p in self.downloaded:
                self.add("download-exec", f"{name} runs downloaded file {a}")
            break

    def _download(self, name: str, args: list[str], cmd: Cmd) -> None:
        urls = [a for a in args if URL_RE.match(a)]
        out: str | None = None
        for j, a in enumerate(args):
            if a in ("-o", "-O", "--output", "--output-document") and j + 1 < len(args) and not URL_RE.match(
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
            if URL_RE.match(a) or "@" in a or HOSTISH_RE.match(a) or _IPV4_RE.match(a):
                s = host_signal(a.split(":", 1)[0] if "://" not in a else a, self.settings, name)
                if s:
                    self.add(s.kind, s.detail)
                break

    def _redirects(self, name: str, cmd: Cmd) -> None:
        for op, target in cmd.redirects:
            if target.startswith("&") or target == "/dev/null":
                continue
            write = op in (">", ">>", ">|", "&>", ">&")
            if write and _BLOCKDEV_RE.match(target):
                self.add("destructive", f"redirect overwrites block device {target}")
            if write:
                self._written(target)
            self._protected(target, write=write, how=f"redirect {op}")

    def _path_args(self, name: str, args: list[str]) -> None:
        if name in READ_ONLY_LISTERS:
            return
        write = name in WRITERS
        for j, a in enumerate(args):
            if a.startswith("-") and "=" not in a:
                continue
            cand = a.split("=", 1)[1] if _OPT_ASSIGN_RE.match(a) else a
            if cand.startswith("@"):
                cand = cand[1:]
            if not cand or not (cand.startswith(("/", "~", ".", "$")) or "/" in cand):
                continue
            if "://" in cand:
                continue
            is_write = write or (name in ("cp", "mv", "rsync", "install") and j == len(args) - 1) or (
                name == "sed" and any(x.startswith("-i") for x in args)) or a.startswith("of=")
            if is_write and _BLOCKDEV_RE.match(cand):
                self.add("destructive", f"{name} overwrites block device {cand}")
            if is_write:
                self._written(cand)
            self._protected(cand, write=is_write, how=name)

    def _written(self, raw: str) -> None:
        """Effects of writing to ``raw`` (persistence, accounts, system files)."""
        p = self._path(raw)
        if p:
            for kind, detail in E.written_file_effects(p):
                self.add(kind, detail)

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
