"""Attacks on the tamper-evident action log, each run through the real CLI (``clawfence log append|verify``).

The attacker here can write the log, its head and ``$CLAWFENCE_HOME`` (the agent's user can); the signing key
lives in the service home and the anchor is append-only for the attacker (he may append, never rewrite). Each
test is one row of the attack table in docs/integrity.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clawfence.integrity import actionlog, checkpoint

CLI = [sys.executable, "-c", "from clawfence.cli import main; main()"]


class Env:
    """One deployment: clawfence home (agent-writable), service home (key), trust dir (pin), anchor file."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.log = tmp / "home" / "actions.jsonl"
        self.anchor = tmp / "anchor" / "heads.jsonl"
        self.anchor.parent.mkdir(parents=True)
        self.env = dict(os.environ, CLAWFENCE_HOME=str(tmp / "home"), CLAWFENCE_SERVICE_HOME=str(tmp / "svc"),
                        CLAWFENCE_TRUST_DIR=str(tmp / "trust"), CLAWFENCE_LOG_ANCHOR=str(self.anchor))

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env or self.env, timeout=60)

    def append(self, i: int) -> subprocess.CompletedProcess[str]:
        return self.run("log", "append", str(self.log), "--type", "guard.decision",
                        "--data", json.dumps({"i": i, "tool": "exec", "decision": "allow"}))

    def verify(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.run("log", "verify", str(self.log), "--anchor", str(self.anchor), *extra)

    def lines(self) -> list[bytes]:
        return self.log.read_bytes().splitlines(keepends=True)

    def snapshot(self, dest: Path) -> None:
        dest.mkdir()
        for p in self.log.parent.iterdir():
            if p.name.startswith("actions.jsonl"):
                shutil.copy2(p, dest / p.name)

    def restore(self, src: Path) -> None:
        for p in self.log.parent.iterdir():
            if p.name.startswith("actions.jsonl"):
                p.unlink()
        for p in src.iterdir():
            shutil.copy2(p, self.log.parent / p.name)


@pytest.fixture
def dep(tmp_path: Path) -> Env:
    e = Env(tmp_path)
    for i in range(5):
        r = e.append(i)
        assert r.returncode == 0, r.stderr
    return e


def _forged_record(prev_line: bytes, data: dict[str, object]) -> bytes:
    """A record correctly hash-chained after ``prev_line`` (anyone can compute this; no key needed)."""
    prev = json.loads(prev_line)
    rec = {"data": data, "prev": prev["hash"], "seq": prev["seq"] + 1, "ts": prev["ts"], "type": "guard.decision"}
    rec["hash"] = actionlog.record_hash(rec)
    return json.dumps(rec).encode() + b"\n"


def test_intact_log_passes_and_says_which_key(dep: Env) -> None:
    r = dep.verify()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK: 5 records" in r.stdout and "consistent" in r.stdout
    assert "pinned" in r.stdout and str(dep.tmp / "trust") in r.stdout  # says which key and where it is pinned


def test_key_lives_in_service_home_not_in_agent_home(dep: Env) -> None:
    key = dep.tmp / "svc" / "keys" / "ed25519.key"
    assert key.is_file() and key.stat().st_mode & 0o777 == 0o600
    assert (dep.tmp / "svc").stat().st_mode & 0o777 == 0o700
    assert not (dep.tmp / "home" / "keys").exists()
    pin = json.loads((dep.tmp / "trust" / "signing-key.json").read_text())
    assert pin["key_id"] == checkpoint.key_id(Ed25519PrivateKey.from_private_bytes(
        checkpoint.serialization.load_pem_private_key(key.read_bytes(), None).private_bytes_raw()).public_key())


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None, reason="needs root and runuser")
def test_agent_user_cannot_read_the_key(dep: Env) -> None:
    os.chmod(dep.tmp, 0o755)
    key = dep.tmp / "svc" / "keys" / "ed25519.key"
    r = subprocess.run(["runuser", "-u", "nobody", "--", "cat", str(key)], capture_output=True, timeout=30)
    assert r.returncode != 0 and b"Permission denied" in r.stderr


def test_forged_append_is_missing_tail(dep: Env) -> None:
    with open(dep.log, "ab") as fh:
        fh.write(_forged_record(dep.lines()[-1], {"i": 99, "tool": "exec", "decision": "allow"}))
    r = dep.verify()
    assert r.returncode == 1 and "missing tail" in r.stdout, r.stdout


def test_forged_append_then_legit_append_is_quarantined_not_signed(dep: Env) -> None:
    forged = _forged_record(dep.lines()[-1], {"i": 99, "msg": "nothing to see"})
    with open(dep.log, "ab") as fh:
        fh.write(forged)
    r = dep.append(6)
    assert r.returncode == 1 and "TAMPERED" in r.stderr and "not covered by the signed head" in r.stderr
    assert forged not in dep.log.read_bytes()  # never signed
    q = list(dep.log.parent.glob("actions.jsonl.quarantine-*"))
    assert len(q) == 1 and q[0].read_bytes() == forged  # preserved
    rec = json.loads(dep.lines()[5])
    assert rec["type"] == "log.quarantine" and rec["data"]["kind"] == "unsigned"
    r = dep.verify()
    assert r.returncode == 1 and "forged" in r.stdout and "quarantined" in r.stdout, r.stdout


def test_joined_tail_then_append_is_not_cut_silently(dep: Env) -> None:
    lines = dep.lines()
    dep.log.write_bytes(b"".join(lines[:-2]) + lines[-2].rstrip(b"\n") + b" " + lines[-1])
    r = dep.append(6)
    assert r.returncode == 1 and "TAMPERED" in r.stderr
    q = list(dep.log.parent.glob("actions.jsonl.quarantine-*"))
    assert len(q) == 1 and q[0].read_bytes() == lines[-2].rstrip(b"\n") + b" " + lines[-1]
    r = dep.verify()
    assert r.returncode == 1 and "fork" in r.stdout and "quarantined" in r.stdout, r.stdout


def test_joined_tail_without_append_fails(dep: Env) -> None:
    lines = dep.lines()
    dep.log.write_bytes(b"".join(lines[:-2]) + lines[-2].rstrip(b"\n") + lines[-1])
    r = dep.verify()
    assert r.returncode == 1 and "BROKEN" in r.stdout


def test_rollback_to_older_copy_is_named(dep: Env) -> None:
    old = dep.tmp / "old"
    dep.snapshot(old)
    for i in range(5, 8):
        assert dep.append(i).returncode == 0
    dep.restore(old)
    assert dep.run("log", "verify", str(dep.log)).returncode == 0  # locally consistent: only the anchor sees it
    r = dep.verify()
    assert r.returncode == 1 and "rollback" in r.stdout, r.stdout


def test_rollback_then_more_appends_is_a_fork(dep: Env) -> None:
    old = dep.tmp / "old"
    dep.snapshot(old)
    for i in range(5, 7):
        assert dep.append(i).returncode == 0
    dep.restore(old)
    for i in range(10, 14):  # the log grows past the anchored size again, with other records
        assert dep.append(i).returncode == 0
    r = dep.verify()
    assert r.returncode == 1 and "fork" in r.stdout, r.stdout


def _rewrite(dep: Env, signer: checkpoint.Signer) -> None:
    """Edit record 2, re-chain everything after it and sign a new head (published to the anchor too)."""
    recs = [json.loads(x) for x in dep.lines()]
    recs[2]["data"]["decision"] = "deny"
    prev = recs[1]["hash"]
    for r in recs[2:]:
        r["prev"] = prev
        r["hash"] = actionlog.record_hash(r)
        prev = r["hash"]
    dep.log.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in recs))
    os.environ["CLAWFENCE_LOG_ANCHOR"] = str(dep.anchor)
    try:
        checkpoint.write_head(dep.log, recs[-1]["seq"], prev, signer)
    finally:
        del os.environ["CLAWFENCE_LOG_ANCHOR"]


def test_fresh_key_rewrite_fails_with_and_without_anchor(dep: Env) -> None:
    fresh = Ed25519PrivateKey.generate()
    _rewrite(dep, checkpoint.Signer(fresh, checkpoint.key_id(fresh.public_key())))
    r = dep.verify()
    assert r.returncode == 1 and "rewrite" in r.stdout and "another key" in r.stdout, r.stdout
    r = dep.run("log", "verify", str(dep.log))  # the pin alone catches it
    assert r.returncode == 1 and "unknown key" in r.stdout, r.stdout


def test_fresh_key_after_deleting_the_service_key(dep: Env) -> None:
    """Root deletes the key; the next append makes a new one. The pin is not replaced, so verify fails."""
    shutil.rmtree(dep.tmp / "svc" / "keys")
    lines = dep.lines()
    dep.log.write_bytes(b"".join(lines[:2]))  # rewrite history: keep 2 records
    dep.log.with_name("actions.jsonl.head").unlink()
    dep.append(9)
    r = dep.verify()
    assert r.returncode == 1 and "another key" in r.stdout, r.stdout


def test_rewrite_resigned_with_the_real_key_is_a_fork_in_the_anchor(dep: Env) -> None:
    """Root with the key re-signs a rewritten log; the anchor (not rewritable by him) still has the old heads."""
    key = checkpoint.serialization.load_pem_private_key((dep.tmp / "svc" / "keys" / "ed25519.key").read_bytes(),
                                                        None)
    assert isinstance(key, Ed25519PrivateKey)
    _rewrite(dep, checkpoint.Signer(key, checkpoint.key_id(key.public_key())))
    assert dep.run("log", "verify", str(dep.log)).returncode == 0  # the key alone cannot tell
    r = dep.verify()
    assert r.returncode == 1 and "fork" in r.stdout, r.stdout


def test_deleted_head_fails(dep: Env) -> None:
    dep.log.with_name("actions.jsonl.head").unlink()
    r = dep.verify()
    assert r.returncode == 1 and "missing" in r.stdout


def test_crash_fragment_is_preserved_and_only_a_warning(dep: Env) -> None:
    with open(dep.log, "ab") as fh:
        fh.write(b'{"data":{"i":')
    r = dep.append(6)
    assert r.returncode == 1 and "partial record" in r.stderr
    r = dep.verify()
    assert r.returncode == 0 and "crash fragment quarantined" in r.stdout, r.stdout


@pytest.mark.parametrize("content", [b"[" * 10000 + b"]" * 10000 + b"\n", b"\x00\xffgarbage\nmore\n",
                                     b'{"a":' * 10000 + b"\n"])
def test_deep_or_garbage_input_is_one_line_exit_2(tmp_path: Path, content: bytes) -> None:
    e = Env(tmp_path)
    e.log.parent.mkdir(parents=True)
    e.log.write_bytes(content)
    for r in (e.run("log", "verify", str(e.log)), e.verify()):
        assert r.returncode == 2, r.stdout + r.stderr
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_garbage_anchor_is_not_a_pass(dep: Env) -> None:
    dep.anchor.write_bytes(b"[" * 10000 + b"\n")
    r = dep.verify()
    assert r.returncode == 1 and "not anchored" in r.stdout, r.stdout


def test_syslog_anchor_file_is_accepted(dep: Env, tmp_path: Path) -> None:
    """A collector's file of RFC 5424 lines works as the anchor (as rsyslog stores what it received)."""
    from clawfence.integrity.anchor import to_syslog
    entries = [json.loads(x) for x in dep.anchor.read_text().splitlines()]
    sl = tmp_path / "syslog.log"
    sl.write_text("".join("Dec  4 02:00:00 host " + to_syslog(e) + "\n" for e in entries))
    r = dep.run("log", "verify", str(dep.log), "--anchor", str(sl))
    assert r.returncode == 0, r.stdout
    old = json.loads(dep.lines()[-1])
    dep.log.write_bytes(b"".join(dep.lines()[:-1]))
    dep.log.with_name("actions.jsonl.head").unlink()
    r = dep.run("log", "verify", str(dep.log), "--anchor", str(sl))
    assert r.returncode == 1 and "rollback" in r.stdout and old["seq"] == 4
