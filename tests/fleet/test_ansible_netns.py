"""Integration: the Ansible role audits three hosts over SSH and ``fleet report`` names their shared token.

Each host is a network namespace this test creates, with its own sshd on a veth address (10.231.<i>.2/30) and
its own OpenClaw installation (the insecure, insecure-noauth and hardened fixture homes; the first two share the
gateway token, one in openclaw.json, one in .env). The controller (ansible-playbook) runs in a fourth namespace
holding the other veth ends (10.231.<i>.1/30), so every packet stays inside namespaces made here. The hosts get
clawfence from a wheelhouse the controller copies (pip never touches an index on the hosts).

Needs root, ``ip``, OpenSSH (``apt-get install openssh-server openssh-client``) and ansible-core (dev extra);
skips cleanly otherwise. The wheelhouse comes from ``CLAWFENCE_FLEET_WHEELHOUSE`` or is built with
``pip wheel`` (which needs the package registry or a warm pip cache, like any ``pip install``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SSHD = Path("/usr/sbin/sshd")
BIN = Path(sys.executable).parent
PLAYBOOK = ROOT / "ansible" / "playbooks" / "audit.yml"
HOSTS = {"gw-insecure": "insecure", "gw-noauth": "insecure-noauth", "gw-hardened": "hardened"}
SALT = "fleet-integration-salt-7c1e5a0b9d"
#: the interpreter behind this venv: the hosts' venvs are made from it, so the wheelhouse's cp tags match
HOST_PY = next((str(p) for p in (Path(sys.base_prefix) / "bin" / "python3", Path(sys.base_prefix) / "bin" / "python")
                if p.exists()), sys.executable)

pytestmark = pytest.mark.netns


def _need() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    for tool in ("ip", "ssh", "ssh-keygen"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed")
    if not SSHD.exists():
        pytest.skip("sshd not installed (apt-get install openssh-server)")
    if not (BIN / "ansible-playbook").exists() and shutil.which("ansible-playbook") is None:
        pytest.skip("ansible-core not installed (dev extra)")


def _sh(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), check=True, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of clawfence and its dependencies (env CLAWFENCE_FLEET_WHEELHOUSE, else built with pip wheel)."""
    _need()
    given = os.environ.get("CLAWFENCE_FLEET_WHEELHOUSE")
    if given:
        return Path(given)
    w = tmp_path_factory.mktemp("wheelhouse")
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "-w", str(w),
                        str(ROOT)], capture_output=True, text=True, timeout=540)
    if p.returncode != 0:
        pytest.skip(f"cannot build the wheelhouse (no registry or cache?): {p.stderr.strip()[-300:]}")
    return w


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, fixture_homes: Path) -> Iterator[dict[str, object]]:
    """Controller namespace + one namespace per host with sshd; torn down afterwards (sshd by pid, netns)."""
    _need()
    tmp = tmp_path_factory.mktemp("fleetlab")
    tmp.chmod(0o755)
    tag = f"cf{os.getpid() % 100000}"
    ctl = f"{tag}-ctl"
    namespaces = [ctl]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        _sh("ip", "netns", "add", ctl)
        _sh("ip", "-n", ctl, "link", "set", "lo", "up")
        _sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "id_ed25519"))
        _sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / "hostkey"))
        shutil.copy(tmp / "id_ed25519.pub", tmp / "authorized_keys")
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
        hostkey = (tmp / "hostkey.pub").read_text().split()[:2]
        known: list[str] = []
        inv = ["[openclaw]"]
        for i, (name, fixture) in enumerate(HOSTS.items()):
            ns, addr = f"{tag}-h{i}", f"10.231.{i}.2"
            _sh("ip", "netns", "add", ns)
            namespaces.append(ns)
            _sh("ip", "-n", ns, "link", "set", "lo", "up")
            # both ends are created directly inside the test's namespaces: nothing appears in the root namespace
            _sh("ip", "link", "add", "name", f"{tag}c{i}", "netns", ctl, "type", "veth", "peer", "name",
                f"{tag}h{i}", "netns", ns)
            _sh("ip", "-n", ctl, "addr", "add", f"10.231.{i}.1/30", "dev", f"{tag}c{i}")
            _sh("ip", "-n", ns, "addr", "add", f"{addr}/30", "dev", f"{tag}h{i}")
            _sh("ip", "-n", ctl, "link", "set", f"{tag}c{i}", "up")
            _sh("ip", "-n", ns, "link", "set", f"{tag}h{i}", "up")
            cfg = tmp / f"sshd-{i}.conf"
            cfg.write_text(f"Port 22\nListenAddress {addr}\nHostKey {tmp / 'hostkey'}\nPidFile {tmp}/sshd-{i}.pid\n"
                           f"AuthorizedKeysFile {tmp / 'authorized_keys'}\nPermitRootLogin prohibit-password\n"
                           "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                           "Subsystem sftp internal-sftp\n")
            procs.append(subprocess.Popen(["ip", "netns", "exec", ns, str(SSHD), "-D", "-e", "-f", str(cfg)],
                                          stdout=subprocess.DEVNULL, stderr=open(tmp / f"sshd-{i}.log", "wb")))  # noqa: SIM115
            known.append(f"{addr} {hostkey[0]} {hostkey[1]}")
            home = tmp / name / "home"
            shutil.copytree(fixture_homes / f"home-{fixture}", home, symlinks=True)
            env = {"HOME": str(home)}
            if fixture == "hardened":  # its own random token, given to the gateway's environment
                env["OPENCLAW_GATEWAY_TOKEN"] = "hardened-" + os.urandom(16).hex()
            inv.append(f"{name} ansible_host={addr} clawfence_remote_root={tmp / name / 'opt'} "
                       f"clawfence_audit_env='{json.dumps(env)}'")
        (tmp / "known_hosts").write_text("\n".join(known) + "\n")
        inv += ["", "[openclaw:vars]", "ansible_user=root", f"ansible_ssh_private_key_file={tmp / 'id_ed25519'}",
                f"ansible_python_interpreter={HOST_PY}", f"clawfence_python={HOST_PY}"]
        (tmp / "inventory.ini").write_text("\n".join(inv) + "\n")
        for i in range(len(HOSTS)):  # wait for each sshd to listen
            for _ in range(100):
                r = subprocess.run(["ip", "netns", "exec", f"{tag}-h{i}", "ss", "-ltn", f"src 10.231.{i}.2:22"],
                                   capture_output=True, text=True)
                if ":22" in r.stdout:
                    break
                time.sleep(0.05)
            else:
                pytest.fail(f"sshd {i} did not start: {(tmp / f'sshd-{i}.log').read_text()}")
        yield {"tmp": tmp, "ctl": ctl}
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        for ns in reversed(namespaces):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_playbook_audits_three_hosts_and_fleet_report_names_shared_token(lab: dict[str, object],
                                                                          wheelhouse: Path) -> None:
    tmp = lab["tmp"]
    assert isinstance(tmp, Path)
    results = tmp / "results"
    ansible = BIN / "ansible-playbook" if (BIN / "ansible-playbook").exists() else Path(str(shutil.which("ansible-playbook")))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_HOME=str(tmp / "ansible-home"), ANSIBLE_LOCAL_TEMP=str(tmp / "ansible-tmp"),
               ANSIBLE_SSH_ARGS=f"-o UserKnownHostsFile={tmp / 'known_hosts'} -o IdentitiesOnly=yes "
                                "-o ControlMaster=auto -o ControlPersist=60s",
               ANSIBLE_SSH_CONTROL_PATH_DIR=str(tmp / "cp"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORKS="3",
               PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    extra = {"clawfence_wheelhouse": str(wheelhouse), "clawfence_fleet_salt": SALT,
             "clawfence_fetch_dir": str(results), "clawfence_controller_cmd": str(BIN / "clawfence")}
    (tmp / "extra.json").write_text(json.dumps(extra))  # a vars file: the salt never on a command line
    (tmp / "extra.json").chmod(0o600)
    t0 = time.monotonic()
    p = subprocess.run(["ip", "netns", "exec", str(lab["ctl"]), str(ansible), "-i", str(tmp / "inventory.ini"),
                        str(PLAYBOOK), "-e", f"@{tmp / 'extra.json'}"], capture_output=True, text=True, env=env,
                       timeout=900)
    took = time.monotonic() - t0
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    assert "failed=0" in p.stdout and SALT not in p.stdout + p.stderr
    for name in HOSTS:
        assert (results / name / "facts.json").is_file() and (results / name / "report.json").is_file()
        # the installation audited is that host's own: its HOME, its remote root
        facts = json.loads((results / name / "facts.json").read_text())
        assert facts["state_dir"] == str(tmp / name / "home" / ".openclaw")
        assert not (tmp / name / "opt" / "results").exists()  # remote results and salt file removed
    assert (results / "fleet.json").is_file() and (results / "fleet.html").is_file()  # the playbook's last play
    out = tmp / "fleet-report.json"
    r = subprocess.run([str(BIN / "clawfence"), "fleet", "report", str(results), "-o", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr  # a critical cross-host risk
    doc = json.loads(out.read_text())
    shared = [x for x in doc["risks"] if x["id"] == "FL001"]
    assert len(shared) == 1 and shared[0]["hosts"] == ["gw-insecure", "gw-noauth"]
    assert shared[0]["evidence"]["fingerprint"] in shared[0]["detail"]
    assert "changeme" not in out.read_text() and "changeme" not in r.stderr
    hosts = {h["name"]: h for h in doc["hosts"]}
    assert set(hosts) == set(HOSTS) and all(h["ok"] and h["score"] is not None for h in hosts.values())
    assert hosts["gw-hardened"]["credentials"], "the hardened host's token was compared (and is unique)"
    assert not [x for x in doc["risks"] if x["id"] == "FL006"]
    summary = {"seconds": round(took, 1), "hosts": {n: h["score"] for n, h in hosts.items()},
               "shared": shared[0]["detail"]}
    (Path(os.environ.get("CLAWFENCE_FLEET_SUMMARY", os.devnull))).write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
