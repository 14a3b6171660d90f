"""Hash-chained action log: append, verify, tamper detection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clawfence.integrity import actionlog as auditlog
from clawfence.integrity import checkpoint


@pytest.fixture(autouse=True)
def _own_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Signing keys go under tmp_path, never ~/.clawfence."""
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "cfhome"))
    checkpoint._SIGNERS.clear()


def test_chain_verifies_and_detects_edit(tmp_path: Path) -> None:
    log = tmp_path / "a.jsonl"
    for i in range(5):
        auditlog.append(log, "test", {"i": i})
    assert auditlog.verify(log).ok and auditlog.verify(log).records == 5
    assert oct(log.stat().st_mode & 0o777) == "0o600"
    lines = log.read_text().splitlines()
    rec = json.loads(lines[2])
    rec["data"]["i"] = 99
    lines[2] = json.dumps(rec)
    log.write_text("\n".join(lines) + "\n")
    res = auditlog.verify(log)
    assert not res.ok and res.bad_line == 3


def test_deleted_record_detected(tmp_path: Path) -> None:
    log = tmp_path / "a.jsonl"
    for i in range(4):
        auditlog.append(log, "t", {"i": i})
    lines = log.read_text().splitlines()
    del lines[1]
    log.write_text("\n".join(lines) + "\n")
    assert auditlog.verify(log).bad_line == 2


def test_partial_line_is_quarantined_and_recorded(tmp_path: Path) -> None:
    """A torn last line (crash mid-append, or joined records) is moved aside by the next writer, which records
    that it did; verify reports the incident until a person allows it."""
    log = tmp_path / "a.jsonl"
    auditlog.append(log, "t", {"i": 0})
    with open(log, "ab") as fh:
        fh.write(b'{"seq": 1, "trunc')
    auditlog.append(log, "t", {"i": 1})
    assert not auditlog.verify(log).ok
    res = auditlog.verify(log, allow_incidents=True)
    assert res.ok and res.records == 3 and len(res.incidents) == 1
    assert json.loads(log.read_text().splitlines()[1])["type"] == "log.torn_tail"
