"""Group-committed decision log: deny/ask durable before record() returns, allow flushed by close(), the
chain verifies and the signed head covers every record after close."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from clawfence.guard.decisionlog import DecisionLog
from clawfence.integrity import actionlog as auditlog


def _lines(p: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines()]


def test_deny_is_durable_before_return_and_close_flushes_all(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "home"))
    log = tmp_path / "actions.jsonl"
    dl = DecisionLog(log, head_interval=3600)
    for i in range(50):
        dl.record({"i": i, "decision": "allow"}, "allow")
    assert dl.record({"i": 50, "decision": "deny"}, "deny")
    # the deny is on disk now (its batch was fsynced before record() returned), with every earlier record
    assert [r["data"]["i"] for r in _lines(log)] == list(range(51))  # type: ignore[index]
    for i in range(51, 80):
        dl.record({"i": i, "decision": "allow"}, "allow")
    dl.close()
    assert [r["data"]["i"] for r in _lines(log)] == list(range(80))  # type: ignore[index]
    res = auditlog.verify(log)
    assert res.ok and res.head == "ok" and res.signed_upto == 79, res


def test_concurrent_denies_share_commits_and_all_land(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "home"))
    log = tmp_path / "actions.jsonl"
    dl = DecisionLog(log, mode="sync")
    ok: list[bool] = []
    ts = [threading.Thread(target=lambda k=k: ok.append(dl.record({"k": k}, "allow"))) for k in range(40)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(ok) == 40 and all(ok)
    assert sorted(r["data"]["k"] for r in _lines(log)) == list(range(40))  # type: ignore[index]
    dl.close()
    assert auditlog.verify(log).ok


def test_write_failure_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "home"))
    (tmp_path / "ro").mkdir()
    log = tmp_path / "ro" / "actions.jsonl"
    log.mkdir()  # a directory where the log should be: every open fails
    dl = DecisionLog(log)
    assert dl.record({"x": 1}, "deny") is False
    assert dl.errors == 1
    dl.close()


def test_bad_mode() -> None:
    with pytest.raises(ValueError):
        DecisionLog(Path("/nonexistent/x"), mode="never")


def test_other_writers_interleave_and_chain_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "home"))
    log = tmp_path / "actions.jsonl"
    dl = DecisionLog(log, head_interval=0.05)
    assert dl.record({"n": 1}, "deny")
    auditlog.append(log, "fix.apply", {"n": 2})  # blocks on the lock until the idle writer lets go
    assert dl.record({"n": 3}, "ask")
    dl.close()
    assert [r["data"]["n"] for r in _lines(log)] == [1, 2, 3]  # type: ignore[index]
    res = auditlog.verify(log)
    assert res.ok and res.head == "ok" and res.signed_upto == 2, res
