"""The guard and the trail give one answer for the same call (issue 9), both ways:

- every call of the guard's test tables (``tests/guard/data/calls.yaml`` and the ``fire`` examples kept beside the
  built-in rules) that the guard DENIES, replayed as a transcript tool-call event, gives a trail finding of the same
  family (command / path / secret / egress / config / financial ...): the family of the trail rule that claims the
  kernel signal the denying rule matched on;
- every trail finding about a command (TR001, and TR006 when the kernel called the delete dangerous), replayed through
  the guard's ``decide``, is not allowed.

Both use the same agent home as the guard tables (``/home/agent``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from clawfence.catalog import registry
from clawfence.core.model import Severity
from clawfence.detect.calls import PathContext, ToolCall
from clawfence.guard.policy import builtin_policy, decide
from clawfence.trail import detections
from clawfence.trail.events import TrailEvent
from clawfence.trail.rules import rule_for_signal, rules

ROOT = Path(__file__).resolve().parents[2]
HOME = "/home/agent"
CTX = PathContext(home=HOME, workspace=f"{HOME}/.openclaw/workspace", state_dir=f"{HOME}/.openclaw",
                  cwd=f"{HOME}/.openclaw/workspace", resolve_symlinks=False)
OPTS = detections.Options(home=HOME, state_dir=f"{HOME}/.openclaw", weekdays_only=False, work_start=0, work_end=24)
DEFAULT_TS = "2026-11-18T10:00:00+08:00"


def _doc(row: dict[str, Any]) -> dict[str, Any]:
    if "exec" in row:
        doc: dict[str, Any] = {"toolName": "exec", "params": {"command": row["exec"]}, **row.get("call_extra", {})}
    else:
        doc = dict(row["call"])
    doc.setdefault("ts", DEFAULT_TS)
    return doc


def _example_doc(ex: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(ex, str):
        return {"toolName": "exec", "params": {"command": ex}, "ts": DEFAULT_TS}
    return {"toolName": ex["tool"], "params": ex.get("params") or {}, "ts": DEFAULT_TS}


def _calls() -> list[tuple[str, dict[str, Any]]]:
    """(label, hook-shaped call document) of every call in the guard's tables."""
    table = yaml.safe_load((ROOT / "tests" / "guard" / "data" / "calls.yaml").read_text(encoding="utf-8"))
    out = [(f"{g}-{i}", _doc(row)) for g in ("attacks", "legit") for i, row in enumerate(table[g])]
    out += [(f"{m.id}-{k}{i}", _example_doc(ex)) for m in registry() if m.family == "guard"
            for k in ("fire", "ok") for i, ex in enumerate(m.examples.get(k) or [])]
    return out


CALLS = _calls()


def _event(doc: dict[str, Any]) -> TrailEvent:
    ts = datetime.fromisoformat(str(doc["ts"]))
    return TrailEvent(ts, "tool_call", agent="main", session_id="replay", tool=str(doc["toolName"]),
                      tool_call_id="c1", args=dict(doc.get("params") or {}), source="replay")


def _trail(doc: dict[str, Any]) -> list[Any]:
    ev = _event(doc)
    from clawfence.trail.events import SessionMeta, SessionTimeline
    tl = SessionTimeline(SessionMeta(agent="main", session_id="replay"), [ev])
    return detections.dedupe(detections.detect_session(tl, OPTS))


def _denied() -> list[tuple[str, dict[str, Any]]]:
    return [(label, doc) for label, doc in CALLS if decide(builtin_policy(), ToolCall.from_json(doc), CTX).decision == "deny"]


DENIED = _denied()


def test_tables_have_enough_denied_calls() -> None:
    assert len(DENIED) >= 150, len(DENIED)


@pytest.mark.parametrize(("label", "doc"), DENIED, ids=[d[0] for d in DENIED])
def test_guard_deny_gives_trail_finding_of_same_family(label: str, doc: dict[str, Any]) -> None:
    d = decide(builtin_policy(), ToolCall.from_json(doc), CTX)
    rule = builtin_policy().rule(d.rule_id)
    assert rule is not None
    matched = [s.kind for s in d.signals if rule.signals and s.kind in rule.signals]
    expected = {r.family for k in matched if (r := rule_for_signal(k)) is not None}
    assert expected, f"{label}: guard {d.rule_id} denied on {matched}, a signal no trail rule claims"
    found = {rules()[f.id].family for f in _trail(doc)}
    assert expected & found, f"{label}: guard {d.rule_id} ({matched}) but trail families {sorted(found)}"


def _command_findings() -> list[tuple[str, dict[str, Any], str]]:
    out = []
    docs = list(CALLS)
    for m in registry():
        if m.family == "trail":
            for k in ("fire", "ok"):
                for i, ex in enumerate(m.examples.get(k) or []):
                    for j, item in enumerate(ex):
                        if "tool" in item:
                            docs.append((f"{m.id}-{k}{i}.{j}", {"toolName": item["tool"], "params": item.get("args") or {},
                                                               "ts": DEFAULT_TS}))
    for label, doc in docs:
        for f in _trail(doc):
            if f.id == "TR001" or (f.id == "TR006" and f.severity != Severity.MEDIUM):
                out.append((label, doc, f.id))
    return out


COMMAND_FINDINGS = _command_findings()


def test_trail_has_enough_command_findings() -> None:
    assert len(COMMAND_FINDINGS) >= 100, len(COMMAND_FINDINGS)


@pytest.mark.parametrize(("label", "doc", "rid"), COMMAND_FINDINGS, ids=[f"{c[0]}-{c[2]}" for c in COMMAND_FINDINGS])
def test_trail_command_finding_is_not_allowed_by_guard(label: str, doc: dict[str, Any], rid: str) -> None:
    d = decide(builtin_policy(), ToolCall.from_json(doc), CTX)
    assert d.decision != "allow", f"{label}: trail {rid} but guard allows ({d.reason})"
