"""Table-driven decisions of the built-in baseline policy: attacks and legitimate work (data/calls.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from clawfence.detect.calls import PathContext, ToolCall
from clawfence.guard.policy import builtin_policy, decide

DATA = Path(__file__).parent / "data" / "calls.yaml"
CTX = PathContext(home="/home/agent", workspace="/home/agent/.openclaw/workspace",
                  state_dir="/home/agent/.openclaw", cwd="/home/agent/.openclaw/workspace", resolve_symlinks=False)
DEFAULT_TS = "2026-11-18T10:00:00+08:00"


def _rows() -> list[tuple[str, dict[str, Any]]]:
    doc = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return [(group, row) for group in ("attacks", "legit") for row in doc[group]]


def _call(row: dict[str, Any]) -> ToolCall:
    if "exec" in row:
        doc: dict[str, Any] = {"toolName": "exec", "params": {"command": row["exec"]}, **row.get("call_extra", {})}
    else:
        doc = dict(row["call"])
    doc.setdefault("ts", DEFAULT_TS)
    return ToolCall.from_json(doc)


ROWS = _rows()


def test_table_is_large_enough() -> None:
    assert len(ROWS) >= 150
    assert sum(1 for g, _ in ROWS if g == "legit") >= 60


@pytest.mark.parametrize(("group", "row"), ROWS, ids=[f"{g}-{i}" for i, (g, _) in enumerate(ROWS)])
def test_decision(group: str, row: dict[str, Any]) -> None:
    d = decide(builtin_policy(), _call(row), CTX)
    assert d.decision == row["expect"], (d.rule_id, d.reason, d.signals)
    if "rule" in row:
        assert d.rule_id == row["rule"], (d.reason, d.signals)
    if d.decision != "allow":
        assert d.reason and d.rule_id != "default"


def test_symlink_into_protected_dir_is_resolved(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ws = home / ".openclaw" / "workspace"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("x")
    ws.mkdir(parents=True)
    (ws / "innocent.txt").symlink_to(home / ".ssh" / "id_rsa")
    ctx = PathContext(str(home), str(ws), str(home / ".openclaw"), str(ws), resolve_symlinks=True)
    d = decide(builtin_policy(), ToolCall("read", {"path": "innocent.txt"}), ctx)
    assert (d.decision, d.rule_id) == ("deny", "PG005")
    d2 = decide(builtin_policy(), ToolCall("read", {"path": "other.txt"}), ctx)
    assert d2.decision == "allow"
