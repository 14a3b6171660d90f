"""The import graph of src/clawfence: no cycles between modules, and no layer imports a higher one.

Layers (``clawfence.core`` docstring): core < detect < audit.facts < skills, integrity, trail, guard < audit, fleet <
catalog, reporters < cli. Imports under ``if TYPE_CHECKING:`` count too (a type-only cycle is still a tangle). Nothing
outside cli imports cli.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "clawfence"

#: Layer rank by module prefix (longest prefix wins); same-rank product parts may not import each other either,
#: except where listed in ALLOWED_SIDEWAYS.
LAYERS: tuple[tuple[str, int], ...] = (
    ("clawfence.core", 0), ("clawfence.data", 0), ("clawfence.detect", 1), ("clawfence.audit.facts", 2),
    ("clawfence.skills", 3), ("clawfence.integrity", 3), ("clawfence.trail", 3), ("clawfence.guard", 3),
    ("clawfence.deploy", 3), ("clawfence.fleet", 4),
    ("clawfence.audit", 4), ("clawfence.catalog", 5), ("clawfence.reporters", 5), ("clawfence.cli", 6), ("clawfence.__main__", 7),
    ("clawfence", 0),
)
#: Product parts of the same layer that may use each other (documented reasons).
ALLOWED_SIDEWAYS = {
    ("clawfence.guard", "clawfence.integrity"),  # the guard writes decisions to the tamper-evident action log
    ("clawfence.skills", "clawfence.integrity"),  # the install gate logs its decisions to the action log
}


#: Violations that exist today and are being removed (issue 9); a test below fails when one disappears, so this
#: list only shrinks. Anything not listed fails at once.
KNOWN_CYCLES: set[tuple[str, str]] = set()
KNOWN_UPWARD: set[str] = set()


def _module(p: Path) -> str:
    rel = p.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(p: Path, mod: str) -> set[str]:
    tree = ast.parse(p.read_text(encoding="utf-8"))
    pkg = mod if p.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")[: len(pkg.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("clawfence"):
                out.add(target)
                out.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("clawfence"))
    return out


def _graph() -> dict[str, set[str]]:
    files = {_module(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for mod, p in files.items():
        graph[mod] = {t for t in _imports(p, mod) if t in files and t != mod}
    return graph


def _rank(mod: str) -> tuple[str, int]:
    best = ("clawfence", 0)
    for prefix, r in LAYERS:
        if (mod == prefix or mod.startswith(prefix + ".")) and len(prefix) > len(best[0]):
            best = (prefix, r)
    return best


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(n: str, stack: list[str]) -> None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                cycles.append([*stack[stack.index(m):], m])
            elif m not in state:
                visit(m, stack)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [])
    found = {tuple(sorted((c[0], c[1]))) for c in cycles}
    new = [c for c in cycles if tuple(sorted((c[0], c[1]))) not in {tuple(sorted(k)) for k in KNOWN_CYCLES}]
    assert not new, "import cycles: " + "; ".join(" -> ".join(c) for c in new[:5])
    gone = {tuple(sorted(k)) for k in KNOWN_CYCLES} - found
    assert not gone, f"fixed, remove from KNOWN_CYCLES: {gone}"


def test_no_upward_or_sideways_imports() -> None:
    bad = []
    for mod, targets in _graph().items():
        lm, rm = _rank(mod)
        for t in targets:
            lt, rt = _rank(t)
            if lt == lm or lt.startswith(lm + ".") or lm.startswith(lt + "."):
                if rt > rm:  # e.g. audit.facts importing audit.run
                    bad.append(f"{mod} -> {t}")
                continue
            if rt > rm or (rt == rm and rm > 0 and (lm, lt) not in ALLOWED_SIDEWAYS):
                bad.append(f"{mod} -> {t}")
    new = sorted(set(bad) - KNOWN_UPWARD)
    assert not new, "imports against the layers: " + ", ".join(new)
    gone = KNOWN_UPWARD - set(bad)
    assert not gone, f"fixed, remove from KNOWN_UPWARD: {gone}"


def test_nothing_outside_cli_imports_cli() -> None:
    bad = [f"{m} -> {t}" for m, ts in _graph().items() for t in ts
           if t.startswith("clawfence.cli") and not m.startswith(("clawfence.cli", "clawfence.__main__"))]
    assert not bad, bad
