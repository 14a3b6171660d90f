"""The OpenClaw plugin (guard/plugin/index.js) run by the real ``node`` against the REAL guard service over its
Unix socket, and against rogue servers the agent could start: unsigned ``allow``, ``allow`` signed with another
key, a replayed genuine answer, a genuine answer for another request (same nonce, other body). Every rogue answer
must block; the genuine service's answers must be followed (allow / deny / ask, an owner's approval once).
Also: the block message for an ask never tells how to approve; the pinned key file must be root-owned
(here: the test's uid) and not group/world-writable; loopback HTTP with a token stays available as fallback."""

from __future__ import annotations

import json
import os
import shutil
import socketserver
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clawfence.detect.calls import PathContext
from clawfence.guard import trust
from clawfence.guard.approvals import ApprovalStore
from clawfence.guard.policy import builtin_policy
from clawfence.guard.server import GuardService, make_server, make_unix_server

HERE = Path(__file__).parent
PLUGIN = HERE.parents[1] / "src" / "clawfence" / "guard" / "plugin" / "index.js"
DRIVER = HERE / "plugin_driver.mjs"
CTX = PathContext("/home/a", "/home/a/.openclaw/workspace", "/home/a/.openclaw", "/home/a/.openclaw/workspace",
                  resolve_symlinks=False)
HARMLESS = {"toolName": "exec", "params": {"command": "git status"}}
DESTRUCTIVE = {"toolName": "exec", "params": {"command": "rm -rf /"}}
ASK = {"toolName": "exec", "params": {"command": "pip install reqeusts"}}

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")


def run_plugin(cfg: dict[str, Any], events: list[dict[str, Any]], key_owner: int | None = None,
               timeout: float = 60) -> list[dict[str, Any] | None]:
    """Run the plugin's before_tool_call on ``events`` in one node process; its results in order."""
    job = {"plugin": str(PLUGIN), "cfg": cfg, "keyOwnerUid": os.getuid() if key_owner is None else key_owner,
           "calls": [{"event": e, "ctx": {"agentId": "main", "sessionKey": "s1"}} for e in events]}
    r = subprocess.run(["node", str(DRIVER)], input=json.dumps(job), capture_output=True, text=True,
                       timeout=timeout, check=False)
    assert r.returncode == 0, r.stderr[-2000:]
    return [json.loads(line)["result"] for line in r.stdout.splitlines()]


def body_of(event: dict[str, Any]) -> bytes:
    """The exact body the plugin sends for ``event`` (same key order as index.js)."""
    doc = {"toolName": event["toolName"], "params": event["params"], "derivedPaths": [], "agentId": "main",
           "sessionKey": "s1", "requester": {}}
    return json.dumps(doc, separators=(",", ":")).encode()


@dataclass
class Env:
    """A genuine service on a Unix socket plus the pinned public key file."""

    dir: Path
    svc: GuardService
    key: Ed25519PrivateKey
    sock: Path
    pub: Path
    servers: list[socketserver.BaseServer] = field(default_factory=list)

    def cfg(self, **kw: Any) -> dict[str, Any]:
        return {"socketPath": str(self.sock), "publicKeyFile": str(self.pub), "timeoutMs": 5000, **kw}

    def serve(self, srv: socketserver.BaseServer) -> None:
        self.servers.append(srv)
        threading.Thread(target=srv.serve_forever, daemon=True).start()


@pytest.fixture
def env() -> Iterator[Env]:
    d = Path(tempfile.mkdtemp(prefix="cfp-", dir="/tmp"))  # short: AF_UNIX paths are limited to 108 bytes
    try:
        key = trust.load_or_create_key(d / "svc" / "keys" / "decision.key")
        pub = d / "trust" / "guard-decision.pub"
        trust.write_public(key, pub)
        os.chmod(pub.parent, 0o755)
        svc = GuardService(builtin_policy(), "tok-" + "x" * 20, ApprovalStore(d / "svc" / "a.sqlite"), None, None,
                           CTX, signer=key)
        e = Env(d, svc, key, d / "guard.sock", pub)
        e.serve(make_unix_server(svc, e.sock))
        yield e
        for s in e.servers:
            s.shutdown()
            s.server_close()
    finally:
        shutil.rmtree(d, ignore_errors=True)


Answer = Callable[[str, bytes], tuple[int, dict[str, Any]]]


def rogue(env: Env, name: str, answer: Answer) -> Path:
    """A rogue HTTP server on a Unix socket the agent could bind; ``answer(nonce, body) -> (status, json)``."""

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, doc = answer(self.headers.get("X-Clawfence-Nonce", ""), body)
            data = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    class S(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True

        def get_request(self) -> tuple[Any, Any]:
            conn, _ = self.socket.accept()
            return conn, ("unix", 0)

    path = env.dir / f"{name}.sock"
    env.serve(S(str(path), H))
    return path


def genuine(env: Env, nonce: str, body: bytes) -> dict[str, Any]:
    """What the real service answers for ``body`` with ``nonce`` (decided and signed by it)."""
    out = env.svc.handle_decide(json.loads(body))
    return dict(out, nonce=nonce, sig=trust.sign(env.key, nonce, trust.body_hash(body), out))


def test_genuine_service_allow_deny_ask_and_one_approval(env: Env) -> None:
    res = run_plugin(env.cfg(), [HARMLESS, DESTRUCTIVE, ASK])
    assert res[0] is None
    assert res[1] is not None and res[1]["block"] is True and "PG001" in res[1]["blockReason"]
    msg = res[2]["blockReason"] if res[2] else ""
    pending = env.svc.store.list("pending")
    assert len(pending) == 1 and f"approval {pending[0].id}" in msg and "clawfence console" in msg
    for hint in ("approvals approve", "--approver", "clawfence guard approvals", "totp"):
        assert hint not in msg.lower(), msg
    env.svc.store.vote(pending[0].id, "owner", True)  # the owner, through the store API the console uses
    again = run_plugin(env.cfg(), [ASK, ASK])
    assert again[0] is None  # the exact call, once
    assert again[1] is not None and "pending" in again[1]["blockReason"]


def test_approval_wait_follows_signed_status(env: Env) -> None:
    def owner() -> None:
        for _ in range(100):
            p = env.svc.store.list("pending")
            if p:
                env.svc.store.vote(p[0].id, "owner", True)
                return
            threading.Event().wait(0.05)

    t = threading.Thread(target=owner)
    t.start()
    res = run_plugin(env.cfg(approvalWaitMs=8000), [ASK])
    t.join()
    assert res == [None]


def test_rogue_servers_are_blocked(env: Env) -> None:
    other = Ed25519PrivateKey.generate()
    recorded: dict[str, dict[str, Any]] = {}

    def unsigned(nonce: str, body: bytes) -> tuple[int, dict[str, Any]]:
        return 200, {"decision": "allow", "rule_id": "-", "reason": "ok", "nonce": nonce}

    def wrong_key(nonce: str, body: bytes) -> tuple[int, dict[str, Any]]:
        d: dict[str, Any] = {"decision": "allow", "rule_id": "-", "approval_id": None, "status": None}
        return 200, dict(d, nonce=nonce, sig=trust.sign(other, nonce, trust.body_hash(body), d))

    def proxy(nonce: str, body: bytes) -> tuple[int, dict[str, Any]]:  # transparent: genuine answers
        recorded["last"] = genuine(env, nonce, body)
        return 200, recorded["last"]

    def replay(nonce: str, body: bytes) -> tuple[int, dict[str, Any]]:  # a recorded genuine "allow"
        return 200, recorded["last"]

    def swap(nonce: str, body: bytes) -> tuple[int, dict[str, Any]]:  # genuine allow for ANOTHER body, our nonce
        return 200, genuine(env, nonce, body_of({"toolName": "exec", "params": {"command": "ls -la"}}))

    def no_nonce_echo(nonce: str, body: bytes) -> tuple[int, dict[str, Any]]:
        d = genuine(env, "f" * 48, body)
        return 200, d

    def error(nonce: str, body: bytes) -> tuple[int, dict[str, Any]]:
        return 500, {"decision": "allow"}

    proxied = run_plugin(env.cfg(socketPath=str(rogue(env, "proxy", proxy))), [HARMLESS, DESTRUCTIVE])
    assert proxied[0] is None and proxied[1] is not None and "PG001" in proxied[1]["blockReason"]
    assert recorded["last"]["decision"] == "deny"
    proxy(recorded["last"]["nonce"], body_of(HARMLESS))  # record a genuine allow to replay
    assert recorded["last"]["decision"] == "allow"
    for name, fn in [("unsigned", unsigned), ("wrongkey", wrong_key), ("replay", replay), ("swap", swap),
                     ("nonce", no_nonce_echo), ("error", error)]:
        res = run_plugin(env.cfg(socketPath=str(rogue(env, name, fn))), [DESTRUCTIVE, HARMLESS])
        for r in res:
            assert r is not None and r["block"] is True and "failing closed" in r["blockReason"], (name, r)


def test_pinned_key_must_be_untamperable(env: Env) -> None:
    res = run_plugin(env.cfg(), [HARMLESS], key_owner=os.getuid() + 4242)
    assert res[0] is not None and "owned by uid" in res[0]["blockReason"]
    os.chmod(env.pub, 0o664)
    res = run_plugin(env.cfg(), [HARMLESS])
    assert res[0] is not None and "writable by group or others" in res[0]["blockReason"]
    os.chmod(env.pub, 0o644)
    os.chmod(env.pub.parent, 0o777)
    res = run_plugin(env.cfg(), [HARMLESS])
    assert res[0] is not None and "key directory" in res[0]["blockReason"]
    os.chmod(env.pub.parent, 0o755)
    res = run_plugin(env.cfg(publicKeyFile=str(env.dir / "missing.pub")), [HARMLESS])
    assert res[0] is not None and "failing closed" in res[0]["blockReason"]
    assert run_plugin(env.cfg(), [HARMLESS]) == [None]  # control: the untampered key works


def test_service_down_and_http_fallback(env: Env) -> None:
    res = run_plugin(env.cfg(socketPath=str(env.dir / "nobody.sock")), [HARMLESS])
    assert res[0] is not None and "failing closed" in res[0]["blockReason"]
    tok = env.dir / "token"
    tok.write_text(env.svc.token + "\n")
    srv = make_server(env.svc, 0)
    env.serve(srv)
    url = f"http://127.0.0.1:{srv.server_address[1]}"
    res = run_plugin(env.cfg(transport="http", url=url, tokenFile=str(tok)), [HARMLESS, DESTRUCTIVE])
    assert res[0] is None and res[1] is not None and "PG001" in res[1]["blockReason"]
    legacy = {"url": url, "tokenFile": str(tok), "publicKeyFile": str(env.pub)}  # pre-0.2 config: HTTP, signed
    assert run_plugin(legacy, [HARMLESS]) == [None]
    res = run_plugin(env.cfg(transport="http", url=url, tokenFile=str(env.dir / "none")), [HARMLESS])
    assert res[0] is not None and "no service token" in res[0]["blockReason"]
    res = run_plugin(env.cfg(transport="http", url="http://192.0.2.1:1", tokenFile=str(tok)), [HARMLESS])
    assert res[0] is not None and "not loopback" in res[0]["blockReason"]
