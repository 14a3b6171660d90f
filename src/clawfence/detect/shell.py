"""Shell command understanding for the exec tool: a real parser (bashlex) and per-argument classification.

:func:`parse` turns a command line into pipelines of simple commands (argv, redirections, here-docs,
command/process substitutions). :class:`ShellAnalyzer` unwraps ``sudo``/``env``/``nohup``/``timeout``/
``xargs``/``sh -c``/``bash -c``/``eval``/interpreters with ``-c``/``-e``/here-docs/base64 payloads and
yields :class:`~clawfence.detect.calls.Signal` records (see :mod:`clawfence.detect.classify` for the
per-command rules). Sources: guide P3.5, D3.2 (``rm -rf /``, one-click install), E6.4, P3.6.
"""

from __future__ import annotations

import base64
import binascii
import re
import shlex
from functools import lru_cache
from typing import Any

import bashlex

from clawfence.detect.calls import Signal
from clawfence.detect.shelltypes import Cmd as Cmd
from clawfence.detect.shelltypes import Parsed as Parsed

_QUOTED_HEREDOC_RE = re.compile(r"<<(-?)\s*(['\"])([A-Za-z_][A-Za-z0-9_]*)\2")
_SPECIAL_RE = re.compile(r"[|&;<>()$`\\\n\r{}#!]")
_SPLIT_RE = re.compile(r"\|\||&&|[;|&\n]")


def _fallback(script: str, error: str) -> Parsed:
    pipelines: list[list[Cmd]] = []
    for part in _SPLIT_RE.split(script):
        try:
            words = shlex.split(part, comments=False, posix=True)
        except ValueError:
            words = part.split()
        if words:
            pipelines.append([Cmd(words)])
    return Parsed(pipelines, error)


@lru_cache(maxsize=4096)
def parse(script: str) -> Parsed:
    """Parse ``script``. Never raises: on a parser error falls back to splitting on ``; | & &&``.

    Results are cached (LRU, 4,096 scripts, keyed by the exact string) and shared: callers must not
    mutate the returned :class:`Parsed`."""
    # fast path: a single simple command with no operators, expansions or redirections has the same argv
    # under POSIX shlex as under bash (bashlex is ~10x slower and dominates decision latency)
    # (and with no quotes either, POSIX shlex splitting is plain whitespace splitting; quoted words go to
    # tree-sitter, which is faster than pure-Python shlex)
    if not _SPECIAL_RE.search(script) and "'" not in script and '"' not in script:
        words = script.split()
        if words:
            return Parsed([[Cmd(words)]])
    from clawfence.detect.tsparse import ts_parse
    fast = ts_parse(script)
    if fast is not None:
        return fast
    return bashlex_parse(script)


def bashlex_parse(script: str) -> Parsed:
    """Parse ``script`` with bashlex (the fallback when tree-sitter reports a syntax error). Never raises."""
    # bashlex does not accept quoted here-doc delimiters (<<'EOF'); quoting only disables expansion
    script = _QUOTED_HEREDOC_RE.sub(r"<<\1\3", script)
    try:
        trees = bashlex.parse(script)
    except Exception as exc:  # bashlex raises several error types, incl. NotImplementedError
        return _fallback(script, f"{type(exc).__name__}: {str(exc)[:80]}")
    pipelines: list[list[Cmd]] = []
    try:
        for t in trees:
            _walk(t, pipelines)
    except Exception as exc:  # defensive: unknown node shapes
        return _fallback(script, f"{type(exc).__name__}: {str(exc)[:80]}")
    return Parsed(pipelines)


def _walk(node: Any, out: list[list[Cmd]]) -> None:
    kind = node.kind
    if kind == "pipeline":
        out.append([_cmd(p) for p in node.parts if p.kind == "command"])
        for p in node.parts:
            if p.kind == "compound":
                _walk(p, out)
    elif kind == "command":
        out.append([_cmd(node)])
    elif kind in ("list", "compound", "if", "for", "while", "until", "function"):
        for p in getattr(node, "parts", []) or getattr(node, "list", []):
            _walk(p, out)
        body = getattr(node, "body", None)
        if body is not None:
            _walk(body, out)


def _cmd(node: Any) -> Cmd:
    c = Cmd([])
    for p in node.parts:
        if p.kind == "word":
            idx = len(c.argv)
            c.argv.append(p.word)
            for sub in getattr(p, "parts", []) or []:
                if sub.kind in ("commandsubstitution", "processsubstitution"):
                    inner: list[list[Cmd]] = []
                    _walk(sub.command, inner)
                    c.subs.append(Parsed(inner))
                    if sub.kind == "processsubstitution":
                        c.procsub_words.add(idx)
        elif p.kind == "redirect":
            op = p.type
            heredoc = getattr(p, "heredoc", None)
            target = getattr(p, "output", None)
            if heredoc is not None:
                body = heredoc.value
                c.heredoc = body.rsplit("\n", 1)[0] if "\n" in body else body
            elif op == "<<<" and target is not None and hasattr(target, "word"):
                c.heredoc = target.word
            elif target is not None and hasattr(target, "word"):
                c.redirects.append((op, target.word))
                for sub in getattr(target, "parts", []) or []:
                    if sub.kind in ("commandsubstitution", "processsubstitution"):
                        inner2: list[list[Cmd]] = []
                        _walk(sub.command, inner2)
                        c.subs.append(Parsed(inner2))
    return c


# ----------------------------------------------------------------------------------- unwrapping

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish", "ash", "busybox-sh"})
INTERPRETERS = frozenset(
    {"python", "python2", "python3", "node", "nodejs", "deno", "bun", "perl", "ruby", "php", "lua", "osascript"}
)
INLINE_FLAGS = {"python": ("-c",), "node": ("-e", "--eval", "-p"), "perl": ("-e", "-E"), "ruby": ("-e",),
                "php": ("-r",), "lua": ("-e",), "deno": ("eval",), "bun": ("-e", "--eval")}

#: wrapper -> number of option words that take a value (crude but explicit)
_WRAPPERS: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "-C", "-S", "--unset", "--chdir"}),
    "nohup": frozenset(),
    "nice": frozenset({"-n"}),
    "ionice": frozenset({"-c", "-n", "-p"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "time": frozenset(),
    "command": frozenset(),
    "builtin": frozenset(),
    "exec": frozenset({"-a"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "setsid": frozenset(),
    "chronic": frozenset(),
    "unbuffer": frozenset(),
    "caffeinate": frozenset(),
    "flock": frozenset({"-w", "-E"}),
    "watch": frozenset({"-n", "-d"}),
    "strace": frozenset({"-o", "-e", "-p", "-s"}),
    "busybox": frozenset(),
}
_XARGS_VALUE_OPTS = frozenset({"-I", "-i", "-n", "-P", "-L", "-d", "-E", "-s", "-a", "--max-args", "--delimiter"})


def base(word: str) -> str:
    """Command name without directory (``/usr/bin/rm`` -> ``rm``; ``python3.11`` -> ``python3.11``)."""
    return word.rsplit("/", 1)[-1]


_INTERP_RE = re.compile(r"^(python|node|nodejs|perl|ruby|php|lua|deno|bun|osascript)[0-9.]*$")
_ASSIGN_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_DIGIT_RE = re.compile(r"^\d")
_INT_RE = re.compile(r"^-?\d+$")
_CTRL_RE = re.compile(r"[\x00-\x08\x0e-\x1f]")


@lru_cache(maxsize=512)
def interpreter_family(name: str) -> str | None:
    """``python3.11`` -> ``python``; ``node`` -> ``node``; None if not an interpreter."""
    m = _INTERP_RE.match(name)
    if not m:
        return None
    fam = m.group(1)
    return "node" if fam == "nodejs" else fam


def unwrap(argv: list[str]) -> tuple[list[str], list[str], bool]:
    """Strip wrappers and leading ``VAR=value`` assignments.

    Returns ``(argv, wrappers, via_xargs)``: the effective command, the wrapper names removed in order
    (e.g. ``['sudo', 'env']``), and whether it runs under ``xargs`` (extra arguments unknown).
    """
    wrappers: list[str] = []
    via_xargs = False
    i = 0
    for _ in range(16):
        while i < len(argv) and _ASSIGN_RE.match(argv[i]):
            i += 1
        if i >= len(argv):
            break
        name = base(argv[i])
        if name in _WRAPPERS:
            wrappers.append(name)
            i += 1
            opts = _WRAPPERS[name]
            while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
                if argv[i] == "--":
                    i += 1
                    break
                i += 2 if argv[i] in opts else 1
            if name == "timeout" and i < len(argv) and _DIGIT_RE.match(argv[i]):
                i += 1
            if name == "nice" and i < len(argv) and _INT_RE.match(argv[i]):
                i += 1
            continue
        if name == "xargs":
            wrappers.append(name)
            via_xargs = True
            i += 1
            while i < len(argv) and argv[i].startswith("-"):
                i += 2 if argv[i] in _XARGS_VALUE_OPTS else 1
            continue
        break
    return argv[i:], wrappers, via_xargs


_B64_RE = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")


def b64_decode(word: str, min_len: int = 16) -> str | None:
    """Decoded text of a base64 ``word`` (at least ``min_len`` chars) if it decodes to printable text
    containing a space (a hidden command), else None."""
    w = word.strip()
    if len(w) < min_len or not _B64_RE.match(w) or len(w) % 4 != 0:
        return None
    try:
        raw = base64.b64decode(w, validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text or _CTRL_RE.search(text) or " " not in text.strip():
        return None
    return text


def inline_code(argv: list[str]) -> tuple[str, str] | None:
    """``(kind, code)`` if ``argv`` runs inline code: kind ``shell`` (``sh -c``) or ``interp``."""
    if not argv:
        return None
    name = base(argv[0])
    if name in SHELLS:
        for j, a in enumerate(argv[1:], 1):
            if a == "-c" or (a.startswith("-") and not a.startswith("--") and "c" in a[1:]):
                return ("shell", argv[j + 1]) if j + 1 < len(argv) else None
        return None
    fam = interpreter_family(name)
    if fam:
        flags = INLINE_FLAGS.get(fam, ())
        for j, a in enumerate(argv[1:], 1):
            if a in flags and j + 1 < len(argv):
                return ("interp", argv[j + 1])
    return None


_STR_LIT_RE = re.compile(r"'''(.*?)'''|\"\"\"(.*?)\"\"\"|'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"|`([^`]*)`", re.S)
_CODE_DANGER = (
    (re.compile(r"rmtree\(\s*['\"](/|~|/home|/etc|/usr)['\"]"), "destructive", "shutil.rmtree on a root path"),
    (re.compile(r"(?:rmSync|rmdirSync)\(\s*['\"](/|~)['\"]"), "destructive", "fs.rmSync on a root path"),
    (re.compile(r"(?:urlopen|requests\.get|fetch|http\.get|urllib)\b[^;]*\b(?:exec|eval|system)\b|"
                r"\b(?:exec|eval)\s*\([^;]*(?:urlopen|requests\.get|urllib|fetch\()"), "download-exec",
     "inline code downloads and executes"),
)


def code_literals(code: str) -> list[str]:
    """String literals inside interpreter code (candidates for shell commands it would run)."""
    out: list[str] = []
    for m in _STR_LIT_RE.finditer(code):
        s = next((g for g in m.groups() if g is not None), "")
        if s:
            out.append(s)
    return out


def code_signals(code: str) -> list[Signal]:
    """Signals from interpreter source text itself (rmtree of ``/``, fetch-then-exec)."""
    return [Signal(k, d) for rx, k, d in _CODE_DANGER if rx.search(code)]
