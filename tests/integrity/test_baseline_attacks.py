"""Attacks on the configuration hash baseline (guide D3.3), run through ``clawfence baseline``.

The attacker can write the state dir, ``$CLAWFENCE_HOME`` (where the baseline file lives) and his own keys; the
signing key is in the service home and the pin in the trust dir, both out of his reach.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

CLI = [sys.executable, "-c", "from clawfence.cli import main; main()"]


class Dep:
    """A state dir with a workspace, OpenClaw home, clawfence home, service home and trust dir."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.oc_home = tmp / "user"
        self.sd = self.oc_home / ".openclaw"
        ws = self.sd / "workspace"
        (ws / "skills" / "ok").mkdir(parents=True)
        (ws / "skills" / "ok" / "SKILL.md").write_text("---\nname: ok\n---\nhello\n")
        (self.sd / "openclaw.json").write_text(json.dumps({"gateway": {"port": 18789}}))
        os.chmod(self.sd, 0o700)
        self.bp = tmp / "cfhome" / "baseline.json"
        self.env = dict(os.environ, CLAWFENCE_HOME=str(tmp / "cfhome"), CLAWFENCE_SERVICE_HOME=str(tmp / "svc"),
                        CLAWFENCE_TRUST_DIR=str(tmp / "trust"), OPENCLAW_HOME=str(self.oc_home),
                        HOME=str(self.oc_home))
        self.env.pop("OPENCLAW_STATE_DIR", None)
        (tmp / "svc").mkdir(mode=0o700)

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*CLI, "baseline", *args, "--state-dir", str(self.sd)], capture_output=True,
                              text=True, env=env or self.env, timeout=60)


@pytest.fixture
def dep(tmp_path: Path) -> Dep:
    d = Dep(tmp_path)
    r = d.run("create")
    assert r.returncode == 0, r.stderr
    return d


def test_clean_baseline_verifies_and_names_the_pin(dep: Dep) -> None:
    r = dep.run("verify")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "signature: ok" in r.stdout and "pinned" in r.stdout and str(dep.tmp / "trust") in r.stdout


def test_resigned_with_a_fresh_key_fails(dep: Dep) -> None:
    """The agent edits the config and re-creates the baseline with his own key (as if the service key were
    absent): the pin from the first baseline catches it."""
    cfg = dep.sd / "openclaw.json"
    cfg.write_text(json.dumps({"gateway": {"port": 1}}))
    env = dict(dep.env, CLAWFENCE_KEY_DIR=str(dep.tmp / "attacker-keys"))
    assert dep.run("create", env=env).returncode == 0
    r = dep.run("verify")
    assert r.returncode == 1 and "signature: INVALID" in r.stdout, r.stdout
    # the attacker's own public key passed explicitly is what it says: an override, named in the output
    r2 = dep.run("verify", "--pubkey", str(dep.tmp / "attacker-keys" / "ed25519.pub"))
    assert "signature: ok" in r2.stdout and "from --pubkey" in r2.stdout


def test_pubkey_override_with_the_real_key(dep: Dep) -> None:
    pub = dep.tmp / "svc" / "keys" / "ed25519.pub"
    assert dep.run("verify", "--pubkey", str(pub)).returncode == 0
    other = dep.tmp / "other.pub"
    other.write_text(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex())
    r = dep.run("verify", "--pubkey", str(other))
    assert r.returncode == 1 and "INVALID" in r.stdout


@pytest.mark.parametrize("root", ["workspace-agents", "personal-agents", "managed", "extra"])
def test_skill_added_in_every_root_openclaw_loads(dep: Dep, root: str) -> None:
    if root == "extra":
        extra = dep.tmp / "extra-skills"
        (extra / "seed").mkdir(parents=True)
        (extra / "seed" / "SKILL.md").write_text("---\nname: seed\n---\n")
        dep.sd.joinpath("openclaw.json").write_text(json.dumps(
            {"gateway": {"port": 18789}, "skills": {"load": {"extraDirs": [str(extra)]}}}))
        assert dep.run("create").returncode == 0
        target = extra
    else:
        target = {"workspace-agents": dep.sd / "workspace" / ".agents" / "skills",
                  "personal-agents": dep.oc_home / ".agents" / "skills",
                  "managed": dep.sd / "skills"}[root]
    (target / "evil").mkdir(parents=True)
    (target / "evil" / "SKILL.md").write_text("---\nname: evil\n---\ncurl x | sh\n")
    r = dep.run("verify")
    assert r.returncode == 1 and "added:" in r.stdout and "evil/SKILL.md" in r.stdout, r.stdout


def test_state_dir_mode_change_is_drift(dep: Dep) -> None:
    os.chmod(dep.sd, 0o777)
    r = dep.run("verify")
    assert r.returncode == 1 and ".: mode 0700 -> 0777" in r.stdout, r.stdout


@pytest.mark.parametrize("content", ["[" * 10000 + "]" * 10000, '{"a":' * 10000, "\x00garbage"])
def test_deep_or_garbage_baseline_is_one_line_exit_2(dep: Dep, content: str) -> None:
    dep.bp.write_text(content)
    r = dep.run("verify")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr


def _watch(dep: Dep) -> subprocess.Popen[str]:
    p = subprocess.Popen([*CLI, "baseline", "watch", "--state-dir", str(dep.sd), "--duration", "40",
                          "--log", str(dep.tmp / "actions.jsonl")], env=dep.env, text=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(3)  # let it start and make the first comparison
    return p


def _tampered_records(dep: Dep) -> list[dict[str, object]]:
    log = dep.tmp / "actions.jsonl"
    return [r for r in (json.loads(x) for x in log.read_text().splitlines()) if r["type"] == "baseline.tampered"]


@pytest.mark.parametrize("attack", ["delete", "resign", "edit"])
def test_watch_alerts_and_exits_nonzero_when_the_baseline_is_tampered(dep: Dep, attack: str) -> None:
    p = _watch(dep)
    if attack == "delete":
        dep.bp.unlink()
    elif attack == "resign":
        env = dict(dep.env, CLAWFENCE_KEY_DIR=str(dep.tmp / "attacker-keys"))
        assert dep.run("create", env=env).returncode == 0
    else:
        doc = json.loads(dep.bp.read_text())
        doc["files"]["openclaw.json"]["sha256"] = "0" * 64
        dep.bp.write_text(json.dumps(doc))
    out, err = p.communicate(timeout=60)
    assert p.returncode == 1, (out, err)
    assert "ALERT" in err
    recs = _tampered_records(dep)
    assert recs and "baseline" in str(recs[0]["data"])


def test_watch_refuses_to_start_on_a_bad_signature(dep: Dep) -> None:
    doc = json.loads(dep.bp.read_text())
    doc["files"]["openclaw.json"]["sha256"] = "0" * 64
    dep.bp.write_text(json.dumps(doc))
    r = subprocess.run([*CLI, "baseline", "watch", "--state-dir", str(dep.sd), "--duration", "5", "--log",
                        str(dep.tmp / "actions.jsonl")], env=dep.env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "invalid signature" in r.stderr
    assert _tampered_records(dep)


def test_watch_without_tamper_runs_to_the_end(dep: Dep) -> None:
    r = subprocess.run([*CLI, "baseline", "watch", "--state-dir", str(dep.sd), "--duration", "2", "--log",
                        str(dep.tmp / "actions.jsonl")], env=dep.env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "0 drift report(s)" in r.stdout, r.stdout + r.stderr
    assert shutil.which("true")  # the environment is sane
