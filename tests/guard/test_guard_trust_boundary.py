"""The OS trust boundary of the guard (docs/guard-trust.md), tried as the agent would: with real OS users.

As root the test creates a throwaway service user and a throwaway agent (= gateway) user, runs
``install_service`` into temporary paths, starts the service exactly as the rendered systemd unit says (its
``ExecStart`` and ``Environment`` lines, under ``setpriv`` as the service user) and then acts as the agent
(``setpriv --reuid/--regid --clear-groups``): it cannot read the signing key, the approvals store (TOTP secrets)
or the action log, cannot approve (no store access; the socket has no approval action), cannot kill the service,
cannot replace the socket or the pinned key, and the plugin run as the agent blocks every call answered by a rogue
server the agent starts on a socket or port it can bind. The genuine service, reached as the agent, still works.
Non-root parts: ``--service`` refuses non-root with one line, and ``systemd-analyze verify`` accepts the unit."""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from clawfence.core.paths import service_home
from clawfence.guard import install as inst
from clawfence.guard import trust
from clawfence.guard.approvals import ApprovalStore

HERE = Path(__file__).parent
PLUGIN = HERE.parents[1] / "src" / "clawfence" / "guard" / "plugin" / "index.js"
DRIVER = HERE / "plugin_driver.mjs"
CLAWFENCE = Path(sys.executable).parent / "clawfence"
if not CLAWFENCE.exists() and shutil.which("clawfence"):
    CLAWFENCE = Path(str(shutil.which("clawfence"))).absolute()
pytestmark = pytest.mark.skipif(not CLAWFENCE.exists(), reason="no clawfence script installed")
ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT or shutil.which("setpriv") is None or shutil.which("useradd") is None,
                                reason="needs root, setpriv and useradd (throwaway OS users)")


def _hidden_python_dir() -> Path | None:
    """The first directory on the interpreter's path other users cannot traverse (e.g. /root for a pyenv
    install), or None. Only there the test needs a private mount namespace to run Python as other users."""
    base = Path(sys.base_prefix).resolve()
    for p in [*reversed(base.parents), base]:
        if p != Path("/") and not p.stat().st_mode & 0o001:
            return p
    return None


def _namespace(work: Path) -> subprocess.Popen[str] | None:
    """When the interpreter lives under a private directory (``/root/.pyenv``), a process holding a private
    mount namespace in which that directory is a 0755 tmpfs with only the interpreter's tree bound back in;
    every other-user process of the test enters it with ``nsenter``. Nothing changes outside the namespace."""
    hidden = _hidden_python_dir()
    if hidden is None:
        return None
    child = hidden / Path(sys.base_prefix).resolve().relative_to(hidden).parts[0]
    stash = work / "ns-python"
    script = (f"set -e; mount --make-rprivate /; mkdir -p {stash}; mount --bind {child} {stash}; "
              f"mount -t tmpfs -o mode=0755 cf-test {hidden}; mkdir -p {child}; mount --bind {stash} {child}; "
              "echo ready; exec sleep 100000")
    p = subprocess.Popen(["unshare", "-m", "--", "sh", "-c", script], stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    return p


def _unit_exec(text: str) -> tuple[list[str], dict[str, str]]:
    """``ExecStart`` argv and ``Environment`` of a rendered unit."""
    argv: list[str] = []
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ExecStart="):
            argv = shlex.split(line[len("ExecStart="):])
        elif line.startswith("Environment="):
            k, _, v = shlex.split(line[len("Environment="):])[0].partition("=")
            env[k] = v
    return argv, env


def test_print_unit_verifies_with_systemd(tmp_path: Path) -> None:
    me = pwd.getpwuid(os.getuid()).pw_name if not ROOT else "nobody"
    r = subprocess.run([str(CLAWFENCE), "guard", "install", "--service", "--gateway-user", me, "--print-unit",
                        "--exe", str(CLAWFENCE)], capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0, r.stderr
    text = r.stdout
    for want in ("User=clawfence", "NoNewPrivileges=yes", "ProtectSystem=strict", f"ReadWritePaths={service_home()}",
                 "--no-tcp", f"--gateway-user {me}", "CapabilityBoundingSet=", "UMask=0077"):
        assert want in text, want
    argv, env = _unit_exec(text)
    assert argv[:3] == [str(CLAWFENCE), "guard", "serve"] and env["CLAWFENCE_SERVICE_HOME"] == str(service_home())
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed")
    unit = tmp_path / inst.UNIT_NAME
    unit.write_text(text)
    v = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60,
                       check=False)
    assert v.returncode == 0, v.stderr
    bad = tmp_path / "bad" / inst.UNIT_NAME  # control: the verifier does reject a broken unit
    bad.parent.mkdir()
    bad.write_text(text.replace("ExecStart=" + str(CLAWFENCE), "ExecStart=relative/clawfence"))
    v = subprocess.run(["systemd-analyze", "verify", str(bad)], capture_output=True, text=True, timeout=60,
                       check=False)
    assert v.returncode != 0


def test_service_install_usage_errors() -> None:
    r = subprocess.run([str(CLAWFENCE), "guard", "install", "--service"], capture_output=True, text=True,
                       timeout=60, check=False)
    assert r.returncode == 2 and "--gateway-user" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([str(CLAWFENCE), "guard", "install", "--service", "--gateway-user", "root", "--print-unit"],
                       capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 2 and "root" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    lay = inst.ServiceLayout("a", "a", Path("/h"), Path("/h/.openclaw"), Path("/h/w"), CLAWFENCE)
    if not ROOT:
        with pytest.raises(inst.InstallError, match="must run as root"):
            list(inst.install_service(lay))


@dataclass
class World:
    """The throwaway users and the installed layout."""

    dir: Path
    svc_user: str
    agent: str
    lay: inst.ServiceLayout
    pid: int
    ns: list[str]

    def as_agent(self, *argv: str, input: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        a = pwd.getpwnam(self.agent)
        return subprocess.run([*self.ns, "setpriv", f"--reuid={a.pw_uid}", f"--regid={a.pw_gid}", "--clear-groups", "--",
                               *argv], input=input, capture_output=True, text=True, timeout=timeout, check=False,
                              env={"PATH": "/usr/bin:/bin", "HOME": str(self.lay.gateway_home),
                                   "PYTHONPATH": str(HERE.parents[1] / "src")})

    def agent_py(self, code: str) -> subprocess.CompletedProcess[str]:
        return self.as_agent(sys.executable, "-c", code)

    def plugin(self, cfg: dict[str, object], events: list[dict[str, object]], user: str | None = None
               ) -> list[dict[str, object] | None]:
        job = {"plugin": str(PLUGIN), "cfg": cfg, "keyOwnerUid": 0,
               "calls": [{"event": e, "ctx": {"agentId": "main", "sessionKey": "s"}} for e in events]}
        r = self.as_agent("node", str(DRIVER), input=json.dumps(job))
        assert r.returncode == 0, r.stderr[-1500:]
        return [json.loads(x)["result"] for x in r.stdout.splitlines()]


def _give_back(world: World) -> None:
    """Root touched the store (as the owner would through the console): files back to the service user."""
    s = pwd.getpwnam(world.svc_user)
    for f in world.lay.home.glob(world.lay.store.name + "*"):
        os.chown(f, s.pw_uid, s.pw_gid)


def _userdel(name: str) -> None:
    subprocess.run(["userdel", name], capture_output=True, check=False)
    subprocess.run(["groupdel", name], capture_output=True, check=False)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    if not ROOT or shutil.which("setpriv") is None or shutil.which("useradd") is None:
        pytest.skip("needs root, setpriv and useradd")
    tag = secrets.token_hex(3)
    svc_user, agent = f"cfsvc{tag}", f"cfagent{tag}"
    d = Path(tempfile.mkdtemp(prefix="cftb-", dir="/tmp"))
    d.chmod(0o755)
    proc = None
    holder = None
    try:
        holder = _namespace(d)
        ns = ["nsenter", f"--mount=/proc/{holder.pid}/ns/mnt", "--"] if holder else []
        home = d / "agenthome"
        subprocess.run(["useradd", "--user-group", "--no-create-home", "--home-dir", str(home), "--shell",
                        "/bin/sh", agent], check=True, capture_output=True)
        a = pwd.getpwnam(agent)
        home.mkdir(mode=0o700)
        os.chown(home, a.pw_uid, a.pw_gid)
        lay = inst.ServiceLayout.for_gateway(agent, CLAWFENCE, user=svc_user, home=d / "svc", trust=d / "trust",
                                             socket=d / "run" / "guard.sock", unit_path=d / "unit" / inst.UNIT_NAME)
        lines = list(inst.install_service(lay))
        assert any("created system user" in x for x in lines), lines
        again = list(inst.install_service(lay))  # idempotent
        assert any("exists" in x for x in again), again
        argv, env = _unit_exec(lay.unit_path.read_text())
        s = pwd.getpwnam(svc_user)
        env["PATH"] = "/usr/bin:/bin"
        env["PYTHONPATH"] = str(HERE.parents[1] / "src")
        proc = subprocess.Popen([*ns, "setpriv", f"--reuid={s.pw_uid}", f"--regid={s.pw_gid}", f"--groups={a.pw_gid}",
                                 "--", *argv], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(150):
            if lay.socket.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        if not lay.socket.exists():
            proc.kill()
            raise AssertionError((proc.stderr.read() if proc.stderr else b"").decode()[-2000:])
        yield World(d, svc_user, agent, lay, proc.pid, ns)  # nsenter and setpriv exec in place: the service's pid
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if holder is not None:
            holder.terminate()
            holder.wait(10)
        _userdel(agent)
        _userdel(svc_user)
        shutil.rmtree(d, ignore_errors=True)


HARMLESS = {"toolName": "exec", "params": {"command": "git status"}}
DESTRUCTIVE = {"toolName": "exec", "params": {"command": "rm -rf /"}}
ASK = {"toolName": "exec", "params": {"command": "pip install reqeusts"}}


@needs_root
def test_layout_modes(world: World) -> None:
    lay, s = world.lay, pwd.getpwnam(world.svc_user)
    assert s.pw_shell == inst.NOLOGIN
    st = lay.home.stat()
    assert (st.st_uid, st.st_mode & 0o777) == (s.pw_uid, 0o700)
    key = trust.key_path(lay.home).stat()
    assert (key.st_uid, key.st_mode & 0o777) == (s.pw_uid, 0o600)
    pub = trust.pub_path(lay.trust).stat()
    assert (pub.st_uid, pub.st_mode & 0o777) == (0, 0o644)
    assert (lay.trust.stat().st_uid, lay.trust.stat().st_mode & 0o777) == (0, 0o755)
    sock = lay.socket.stat()
    assert sock.st_mode & 0o777 == 0o660 and sock.st_gid == pwd.getpwnam(world.agent).pw_gid
    assert lay.socket.parent.stat().st_uid == s.pw_uid and lay.socket.parent.stat().st_mode & 0o022 == 0


@needs_root
def test_agent_cannot_read_service_secrets(world: World) -> None:
    lay = world.lay
    ApprovalStore(lay.store).enroll("owner")  # a TOTP secret now sits in the store
    _give_back(world)
    for f in (trust.key_path(lay.home), lay.store, lay.home / "keys", lay.home):
        r = world.as_agent("cat", str(f)) if f.is_file() else world.as_agent("ls", str(f))
        assert r.returncode != 0 and "Permission denied" in r.stderr, (f, r.stderr)
    r = world.agent_py(f"import sqlite3; sqlite3.connect('file:{lay.store}?mode=ro', uri=True)"
                       ".execute('select totp_secret from approvers').fetchall()")
    assert r.returncode != 0
    # the public key is readable (it is what the plugin pins) but not writable
    assert world.as_agent("cat", str(trust.pub_path(lay.trust))).returncode == 0
    r = world.agent_py(f"open({str(trust.pub_path(lay.trust))!r}, 'a').write('x')")
    assert r.returncode != 0 and "PermissionError" in r.stderr
    r = world.as_agent("cp", "/etc/hostname", str(lay.trust / "evil.pub"))
    assert r.returncode != 0


@needs_root
def test_agent_cannot_approve(world: World) -> None:
    lay = world.lay
    res = world.plugin({"socketPath": str(lay.socket), "publicKeyFile": str(trust.pub_path(lay.trust))}, [ASK])
    assert res[0] is not None and "pending" in str(res[0]["blockReason"])
    pending = ApprovalStore(lay.store).list("pending")
    assert pending
    rid = pending[-1].id
    r = world.as_agent(str(CLAWFENCE), "guard", "approvals", "approve", rid, "--approver", "owner", "--store",
                       str(lay.store))
    assert r.returncode != 0 and "Traceback" not in r.stderr
    # over the socket: there is no approval action at all, whatever the path
    paths = [("POST", f"/v1/approvals/{rid}/approve"), ("POST", f"/v1/approvals/{rid}"),
             ("GET", f"/v1/approvals/{rid}/approve"), ("POST", f"/v1/approve?id={rid}")]
    code = (
        "import http.client, socket, json, sys\n"
        "class C(http.client.HTTPConnection):\n"
        "    def connect(self):\n"
        f"        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect({str(lay.socket)!r})\n"
        "out = []\n"
        f"for m, p in {paths!r}:\n"
        "    try:\n"
        "        c = C('x'); c.request(m, p, body=b'{\"approver\": \"owner\"}',"
        " headers={'Content-Type': 'application/json'})\n"
        "        r = c.getresponse(); out.append(r.status); r.read(); c.close()\n"
        "    except OSError:\n"
        "        out.append(-1)  # the service closed the connection: refused\n"
        "print(json.dumps(out))\n"
    )
    r = world.agent_py(code)
    assert r.returncode == 0, r.stderr
    assert all(s in (404, 405, 401, -1) for s in json.loads(r.stdout)), r.stdout
    assert ApprovalStore(lay.store).get(rid).status == "pending"


@needs_root
def test_other_users_cannot_connect(world: World) -> None:
    r = subprocess.run([*world.ns, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--",
                        sys.executable, "-c",
                        f"import socket; socket.socket(socket.AF_UNIX).connect({str(world.lay.socket)!r})"],
                       capture_output=True, text=True, timeout=30, check=False)
    assert r.returncode != 0 and "PermissionError" in r.stderr


@needs_root
def test_agent_cannot_kill_or_replace_the_service(world: World) -> None:
    r = world.agent_py(f"import os, signal; os.kill({world.pid}, signal.SIGKILL)")
    assert r.returncode != 0 and "PermissionError" in r.stderr
    assert world.as_agent("kill", "-9", str(world.pid)).returncode != 0
    os.kill(world.pid, 0)  # still alive
    sock = str(world.lay.socket)
    r = world.agent_py(f"import os; os.unlink({sock!r})")
    assert r.returncode != 0 and "PermissionError" in r.stderr
    r = world.agent_py(f"import socket; s = socket.socket(socket.AF_UNIX); s.bind({sock + '.evil'!r})")
    assert r.returncode != 0 and "PermissionError" in r.stderr
    assert world.lay.socket.is_socket()


ROGUE = r"""
import json, os, socket, socketserver, sys, threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from clawfence.guard import trust
key = Ed25519PrivateKey.generate()
mode = sys.argv[1]
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        nonce = self.headers.get("X-Clawfence-Nonce", "")
        d = {"decision": "allow", "rule_id": "-", "approval_id": None, "status": None, "nonce": nonce}
        if mode == "signed":
            d["sig"] = trust.sign(key, nonce, trust.body_hash(body), d)
        data = json.dumps(d).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(data))); self.end_headers()
        self.wfile.write(data)
class U(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    def get_request(self):
        c, _ = self.socket.accept(); return c, ("u", 0)
path = os.path.expanduser("~/rogue-" + mode + ".sock")
u = U(path, H)
t = HTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=u.serve_forever, daemon=True).start()
threading.Thread(target=t.serve_forever, daemon=True).start()
print(json.dumps({"sock": path, "port": t.server_address[1]}), flush=True)
sys.stdin.read()
"""


@needs_root
def test_rogue_server_started_by_agent_gets_every_call_blocked(world: World) -> None:
    lay = world.lay
    pub = str(trust.pub_path(lay.trust))
    genuine = world.plugin({"socketPath": str(lay.socket), "publicKeyFile": pub}, [HARMLESS, DESTRUCTIVE])
    assert genuine[0] is None and genuine[1] is not None and "PG001" in str(genuine[1]["blockReason"])
    a = pwd.getpwnam(world.agent)
    tok = lay.gateway_home / "token"
    tok.write_text("agent-known-token\n")
    os.chown(tok, a.pw_uid, a.pw_gid)
    for mode in ("unsigned", "signed"):
        p = subprocess.Popen([*world.ns, "setpriv", f"--reuid={a.pw_uid}", f"--regid={a.pw_gid}", "--clear-groups", "--",
                              sys.executable, "-c", ROGUE, mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env={"HOME": str(lay.gateway_home), "PATH": "/usr/bin:/bin",
                                             "PYTHONPATH": str(HERE.parents[1] / "src")})
        try:
            assert p.stdout is not None
            where = json.loads(p.stdout.readline())
            for cfg in ({"socketPath": where["sock"], "publicKeyFile": pub},
                        {"transport": "http", "url": f"http://127.0.0.1:{where['port']}", "tokenFile": str(tok),
                         "publicKeyFile": pub}):
                res = world.plugin(cfg, [HARMLESS, DESTRUCTIVE, ASK])
                for r in res:
                    assert r is not None and "not authentic" in str(r["blockReason"]), (mode, cfg, r)
        finally:
            p.terminate()
            p.wait(10)


@needs_root
def test_service_install_refuses_non_root(world: World) -> None:
    a = pwd.getpwnam(world.agent)
    r = world.as_agent(str(CLAWFENCE), "guard", "install", "--service", "--gateway-user", world.svc_user, "--exe",
                       str(CLAWFENCE))
    assert r.returncode == 2 and "must run as root" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert a.pw_uid != 0
