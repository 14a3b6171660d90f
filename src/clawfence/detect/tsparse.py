"""Fast shell parsing with tree-sitter-bash (C parser, ~100x faster than bashlex) into the
:class:`~clawfence.detect.shell.Parsed` shape, here-documents included (body text as bashlex gives it, minus
the delimiter line; ``$(...)`` inside an unquoted body is analysed too). Scripts that tree-sitter reads with
errors (e.g. two here-docs on one command) return None so the caller falls back to bashlex.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from clawfence.detect.shelltypes import Cmd, Parsed

_WORDISH = frozenset({"word", "string", "raw_string", "concatenation", "simple_expansion", "expansion",
                      "command_substitution", "process_substitution", "number", "ansi_c_string",
                      "translated_string", "arithmetic_expansion", "brace_expression"})
_SUBS = ("command_substitution", "process_substitution")


@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter as ts
    import tree_sitter_bash as tsb

    return ts.Parser(ts.Language(tsb.language()))


def ts_parse(script: str) -> Parsed | None:
    """Parsed pipelines of ``script``, or None (syntax errors: use bashlex instead)."""
    src = script.encode("utf-8")
    root = _parser().parse(src).root_node
    if root.has_error:
        return None
    out: list[list[Cmd]] = []
    try:
        _walk(root, out, src)
    except _Dropped:
        return None
    return Parsed(out)


class _Dropped(Exception):
    """tree-sitter skipped source text (seen: the ``-`` in ``python3 - <<EOF``): let bashlex parse it."""


_PLAIN_WORDS = re.compile(rb"[ \t]*[A-Za-z0-9_./:@%+=,-]+(?:[ \t]+[A-Za-z0-9_./:@%+=,-]+)*[ \t]*")


def _no_gaps(node: Any, src: bytes) -> list[str]:
    """Words in text between ``node``'s children that tree-sitter skipped: plain words (no quotes,
    expansions or operators) are returned, anything else raises :class:`_Dropped`."""
    pos = node.start_byte
    words: list[str] = []
    for ch in node.children:
        if ch.start_byte > pos:
            gap = src[pos:ch.start_byte]
            if gap.strip(b" \t\\\n"):
                if not _PLAIN_WORDS.fullmatch(gap):
                    raise _Dropped
                words.extend(gap.decode().split())
        pos = ch.end_byte
    return words


def _text(node: Any, src: bytes) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


_DQ_ESC = re.compile(r'\\([\\"$`\n])')
_BS_ESC = re.compile(r"\\(.)", re.S)


def word(node: Any, src: bytes) -> str:
    """The shell word ``node`` with quotes removed (expansions kept as text)."""
    t = node.type
    raw = _text(node, src)
    if t == "raw_string":
        return raw[1:-1]
    if t == "string":
        return _DQ_ESC.sub(r"\1", raw[1:-1])
    if t == "ansi_c_string":
        return raw[2:-1]
    if t == "word":
        return _BS_ESC.sub(r"\1", raw)
    if t == "concatenation":
        parts = []
        pos = node.start_byte
        for ch in node.children:
            if ch.start_byte > pos:
                parts.append(src[pos:ch.start_byte].decode("utf-8", "replace"))
            parts.append(word(ch, src))
            pos = ch.end_byte
        return "".join(parts)
    return raw


def _subs(node: Any, src: bytes, cmd: Cmd, idx: int | None) -> None:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in _SUBS:
            inner: list[list[Cmd]] = []
            for ch in n.named_children:
                _walk(ch, inner, src)
            cmd.subs.append(Parsed(inner))
            if n.type == "process_substitution" and idx is not None:
                cmd.procsub_words.add(idx)
            continue
        stack.extend(n.named_children)


_HEREDOC_PARTS = frozenset({"heredoc_start", "heredoc_body", "heredoc_end", "heredoc_content"})


def _heredoc(r: Any, src: bytes, cmd: Cmd, out: list[list[Cmd]]) -> list[Cmd]:
    """Record the here-doc body on ``cmd``; returns the pipeline stages tree-sitter nests inside the
    redirect (``cat <<EOF | sh``); other nested statements (``cat <<EOF && x``) are walked into ``out``."""
    if _no_gaps(r, src):
        raise _Dropped
    more: list[Cmd] = []
    for ch in r.named_children:
        if ch.type in ("file_redirect", "herestring_redirect"):
            _redirect(ch, src, cmd)
        elif ch.type == "heredoc_body":
            body = _text(ch, src)
            cmd.heredoc = body.rsplit("\n", 1)[0] if "\n" in body else body
            _subs(ch, src, cmd, None)
        elif ch.type == "pipeline":
            for st in ch.named_children:
                more.extend(_stage(st, src, out))
        elif ch.type not in _HEREDOC_PARTS:
            _walk(ch, out, src)
    return more


def _redirect(r: Any, src: bytes, cmd: Cmd) -> None:
    if r.type == "herestring_redirect":
        named = r.named_children
        if named:
            cmd.heredoc = word(named[-1], src)
            _subs(named[-1], src, cmd, None)
        return
    if r.type != "file_redirect":
        return
    op = "".join(c.type for c in r.children if not c.is_named)
    dest = r.child_by_field_name("destination")
    if dest is not None:
        cmd.redirects.append((op, word(dest, src)))
        _subs(dest, src, cmd, None)


_ASSIGN_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")


def _assignment(node: Any, src: bytes) -> str:
    """``NAME=value`` of a variable_assignment node, the value unquoted like a word."""
    name = node.child_by_field_name("name")
    value = node.child_by_field_name("value")
    n = _text(name, src) if name is not None else ""
    return n + "=" + (word(value, src) if value is not None else "")


def _cmd(node: Any, src: bytes, extra_redirects: list[Any], out: list[list[Cmd]] | None = None,
         more: list[Cmd] | None = None) -> Cmd:
    c = Cmd([])
    for ch in node.named_children:
        t = ch.type
        if t == "variable_assignment":
            if not c.argv or _ASSIGN_PREFIX.match(c.argv[-1]):
                c.argv.append(_assignment(ch, src))  # VAR=value prefix: unwrap() strips it, analysers see it
            _subs(ch, src, c, None)
        elif t == "command_name":
            inner = ch.named_children[0] if ch.named_children else ch
            c.argv.append(word(inner, src))
            _subs(inner, src, c, 0)
        elif t in _WORDISH:
            idx = len(c.argv)
            c.argv.append(word(ch, src))
            _subs(ch, src, c, idx)
        elif t in ("file_redirect", "herestring_redirect"):
            _redirect(ch, src, c)
    for r in extra_redirects:
        if r.type == "heredoc_redirect" and out is not None and more is not None:
            more.extend(_heredoc(r, src, c, out))
        else:
            _redirect(r, src, c)
    return c


def _stage(node: Any, src: bytes, out: list[list[Cmd]]) -> list[Cmd]:
    """Commands one pipeline stage contributes; compound stages are walked into ``out`` separately."""
    if node.type == "command":
        return [_cmd(node, src, [])]
    if node.type == "redirected_statement":
        skipped = _no_gaps(node, src)
        body = node.child_by_field_name("body")
        reds = node.children_by_field_name("redirect")
        more: list[Cmd] = []
        if body is not None and body.type == "command":
            c = _cmd(body, src, reds, out, more)
            c.argv.extend(skipped)  # words among the redirections are arguments
            return [c, *more]
        if skipped:
            raise _Dropped
        if body is not None:
            _walk(body, out, src)
        holder = Cmd([":"])
        for r in reds:
            if r.type == "heredoc_redirect":
                more.extend(_heredoc(r, src, holder, out))
            else:
                _redirect(r, src, holder)
        return [holder, *more]
    if node.type in ("subshell", "compound_statement"):
        # ( a || b ) | sh, { a; b; } | sh: the group is one stage of the pipeline; its commands are kept as a
        # nested script so the consumer downstream still sees what feeds it
        inner: list[list[Cmd]] = []
        _walk(node, inner, src)
        return [Cmd([], subs=[Parsed(inner)])]
    _walk(node, out, src)
    return []


def _walk(node: Any, out: list[list[Cmd]], src: bytes) -> None:
    t = node.type
    if t == "pipeline":
        stages: list[Cmd] = []
        for ch in node.named_children:
            stages.extend(_stage(ch, src, out))
        out.append(stages)
    elif t in ("command", "redirected_statement"):
        cmds = _stage(node, src, out)
        if cmds:
            out.append(cmds)
    elif t in ("variable_assignment", "declaration_command", "unset_command"):
        holder = Cmd([])
        _subs(node, src, holder, None)
        for s in holder.subs:
            out.extend(s.pipelines)
        if t == "variable_assignment":
            out.append([Cmd([_assignment(node, src)])])
        else:
            argv = [_text(node.children[0], src)] if node.children else []
            for ch in node.named_children:
                if ch.type == "variable_assignment":
                    argv.append(_assignment(ch, src))
                elif ch.type in _WORDISH:
                    argv.append(word(ch, src))
                elif ch.type == "variable_name":
                    argv.append(_text(ch, src))
            if argv:
                out.append([Cmd(argv)])
    else:
        for ch in node.named_children:
            _walk(ch, out, src)
