"""tree-sitter helpers shared by the JS and shell analysers: bounded traversal and node text."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Node


def walk(root: Node, max_nodes: int) -> list[Node]:
    """Nodes of the tree under ``root`` in document order, at most ``max_nodes`` (hostile input stays bounded)."""
    out: list[Node] = []
    stack = [root]
    while stack and len(out) < max_nodes:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.children))
    return out


def text(n: Node | None) -> str:
    """UTF-8 text of a node ('' for None; invalid bytes replaced)."""
    return (n.text or b"").decode("utf-8", "replace") if n is not None else ""
