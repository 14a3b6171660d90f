"""A small Draft-7 validator for OpenClaw's config schema, over a split, lazily loaded copy of it.

Why: ``jsonschema`` plus the 2.4 MB schema costs ~0.25 s per ``clawfence audit`` (import 60 ms, gunzip + parse
100 ms, validator build and walk); a config touches a few percent of the schema. :func:`split` cuts the
schema (annotations dropped: ``title``, ``description``, ``default``, ``examples``, ``$comment`` do not affect
validation) into one file per ``properties`` subtree larger than :data:`SPLIT_BYTES`, shipped as
``data/schema/<version>/<name>.json.gz``; :class:`Walker` loads only the parts the config reaches.

Semantics follow ``jsonschema.Draft7Validator`` without a format checker (what ``facts.schema`` used), for
the keywords the schema uses: type, enum, const, properties, additionalProperties, patternProperties,
required, propertyNames, min/maxProperties, items, additionalItems, min/maxItems, uniqueItems, contains,
pattern, min/maxLength, minimum, maximum, exclusiveMinimum/Maximum, multipleOf, anyOf, oneOf, allOf, not,
if/then/else, $ref (siblings ignored, as in Draft 7); ``format`` is an annotation. :func:`split` raises
ValueError on any other keyword, so a new schema cannot silently lose a constraint. Errors are reported
where jsonschema reports them (same instance path and keyword); tests/audit/facts/test_schema_walk.py checks this
against jsonschema over the same relaxed schema (:func:`relax_required`: a property with a default is not
required, as in OpenClaw's own validator). One deliberate difference: ``$ref: "#/$defs/x"`` inside a nested plugin schema resolves
against the nearest enclosing schema that has ``$defs`` (jsonschema cannot resolve it from the root and
raises).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", "format", "$schema",
                         "readOnly", "writeOnly", "deprecated"})
KEYWORDS = frozenset({
    "type", "enum", "const", "properties", "additionalProperties", "patternProperties", "required",
    "propertyNames", "minProperties", "maxProperties", "items", "additionalItems", "minItems", "maxItems",
    "uniqueItems", "contains", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "anyOf", "oneOf", "allOf", "not", "if", "then", "else", "$ref", "$defs",
    "definitions", "$id",
})
SPLIT_BYTES = 12_000
LAZY = "$lazy"
ROOT_PART = "_root"


@dataclass(frozen=True)
class SchemaError:
    """One validation error: ``path`` (instance path), ``keyword`` (the failing Draft-7 keyword),
    ``message`` (jsonschema-style text) and, for ``additionalProperties``, the ``extra`` keys."""

    path: tuple[str | int, ...]
    keyword: str
    message: str
    extra: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------- build time

def _strip(node: Any, here: str, refs: dict[int, str], scope: str) -> Any:
    """Drop annotations, check keywords, rewrite local ``#/...`` refs to absolute pointers (``#!<pointer>``)."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, dict):
        raise ValueError(f"schema at {here or '/'} is not an object or boolean")
    unknown = set(node) - KEYWORDS - ANNOTATIONS
    if unknown:
        raise ValueError(f"schema at {here or '/'} uses unsupported keyword(s) {sorted(unknown)}")
    if "$defs" in node or "definitions" in node:
        scope = here
    out: dict[str, Any] = {}
    for k, v in node.items():
        if k in ANNOTATIONS:
            continue
        sub = f"{here}/{k}"
        if k in ("properties", "patternProperties", "$defs", "definitions"):
            out[k] = {name: _strip(s, f"{sub}/{_esc(name)}", refs, scope) for name, s in v.items()}
        elif k in ("anyOf", "oneOf", "allOf") or (k == "items" and isinstance(v, list)):
            out[k] = [_strip(s, f"{sub}/{i}", refs, scope) for i, s in enumerate(v)]
        elif k in ("additionalProperties", "propertyNames", "items", "additionalItems", "contains", "not",
                   "if", "then", "else"):
            out[k] = _strip(v, sub, refs, scope)
        elif k == "$ref":
            if not isinstance(v, str) or not v.startswith("#"):
                raise ValueError(f"schema at {here}: only local $ref supported, got {v!r}")
            out[k] = "#!" + scope + v[1:]
        else:
            out[k] = v
    return out


def _esc(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def relax_required(node: Any) -> Any:
    """Copy of a schema where ``required`` no longer lists properties that have a ``default``.

    ``openclaw config schema`` exports zod's output type, in which a field with ``.default()`` is required;
    the real validator fills the default first, so a config may omit it (verified: 2026.9.6
    ``config validate`` accepts ``channels.telegram`` without ``groupPolicy``, which the export requires).
    """
    if isinstance(node, list):
        return [relax_required(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: (v if k in ("enum", "const", "default", "examples") else relax_required(v)) for k, v in node.items()}
    props = node.get("properties")
    if isinstance(node.get("required"), list) and isinstance(props, dict):
        out["required"] = [r for r in node["required"]
                           if not (isinstance(props.get(r), dict) and "default" in props[r])]
    return out


def split(schema: dict[str, Any], limit: int = SPLIT_BYTES) -> dict[str, Any]:
    """Parts of ``schema``: ``{"_root": node, "<dotted properties path>": node, ...}``; every ``properties``
    subtree serialising to more than ``limit`` bytes (and every top-level section) becomes its own part,
    replaced in its parent by ``{"$lazy": "<name>"}``. ``required`` is relaxed first (:func:`relax_required`).
    Raises ValueError on unsupported keywords."""
    stripped = _strip(relax_required(schema), "", {}, "")
    parts: dict[str, Any] = {}

    def cut(node: Any, name: str, depth: int) -> Any:
        if not isinstance(node, dict):
            return node
        props = node.get("properties")
        if isinstance(props, dict):
            new = {}
            for key, sub in props.items():
                child = f"{name}.{key}" if name else key
                sub = cut(sub, child, depth + 1)
                if depth == 0 or len(json.dumps(sub, separators=(",", ":"))) > limit:
                    parts[child] = sub
                    sub = {LAZY: child}
                new[key] = sub
            node = {**node, "properties": new}
        return node

    parts[ROOT_PART] = cut(stripped, "", 0)
    return parts


def dump_part(node: Any) -> bytes:
    """Deterministic gzip of one part (mtime 0), as shipped."""
    return gzip.compress(json.dumps(node, separators=(",", ":"), sort_keys=False).encode(), mtime=0)


# ---------------------------------------------------------------- run time

def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    raise ValueError(f"unknown JSON type {name!r}")


def _equal(a: Any, b: Any) -> bool:
    """JSON equality as jsonschema sees it (booleans are not numbers)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str) != isinstance(b, str):
        return False
    return bool(a == b)


@lru_cache(maxsize=512)
def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


class Walker:
    """Validate instances against a split schema. ``load(name)`` returns a part by name (see :func:`split`)."""

    def __init__(self, load: Callable[[str], Any]) -> None:
        self._load = load

    def _node(self, node: Any) -> Any:
        while isinstance(node, dict) and LAZY in node:
            node = self._load(node[LAZY])
        return node

    def _pointer(self, ref: str) -> Any:
        node = self._node(self._load(ROOT_PART))
        for raw in ref[2:].split("/")[1:]:
            tok = raw.replace("~1", "/").replace("~0", "~")
            node = self._node(node[int(tok)] if isinstance(node, list) else node[tok])
        return node

    def has_path(self, parts: list[str]) -> bool:
        """True when the dotted key ``parts`` is allowed by the schema (properties, patternProperties,
        additionalProperties schemas, array items for numeric parts, through anyOf/oneOf/allOf and $ref)."""
        frontier = [self._load(ROOT_PART)]
        for part in parts:
            frontier = [x for n in frontier for alt in self._alternatives(n) for x in self._step(alt, part)]
            if not frontier:
                return False
        return True

    def _alternatives(self, node: Any) -> list[dict[str, Any]]:
        node = self._node(node)
        if isinstance(node, dict) and "$ref" in node:
            node = self._pointer(node["$ref"])
        if not isinstance(node, dict):
            return []
        out = [node]
        for k in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(k) or []:
                out += self._alternatives(sub)
        return out

    @staticmethod
    def _step(node: dict[str, Any], part: str) -> list[Any]:
        props = node.get("properties") or {}
        nxt: list[Any] = []
        if part in props:
            nxt.append(props[part])
        elif isinstance(node.get("additionalProperties"), dict):
            nxt.append(node["additionalProperties"])
        nxt += [sub for pat, sub in (node.get("patternProperties") or {}).items() if _rx(pat).search(part)]
        if part.isdigit() and isinstance(node.get("items"), dict):
            nxt.append(node["items"])
        return nxt

    def errors(self, instance: Any) -> Iterator[SchemaError]:
        """Every error of ``instance`` against the root, in schema keyword order (like jsonschema)."""
        yield from self._errors(self._load(ROOT_PART), instance, ())

    def valid(self, schema: Any, instance: Any) -> bool:
        """Whether ``instance`` is valid under ``schema``."""
        return next(self._errors(schema, instance, ()), None) is None

    def _errors(self, schema: Any, inst: Any, path: tuple[str | int, ...]) -> Iterator[SchemaError]:
        schema = self._node(schema)
        if schema is True:
            return
        if schema is False:
            yield SchemaError(path, "false", f"False schema does not allow {inst!r}")
            return
        if "$ref" in schema:
            yield from self._errors(self._pointer(schema["$ref"]), inst, path)
            return
        for kw, val in schema.items():
            check = _CHECKS.get(kw)
            if check is not None:
                yield from check(self, val, inst, path, schema)


Check = Callable[[Walker, Any, Any, tuple[str | int, ...], dict[str, Any]], Iterator[SchemaError]]


def _type(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    types = val if isinstance(val, list) else [val]
    if not any(_is_type(inst, t) for t in types):
        yield SchemaError(path, "type", f"{inst!r} is not of type {', '.join(repr(t) for t in types)}")


def _enum(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    if not any(_equal(inst, v) for v in val):
        yield SchemaError(path, "enum", f"{inst!r} is not one of {val!r}")


def _const(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    if not _equal(inst, val):
        yield SchemaError(path, "const", f"{val!r} was expected")


def _properties(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...],
                s: dict[str, Any]) -> Iterator[SchemaError]:
    if isinstance(inst, dict):
        for name, sub in val.items():
            if name in inst:
                yield from w._errors(sub, inst[name], (*path, name))


def _pattern_properties(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...],
                        s: dict[str, Any]) -> Iterator[SchemaError]:
    if isinstance(inst, dict):
        for pattern, sub in val.items():
            for k, v in inst.items():
                if _rx(pattern).search(k):
                    yield from w._errors(sub, v, (*path, k))


def _additional(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    if not isinstance(inst, dict):
        return
    props = s.get("properties", {})
    pats = s.get("patternProperties", {})
    extras = [k for k in inst if k not in props and not any(_rx(p).search(k) for p in pats)]
    if isinstance(val, dict) or val is True:
        for k in extras:
            yield from w._errors(val, inst[k], (*path, k))
    elif extras:
        listed = ", ".join(repr(k) for k in sorted(extras))
        yield SchemaError(path, "additionalProperties",
                          f"Additional properties are not allowed ({listed} {'was' if len(extras) == 1 else 'were'} "
                          "unexpected)", tuple(extras))


def _required(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    if isinstance(inst, dict):
        for name in val:
            if name not in inst:
                yield SchemaError(path, "required", f"{name!r} is a required property")


def _property_names(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...],
                    s: dict[str, Any]) -> Iterator[SchemaError]:
    if isinstance(inst, dict):
        for k in inst:
            yield from w._errors(val, k, path)


def _count(kw: str, op: Callable[[int, int], bool], kind: type, what: str) -> Check:
    def check(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
        if isinstance(inst, kind) and op(len(inst), val):  # type: ignore[arg-type]  # kind: dict/list/str
            yield SchemaError(path, kw, f"{inst!r} {what} {val}")
    return check


def _items(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    if not isinstance(inst, list):
        return
    if isinstance(val, list):
        for i, (item, sub) in enumerate(zip(inst, val, strict=False)):
            yield from w._errors(sub, item, (*path, i))
    else:
        for i, item in enumerate(inst):
            yield from w._errors(val, item, (*path, i))


def _additional_items(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...],
                      s: dict[str, Any]) -> Iterator[SchemaError]:
    items = s.get("items")
    if not isinstance(inst, list) or not isinstance(items, list) or len(inst) <= len(items):
        return
    if val is False:
        yield SchemaError(path, "additionalItems", "Additional items are not allowed")
    else:
        for i in range(len(items), len(inst)):
            yield from w._errors(val, inst[i], (*path, i))


def _unique(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    if val and isinstance(inst, list):
        for i, a in enumerate(inst):
            if any(_equal(a, b) for b in inst[i + 1:]):
                yield SchemaError(path, "uniqueItems", f"{inst!r} has non-unique elements")
                return


def _contains(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    if isinstance(inst, list) and not any(w.valid(val, x) for x in inst):
        yield SchemaError(path, "contains", f"{inst!r} should contain a valid item")


def _pattern(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    if isinstance(inst, str) and not _rx(val).search(inst):
        yield SchemaError(path, "pattern", f"{inst!r} does not match {val!r}")


def _bound(kw: str, bad: Callable[[Any, Any], bool], what: str) -> Check:
    def check(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
        if _num(inst) and bad(inst, val):
            yield SchemaError(path, kw, f"{inst!r} is {what} {val!r}")
    return check


def _multiple(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    if not _num(inst):
        return
    if isinstance(val, float):
        q = inst / val
        bad = int(q) != q
    else:
        bad = bool(inst % val)
    if bad:
        yield SchemaError(path, "multipleOf", f"{inst!r} is not a multiple of {val}")


def _any_of(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    if not any(w.valid(sub, inst) for sub in val):
        yield SchemaError(path, "anyOf", f"{inst!r} is not valid under any of the given schemas")


def _one_of(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    ok = [i for i, sub in enumerate(val) if w.valid(sub, inst)]
    if not ok:
        yield SchemaError(path, "oneOf", f"{inst!r} is not valid under any of the given schemas")
    elif len(ok) > 1:
        yield SchemaError(path, "oneOf", f"{inst!r} is valid under each of {', '.join(map(str, ok))}")


def _all_of(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    for sub in val:
        yield from w._errors(sub, inst, path)


def _not(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    if w.valid(val, inst):
        yield SchemaError(path, "not", f"{inst!r} should not be valid under {val!r}")


def _if(w: Walker, val: Any, inst: Any, path: tuple[str | int, ...], s: dict[str, Any]) -> Iterator[SchemaError]:
    if w.valid(val, inst):
        if "then" in s:
            yield from w._errors(s["then"], inst, path)
    elif "else" in s:
        yield from w._errors(s["else"], inst, path)


_CHECKS: dict[str, Check] = {
    "type": _type, "enum": _enum, "const": _const, "properties": _properties,
    "patternProperties": _pattern_properties, "additionalProperties": _additional, "required": _required,
    "propertyNames": _property_names,
    "minProperties": _count("minProperties", lambda n, v: n < v, dict, "has fewer properties than"),
    "maxProperties": _count("maxProperties", lambda n, v: n > v, dict, "has more properties than"),
    "items": _items, "additionalItems": _additional_items,
    "minItems": _count("minItems", lambda n, v: n < v, list, "has fewer items than"),
    "maxItems": _count("maxItems", lambda n, v: n > v, list, "has more items than"),
    "uniqueItems": _unique, "contains": _contains, "pattern": _pattern,
    "minLength": _count("minLength", lambda n, v: n < v, str, "is shorter than"),
    "maxLength": _count("maxLength", lambda n, v: n > v, str, "is longer than"),
    "minimum": _bound("minimum", lambda i, v: i < v, "less than the minimum of"),
    "maximum": _bound("maximum", lambda i, v: i > v, "greater than the maximum of"),
    "exclusiveMinimum": _bound("exclusiveMinimum", lambda i, v: i <= v, "less than or equal to the minimum of"),
    "exclusiveMaximum": _bound("exclusiveMaximum", lambda i, v: i >= v, "greater than or equal to the maximum of"),
    "multipleOf": _multiple, "anyOf": _any_of, "oneOf": _one_of, "allOf": _all_of, "not": _not, "if": _if,
}
