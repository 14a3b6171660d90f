"""Every example kept beside a built-in guard rule (``examples: {fire, ok}`` in default_policy.yaml): each
``fire`` call is decided by that rule, no ``ok`` call is."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml

from clawfence.detect.calls import PathContext, ToolCall
from clawfence.guard.policy import builtin_policy, decide

CTX = PathContext(home="/home/agent", workspace="/home/agent/.openclaw/workspace",
                  state_dir="/home/agent/.openclaw", cwd="/home/agent/.openclaw/workspace")


def _call(ex: str | dict[str, Any]) -> ToolCall:
    doc: dict[str, Any] = ({"toolName": "exec", "params": {"command": ex}} if isinstance(ex, str)
                           else {"toolName": ex["tool"], "params": ex.get("params") or {}})
    doc["ts"] = "2026-11-18T10:00:00+08:00"
    return ToolCall.from_json(doc)


def _cases() -> list[tuple[str, str, str | dict[str, Any]]]:
    text = resources.files("clawfence.guard").joinpath("default_policy.yaml").read_text(encoding="utf-8")
    out: list[tuple[str, str, str | dict[str, Any]]] = []
    for r in yaml.safe_load(text)["rules"]:
        ex = r.get("examples") or {}
        out += [(r["id"], "fire", e) for e in ex.get("fire", [])] + [(r["id"], "ok", e) for e in ex.get("ok", [])]
    return out


CASES = _cases()


def test_new_rules_carry_examples() -> None:
    ids = {c[0] for c in CASES}
    assert {"PG020", "PG021", "PG022", "PG023", "PG024", "PG025"} <= ids


@pytest.mark.parametrize(("rule", "kind", "example"), CASES, ids=[f"{r}-{k}-{i}" for i, (r, k, _) in enumerate(CASES)])
def test_rule_example(rule: str, kind: str, example: str | dict[str, Any]) -> None:
    d = decide(builtin_policy(), _call(example), CTX)
    if kind == "fire":
        assert d.rule_id == rule, (example, d.decision, d.rule_id, d.reason)
    else:
        assert d.rule_id != rule, (example, d.decision, d.rule_id, d.reason)
