"""A small, careful editor for JSON5 text: set or remove one dotted key, keeping every comment, the key
order and the formatting of everything else.

It parses the text into spans (objects, members, values), splices new text in at the located key, then
re-parses the result with ``json5`` and compares it with the expected data. If anything does not match
(an exotic layout, a key inside an array), :class:`EditError` is raised and the caller falls back to a
full re-serialisation, telling the user plainly that comments will be lost.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

IDENT_RE = re.compile(r"[A-Za-z_$][\w$]*")
NUM_RE = re.compile(r"[+-]?(Infinity|NaN|0[xX][0-9a-fA-F]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)")
BARE_RE = re.compile(r"true|false|null")


class EditError(Exception):
    """The text cannot be edited in place (one-line reason)."""


@dataclass
class Node:
    """A parsed value: ``kind`` obj|arr|scalar, ``start``/``end`` offsets (end exclusive)."""

    kind: str
    start: int
    end: int = 0
    members: list[Member] = field(default_factory=list)


@dataclass
class Member:
    """``key: value`` in an object: offsets of the key start, the value node, and the end of a following
    comma (``comma_end`` = None when the member is the last without a trailing comma)."""

    key: str
    key_start: int
    value: Node
    comma_end: int | None = None


class _Parser:
    def __init__(self, text: str) -> None:
        self.t = text
        self.i = 0

    def ws(self, i: int) -> int:
        t = self.t
        while i < len(t):
            if t[i] in " \t\r\n\ufeff\u00a0\u2028\u2029":
                i += 1
            elif t.startswith("//", i):
                j = t.find("\n", i)
                i = len(t) if j < 0 else j + 1
            elif t.startswith("/*", i):
                j = t.find("*/", i + 2)
                if j < 0:
                    raise EditError("unterminated comment")
                i = j + 2
            else:
                break
        return i

    def string(self, i: int) -> tuple[str, int]:
        q = self.t[i]
        j = i + 1
        while j < len(self.t):
            c = self.t[j]
            if c == "\\":
                j += 2
                continue
            if c == q:
                import json5

                return str(json5.loads(self.t[i:j + 1])), j + 1
            j += 1
        raise EditError("unterminated string")

    def value(self, i: int) -> Node:
        i = self.ws(i)
        if i >= len(self.t):
            raise EditError("unexpected end of text")
        c = self.t[i]
        if c == "{":
            return self.obj(i)
        if c == "[":
            return self.arr(i)
        if c in "'\"":
            _, j = self.string(i)
            return Node("scalar", i, j)
        m = NUM_RE.match(self.t, i) or BARE_RE.match(self.t, i)
        if m:
            return Node("scalar", i, m.end())
        raise EditError(f"unexpected character {c!r} at offset {i}")

    def obj(self, i: int) -> Node:
        node = Node("obj", i)
        i = self.ws(i + 1)
        while self.t[i] != "}":
            ks = i
            if self.t[i] in "'\"":
                key, i = self.string(i)
            else:
                m = IDENT_RE.match(self.t, i)
                if not m:
                    raise EditError(f"bad key at offset {i}")
                key, i = m.group(0), m.end()
            i = self.ws(i)
            if self.t[i] != ":":
                raise EditError(f"expected ':' at offset {i}")
            val = self.value(i + 1)
            mem = Member(key, ks, val)
            node.members.append(mem)
            i = self.ws(val.end)
            if self.t[i] == ",":
                mem.comma_end = i + 1
                i = self.ws(i + 1)
            elif self.t[i] != "}":
                raise EditError(f"expected ',' or '}}' at offset {i}")
        node.end = i + 1
        return node

    def arr(self, i: int) -> Node:
        node = Node("arr", i)
        i = self.ws(i + 1)
        while self.t[i] != "]":
            val = self.value(i)
            i = self.ws(val.end)
            if self.t[i] == ",":
                i = self.ws(i + 1)
            elif self.t[i] != "]":
                raise EditError(f"expected ',' or ']' at offset {i}")
        node.end = i + 1
        return node


def parse(text: str) -> Node:
    """Parse the top-level object of ``text`` into spans. Raises :class:`EditError`."""
    p = _Parser(text)
    try:
        root = p.value(0)
    except IndexError as exc:
        raise EditError("unexpected end of text") from exc
    if root.kind != "obj":
        raise EditError("top level is not an object")
    return root


def _line_indent(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    m = re.match(r"[ \t]*", text[start:])
    return m.group(0) if m else ""


def _render(value: Any, indent: str, step: str) -> str:
    out = json.dumps(value, indent=len(step) or 2, ensure_ascii=False)
    return out.replace("\n", "\n" + indent)


def _nest(parts: list[str], value: Any) -> Any:
    for p in reversed(parts):
        value = {p: value}
    return value


def _step(text: str, obj: Node) -> str:
    if obj.members:
        inner = _line_indent(text, obj.members[0].key_start)
        outer = _line_indent(text, obj.start)
        if len(inner) > len(outer):
            return inner[len(outer):]
    return "  "


def set_key(text: str, dotted: str, value: Any) -> str:
    """Return ``text`` with ``dotted`` set to ``value`` (created with its parents if missing)."""
    root = parse(text)
    parts = dotted.split(".")
    node = root
    for n, part in enumerate(parts):
        mem = next((m for m in node.members if m.key == part), None)
        if mem is None:
            return _insert(text, node, parts[n], _nest(parts[n + 1:], value))
        if n == len(parts) - 1:
            indent = _line_indent(text, mem.key_start)
            new = _render(value, indent, _step(text, node))
            return text[:mem.value.start] + new + text[mem.value.end:]
        if mem.value.kind != "obj":
            raise EditError(f"{'.'.join(parts[:n + 1])} is not an object")
        node = mem.value
    raise EditError("empty key")


def _insert(text: str, obj: Node, key: str, value: Any) -> str:
    step = _step(text, obj)
    if not obj.members:
        outer = _line_indent(text, obj.start)
        body = f"{json.dumps(key)}: {_render(value, outer + step, step)}"
        return text[:obj.start] + "{\n" + outer + step + body + "\n" + outer + "}" + text[obj.end:]
    last = obj.members[-1]
    if "\n" not in text[obj.start:obj.end]:  # a one-line object stays on one line
        inline = f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"
        if last.comma_end is not None:
            return text[:last.comma_end] + " " + inline + "," + text[last.comma_end:]
        return text[:last.value.end] + ", " + inline + text[last.value.end:]
    indent = _line_indent(text, last.key_start)
    member = f"{json.dumps(key)}: {_render(value, indent, step)}"
    if last.comma_end is not None:
        return text[:last.comma_end] + "\n" + indent + member + "," + text[last.comma_end:]
    vend = last.value.end
    eol = vend
    rest = re.match(r"[ \t]*(//[^\n]*)?(?=\n)", text[vend:])
    if rest:
        eol = vend + rest.end()
    return text[:vend] + "," + text[vend:eol] + "\n" + indent + member + text[eol:]


def unset_key(text: str, dotted: str) -> str:
    """Return ``text`` without ``dotted`` (unchanged if absent)."""
    root = parse(text)
    parts = dotted.split(".")
    node = root
    for part in parts[:-1]:
        mem = next((m for m in node.members if m.key == part), None)
        if mem is None or mem.value.kind != "obj":
            return text
        node = mem.value
    idx = next((i for i, m in enumerate(node.members) if m.key == parts[-1]), None)
    if idx is None:
        return text
    mem = node.members[idx]
    start = mem.key_start
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip() == "":
        start = line_start
    if mem.comma_end is not None:
        end = mem.comma_end
        rest = re.match(r"[ \t]*(//[^\n]*)?\n", text[end:])
        if rest and start == line_start:
            end += rest.end()
        return text[:start] + text[end:]
    end = mem.value.end
    rest = re.match(r"[ \t]*(//[^\n]*)?\n", text[end:])
    if rest and start == line_start:
        end += rest.end()
    if idx > 0:
        prev = node.members[idx - 1]
        assert prev.comma_end is not None
        cut = prev.comma_end - 1  # drop the comma that preceded the removed last member
        gap_start = prev.value.end
        return text[:gap_start] + text[gap_start:cut] + text[cut + 1:start].rstrip(" \t") + text[end:]
    return text[:start] + text[end:]
