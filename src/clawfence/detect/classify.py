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
DOWNLOADERS = frozenset({"curl", "wget", "fetch", "aria2c", "http", "https", "httpie", "xh", "lwp-download", "iwr",
                         "irm", "invoke-webrequest", "invoke-restmethod", "Invoke-WebRequest", "Invoke-RestMethod"})
NET_TOOLS = frozenset({"nc", "ncat", "netcat", "telnet", "socat", "ssh", "scp", "sftp", "rsync", "ftp"})
READ_ONLY_LISTERS = frozenset({"ls", "stat", "test", "[", "du", "file", "realpath", "readlink", "dirname", "basename"})
WRITERS = frozenset({"tee", "truncate", "chmod", "chown", "chgrp", "ln", "install", "touch", "rm", "shred", "unlink"})
__all__ = ["Settings", "ShellAnalyzer", "config_key_signal", "host_signal", "see_category", "see_path"]
_PUBLIC_SSH = re.compile(r"/\.ssh/([\w.-]+\.pub|known_hosts(\.old)?)$")
_CODE_WRITE_RE = re.compile(r"""open\([^)]*,\s*['"][wa+]|writeFile|write_text|write_bytes|json\.dump\(|\.write\(|"""
                            r"""File\.write|fwrite|file_put_contents|>\s*\$|-i\b|\bwriteSync""")
_PROC_ROOT = re.compile(r"^/proc/(?:self|thread-self|\d+|\$\w+)/(?:task/\d+/)?(?:root|cwd)(?=/|$)")
_PROC_ENV = re.compile(r"^/proc/(?:self|thread-self|\d+|\$\{?\w+\}?)/(?:task/\d+/)?environ$")
_EXTRA_SECRETS = re.compile(
    r"/\.config/gh/hosts\.ya?ml$|/\.pgpass$|/\.my\.cnf$|/\.config/rclone/rclone\.conf$|/\.terraform\.d/credentials|"
    r"/\.config/(google-chrome|chromium|BraveSoftware/[^/]+|microsoft-edge)/[^/]+/(Cookies|Login Data|Web Data)$|"
    r"/\.mozilla/firefox/[^/]+/(logins\.json|key4\.db|cookies\.sqlite)$|/\.password-store/|/\.local/share/keyrings/|"
    r"/\.vault-token$|/\.config/hub$|/\.cargo/credentials(\.toml)?$|/\.gem/credentials$|/\.m2/settings\.xml$|"
    r"/\.config/op/|/\.clawfence/|/\.openclaw/\.env$")
_VAR_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
_DOTENV_REVEAL = frozenset({"cat", "head", "tail", "less", "more", "grep", "egrep", "rg", "awk", "sed", "base64", "xxd",
                            "od", "strings", "nl", "tac", "cut", "sort", "uniq", "uploads", "curl", "wget", "nc",
                            "scp", "rsync", "jq", "bat", "vim", "vi", "nano", "view", "gpg", "openssl", "python",
                            "python3", "node", "perl", "ruby", "php", "tee"})
_DOTENV = re.compile(r"(^|/)\.env(\.(?!example$|sample$|template$|dist$|defaults$)[\w.-]+)?$")
_ASSIGN_WORD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\+?=")
#: variables whose value is run as a command by the shell or by git/ssh/pagers
_RUNS_ENV = frozenset({"GIT_SSH_COMMAND", "GIT_SSH", "GIT_PROXY_COMMAND", "GIT_EXTERNAL_DIFF", "GIT_ASKPASS",
                       "SSH_ASKPASS", "GIT_PAGER", "PAGER", "PROMPT_COMMAND", "GIT_EDITOR", "EDITOR", "VISUAL",
                       "BROWSER", "LESSOPEN", "MANPAGER"})
_INJECT_ENV = {"LD_PRELOAD": "preloads a shared library into every program", "LD_AUDIT": "loads an audit library",
               "DYLD_INSERT_LIBRARIES": "injects a library (macOS)", "BASH_ENV": "runs a file in every bash script",
               "ENV": "runs a file in every sh", "PYTHONSTARTUP": "runs a file in every Python shell",
               "PERL5OPT": "adds Perl options (-M modules) to every perl", "RUBYOPT": "loads Ruby code in every ruby",
               "ZDOTDIR": "moves zsh start files", "PERL5DB": "runs Perl debugger code"}
_TRANSFORMS = frozenset({"rev", "tr", "xxd", "od", "gzip", "gunzip", "zcat", "bzcat", "xzcat", "xz", "bzip2", "zstd",
                         "base32", "basenc", "uudecode", "openssl", "iconv", "sed", "awk", "perl", "python", "python3",
                         "ruby", "node", "recode", "gpg"})
_RISKY_NAMES = SHELLS | DOWNLOADERS | NET_TOOLS | frozenset(
    {"rm", "dd", "shred", "mkfs", "chmod", "chown", "eval", "base64", "crontab", "cat", "python", "python3", "node",
     "perl", "ruby", "php", "useradd", "usermod", "kill", "pkill", "truncate", "find", "mv", "cp", "tee", "openclaw",
     "clawfence", "systemctl", "sudo", "xxd", "source", "chattr", "iptables", "history", "tar", "scp", "git", "gh"})
_AWKS = frozenset({"awk", "gawk", "mawk", "nawk"})


def _words(text: str) -> list[str]:
    return text.split()


#: commands of everyday development (strict profile: anything else asks)
SAFE_COMMANDS = frozenset(_words(
    "git gh ls ll la cat grep egrep fgrep rg ag find fd sed awk head tail wc sort uniq cut tr diff cmp comm "
    "jq yq echo printf pwd cd date whoami id hostname uname make cmake ninja cargo rustc rustup go gofmt npm "
    "npx pnpm yarn bun pip pip3 uv uvx poetry pipx pytest tox nox ruff mypy black isort flake8 pylint tsc "
    "eslint prettier vitest jest docker tree mkdir touch cp mv rm rmdir chmod ln tar zip unzip gzip gunzip "
    "true false test [ which type file stat du df env printenv export source . sleep xargs tee less more "
    "basename dirname realpath readlink sha256sum sha1sum md5sum ps top htop free kill pkill lsof ip ping dig "
    "nslookup host openssl ssh-keygen time watch man tldr history curl wget code vim vi nano emacs sqlite3 "
    "psql redis-cli kubectl helm terraform aws gcloud javac java mvn gradle dotnet swift clang gcc g++ cc ld "
    "nm objdump strings od xxd base64 column paste join split fold nl expand tac rev seq yes clear set unset "
    "alias read while for if do done then fi esac case local return exit shift wait jobs fg bg nohup timeout "
    "nice env2 openclaw clawfence deno ssh scp rsync crontab systemctl journalctl brew apt apt-get dnf yum "
    "pacman sudo"
))


def env_effects(name: str, value: str) -> list[tuple[str, str]]:
    """Effects of setting environment variable ``name`` to ``value`` for a command (exec ``env`` parameter,
    ``VAR=x cmd`` prefixes, ``export``): code injection into every program started, history switched off."""
    out: list[tuple[str, str]] = []
    if name in _INJECT_ENV and value:
        out.append(("code-inject", f"{name}={value[:60]} {_INJECT_ENV[name]}"))
    if name == "NODE_OPTIONS" and re.search(r"(^|\s)(--require|-r|--import|--loader|--experimental-loader)\b", value):
        out.append(("code-inject", f"NODE_OPTIONS loads code into every node process ({value[:60]})"))
    if name in ("HISTFILE", "HISTSIZE", "HISTFILESIZE", "SAVEHIST") and value in ("/dev/null", "0", ""):
        out.append(("hide-tracks", f"{name}={value} disables the shell history"))
    return out


def shlex_join(words: list[str]) -> str:
    """Words quoted for the shell."""
    import shlex
    return shlex.join(words)


def _ansi_c(body: str) -> str:
    try:
        return body.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except (UnicodeDecodeError, ValueError):
        return body


def _hex_text(lit: str) -> str | None:
    if len(lit) < 8 or len(lit) % 2 or not re.fullmatch(r"[0-9a-fA-F]+", lit):
        return None
    try:
        t = bytes.fromhex(lit).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    return t if " " in t and t.isprintable() else None


def _awk_program(args: list[str]) -> str | None:
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-F", "-v", "-f", "--assign", "--field-separator"):
            skip = True
            continue
        if a.startswith("-"):
            continue
        return a
    return None


_SECRET_ENV_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|AUTH)", re.I)
_SECRET_ENV_REF = re.compile(r"\$\{?[A-Za-z0-9_]*(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE)[A-Za-z0-9_]*\}?")
#: commands that read every file below a directory argument (always, or with -r/-R/-a)
_RECURSIVE_READERS = frozenset({"rg", "ag", "ack", "tar", "bsdtar", "7z", "7za", "rclone", "restic", "borg"})
_RECURSIVE_IF_FLAG = frozenset({"grep", "egrep", "fgrep", "zip", "cp", "scp", "rsync", "diff"})
_READERS = frozenset({"cat", "head", "tail", "less", "more", "base64", "xxd", "od", "strings", "cp", "tar", "grep",
                      "awk", "sed", "curl", "nc", "scp", "gpg"})
#: representative protected files (home-relative unless absolute) that a glob is tested against
_SAMPLE_SECRETS = ("~/.ssh/id_rsa", "~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_dsa", "~/.aws/credentials",
                   "~/.aws/config", "~/.config/gcloud/credentials.db", "~/.kube/config", "~/.docker/config.json",
                   "~/.netrc", "~/.git-credentials", "~/.npmrc", "~/.pypirc", "~/.gnupg/private-keys-v1.d/k.key",
                   "~/.openclaw/openclaw.json", "~/.openclaw/credentials/creds.json", "~/.openclaw/.env",
                   "~/.openclaw/agents/main/agent/auth-profiles.json", "~/.bitcoin/wallet.dat",
                   "~/.config/gh/hosts.yml", "~/.pgpass", "/etc/shadow", "/etc/sudoers", "~/.azure/accessTokens.json",
                   "~/.config/solana/id.json", "~/.ethereum/keystore/k")


def _brace(raw: str) -> list[str]:
    m = re.search(r"\{([^{}]*,[^{}]*)\}", raw)
    if not m:
        return [raw]
    out: list[str] = []
    for alt in m.group(1).split(",")[:16]:
        out.extend(_brace(raw[:m.start()] + alt + raw[m.end():]))
    return out[:64]


def _glob_rx(pat: str) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            parts.append("(?:[^/]+/)*")
            i += 3
            continue
        if c == "*":
            lead = i == 0 or pat[i - 1] == "/"
            parts.append("(?!\\.)[^/]*" if lead else "[^/]*")
        elif c == "?":
            parts.append("[^/]")
        elif c == "[":
            j = pat.find("]", i + 1)
            if j > i:
                parts.append("[" + pat[i + 1:j].replace("!", "^", 1) + "]")
                i = j
            else:
                parts.append("\\[")
        else:
            parts.append(re.escape(c))
        i += 1
    return re.compile("".join(parts) + "$")


def glob_protected(raw: str, ctx: PathContext, env: dict[str, str] | None = None) -> str | None:
    """The protected file a shell pattern (``*``, ``?``, ``[..]``, ``{a,b}``, ``**/``) could name, or None: the
    pattern is matched (with the shell's rules: ``*`` stays within one name and skips dot files) against
    representative credential files of this context."""
    for alt in _brace(raw):
        p = see_path(alt, ctx, env)
        if p is None:
            continue
        rx = _glob_rx(p)
        for sample in _SAMPLE_SECRETS:
            sp = ctx.home + sample[1:] if sample.startswith("~") else sample
            if sample.startswith("~/.openclaw/"):
                sp = ctx.state_dir + sample[len("~/.openclaw"):]
            if rx.match(sp):
                return sample
    return None


def _sub_decoded(sub: Parsed) -> str | None:
    """The text a command substitution prints when it only decodes a literal: ``echo B64 | base64 -d``,
    ``base64 -d <<< B64``, ``echo HEX | xxd -r -p``, ``printf '\\x72\\x6d'``, ``echo TXT | rev``."""
    if not sub.pipelines:
        return None
    pl = sub.pipelines[-1]
    text: str | None = None
    for c in pl:
        argv = unwrap(c.argv)[0]
        if not argv:
            return None
        n = base(argv[0])
        src = c.heredoc if c.heredoc is not None else text
        if n in ("echo", "printf") and len(argv) > 1:
            lit = argv[-1]
            text = _ansi_c(lit) if n == "printf" or "-e" in argv else lit
            if n == "printf" and len(argv) > 2 and argv[1] == "%s":
                text = argv[2]
        elif n == "base64" and any(a in ("-d", "--decode", "-D") for a in argv[1:]) and src is not None:
            text = b64_decode(src.strip(), min_len=4) or _b64_any(src.strip())
        elif n == "xxd" and "-r" in argv and src is not None:
            try:
                text = bytes.fromhex(re.sub(r"\s", "", src)).decode("utf-8", "replace")
            except ValueError:
                return None
        elif n == "rev" and src is not None:
            text = src[::-1]
        elif n == "cat" and c.heredoc is not None:
            text = c.heredoc
        else:
            return None
    return text


def _b64_any(s: str) -> str | None:
    import base64 as _b
    import binascii as _ba
    try:
        return _b.b64decode(s + "=" * (-len(s) % 4), validate=True).decode("utf-8")
    except (_ba.Error, ValueError, UnicodeDecodeError):
        return None


def _lang_of(path: str, content: str, how: str) -> str:
    """Language of a script file by the program running it, its extension or its #! line."""
    fam = interpreter_family(base(how)) if how else None
    if fam:
        return fam
    ext = posixpath.splitext(path)[1].lower()
    by_ext = {".py": "python", ".js": "node", ".mjs": "node", ".cjs": "node", ".ts": "node", ".pl": "perl",
              ".rb": "ruby", ".php": "php", ".lua": "lua"}
    if ext in by_ext:
        return by_ext[ext]
    first = content.split("\n", 1)[0]
    if first.startswith("#!"):
        m = re.search(r"(python|node|perl|ruby|php|lua)", first)
        if m:
            return m.group(1)
    return "shell"


def see_path(raw: str, ctx: PathContext, env: dict[str, str] | None = None) -> str | None:
    """:func:`clawfence.detect.paths.normalise` after substituting known shell variables (``env``) and folding
    ``/proc/<pid>/root`` and ``/proc/<pid>/cwd`` (the same file seen through procfs)."""
    if env and "$" in raw:
        raw = _VAR_REF.sub(lambda m: env.get(m.group(1), m.group(0)), raw)
    if raw.startswith("/proc/"):
        if _PROC_ENV.match(raw):
            return "/proc/self/environ"
        m = _PROC_ROOT.match(raw)
        if m:
            rest = raw[m.end():] or "/"
            raw = ctx.cwd + rest if m.group(0).endswith("cwd") else rest
    p = P.normalise(raw, ctx)
    if p and p.startswith("/proc/") and _PROC_ROOT.match(p):
        return see_path(p, ctx)
    return p


def see_category(path: str) -> str | None:
    """Secrets outside the protected-path catalogue: process environments, gh/pg/rclone credentials, browser
    cookie and password stores, password managers (``None`` when not one)."""
    if _PROC_ENV.match(path) or path == "/proc/self/environ":
        return "process-environment"
    if _EXTRA_SECRETS.search(path):
        return "credentials-file"
    if _DOTENV.search(path):
        return "dotenv"
    return None

class ShellAnalyzer(CommandRules):
    """Walks a parsed script with a path context; :meth:`analyze` returns the signals found.

    State across commands of one script: ``cd`` changes the cwd, downloaded file names are remembered
    so that running them later is a download-exec.
    """

    def __init__(self, ctx: PathContext, settings: Settings, max_depth: int = 6,
                 env: dict[str, str] | None = None, written: dict[str, str] | None = None,
                 downloaded: set[str] | None = None) -> None:
        self.ctx = ctx
        self.settings = settings
        self.max_depth = max_depth
        #: files downloaded earlier (this script or, via the session, an earlier call): running them is download-exec
        self.downloaded: set[str] = downloaded if downloaded is not None else set()
        #: files written with known content (this script or an earlier call of the session): running them is
        #: analysed as running that content
        self.written: dict[str, str] = written if written is not None else {}
        #: shell variables assigned in the script or given by the exec ``env`` parameter (values as written)
        self.vars: dict[str, str] = dict(env or {})
        self.aliases: dict[str, str] = {}
        self.signals: list[Signal] = []
        self.script = ""
        self._seen_files: set[str] = set()

    def child(self) -> ShellAnalyzer:
        """A fresh analyzer sharing context, settings, session files and variables (for nested code)."""
        c = ShellAnalyzer(replace(self.ctx), self.settings, self.max_depth, self.vars, self.written, self.downloaded)
        c._seen_files = self._seen_files
        return c

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
        transformed: str | None = None
        for pos, cmd in enumerate(pipeline):
            for sub in cmd.subs:
                self._parsed(sub, depth + 1)
            self._assignments(cmd.argv, depth)
            argv, wrappers, via_xargs = unwrap(self._resolve_words(cmd.argv))
            if "sudo" in wrappers or "doas" in wrappers:
                self.add("privilege", "runs with sudo/doas")
            if not argv:
                inner = [c for s in cmd.subs for pl in s.pipelines for c in pl if c.argv]
                if any(base(c.argv[0]) in DOWNLOADERS for c in inner):
                    download_seen = True  # ( curl ... || wget ... ) | sh
                if pos > 0 and download_seen and any(base(c.argv[0]) in SHELLS or interpreter_family(base(c.argv[0]))
                                                     for c in inner):
                    self.add("download-exec", "downloaded content piped into a command group that runs a shell")
                for s in selfprotect.command_signals([], cmd.redirects, self.ctx):
                    self.add(s.kind, s.detail)
                continue
            if argv[0] in self.aliases and depth < self.max_depth:
                self.add("obfuscated", f"alias {argv[0]} hides the command it runs")
                self.analyze(self.aliases[argv[0]] + " " + shlex_join(argv[1:]), depth + 1)
                continue
            name = base(argv[0])
            fam = interpreter_family(name)
            runs_stdin = (name in SHELLS or fam is not None) and inline_code(argv) is None and (
                len(argv) == 1 or argv[1] in ("-", "-s", "-i") or all(a.startswith("-") for a in argv[1:]))
            if pos > 0 and runs_stdin:
                prev = unwrap(pipeline[pos - 1].argv)[0]
                prev_name = base(prev[0]) if prev else ""
                if download_seen:
                    self.add("download-exec", f"downloaded content piped into {name}")
                if b64_payload is not None:
                    self.add("obfuscated", f"base64-decoded payload piped into {name}")
                    self._decoded(b64_payload, depth)
                elif transformed is not None:
                    self.add("obfuscated", f"{transformed} output (decoded or rewritten text) piped into {name}")
                elif literal is not None and name in SHELLS:
                    self.analyze(literal, depth + 1)  # echo "cmd" | sh runs the literal
                elif literal is not None and fam is not None:
                    self._nested(literal, False, depth, fam)
                elif not download_seen:
                    self._stdin_unknown(prev_name, prev, name, depth)
            if pos > 0 and name.lower() in ("iex", "invoke-expression") and download_seen:
                self.add("download-exec", f"downloaded content piped into {name}")
            if pos > 0 and name in _TRANSFORMS and not (name in ("sed", "awk") and pos + 1 >= len(pipeline)):
                transformed = name
            if name == "rev" and literal is not None and pos + 1 < len(pipeline):
                self.analyze(literal[::-1], depth + 1)
            if name in ("echo", "printf") and len(argv) > 1:
                literal = argv[-1]
            elif (name == "base64" and any(a in ("-d", "--decode", "-D") for a in argv[1:])) or (
                    name == "openssl" and any(a in ("base64", "-base64", "-a") for a in argv[1:]) and "-d" in argv):
                src = cmd.heredoc if cmd.heredoc is not None else literal
                if src is not None:
                    b64_payload = b64_decode(src.strip(), min_len=4) or _b64_any(src.strip()) or b64_payload
            if name in DOWNLOADERS:
                download_seen = True
            if cmd.heredoc is not None and (name in SHELLS or fam is not None) and runs_stdin:
                self._nested(cmd.heredoc, name in SHELLS, depth, fam or "")
            if cmd.heredoc is not None and name == "cat" and pos + 1 < len(pipeline):
                nxt = unwrap(pipeline[pos + 1].argv)[0]
                if nxt and base(nxt[0]) in SHELLS:
                    self._nested(cmd.heredoc, True, depth)
            self._command(argv, cmd, via_xargs, depth, pipeline[:pos])
            self._remember_writes(name, argv, cmd, literal if pos > 0 else None)

    # ------------------------------------------------------------------ see through (issue 10 item 3)
    def _assignments(self, words: list[str], depth: int) -> None:
        """Record ``NAME=value`` words (plain assignments and prefixes) and judge dangerous ones."""
        plain = all(_ASSIGN_WORD.match(w) for w in words)
        for w in words:
            m = _ASSIGN_WORD.match(w)
            if not m:
                break
            name, value = m.group(1), w[m.end():]
            for kind, detail in env_effects(name, value):
                self.add(kind, detail)
            if name in _RUNS_ENV and value and depth < self.max_depth:
                for sg in self.child().analyze(value, depth + 1):
                    if sg.kind != "parse-error":
                        self.add(sg.kind, f"{name}: {sg.detail}")
            if plain:
                self.vars[name] = self._subst(value)

    def _subst(self, word: str) -> str:
        if "$" not in word:
            return word
        return _VAR_REF.sub(lambda m: self.vars.get(m.group(1), m.group(0)), word)

    def _resolve_words(self, argv: list[str]) -> list[str]:
        """Words with known variables substituted, ``$IFS`` as a separator, ANSI-C quotes decoded and a brace
        list in command position expanded (``{rm,-rf,~}``); a command name spliced from unset variables
        (``c${u}url``) is resolved as the shell would (unset is empty) and flagged as obfuscation."""
        out: list[str] = []
        for i, w in enumerate(argv):
            if w.startswith("$'") and w.endswith("'") and len(w) > 3:
                w = _ansi_c(w[2:-1])
            code_arg = i > 0 and (argv[i - 1] in ("-c", "-e", "-lc", "-ic", "-r", "-p", "--eval") or
                                  base(argv[0]) == "eval")
            if "IFS" in w and not code_arg:
                w = re.sub(r"\$\{IFS\}|\$IFS\b", " ", w)
            w = self._subst(w) if self.vars else w
            if i == len(out) == 0 and w.startswith("{") and w.endswith("}") and "," in w and " " not in w:
                out.extend(w[1:-1].split(","))
                continue
            if " " in w and ("IFS" in argv[i]):
                out.extend(w.split())
                continue
            out.append(w)
        if out and "\\" in out[0] and re.search(r"\\(x[0-9a-fA-F]{2}|[0-7]{3})", out[0]):
            dec = _ansi_c(out[0])
            if dec != out[0]:
                self.add("obfuscated", f"command name written as escapes ({argv[0][:40]} -> {dec[:20]})")
                out[0] = dec
        if out and "$" in out[0] and not out[0].startswith("$("):
            bare = _VAR_REF.sub("", out[0])
            if bare and re.fullmatch(r"[\w./-]+", bare) and base(bare) in _RISKY_NAMES:
                self.add("obfuscated", f"command name {base(bare)} spliced from variables ({argv[0][:40]})")
                out[0] = bare
        return out

    def _stdin_unknown(self, prev_name: str, prev: list[str], name: str, depth: int) -> None:
        """Data of unknown content piped into a shell or interpreter: see through files written in this session,
        else it is unresolved (ask; deny under strict)."""
        if prev_name == "cat" and len(prev) == 2:
            p = self._path(prev[1])
            if p and p in self.written:
                self._run_content(p, name, depth)
                return
            if p and p in self.downloaded:
                self.add("download-exec", f"downloaded file {prev[1]} piped into {name}")
                return
        self.add("unresolved", f"output of {prev_name or 'a command'} piped into {name}: content unknown")

    def _run_content(self, p: str, how: str, depth: int) -> None:
        """Analyse running file ``p`` whose content was written earlier in the session."""
        if p in self._seen_files or depth >= self.max_depth:
            return
        self._seen_files.add(p)
        content = self.written[p]
        lang = _lang_of(p, content, how)
        sub = self.child()
        found: list[Signal] = []
        if lang == "shell":
            found = [g for g in sub.analyze(content, depth + 1) if g.kind != "parse-error"]
        else:
            sub._nested(content, False, depth + 1, lang)
            found = sub.signals
        for g in found:
            self.add(g.kind, f"runs {posixpath.basename(p)} written earlier: {g.detail}")

    def _runs_written(self, raw: str, how: str, depth: int) -> None:
        p = self._path(raw)
        if p and p in self.written:
            self._run_content(p, how, depth)

    def _remember_writes(self, name: str, argv: list[str], cmd: Cmd, upstream_literal: str | None) -> None:
        content: str | None = None
        if name in ("echo", "printf") and len(argv) > 1:
            content = " ".join(a for a in argv[1:] if not (a.startswith("-") and len(a) <= 3))
            if name == "printf" or "-e" in argv:
                content = content.replace("\\n", "\n")
        elif name == "cat" and cmd.heredoc is not None:
            content = cmd.heredoc
        elif name == "tee" and upstream_literal is not None:
            content = upstream_literal
            for a in argv[1:]:
                if not a.startswith("-"):
                    p = self._path(a)
                    if p:
                        self.written[p] = content
        if content is None:
            return
        for op, target in cmd.redirects:
            if op in (">", ">>", ">|", "&>"):
                p = self._path(target)
                if p:
                    self.written[p] = (self.written.get(p, "") + "\n" + content) if op == ">>" else content

    def _runs_build(self, name: str, args: list[str], depth: int) -> None:
        """``make`` runs the recipes of a Makefile and ``npm test``/``npm run x`` the scripts of package.json:
        when that file was written earlier in the session, analyse what it runs."""
        if name == "make":
            mk = next((args[j + 1] for j, a in enumerate(args[:-1]) if a in ("-f", "--file")), None)
            cands = [mk] if mk else ["GNUmakefile", "makefile", "Makefile"]
            for c in cands:
                p = self._path(c)
                if p and p in self.written:
                    recipes = "\n".join(ln[1:] for ln in self.written[p].splitlines() if ln.startswith("\t"))
                    self.written[p + "#recipes"] = recipes
                    self._run_content(p + "#recipes", "sh", depth)
            return
        p = self._path("package.json")
        if not p or p not in self.written:
            return
        import json as _json
        try:
            scripts = _json.loads(self.written[p]).get("scripts", {})
        except (ValueError, AttributeError):
            self.add("unresolved", f"{name} runs scripts of a package.json written in this session that does not parse")
            return
        ops = [a for a in args if not a.startswith("-")]
        key = ops[1] if ops[:1] in (["run"], ["run-script"]) and len(ops) > 1 else (ops[0] if ops else "")
        body = scripts.get(key) if isinstance(scripts, dict) else None
        if isinstance(body, str):
            self.written[p + "#" + key] = body
            self._run_content(p + "#" + key, "sh", depth)

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
        writes = bool(_CODE_WRITE_RE.search(code))
        deletes = bool(E._CODE_DELETE_ANY.search(code))
        for raw in E.code_paths(code):
            if any(c in raw for c in "*?["):
                hit = glob_protected(raw, self.ctx, self.vars)
                if hit:
                    self.add("protected-read", f"{lang} code globs {raw} (matches {hit})")
                continue
            if deletes:
                dp = self._path(raw)
                if dp and P.root_like(dp, self.ctx):
                    self.add("destructive", f"{lang} code deletes {P.root_like(dp, self.ctx)}")
                elif dp and not P.in_workspace(dp, self.ctx) and not dp.startswith("/tmp/"):
                    self.add("mass-delete", f"{lang} code deletes {raw} outside the workspace")
            if raw.startswith("/") and raw.count("/") < 2 and raw not in ("/",):
                continue
            p = self._path(raw)
            if not p:
                continue
            cat = P.protected_category(p, self.ctx) or see_category(p)
            if cat == "openclaw-config" and writes:
                self.add("auth-change", f"{lang} code rewrites the OpenClaw config ({raw})")
            elif cat and not (cat == "ssh" and _PUBLIC_SSH.search(p)):
                self.add("protected-read", f"{lang} code opens {cat} ({raw})")
            if writes:
                for kind, detail in E.written_file_effects(p):
                    self.add(kind, detail)
        for lit in code_literals(E.home_code(code)) if lang else []:
            if (lit.startswith("~") and " " in lit) or (" ~" in lit and " " in lit):
                for s2 in self.child().analyze(lit, depth + 1):
                    if s2.kind not in ("parse-error", "unlisted-command"):
                        self.add(s2.kind, s2.detail)
            hx = _hex_text(lit)
            if hx is not None:
                found = [g for g in self.child().analyze(hx, depth + 1) if g.kind not in ("parse-error",
                                                                                        "unlisted-command")]
                if found:
                    self.add("obfuscated", "inline code hides a hex-encoded command")
                    for g in found:
                        self.add(g.kind, g.detail)
            dec0 = b64_decode(lit, min_len=8) or (_b64_any(lit) if len(lit) >= 16 and re.fullmatch(
                r"[A-Za-z0-9+/]+=*", lit) else None)
            if dec0 is not None and lang and lang != "shell" and depth < self.max_depth:
                sub_c = self.child()
                sub_c._nested(dec0, False, depth + 1, lang)
                if sub_c.signals:
                    self.add("obfuscated", "inline code decodes and runs hidden code")
                    for g in sub_c.signals:
                        self.add(g.kind, g.detail)
        for lit in code_literals(code):
            dec = b64_decode(lit, min_len=8)
            if dec is not None:
                sub0 = ShellAnalyzer(replace(self.ctx), self.settings, self.max_depth)
                found = [s for s in sub0.analyze(dec, depth + 1) if s.kind not in ("parse-error", "unlisted-command")]
                if found:
                    self.add("obfuscated", "inline code hides a base64-encoded command")
                    for s in found:
                        self.add(s.kind, s.detail)
            if " " in lit or lit.startswith("/"):
                sub = self.child()
                for s in sub.analyze(lit, depth + 1):
                    if s.kind != "parse-error":
                        self.add(s.kind, s.detail)

    def _path(self, raw: str) -> str | None:
        return see_path(raw, self.ctx, self.vars)

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
        if name in _AWKS:
            prog = _awk_program(args)
            if prog:
                self._nested(prog, False, depth, "awk")
        if cmd.subs and (name in SHELLS or name == "eval" or argv[0].startswith(("$(", "`")) or "$(" in argv[0]):
            for sub in cmd.subs:
                dec = _sub_decoded(sub)
                if dec is not None:
                    self.add("obfuscated", f"{name} runs text decoded at run time")
                    if argv[0].startswith(("$(", "`")) or "$(" in argv[0]:
                        self.analyze(dec + " " + shlex_join(argv[1:]), depth + 1)
                    else:
                        self.analyze(dec, depth + 1)
        if name == "alias":
            for a in args:
                k, eq, v = a.partition("=")
                if eq:
                    self.aliases[k] = v
        if name in ("printenv",) and any(_SECRET_ENV_NAME.search(a) for a in args):
            self.add("protected-read", f"printenv reveals a secret environment variable ({args[-1][:40]})")
        if name in ("echo", "printf") and any(_SECRET_ENV_REF.search(a) for a in args) and not cmd.redirects:
            self.add("protected-read", "echo reveals a secret environment variable")
        if name == "grep" and upstream and base(unwrap(upstream[-1].argv)[0][0] if unwrap(upstream[-1].argv)[0]
                                                 else "") in ("env", "printenv", "set", "export") and any(
                _SECRET_ENV_NAME.search(a) or a.lower() in ("key", "token", "secret", "pass", "api") for a in args):
            self.add("protected-read", "filters the environment for secrets")
        if name == "find" and any(a in ("-exec", "-execdir", "-ok") and j + 1 < len(args) and base(args[j + 1]) in
                                  _READERS for j, a in enumerate(args)):
            roots = [a for a in args[:3] if not a.startswith(("-", "(", "!"))]
            names = [args[j + 1] for j, a in enumerate(args[:-1]) if a in ("-name", "-iname", "-path")]
            for r in roots or ["."]:
                for n in names:
                    hit = glob_protected(r.rstrip("/") + "/**/" + n, self.ctx, self.vars)
                    if hit:
                        self.add("protected-read", f"find {r} -name {n} -exec reads {hit}")
        if name in ("export", "declare", "typeset", "local", "readonly"):
            self._assignments([a for a in args if not a.startswith("-")], depth)
        if name == "make" or (name in ("npm", "pnpm", "yarn", "bun") and args):
            self._runs_build(name, args, depth)
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
        elif "/" in argv[0] or argv[0].startswith("~"):
            p = self._path(argv[0])
            if p and p in self.downloaded:
                self.add("download-exec", f"runs downloaded file {argv[0]}")
            elif p and p in self.written:
                self._run_content(p, argv[0], depth)
        for w in args:
            dec = b64_decode(w)
            if dec is not None:
                an = ShellAnalyzer(self.ctx, self.settings, self.max_depth)
                found = [s for s in an.analyze(dec, depth + 1) if s.kind not in ("parse-error", "unlisted-command")]
                if found:
                    self.add("obfuscated", "argument hides a base64-encoded command")
                    for s in found:
                        self.add(s.kind, s.detail)
        if self.settings.allowlist_mode and name not in SAFE_COMMANDS and not interpreter_family(name):
            self.add("unlisted-command", f"{name} is not in the everyday-safe command set (strict profile)")
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
        if cmd.procsub_words and any(base(c.argv[0]) in DOWNLOADERS for sub in cmd.subs for pl in sub.pipelines
                                     for c in pl if c.argv) and len(argv) > 1:
            self.add("download-exec", f"{name} runs a process substitution that downloads")
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
            elif p and p in self.written:
                self._run_content(p, name, 0)
            break

    def _download(self, name: str, args: list[str], cmd: Cmd) -> None:
        urls = [a for a in args if URL_RE.match(a)]
        out: str | None = None
        for j, a in enumerate(args):
            if (a in ("-o", "-O", "--output", "--output-document") or re.fullmatch(r"-[a-zA-Z]*[oO]", a)) and \
                    j + 1 < len(args) and not URL_RE.match(args[j + 1]):
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
            tgt = self._subst(target) if self.vars else target
            if re.match(r"^/dev/(tcp|udp)/", tgt):
                self.add("reverse-shell", f"redirect to a network socket {tgt[:60]}")
            if write and re.match(r"^/var/log/", tgt):
                self.add("hide-tracks", f"overwrites system log {tgt}")
            if write and _BLOCKDEV_RE.match(target):
                self.add("destructive", f"redirect overwrites block device {target}")
            if write:
                self._written(target)
            self._protected(target, write=write, how=f"redirect {op}")

    def _path_args(self, name: str, args: list[str]) -> None:
        if name in READ_ONLY_LISTERS:
            return
        if name == "chmod" and any(re.fullmatch(r"0?[0-7]00|[ugoa]*-[rwxX]+", a) for a in args):
            return  # tightening permissions (chmod 600 ~/.ssh/config) changes no content and opens nothing
        write = name in WRITERS
        if name in ("tar", "bsdtar") and not any(a == "--create" or re.fullmatch(r"-?[A-Za-z]*c[A-Za-z]*", a)
                                                  for a in args[:2]):
            recursive = False  # listing or extracting an archive reads no directory
        else:
            recursive = name in _RECURSIVE_READERS or (name in _RECURSIVE_IF_FLAG and any(
            a in ("-r", "-R", "-a", "--recursive", "--archive") or (re.fullmatch(r"-[A-Za-z]+", a) is not None and
                                                                     ("r" in a or "R" in a)) for a in args))
        for j, a in enumerate(args):
            if a.startswith("-") and "=" not in a:
                continue
            cand = a.split("=", 1)[1] if _OPT_ASSIGN_RE.match(a) else a
            if cand.startswith("@"):
                cand = cand[1:]
            if not cand or not (cand.startswith(("/", "~", ".", "$")) or "/" in cand or (
                    self.ctx.cwd != self.ctx.workspace and not P.in_workspace(self.ctx.cwd, self.ctx))):
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
            if recursive and not is_write and not any(c in cand for c in "*?[{"):
                p = self._path(cand)
                held = P.holds_protected(p, self.ctx) if p and P.protected_category(p, self.ctx) is None else None
                if held:
                    self.add("protected-read", f"{name} reads {cand} recursively, which holds {held}")

    def _written(self, raw: str) -> None:
        """Effects of writing to ``raw`` (persistence, accounts, system files)."""
        p = self._path(raw)
        if p:
            for kind, detail in E.written_file_effects(p):
                self.add(kind, detail)

    def _protected(self, raw: str, write: bool, how: str) -> None:
        if any(c in raw for c in "*?[{"):
            hit = glob_protected(raw, self.ctx, self.vars)
            if hit:
                self.add("protected-write" if write else "protected-read", f"{how}: pattern {raw} matches {hit}")
                return
        p = self._path(raw)
        if not p:
            return
        cat = P.protected_category(p, self.ctx) or see_category(p)
        if cat is None:
            return
        if not write and cat == "ssh" and _PUBLIC_SSH.search(p):
            return
        if cat == "dotenv" and (write or how.split()[0] not in _DOTENV_REVEAL):
            return  # creating, editing or sourcing a project .env is everyday work; printing or sending it is not
        if write and cat in P.AUTH_CATEGORIES:
            self.add("auth-change", f"{how} modifies {cat} ({raw})")
        elif write and cat == "ssh" and p.endswith(("authorized_keys", "authorized_keys2")):
            self.add("auth-change", f"{how} modifies SSH authorized_keys")
        else:
            self.add("protected-write" if write else "protected-read", f"{how} touches {cat} ({raw})")

    # ------------------------------------------------------------------ specific commands
