"""YAML loading that keeps line numbers: data plus a map from key paths to 1-based lines.

Uses PyYAML's compose step (nodes carry ``start_mark``) so validation errors can name the exact line.
"""

from __future__ import annotations

from typing import Any

import yaml


class YamlError(ValueError):
    """Unparsable YAML: ``line`` (1-based) and ``message``."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message


def load_with_lines(text: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """``(data, lines)`` where ``lines[("rules", 2, "decision")]`` is the line of that key (or item).

    Raises :class:`YamlError` for syntax errors, duplicate keys, anchors/aliases and non-string keys.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError((mark.line + 1) if mark else 1, f"YAML syntax: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlError(1, f"YAML: {exc}") from exc
    if node is None:
        return None, {}
    lines: dict[tuple[Any, ...], int] = {}
    return _build(node, (), lines), lines


def _build(node: yaml.Node, path: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                raise YamlError(k.start_mark.line + 1, "mapping keys must be plain strings")
            key = k.value
            if key in out:
                raise YamlError(k.start_mark.line + 1, f"duplicate key {key!r}")
            lines[(*path, key)] = k.start_mark.line + 1
            out[key] = _build(v, (*path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(v, (*path, i), lines) for i, v in enumerate(node.value)]
    # scalar: let SafeLoader resolve its type (int, bool, null, str)
    return yaml.SafeLoader("").construct_object(node, deep=True)
