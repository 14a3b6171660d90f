"""Time windows for high-impact asks (guide E5.1): every example kept beside a window in the shipped example
policy, with the clock injected through the call's ``ts``; parsing of day/hour specs; policy errors."""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from clawfence.detect.calls import PathContext, ToolCall
from clawfence.guard.policy import PolicyError, builtin_policy, decide, load_policy, parse_policy
from clawfence.guard.windows import parse_days, parse_hours

CTX = PathContext(home="/home/agent", workspace="/home/agent/.openclaw/workspace",
                  state_dir="/home/agent/.openclaw", cwd="/home/agent/.openclaw/workspace")
EXAMPLE = Path(str(resources.files("clawfence.guard").joinpath("policies/windows.yaml")))


def _call(ex: dict[str, Any]) -> ToolCall:
    params = dict(ex.get("params") or {})
    if isinstance(params.get("path"), str):
        params["path"] = params["path"].replace("~", CTX.home, 1)
    return ToolCall.from_json({"toolName": ex["tool"], "params": params, "ts": ex["at"]})


def _cases() -> list[tuple[str, str, dict[str, Any]]]:
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    out: list[tuple[str, str, dict[str, Any]]] = []
    for name, w in doc["windows"].items():
        wid = w.get("id") or f"window.{name}"
        ex = w.get("examples") or {}
        out += [(wid, "fire", e) for e in ex.get("fire", [])] + [(wid, "ok", e) for e in ex.get("ok", [])]
    return out


CASES = _cases()


def test_every_window_has_both_kinds_of_example() -> None:
    assert {(w, k) for w, k, _ in CASES} == {("PGW001", "fire"), ("PGW001", "ok"), ("PGW002", "fire"), ("PGW002", "ok")}


@pytest.mark.parametrize(("wid", "kind", "ex"), CASES, ids=[f"{w}-{k}-{i}" for i, (w, k, _) in enumerate(CASES)])
def test_window_example(wid: str, kind: str, ex: dict[str, Any]) -> None:
    pol = load_policy(EXAMPLE)
    d = decide(pol, _call(ex), CTX)
    base = decide(builtin_policy(), _call(ex), CTX)
    if kind == "fire":
        assert d.rule_id == wid, (ex, d.decision, d.rule_id, d.reason)
        assert base.decision == "ask"  # a window only changes asks
        w = pol.model.windows[next(n for n, m in pol.model.windows.items() if m.id == wid)]
        if w.outside == "deny":
            assert d.decision == "deny" and "outside the" in d.reason and base.rule_id in d.reason
        else:
            assert d.decision == "ask" and d.approvals_needed == w.approvals > base.approvals_needed
    else:
        assert d.rule_id != wid, (ex, d.decision, d.rule_id, d.reason)
        assert (d.decision, d.rule_id) == (base.decision, base.rule_id)  # unchanged inside the window


def test_builtin_policy_has_no_window() -> None:
    """The built-in baseline declares no window (a window needs the operator's time zone and hours)."""
    assert builtin_policy().windows == ()


def test_wrapping_hours_and_days() -> None:
    pol = parse_policy(
        "version: 1\nextends: builtin\nwindows:\n  night_ops:\n    days: fri-mon\n    hours: '22:00-06:00'\n"
        "    tz: Europe/Berlin\n    rules: [PG025]\n", "<t>")
    call = {"toolName": "exec", "params": {"command": "terraform destroy -auto-approve"}}

    def at(ts: str) -> str:
        return decide(pol, ToolCall.from_json({**call, "ts": ts}), CTX).decision

    assert at("2026-11-20T23:00:00+01:00") == "ask"    # Fri 23:00: inside (starts Friday)
    assert at("2026-11-21T03:00:00+01:00") == "ask"    # Sat 03:00: the span started Friday
    assert at("2026-11-24T03:00:00+01:00") == "ask"    # Tue 03:00: the span started Monday
    assert at("2026-11-25T03:00:00+01:00") == "deny"   # Wed 03:00: span started Tuesday, not a window day
    assert at("2026-11-23T12:00:00+01:00") == "deny"   # Mon noon: outside the hours
    assert at("2026-11-23T06:00:00+01:00") == "deny"   # end is exclusive


def test_window_uses_the_zone_not_utc() -> None:
    pol = load_policy(EXAMPLE)
    c = {"toolName": "exec", "params": {"command": "kubectl delete ns prod"}}
    # 02:00 UTC is 10:00 in Shanghai (inside) though outside 09-18 in UTC
    assert decide(pol, ToolCall.from_json({**c, "ts": "2026-11-18T02:00:00Z"}), CTX).rule_id == "PG025"
    # 12:00 UTC is 20:00 in Shanghai (outside) though inside 09-18 in UTC
    assert decide(pol, ToolCall.from_json({**c, "ts": "2026-11-18T12:00:00Z"}), CTX).rule_id == "PGW001"


def test_parsers() -> None:
    assert parse_days("mon-fri") == frozenset(range(5))
    assert parse_days("sat,sun") == frozenset({5, 6})
    assert parse_days(["fri-mon"]) == frozenset({4, 5, 6, 0})
    assert parse_hours("00:00-24:00")[2] is True
    for bad in ("funday", "mon-xyz", ""):
        with pytest.raises(ValueError):
            parse_days(bad)
    for bad in ("9-18", "25:00-26:00", "09:00-24:30", "09:60-10:00"):
        with pytest.raises(ValueError):
            parse_hours(bad)


@pytest.mark.parametrize(("block", "msg"), [
    ("    tz: Mars/Olympus\n", "unknown timezone"),
    ("    days: someday\n", "unknown day"),
    ("    hours: 'nine to five'\n", "HH:MM-HH:MM"),
    ("    signals: [made-up]\n", "unknown signal"),
    ("    outside: shrug\n", "outside"),
    ("    approvals: 1\n", "approvals"),
])
def test_bad_windows_are_one_line_errors(block: str, msg: str) -> None:
    with pytest.raises(PolicyError, match=msg) as ei:
        parse_policy("version: 1\nwindows:\n  w:\n" + block, "p.yaml")
    assert "\n" not in str(ei.value)


def test_clock_is_injected_not_wall_time() -> None:
    """The same call at two injected times gets two answers: nothing reads the wall clock when ts is given."""
    pol = load_policy(EXAMPLE)
    c = {"toolName": "exec", "params": {"command": "terraform destroy -auto-approve"}}
    a = decide(pol, ToolCall.from_json({**c, "ts": datetime(2026, 11, 18, 3, 0).isoformat() + "Z"}), CTX)
    b = decide(pol, ToolCall.from_json({**c, "ts": datetime(2026, 11, 18, 15, 0).isoformat() + "Z"}), CTX)
    assert (a.decision, b.decision) == ("ask", "deny")


def test_service_judges_at_its_own_clock_not_the_claimed_ts(tmp_path: Path) -> None:
    """The decision service overwrites any ``ts`` in the request with its clock: claiming an in-window time does
    not turn a night-time destroy into an ask."""
    from datetime import UTC

    from clawfence.guard.approvals import ApprovalStore
    from clawfence.guard.server import GuardService

    night = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    svc = GuardService(load_policy(EXAMPLE), "t", ApprovalStore(tmp_path / "a.sqlite"), None, ctx=CTX,
                       clock=lambda: night)
    doc = {"toolName": "exec", "params": {"command": "terraform destroy -auto-approve"},
           "ts": "2026-11-18T10:00:00+08:00"}
    out = svc.handle_decide(doc)
    assert (out["decision"], out["rule_id"]) == ("deny", "PGW001")
    svc.clock = lambda: datetime(2026, 11, 18, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    assert svc.handle_decide({**doc, "ts": "2026-11-18T23:00:00+08:00"})["decision"] == "ask"


def test_windows_layer_over_strict_with_outside_approvals() -> None:
    """A window declared in a policy extending ``strict`` applies there too; ``outside: approvals`` keeps an ask."""
    pol = parse_policy(
        "version: 1\nextends: strict\nwindows:\n  high_impact:\n    days: mon-fri\n    hours: '09:00-18:00'\n"
        "    tz: UTC\n    rules: [PG025]\n    outside: approvals\n    approvals: 3\n", "<t>")
    c = {"toolName": "exec", "params": {"command": "kubectl delete ns prod"}}
    night = decide(pol, ToolCall.from_json({**c, "ts": "2026-11-18T23:00:00Z"}), CTX)
    day = decide(pol, ToolCall.from_json({**c, "ts": "2026-11-18T11:00:00Z"}), CTX)
    assert (night.decision, night.rule_id, night.approvals_needed) == ("ask", "window.high_impact", 3)
    assert (day.decision, day.rule_id, day.approvals_needed) == ("ask", "PG025", 1)
