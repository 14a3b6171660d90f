"""Probe building blocks against small fake servers on 127.0.0.1 (ephemeral ports) and pure parsers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from websockets.sync.server import ServerConnection, serve

from clawfence.audit.facts import from_fixture
from clawfence.audit.probes import collect_probe
from clawfence.audit.probes.gateway import burst, http_get, tools_invoke, ws_handshake
from clawfence.audit.probes.targets import TargetError, allowed, choose_targets, is_loopback, parse_target
from clawfence.audit.probes.tunnels import parse_docker_ps, parse_nat_rules, parse_tailscale, watched_port_in


class FakeHTTP(BaseHTTPRequestHandler):
    """``/tools/invoke``: 401 for a wrong bearer, 429 after ``limit`` failures; or 400 when ``open``."""

    limit = 5
    open = False
    failures = 0

    def log_message(self, *args: Any) -> None:
        return

    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/":
            self._send(200, b'<html data-openclaw-control-ui-build-id="x"></html>', "text/html")
        else:
            self._send(200, b'{"ok":true,"status":"live"}')

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if type(self).open:
            self._send(400, b'{"error":"tool required"}')
            return
        type(self).failures += 1
        self._send(429 if type(self).failures > type(self).limit else 401, b"{}")


@pytest.fixture
def http_server() -> Iterator[str]:
    FakeHTTP.failures, FakeHTTP.open = 0, False
    srv = ThreadingHTTPServer(("127.0.0.1", 0), FakeHTTP)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_http_probes_and_lockout(http_server: str) -> None:
    with httpx.Client(trust_env=False) as c:
        root = http_get(c, http_server, "/")
        health = http_get(c, http_server, "/health")
        assert root.control_ui and health.openclaw_health
        assert tools_invoke(c, http_server)[0] == 401
        bf = burst(c, http_server, max_attempts=30)
    assert bf.verdict == "locked-out" and bf.limited_at == 5 and bf.attempts == 5  # stops at the first 429


def test_burst_is_capped_at_30(http_server: str) -> None:
    FakeHTTP.limit = 10_000
    try:
        with httpx.Client(trust_env=False) as c:
            bf = burst(c, http_server, max_attempts=500)
    finally:
        FakeHTTP.limit = 5
    assert bf.attempts == 30 and bf.verdict == "unlimited"


def test_open_gateway_burst_says_no_auth(http_server: str) -> None:
    FakeHTTP.open = True
    with httpx.Client(trust_env=False) as c:
        assert tools_invoke(c, http_server)[0] == 400
        assert burst(c, http_server, max_attempts=3).verdict == "no-auth"


def _fake_ws(conn: ServerConnection) -> None:
    conn.send(json.dumps({"type": "event", "event": "connect.challenge", "payload": {"nonce": "n"}}))
    req = json.loads(conn.recv())
    origin = conn.request.headers.get("Origin") if conn.request else None
    token = (req["params"].get("auth") or {}).get("token")
    if origin:
        err = {"code": "INVALID_REQUEST", "details": {"code": "CONTROL_UI_ORIGIN_NOT_ALLOWED"}}
    elif token == "good":
        conn.send(json.dumps({"type": "res", "id": req["id"], "ok": True, "payload": {"type": "hello-ok"}}))
        return
    elif token:
        err = {"code": "INVALID_REQUEST", "details": {"code": "AUTH_TOKEN_MISMATCH"}}
    else:
        err = {"code": "NOT_PAIRED", "details": {"code": "DEVICE_IDENTITY_REQUIRED"}}
    conn.send(json.dumps({"type": "res", "id": req["id"], "ok": False, "error": err}))


def test_ws_handshake_cases() -> None:
    with serve(_fake_ws, "127.0.0.1", 0) as srv:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        url = f"ws://127.0.0.1:{srv.socket.getsockname()[1]}"
        assert ws_handshake(url, "no-token").detail_code == "DEVICE_IDENTITY_REQUIRED"
        wrong = ws_handshake(url, "wrong-token", token="bad")
        assert wrong.auth_rejected
        assert ws_handshake(url, "foreign-origin", origin="http://x.invalid").detail_code == \
            "CONTROL_UI_ORIGIN_NOT_ALLOWED"
        assert ws_handshake(url, "x", token="good").outcome == "accepted"
        srv.shutdown()


def test_closed_port_is_recorded_not_raised() -> None:
    facts = from_fixture({"config": {"gateway": {"port": 9}}})
    out = collect_probe(facts, ["127.0.0.1:9"], with_tunnels=False)
    assert out.probe is not None
    res = out.probe.results["127.0.0.1:9"]
    assert not res.reachable and res.error and not res.ws


def test_targets_never_include_unnamed_non_loopback() -> None:
    got = choose_targets([], [("10.0.0.5", 18789), ("127.0.0.1", 19001)], 18789)
    assert got == [("127.0.0.1", 19001), ("127.0.0.1", 18789)]
    assert choose_targets(["[::1]:18789", "192.168.7.2:18789"], [], 18789)[:2] == [("::1", 18789),
                                                                                    ("192.168.7.2", 18789)]
    assert allowed("127.0.0.9", set()) and allowed("::1", set()) and allowed("::ffff:127.0.0.1", set())
    assert not allowed("10.0.0.5", set()) and allowed("10.0.0.5", {"10.0.0.5"})
    assert is_loopback("localhost") and not is_loopback("example.test")
    for bad in ("nohost", "h:0", "h:99999", "[::1]18789", "a:b:c"):
        with pytest.raises(TargetError):
            parse_target(bad)


def test_tailscale_docker_nat_parsers() -> None:
    ts = {"TCP": {"443": {"HTTPS": True}}, "AllowFunnel": {"box.ts.net:443": True},
          "Web": {"box.ts.net:443": {"Handlers": {"/": {"Proxy": "http://127.0.0.1:18789"}}}}}
    [e] = parse_tailscale(ts, "tailscale funnel status")
    assert e.kind == "tailscale-funnel" and e.public and e.gateway
    serve_only = {"Web": {"box.ts.net:443": {"Handlers": {"/": {"Proxy": "http://127.0.0.1:3000"}}}}}
    [s] = parse_tailscale(serve_only, "tailscale serve status")
    assert s.kind == "tailscale-serve" and not s.gateway
    rows = "\n".join([json.dumps({"Names": "oc", "Ports": "0.0.0.0:18789->18789/tcp, :::18789->18789/tcp"}),
                      json.dumps({"Names": "db", "Ports": "127.0.0.1:5432->5432/tcp"})])
    pubs = parse_docker_ps(rows)
    assert len(pubs) == 2 and all(p.public and p.gateway for p in pubs)
    nat = parse_nat_rules("-A PREROUTING -p tcp --dport 443 -j DNAT --to-destination 127.0.0.1:18789\n"
                          "-A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.2:8080\n"
                          "    tcp dport 8443 dnat to 127.0.0.1:19001\n", "rules")
    assert [n.target for n in nat] == ["18789", "19001"]
    assert watched_port_in("port 187890") is None and watched_port_in("addr: 18850") == 18850


def _self_signed(tmp: Any) -> tuple[str, str]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    c, k = tmp / "c.pem", tmp / "k.pem"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    return str(c), str(k)


def test_tls_detected_on_a_loopback_port_that_does_not_speak_plain_http(tmp_path: Any) -> None:
    import ssl

    from clawfence.audit.probes.gateway import probe_gateway
    cert, key = _self_signed(tmp_path)
    FakeHTTP.failures, FakeHTTP.open = 0, False
    srv = ThreadingHTTPServer(("127.0.0.1", 0), FakeHTTP)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        res = probe_gateway("127.0.0.1", srv.server_address[1], with_burst=False)
    finally:
        srv.shutdown()
        srv.server_close()
    assert res.tls is True and res.openclaw and res.tools_invoke_status == 401
    assert any(h.control_ui for h in res.http)


def test_plain_loopback_gateway_is_not_asked_for_tls(http_server: str) -> None:
    from clawfence.audit.probes.gateway import probe_gateway
    port = int(http_server.rsplit(":", 1)[1])
    res = probe_gateway("127.0.0.1", port, with_burst=False)
    assert res.tls is None and res.reachable and res.openclaw
