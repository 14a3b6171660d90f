"""Registry invariants: ids, titles, docstrings, guide refs; checks do no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

from clawfence.audit.checks import all_checks
from clawfence.audit.registry import ID_RE, MODULE_PREFIX
from clawfence.core.guide import load

CHECKS_DIR = Path(__file__).resolve().parents[2] / "src" / "clawfence" / "audit" / "checks"
FORBIDDEN = {"os", "subprocess", "socket", "pathlib", "shutil", "psutil", "httpx", "sqlite3"}


def test_ids_titles_docs() -> None:
    g = load()
    for c in all_checks():
        assert ID_RE.match(c.id)
        assert c.id[:2] == MODULE_PREFIX[c.module], c.id
        assert len(c.title) <= 80 and not c.title.lower().startswith("ensure"), c.id
        assert c.rationale, c.id
        assert all(p in g.ids for p in c.guide), c.id
        assert c.remediation.strip(), c.id


def test_guide_has_76_points() -> None:
    assert len(load().points) == 76
    assert len(load().items) == 20


def test_checks_do_no_io() -> None:
    for path in CHECKS_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                names = {(node.module or "").split(".")[0]}
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
                raise AssertionError(f"{path.name}: open() in a check module")
            else:
                continue
            assert not names & FORBIDDEN, f"{path.name} imports {names & FORBIDDEN}"
