"""The action log against an attacker who can write the log and clawfence's home (guide E4.2; issue "Integrity
v2"). Each attack is run as the CLI is used: events appended with ``CLAWFENCE_LOG_ANCHOR`` set, the attack done
with the attacker's means (raw file writes, the local signing key, a fresh key), then
``clawfence log verify FILE --anchor PATH`` must fail (exit 1) naming what happened, while the intact log passes.

Attacks (who can do it -> what catches it):

* forged records appended, then a legitimate append (anyone who can write the log) -> the writer quarantines
  the unsigned tail and records an incident; verify fails on the incident.
* last records joined into one line, then an append (anyone who can write the log) -> the writer refuses (the
  log is shorter than its signed head); verify fails (truncated).
* rollback to an older consistent copy of log + head (anyone who can write both) -> anchor: an anchored seq
  lies beyond the end of the log (rollback).
* rewrite with a fresh key: new keys, new head (anyone who can write clawfence's home) -> the anchor pins the
  first key and the head is not signed by it; anchored hashes differ (fork); the trust-dir pin refuses it too.
* rewrite re-signed with the real key (whoever can read the signing key) -> anchor: anchored record hashes
  differ (fork).
* forged records appended with no append after (anyone who can write the log) -> anchor: records after the
  last anchored head (missing tail).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clawfence.core.canonical import canonical

ROOT = Path(__file__).resolve().parents[2]


class Env:
    """A writer's environment: its own CLAWFENCE_HOME (keys), anchor file and trust dir."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.log = tmp / "actions.jsonl"
        self.anchor = tmp / "anchor" / "anchor.jsonl"
        self.anchor.parent.mkdir()
        self.env = dict(os.environ, CLAWFENCE_HOME=str(tmp / "cf"), CLAWFENCE_LOG_ANCHOR=str(self.anchor),
                        CLAWFENCE_TRUST_DIR=str(tmp / "trust"), CLAWFENCE_SERVICE_HOME=str(tmp / "no-service"),
                        PYTHONPATH=str(ROOT / "src"))

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "clawfence", *args], capture_output=True, text=True,
                              env=env or self.env, timeout=60)

    def append(self, i: int, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return self.run("log", "append", str(self.log), "--type", "guard.decision",
                        "--data", json.dumps({"i": i, "decision": "deny"}), env=env)

    def verify(self) -> subprocess.CompletedProcess[str]:
        return self.run("log", "verify", str(self.log), "--anchor", str(self.anchor))


def _lines(p: Path) -> list[bytes]:
    return p.read_bytes().splitlines(keepends=True)


def _forge(prev: dict[str, object], data: dict[str, object]) -> bytes:
    """A record chained correctly after ``prev`` (what an attacker with write access appends)."""
    body = {"data": data, "prev": prev["hash"], "seq": int(prev["seq"]) + 1,  # type: ignore[call-overload]
            "ts": "2026-12-04T00:00:00.000000+00:00", "type": "guard.decision"}
    return json.dumps({**body, "hash": hashlib.sha256(canonical(body)).hexdigest()}).encode() + b"\n"


@pytest.fixture
def env(tmp_path: Path) -> Env:
    e = Env(tmp_path)
    for i in range(5):
        r = e.append(i)
        assert r.returncode == 0, r.stderr
    return e


def test_intact_log_passes_and_says_which_key(env: Env) -> None:
    r = env.verify()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "key: key pinned by the anchor" in r.stdout and "anchor: OK, 5 anchored heads, last seq 4" in r.stdout
    assert len(env.anchor.read_text().splitlines()) == 5


def test_forged_append_then_legitimate_append(env: Env) -> None:
    last = json.loads(_lines(env.log)[-1])
    with open(env.log, "ab") as fh:
        fh.write(_forge(last, {"i": 99, "decision": "allow", "note": "forged"}))
    r = env.append(5)
    assert r.returncode == 1 and "incident: log.unverified_tail" in r.stderr, r.stderr  # appended, damage reported
    assert list(env.tmp.glob("actions.jsonl.quarantine-*-unverified"))  # ...with the forged record kept aside
    r = env.verify()
    assert r.returncode == 1 and "incident" in r.stdout and "records after the signed head" in r.stdout, r.stdout
    assert not any(json.loads(x)["data"].get("note") == "forged" for x in _lines(env.log))  # never signed over


def test_joined_tail_then_append(env: Env) -> None:
    lines = _lines(env.log)
    joined = b"".join(lines[:-2]) + lines[-2].rstrip(b"\n") + lines[-1].rstrip(b"\n")  # last two as one, no newline
    env.log.write_bytes(joined)
    r = env.append(5)
    assert r.returncode == 2 and "not appending" in r.stderr  # the writer does not cut and sign over it
    assert env.log.read_bytes() == joined  # left as found
    r = env.verify()
    assert r.returncode == 1, r.stdout


def test_joined_tail_keeping_the_newline(env: Env) -> None:
    lines = _lines(env.log)
    env.log.write_bytes(b"".join(lines[:-2]) + lines[-2].rstrip(b"\n") + lines[-1])
    assert env.append(5).returncode == 2
    assert env.verify().returncode == 1


def test_rollback_to_an_older_copy(env: Env) -> None:
    saved = env.tmp / "old"
    saved.mkdir()
    for p in (env.log, env.log.with_name(env.log.name + ".head")):
        shutil.copy2(p, saved / p.name)
    for i in range(5, 8):
        assert env.append(i).returncode == 0
    for p in saved.iterdir():
        shutil.copy2(p, env.log.parent / p.name)  # a consistent older log + head
    chain_only = env.run("log", "verify", str(env.log))
    r = env.verify()
    assert r.returncode == 1 and "rollback:" in r.stdout, r.stdout
    assert "key pinned" in chain_only.stdout  # without the anchor only the pin speaks: no rollback visible


def test_rewrite_with_a_fresh_key(env: Env) -> None:
    records = [json.loads(x) for x in _lines(env.log)]
    shutil.rmtree(env.tmp / "cf" / "keys")  # the attacker replaces the keys...
    env.log.unlink()
    env.log.with_name(env.log.name + ".head").unlink()
    bad = dict(env.env, CLAWFENCE_LOG_ANCHOR=str(env.tmp / "attacker-anchor.jsonl"),
               CLAWFENCE_TRUST_DIR=str(env.tmp / "attacker-trust"))
    for rec in records:  # ...and writes the log again, edited, signed with the new key
        d = dict(rec["data"], decision="allow")
        assert env.run("log", "append", str(env.log), "--type", rec["type"], "--data", json.dumps(d),
                       env=bad).returncode == 0
    assert env.run("log", "verify", str(env.log), "--pubkey", str(env.tmp / "cf" / "keys" / "ed25519.pub")
                   ).returncode == 0  # consistent under its own key
    r = env.verify()
    assert r.returncode == 1 and ("not signed by" in r.stdout or "invalid signature" in r.stdout), r.stdout
    assert "fork:" in r.stdout
    pinned = env.run("log", "verify", str(env.log))  # no anchor: the trust-dir pin still refuses the new key
    assert pinned.returncode == 1 and "key pinned at" in pinned.stdout


def test_rewrite_resigned_with_the_real_key(env: Env) -> None:
    from clawfence.integrity import checkpoint

    lines = [json.loads(x) for x in _lines(env.log)]
    lines[1]["data"]["decision"] = "allow"  # edit a past decision...
    prev = "0" * 64
    out = b""
    for rec in lines:  # ...recompute the chain...
        body = {k: v for k, v in rec.items() if k != "hash"}
        body["prev"] = prev
        h = hashlib.sha256(canonical(body)).hexdigest()
        out += json.dumps({**body, "hash": h}).encode() + b"\n"
        prev = h
    env.log.write_bytes(out)
    old_home = os.environ.get("CLAWFENCE_HOME")
    os.environ["CLAWFENCE_HOME"] = str(env.tmp / "cf")
    try:
        checkpoint._SIGNERS.clear()
        checkpoint.write_head(env.log, len(lines) - 1, prev, checkpoint.load_signer(create=False))  # ...re-sign
    finally:
        checkpoint._SIGNERS.clear()
        if old_home is None:
            os.environ.pop("CLAWFENCE_HOME", None)
        else:
            os.environ["CLAWFENCE_HOME"] = old_home
    assert env.run("log", "verify", str(env.log)).returncode == 0  # the chain and head alone cannot tell
    r = env.verify()
    assert r.returncode == 1 and "fork: record seq 1 differs" in r.stdout, r.stdout


def test_forged_append_without_a_later_append(env: Env) -> None:
    last = json.loads(_lines(env.log)[-1])
    with open(env.log, "ab") as fh:
        fh.write(_forge(last, {"i": 99}))
    r = env.verify()
    assert r.returncode == 1 and "missing-tail: 1 record(s) after the last anchored head" in r.stdout, r.stdout


def test_bad_anchor_and_deep_json_are_input_errors(env: Env, tmp_path: Path) -> None:
    r = env.run("log", "verify", str(env.log), "--anchor", "/dev/zero")
    assert r.returncode == 2 and "not a regular file" in r.stderr and "Traceback" not in r.stderr
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 10000 + "]" * 10000 + "\n")
    r = env.run("log", "verify", str(deep))
    assert r.returncode in (1, 2) and "Traceback" not in r.stderr
