"""Hash-chained action log: append, verify, tamper detection."""

from __future__ import annotations

import json
from pathlib import Path

from clawfence import auditlog


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


def test_partial_line_is_terminated(tmp_path: Path) -> None:
    log = tmp_path / "a.jsonl"
    auditlog.append(log, "t", {"i": 0})
    with open(log, "ab") as fh:
        fh.write(b'{"seq": 1, "trunc')
    auditlog.append(log, "t", {"i": 1})
    res = auditlog.verify(log)
    assert not res.ok and res.bad_line == 2
