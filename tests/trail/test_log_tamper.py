"""Tamper-evident log: every kind of tampering is named; crashes and concurrent writers are safe."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from clawfence.core.canonical import canonical
from clawfence.integrity import actionlog as auditlog
from clawfence.integrity import checkpoint


def _log(tmp_path: Path, n: int = 6) -> Path:
    log = tmp_path / "a.jsonl"
    for i in range(n):
        auditlog.append(log, "test", {"i": i, "msg": f"event {i}"})
    return log


def _lines(log: Path) -> list[str]:
    return log.read_text().splitlines()


def _write(log: Path, lines: list[str]) -> None:
    log.write_text("".join(x + "\n" for x in lines))


def test_clean_log_verifies_signed(tmp_path: Path, cf_home: Path) -> None:
    log = _log(tmp_path)
    res = auditlog.verify(log, require_head=True)
    assert res.ok and res.records == 6 and res.head == "ok" and res.signed_upto == 5
    key = cf_home / "keys" / "ed25519.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert oct(key.parent.stat().st_mode & 0o777) == "0o700"
    assert oct(log.stat().st_mode & 0o777) == "0o600"


def test_written_bytes_are_rfc8785_of_the_record(tmp_path: Path) -> None:
    log = tmp_path / "c.jsonl"
    with auditlog.LogWriter(log) as w:
        w.append("t", {"f": 1.5, "k\u00e9y": ["\U0001f600", None, True]})
        w.append("t\"q", {"\ue000": 1, "\U0001f600": 2})
    for line in _lines(log):
        rec = json.loads(line)
        body = {k: v for k, v in rec.items() if k != "hash"}
        assert line == rfc8785.dumps(body).decode()[:-1] + ',"hash":"' + rec["hash"] + '"}'
        assert auditlog.record_hash(rec) == rec["hash"]


def test_edit_detected(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    lines[2] = lines[2].replace('"event 2"', '"event X"')
    _write(log, lines)
    res = auditlog.verify(log)
    assert not res.ok and res.bad_line == 3 and "edited" in (res.reason or "")


def test_edit_with_recomputed_hashes_detected_by_head(tmp_path: Path) -> None:
    """An attacker who edits a record and re-chains every later hash is caught by the signed head."""
    log = _log(tmp_path)
    recs = [json.loads(x) for x in _lines(log)]
    recs[3]["data"]["msg"] = "nothing happened"
    prev = recs[2]["hash"]
    for r in recs[3:]:
        r["prev"] = prev
        r["hash"] = auditlog.record_hash(r)
        prev = r["hash"]
    _write(log, [json.dumps(r) for r in recs])
    res = auditlog.verify(log)
    assert not res.ok and "signed head" in (res.reason or "") and res.bad_line == 6


def test_delete_detected(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    del lines[1]
    _write(log, lines)
    res = auditlog.verify(log)
    assert not res.ok and res.bad_line == 2 and "deleted" in (res.reason or "")


def test_reorder_detected(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    lines[3], lines[4] = lines[4], lines[3]
    _write(log, lines)
    res = auditlog.verify(log)
    assert not res.ok and res.bad_line == 4


def test_insert_detected(tmp_path: Path) -> None:
    log = _log(tmp_path)
    lines = _lines(log)
    lines.insert(2, lines[1])
    _write(log, lines)
    res = auditlog.verify(log)
    assert not res.ok and res.bad_line == 3


def test_truncation_detected_via_head(tmp_path: Path) -> None:
    log = _log(tmp_path)
    _write(log, _lines(log)[:4])
    res = auditlog.verify(log)
    assert not res.ok and res.bad_line == 5 and "truncated" in (res.reason or "")
    assert "seq 4" in (res.reason or "")


def test_head_deleted_or_forged(tmp_path: Path) -> None:
    log = _log(tmp_path)
    head = checkpoint.head_path(log)
    saved = head.read_text()
    head.unlink()
    assert not auditlog.verify(log, require_head=True).ok
    assert auditlog.verify(log).warnings  # library default: warn only
    doc = json.loads(saved)
    doc["seq"] = 2
    head.write_text(json.dumps(doc))
    res = auditlog.verify(log)
    assert not res.ok and "signature" in (res.reason or "")


def test_other_key_rejected(tmp_path: Path, cf_home: Path, monkeypatch: object) -> None:
    log = _log(tmp_path)
    os.environ["CLAWFENCE_HOME"] = str(tmp_path / "other")
    checkpoint._SIGNERS.clear()
    other = checkpoint.load_signer()
    checkpoint.write_head(log, 5, json.loads(_lines(log)[5])["hash"], other)
    os.environ["CLAWFENCE_HOME"] = str(cf_home)
    checkpoint._SIGNERS.clear()
    res = auditlog.verify(log)
    assert not res.ok and "unknown key" in (res.reason or "")


def test_checkpoint_records_and_rewrite(tmp_path: Path) -> None:
    log = tmp_path / "bulk.jsonl"
    with auditlog.LogWriter(log, checkpoint_every=10) as w:
        for i in range(35):
            w.append("bulk", {"i": i})
    res = auditlog.verify(log, require_head=True)
    assert res.ok and res.checkpoints == 3, res
    # forge the signature field of the first checkpoint record and re-chain everything after it
    recs = [json.loads(x) for x in _lines(log)]
    idx = next(i for i, r in enumerate(recs) if r["type"] == "log.checkpoint")
    recs[idx - 1]["data"]["i"] = 999
    prev = recs[idx - 2]["hash"]
    for r in recs[idx - 1:]:
        r["prev"] = prev
        r["hash"] = auditlog.record_hash(r)
        prev = r["hash"]
    _write(log, [json.dumps(r) for r in recs])
    res = auditlog.verify(log)
    assert not res.ok and res.bad_line == idx + 1 and "checkpoint" in (res.reason or "")


def test_torn_tail_is_preserved_and_reported(tmp_path: Path) -> None:
    log = _log(tmp_path, 3)
    frag = b'{"data":{"i":3},"prev":"abc'
    with open(log, "ab") as fh:
        fh.write(frag)
    res = auditlog.verify(log)
    assert res.ok and res.torn_tail and res.records == 3
    auditlog.append(log, "t", {"i": 4})
    res = auditlog.verify(log, require_head=True)
    assert not res.ok and res.incidents and "partial or joined last line" in (res.reason or "")  # reported...
    kinds = [json.loads(x)["type"] for x in _lines(log)]
    assert kinds[3] == "log.torn_tail"
    (q,) = tmp_path.glob(f"{log.name}.quarantine-*-torn")
    assert q.read_bytes() == frag  # ...and kept byte for byte, never cut silently
    res = auditlog.verify(log, require_head=True, allow_incidents=True)
    assert res.ok and res.records == 5 and not res.torn_tail


_WRITER = """
import sys
from pathlib import Path
from clawfence.integrity import actionlog as auditlog
log, tag, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(n):
    auditlog.append(log, "conc", {"w": tag, "i": i, "pad": "x" * (i % 50) * 40})
"""

_KILLED = """
import sys
from pathlib import Path
from clawfence.integrity import actionlog as auditlog
with auditlog.LogWriter(Path(sys.argv[1]), checkpoint_every=200) as w:
    print("ready", flush=True)
    i = 0
    while True:
        w.append("spin", {"i": i, "pad": "y" * 3000})
        i += 1
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src")
    return env


def test_concurrent_writers_never_interleave(tmp_path: Path) -> None:
    log = tmp_path / "c.jsonl"
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(log), f"w{k}", "60"], env=_env())
             for k in range(4)]
    for p in procs:
        assert p.wait(timeout=120) == 0
    res = auditlog.verify(log, require_head=True)
    assert res.ok and res.records == 240, res
    seen = {(json.loads(x)["data"]["w"], json.loads(x)["data"]["i"]) for x in _lines(log)}
    assert len(seen) == 240


def test_kill_9_mid_append_leaves_verifiable_log(tmp_path: Path) -> None:
    log = tmp_path / "k.jsonl"
    p = subprocess.Popen([sys.executable, "-c", _KILLED, str(log)], env=_env(), stdout=subprocess.PIPE)
    assert p.stdout is not None and p.stdout.readline().strip() == b"ready"
    time.sleep(0.4)
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    res = auditlog.verify(log)
    assert res.ok, res
    assert res.records > 0
    auditlog.append(log, "after-crash", {"ok": True})
    res2 = auditlog.verify(log, require_head=True)
    # records the killed writer had not signed yet (if any) are quarantined and reported, never signed over
    unsigned = res.records - 1 - (res.signed_upto if res.signed_upto is not None else -1)
    assert res2.ok == (unsigned == 0 and not res.torn_tail), (res, res2)
    assert bool(res2.incidents) == (not res2.ok)
    res3 = auditlog.verify(log, require_head=True, allow_incidents=True)
    assert res3.ok and res3.records >= 2


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_fast_canonical_equals_rfc8785(v: object) -> None:
    try:
        ref = rfc8785.dumps(v)
    except Exception:
        return
    assert canonical(v) == bytes(ref)
