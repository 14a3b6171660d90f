"""Probe one gateway ``host:port`` as an unauthenticated attacker would, bounded and read-only.

Requests (and nothing else): TCP connect; a TLS ClientHello; ``GET /``, ``/health``, ``/healthz``;
``POST /tools/invoke`` with body ``{}`` (rejected before any tool runs: 401 = auth enforced, 400 = open);
three WebSocket handshakes (no token, wrong token, foreign ``Origin``) that stop at the ``connect`` reply
and close at once even when accepted; and a burst of at most 30 wrong bearer tokens on ``/tools/invoke``
with ``{}`` under a time budget. Protocol shapes from OpenClaw ``src/gateway/protocol`` and the real
2026.9.6 transcripts (``reference/realclaw/gateway/``). Proxies from the environment are never used.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from clawfence.audit.facts.probe import BruteForceResult, HttpResult, TargetProbe, WsResult
from clawfence.audit.probes.targets import fmt_target, is_loopback, url_host

CONNECT_TIMEOUT = 2.0
HTTP_TIMEOUT = 4.0
#: The gateway delays failed auth from loopback by up to 5 s (``auth-rate-limit.ts``): wait a bit longer.
WS_REPLY_TIMEOUT = 7.0
MAX_BURST = 30
BURST_BUDGET_S = 6.0
#: A gateway still starting answers ``UNAVAILABLE``; retry a handshake this many times, 1 s apart.
UNAVAILABLE_RETRIES = 8
FOREIGN_ORIGIN = "http://clawfence-probe.invalid"
HTTP_PATHS = ("/", "/health", "/healthz")


def tcp_reachable(host: str, port: int, timeout: float = CONNECT_TIMEOUT) -> str | None:
    """None if a TCP connection succeeds, else a one-line reason."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return None
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror or exc}"


def speaks_tls(host: str, port: int, timeout: float = CONNECT_TIMEOUT) -> bool:
    """True if the port completes a TLS handshake (certificate not verified: we only ask "is it TLS")."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, port), timeout=timeout) as raw, \
                ctx.wrap_socket(raw, server_hostname=None if ":" in host else host):
            return True
    except (OSError, ssl.SSLError):
        return False


def speaks_plain_http(host: str, port: int, timeout: float = CONNECT_TIMEOUT) -> bool:
    """True if ``GET /health`` in clear text gets an ``HTTP/`` status line back."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(f"GET /health HTTP/1.0\r\nHost: {url_host(host)}\r\n\r\n".encode())
            return s.recv(5) == b"HTTP/"
    except OSError:
        return False


def _client(tls: bool) -> Any:
    import httpx

    return httpx.Client(timeout=HTTP_TIMEOUT, verify=False, trust_env=False, follow_redirects=False) if tls \
        else httpx.Client(timeout=HTTP_TIMEOUT, trust_env=False, follow_redirects=False)


def http_get(client: Any, base: str, path: str) -> HttpResult:
    """One unauthenticated GET; the body is inspected, never stored."""
    import httpx

    try:
        r = client.get(base + path)
    except httpx.HTTPError as exc:
        return HttpResult(path=path, error=f"{type(exc).__name__}")
    body = r.content[:65536]
    ctype = r.headers.get("content-type", "")
    ui = b"openclaw-control-ui" in body or b"data-openclaw-control-ui" in body
    health = False
    if "json" in ctype:
        try:
            doc = json.loads(body)
            health = isinstance(doc, dict) and "ok" in doc and "status" in doc
        except ValueError:
            health = False
    return HttpResult(path=path, status=r.status_code, content_type=ctype.split(";")[0], size=len(r.content),
                      control_ui=ui, openclaw_health=health)


def tools_invoke(client: Any, base: str, bearer: str | None = None) -> tuple[int, float]:
    """``POST /tools/invoke`` with ``{}``: (status, ms); status 0 when there was no answer."""
    import httpx

    headers = {"content-type": "application/json"}
    if bearer:
        headers["authorization"] = f"Bearer {bearer}"
    t0 = time.monotonic()
    try:
        r = client.post(base + "/tools/invoke", content=b"{}", headers=headers, timeout=WS_REPLY_TIMEOUT)
        return r.status_code, (time.monotonic() - t0) * 1000
    except httpx.HTTPError:
        return 0, (time.monotonic() - t0) * 1000


def _connect_params(token: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "minProtocol": 1, "maxProtocol": 99, "role": "operator", "scopes": ["operator.read"], "caps": [],
        "commands": [], "permissions": {}, "userAgent": "clawfence-probe",
        "client": {"id": "cli", "version": "0.0.1", "platform": "linux", "mode": "cli"},
    }
    if token:
        params["auth"] = {"token": token}
    return params


def ws_handshake(url: str, case: str, token: str | None = None, origin: str | None = None,
                 tls: bool = False) -> WsResult:
    """One handshake (retried while the gateway answers ``UNAVAILABLE``, i.e. is still starting)."""
    for _ in range(UNAVAILABLE_RETRIES):
        r = _handshake(url, case, token, origin, tls)
        if r.code != "UNAVAILABLE":
            return r
        time.sleep(1.0)
    return r


def _handshake(url: str, case: str, token: str | None, origin: str | None, tls: bool) -> WsResult:
    """Wait for ``connect.challenge``, send ``connect``, read the reply, close.

    An accepted connection is closed immediately: no method is ever called.
    """
    from websockets.exceptions import InvalidStatus, WebSocketException
    from websockets.sync.client import connect

    ctx = None
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    headers = {"Origin": origin} if origin else None
    t0 = time.monotonic()

    def ms() -> float:
        return round((time.monotonic() - t0) * 1000, 1)

    try:
        with connect(url, additional_headers=headers, open_timeout=CONNECT_TIMEOUT + 1, proxy=None, ssl=ctx,
                     close_timeout=1, compression=None, max_size=4 * 1024 * 1024) as ws:
            first = json.loads(ws.recv(timeout=WS_REPLY_TIMEOUT))  # a cold gateway is slow to greet
            if not (isinstance(first, dict) and first.get("event") == "connect.challenge"):
                return WsResult(case=case, outcome="no-challenge", ms=ms())
            ws.send(json.dumps({"type": "req", "id": "1", "method": "connect", "params": _connect_params(token)}))
            deadline = time.monotonic() + WS_REPLY_TIMEOUT
            while time.monotonic() < deadline:
                msg = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
                if isinstance(msg, dict) and msg.get("type") == "res" and msg.get("id") == "1":
                    if msg.get("ok"):
                        return WsResult(case=case, outcome="accepted", ms=ms())
                    err = msg.get("error") if isinstance(msg.get("error"), dict) else {}
                    assert isinstance(err, dict)
                    details = err.get("details") if isinstance(err.get("details"), dict) else {}
                    assert isinstance(details, dict)
                    return WsResult(case=case, outcome="refused", code=err.get("code"),
                                    detail_code=details.get("code"), ms=ms())
            return WsResult(case=case, outcome="error", error="no reply to connect", ms=ms())
    except InvalidStatus as exc:
        return WsResult(case=case, outcome="upgrade-refused", http_status=exc.response.status_code, ms=ms())
    except TimeoutError:
        return WsResult(case=case, outcome="error", error="timeout", ms=ms())
    except (WebSocketException, OSError, ValueError) as exc:
        return WsResult(case=case, outcome="error", error=type(exc).__name__, ms=ms())


def burst(client: Any, base: str, max_attempts: int = MAX_BURST, budget_s: float = BURST_BUDGET_S) -> BruteForceResult:
    """At most ``max_attempts`` (<= 30) wrong bearer tokens within ``budget_s``; stops at the first 429."""
    n = max(0, min(max_attempts, MAX_BURST))
    statuses: list[int] = []
    lat: list[float] = []
    t0 = time.monotonic()
    limited_at = None
    exhausted = False
    for i in range(n):
        if time.monotonic() - t0 > budget_s:
            exhausted = True
            break
        status, ms = tools_invoke(client, base, bearer="clawfence-wrong-" + secrets.token_hex(8))
        statuses.append(status)
        lat.append(round(ms, 1))
        if status == 429:
            limited_at = i + 1
            break
        if status == 0:
            break
        if _delayed(lat):
            break  # a failure delay is established; more guesses add nothing
    return BruteForceResult(attempts=len(statuses), statuses=statuses, ms=lat, limited_at=limited_at,
                            verdict=_verdict(statuses, lat, limited_at), budget_exhausted=exhausted)


def _delayed(lat: list[float]) -> bool:
    """Wrong tokens are being slowed: the delay escalates, or every answer already takes >= 1 s (a gateway
    that carries a failure history from earlier attempts starts at its maximum delay)."""
    escalating = len(lat) >= 3 and lat[-1] >= 1000 and lat[-1] >= 4 * max(lat[0], 1.0)
    slow = bool(lat) and lat[-1] >= 2000  # a 401 takes milliseconds; seconds are a deliberate delay
    return escalating or slow


def _verdict(statuses: list[int], lat: list[float], limited_at: int | None) -> str:
    if limited_at is not None:
        return "locked-out"
    real = [s for s in statuses if s]
    if not real:
        return "inconclusive"
    if all(s == 400 or 200 <= s < 300 for s in real):
        return "no-auth"
    if _delayed(lat):
        return "throttled"
    if all(s in (401, 403) for s in real) and len(real) >= 10:
        return "unlimited"
    return "inconclusive"


def probe_gateway(host: str, port: int, with_burst: bool = True) -> TargetProbe:
    """Run every gateway probe against ``host:port`` (the caller has checked the address is allowed)."""
    t0 = time.monotonic()
    target = fmt_target(host, port)
    loop = is_loopback(host)
    why = tcp_reachable(host, port)
    if why is not None:
        return TargetProbe(target=target, host=host, port=port, loopback=loop, reachable=False, error=why,
                           seconds=round(time.monotonic() - t0, 3))
    # loopback traffic never leaves the host: TLS is only asked of a loopback port that does not speak HTTP
    tls = speaks_tls(host, port) if not loop or not speaks_plain_http(host, port) else None
    if loop and tls is False:
        tls = None
    base = f"{'https' if tls else 'http'}://{url_host(host)}:{port}"
    wsbase = f"{'wss' if tls else 'ws'}://{url_host(host)}:{port}"
    with _client(bool(tls)) as client:
        http = [http_get(client, base, p) for p in HTTP_PATHS]
        # the gateway delays each failed auth (up to 5 s on loopback): run the four refusals side by side
        with ThreadPoolExecutor(max_workers=4) as pool:
            inv = pool.submit(tools_invoke, client, base)
            futs = [pool.submit(ws_handshake, wsbase, "no-token", tls=bool(tls)),
                    pool.submit(ws_handshake, wsbase, "wrong-token", token="clawfence-wrong-" + secrets.token_hex(8),
                                tls=bool(tls)),
                    pool.submit(ws_handshake, wsbase, "foreign-origin", origin=FOREIGN_ORIGIN, tls=bool(tls))]
            invoke = inv.result()[0]
            ws = [f.result() for f in futs]
        openclaw = any(h.control_ui or h.openclaw_health for h in http) or any(
            w.outcome in ("refused", "accepted") for w in ws)
        bf = None
        wrong = ws[1]
        if wrong.auth_rejected and wrong.ms >= 2000:
            # the single wrong token was already held back for seconds: the failure delay is active, and a
            # burst would only wait it out again
            bf = BruteForceResult(attempts=1, ms=[wrong.ms], verdict="throttled")
        elif with_burst and openclaw and os.environ.get("CLAWFENCE_PROBE_BURST", "30") != "0":
            bf = burst(client, base, int(os.environ.get("CLAWFENCE_PROBE_BURST", str(MAX_BURST))))
    return TargetProbe(target=target, host=host, port=port, loopback=loop, reachable=True, tls=tls,
                       openclaw=openclaw, http=http, tools_invoke_status=invoke or None, ws=ws, bruteforce=bf,
                       seconds=round(time.monotonic() - t0, 3))
