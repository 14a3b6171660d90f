"""Does a dotted config key exist in the installed OpenClaw version's JSON Schema? (fixers write no other)."""

from __future__ import annotations

from typing import Any

from clawfence.facts.schema import load_schema, schema_for


def _children(node: Any) -> list[dict[str, Any]]:
    """The node and every alternative it allows (anyOf / oneOf / allOf)."""
    if not isinstance(node, dict):
        return []
    out = [node]
    for k in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(k) or []:
            out += _children(sub)
    return out


def _step(node: Any, part: str) -> list[dict[str, Any]]:
    nxt: list[dict[str, Any]] = []
    for n in _children(node):
        props = n.get("properties") or {}
        if part in props:
            nxt.append(props[part])
        elif isinstance(n.get("additionalProperties"), dict):
            nxt.append(n["additionalProperties"])
        for pat, sub in (n.get("patternProperties") or {}).items():
            import re

            if re.search(pat, part):
                nxt.append(sub)
        if part.isdigit() and isinstance(n.get("items"), dict):
            nxt.append(n["items"])
    return nxt


def schema_has(dotted: str, version: str | None) -> bool | None:
    """True/False when a packaged schema applies to ``version``; None when none does (cannot tell)."""
    used = schema_for(version)
    if used is None:
        return None
    frontier: list[dict[str, Any]] = [load_schema(used)]
    for part in dotted.split("."):
        frontier = [x for n in frontier for x in _step(n, part)]
        if not frontier:
            return False
    return True
