"""``clawfence guard serve``: the decision service the OpenClaw plugin asks (loopback only, bearer token).

Endpoints (JSON unless noted):
* ``GET /healthz`` -> ``{"ok": true, "policy": name}`` (no token needed; reveals nothing else)
* ``GET /metrics`` -> Prometheus text format (token needed)
* ``POST /v1/decide`` body = a tool call (see :class:`~clawfence.detect.calls.ToolCall`) ->
  ``{"decision","rule_id","reason",...,"approval_id"?}``; every decision is appended to the action log
  (type ``guard.decision``) by a group-committing writer thread (:mod:`clawfence.guard.decisionlog`): deny/ask
  answers are sent only after their record is fsynced, allow answers do not wait (``--log-sync``: all wait);
  a decision that cannot be logged durably is answered HTTP 500, which the plugin treats as a block.
* ``GET /v1/approvals/<id>?wait=SECONDS`` -> the approval request (long-polls up to ``wait`` <= 600 s).

Two listeners share one handler (:func:`make_unix_server`, :func:`make_server`):

* a Unix socket in the service home (``guard.sock``; the directory is the service user's, the socket is
  reachable by the gateway's group). The caller is identified with ``SO_PEERCRED``; decide requests are accepted
  from the gateway's users (:class:`clawfence.guard.trust.CallerRules`), no token needed;
* the loopback TCP listener (127.0.0.1 only, bearer token) kept for compatibility, with the same rules: the
  client's uid is looked up in ``/proc/net/tcp`` where possible.

No approval action exists on either listener: approving is done by people in the console
(:mod:`clawfence.guard.console`) or by root/the service user with the CLI.

Every decision answer is signed (Ed25519, :mod:`clawfence.guard.trust`) over the plugin's nonce
(``X-Clawfence-Nonce``), the SHA-256 of the request body and the decision; the plugin refuses unsigned answers.
Bodies are parsed with a nesting limit (:func:`clawfence.core.safeio.loads_json`, 200): a 5,000-deep JSON body
is answered 400. Listen backlog 256 and a thread per connection: bursts of 64+ concurrent clients are queued,
not dropped.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import socket
import socketserver
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clawfence.core.atomic import atomic_write_text
from clawfence.core.paths import clawfence_home
from clawfence.core.safeio import InputError, loads_json
from clawfence.detect.calls import CallError, PathContext, ToolCall
from clawfence.detect.privacy import SecretHashes
from clawfence.guard.approvals import ApprovalError, ApprovalStore
from clawfence.guard.decisionlog import DecisionLog
from clawfence.guard.policy import Judge, Policy
from clawfence.guard.trust import CallerRules, Peer, body_hash, peer_cred, sign, tcp_peer_uid

MAX_BODY = 1 << 20
BACKLOG = 256
_NONCE_OK = frozenset("0123456789abcdefABCDEF-_")
_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 1.0)


def guard_home() -> Path:
    """``$CLAWFENCE_HOME/guard``."""
    return clawfence_home() / "guard"


def ensure_token(path: Path) -> str:
    """Read the service token at ``path``, creating a fresh 256-bit one (mode 0600) if absent."""
    try:
        tok = path.read_text(encoding="utf-8").strip()
        if tok:
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
            return tok
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tok = secrets.token_urlsafe(32)
    atomic_write_text(path, tok + "\n", mode=0o600)
    return tok


@dataclass
class Metrics:
    """Counters and a latency histogram, rendered in Prometheus text format."""

    decisions: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    buckets: list[int] = field(default_factory=lambda: [0] * len(_BUCKETS))
    count: int = 0
    total: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, decision: str, rule_id: str, seconds: float) -> None:
        """Count one decision taking ``seconds``."""
        with self.lock:
            self.decisions[(decision, rule_id)] += 1
            self.count += 1
            self.total += seconds
            for i, b in enumerate(_BUCKETS):
                if seconds <= b:
                    self.buckets[i] += 1

    def render(self, pending: int) -> str:
        """Prometheus exposition text."""
        with self.lock:
            lines = ["# HELP clawfence_guard_decisions_total Decisions by outcome and rule.",
                     "# TYPE clawfence_guard_decisions_total counter"]
            for (d, r), n in sorted(self.decisions.items()):
                lines.append(f'clawfence_guard_decisions_total{{decision="{d}",rule_id="{r}"}} {n}')
            lines += ["# HELP clawfence_guard_errors_total Rejected requests by reason.",
                      "# TYPE clawfence_guard_errors_total counter"]
            for k, n in sorted(self.errors.items()):
                lines.append(f'clawfence_guard_errors_total{{reason="{k}"}} {n}')
            lines += ["# HELP clawfence_guard_decide_seconds Time to decide (server side).",
                      "# TYPE clawfence_guard_decide_seconds histogram"]
            for b, n in zip(_BUCKETS, self.buckets, strict=True):
                lines.append(f'clawfence_guard_decide_seconds_bucket{{le="{b}"}} {n}')
            lines.append(f'clawfence_guard_decide_seconds_bucket{{le="+Inf"}} {self.count}')
            lines.append(f"clawfence_guard_decide_seconds_sum {self.total:.6f}")
            lines.append(f"clawfence_guard_decide_seconds_count {self.count}")
            lines += ["# HELP clawfence_guard_approvals_pending Approval requests waiting for a person.",
                      "# TYPE clawfence_guard_approvals_pending gauge", f"clawfence_guard_approvals_pending {pending}"]
        return "\n".join(lines) + "\n"


@dataclass
class GuardService:
    """Everything the handler needs: policy, token, approvals store, action log path, secret hashes."""

    policy: Policy
    token: str
    store: ApprovalStore
    log_path: Path | None
    hashes: SecretHashes | None = None
    ctx: PathContext | None = None
    metrics: Metrics = field(default_factory=Metrics)
    #: "sync": every decision is durable in the log before the answer; "async-allow" (default): deny/ask
    #: wait for their batch's fsync (group commit), allow decisions are written by the same writer thread
    #: without waiting (see :mod:`clawfence.guard.decisionlog`; drained by close()).
    log_mode: str = "async-allow"
    #: Ed25519 key that signs every decision answer (None: unsigned, for offline tests only)
    signer: Ed25519PrivateKey | None = None
    #: who may ask for decisions (the gateway's users) and who may never approve
    callers: CallerRules = field(default_factory=CallerRules)
    _dlog: DecisionLog | None = None
    #: per-sessionKey memory (a file written by one call and run by a later one is judged by its content)
    _judge: Judge | None = None
    _judge_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.log_path is not None:
            self._dlog = DecisionLog(self.log_path, self.log_mode)

    def _log(self, data: dict[str, Any], decision: str) -> None:
        if self._dlog is not None and not self._dlog.record(data, decision):
            self.metrics.errors["log_write"] += 1
            raise OSError("the action log could not be written")

    def close(self) -> None:
        """Flush queued log records, fsync them and re-sign the log head (call on shutdown)."""
        if self._dlog is not None:
            self._dlog.close()

    def handle_decide(self, doc: Any) -> dict[str, Any]:
        """Decide one call document; create an approval request for ``ask``; log it."""
        t0 = time.perf_counter()
        call = ToolCall.from_json(doc)
        with self._judge_lock:  # the session memory is shared by the handler threads
            if self._judge is None:
                self._judge = Judge(self.policy, self.ctx, self.hashes)
            d = self._judge.decide(call)
        out = d.to_json()
        if d.decision == "ask":
            done = self.store.consume_approved(call)
            if done is not None:
                out.update(decision="allow", approval_id=done.id,
                           reason=f"approved by {', '.join(done.approvers)} (request {done.id}): {d.reason}")
            else:
                out["approval_id"] = self.store.create(call, d).id
        self.metrics.observe(out["decision"], d.rule_id, time.perf_counter() - t0)
        self._log({
            "tool": call.tool, "agent_id": call.agent_id, "session_key": call.session_key,
            "channel": call.channel, "decision": out["decision"], "rule_id": d.rule_id, "reason": d.reason,
            "approval_id": out.get("approval_id"), "tool_call_id": doc.get("toolCallId"),
        }, out["decision"])
        return out


class _Handler(BaseHTTPRequestHandler):
    server_version = "clawfence-guard"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small request/response pairs: no 40 ms delayed-ACK stalls
    svc: GuardService

    def log_message(self, format: str, *args: Any) -> None:
        return  # decisions go to the action log; no access log with call content

    def _send(self, status: int, body: Any, ctype: str = "application/json") -> None:
        data = (json.dumps(body) if ctype == "application/json" else str(body)).encode()
        self.send_response(status)
        if status >= 400:  # an unread request body must not be parsed as the next request
            self.close_connection = True
            self.send_header("Connection", "close")
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def peer(self) -> Peer | None:
        """The client: SO_PEERCRED on the Unix socket, /proc/net/tcp owner on loopback TCP (pid unknown)."""
        conn = self.connection
        if conn.family == socket.AF_UNIX:
            try:
                return peer_cred(conn)
            except OSError:
                return None
        try:
            uid = tcp_peer_uid(conn.getpeername()[:2], conn.getsockname()[:2])
        except OSError:
            return None
        return None if uid is None else Peer(None, uid, -1)

    def _authed(self) -> bool:
        unix = self.connection.family == socket.AF_UNIX
        peer = self.peer()
        if unix:
            ok = peer is not None and self.svc.callers.may_decide(peer)
        else:
            h = self.headers.get("Authorization", "")
            ok = h.startswith("Bearer ") and hmac.compare_digest(h[7:].strip().encode(), self.svc.token.encode())
            if ok and peer is not None and self.svc.callers.gateway_uids:
                ok = self.svc.callers.may_decide(peer)
        if not ok:
            self.svc.metrics.errors["unauthorized"] += 1
            self._send(401, {"error": "unauthorized"})
        return ok

    def _signed(self, out: dict[str, Any], body: bytes) -> dict[str, Any]:
        """Add ``nonce`` and ``sig`` (Ed25519 over nonce, body hash and decision) when the service has a key."""
        nonce = self.headers.get("X-Clawfence-Nonce", "")
        if self.svc.signer is None:
            return out
        if not (16 <= len(nonce) <= 128) or not set(nonce) <= _NONCE_OK:
            return dict(out, sig=None, error="missing or malformed X-Clawfence-Nonce")
        return dict(out, nonce=nonce, sig=sign(self.svc.signer, nonce, body_hash(body), out))

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/healthz":
            self._send(200, {"ok": True, "policy": self.svc.policy.name})
            return
        if not self._authed():
            return
        if url.path == "/metrics":
            pending = len(self.svc.store.list("pending"))
            if self.svc._dlog is not None:  # records the writer thread failed to write (incl. unwaited allows)
                self.svc.metrics.errors["log_records_lost"] = self.svc._dlog.errors
            self._send(200, self.svc.metrics.render(pending), "text/plain; version=0.0.4")
        elif url.path.startswith("/v1/approvals/"):
            rid = url.path.rsplit("/", 1)[-1]
            try:
                wait = min(float(parse_qs(url.query).get("wait", ["0"])[0]), 600.0)
                req = self.svc.store.wait(rid, wait) if wait > 0 else self.svc.store.get(rid)
            except (ApprovalError, ValueError) as exc:
                self._send(404, {"error": str(exc)[:200]})
                return
            doc = req.to_json()
            # the plugin verifies the status the same way as a decision (request hash = hash of the path)
            doc.update(decision=None, approval_id=req.id)
            self._send(200, self._signed(doc, url.path.encode()))
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        if not self._authed():
            return
        if urlsplit(self.path).path != "/v1/decide":
            self._send(404, {"error": "not found"})
            return
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            n = -1
        if n < 0 or n > MAX_BODY:
            self.svc.metrics.errors["bad_length"] += 1
            self._send(413, {"error": "body too large or no Content-Length"})
            return
        body = self.rfile.read(n)
        try:
            doc = loads_json(body.decode("utf-8") or "null", what="request body")
            out = self.svc.handle_decide(doc)
        except (InputError, ValueError, CallError, RecursionError) as exc:
            self.svc.metrics.errors["bad_request"] += 1
            self._send(400, {"error": str(exc)[:200]})
            return
        except OSError:  # the decision could not be logged durably: the plugin fails closed on 5xx
            self._send(500, {"error": "action log write failed"})
            return
        self._send(200, self._signed(out, body))


def make_server(svc: GuardService, port: int = 18795, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A ready (bound, not yet serving) HTTP server. Refuses any host other than 127.0.0.1/::1/localhost."""
    if host not in ("127.0.0.1", "localhost"):
        raise ValueError(f"refusing to bind {host}: the guard service listens on loopback only")
    handler = type("GuardHandler", (_Handler,), {"svc": svc})
    srv = _TCPServer(("127.0.0.1", port), handler)
    srv.daemon_threads = True
    return srv


class _TCPServer(ThreadingHTTPServer):
    request_queue_size = BACKLOG


class _UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    request_queue_size = BACKLOG
    daemon_threads = True

    def get_request(self) -> tuple[Any, Any]:
        conn, _ = self.socket.accept()
        return conn, ("unix", 0)  # BaseHTTPRequestHandler wants a (host, port) client address


def make_unix_server(svc: GuardService, path: Path, mode: int = 0o660, group: int | None = None
                     ) -> socketserver.UnixStreamServer:
    """A ready Unix-socket server at ``path`` (a stale socket is replaced; ``mode`` and ``group`` set so that
    the gateway's group can connect). The directory must not be writable by the agent's user (the service
    home): otherwise the agent could replace the socket with its own."""
    # TCP_NODELAY does not exist on AF_UNIX (setsockopt fails with EOPNOTSUPP and every request is dropped)
    handler = type("GuardUnixHandler", (_Handler,), {"svc": svc, "disable_nagle_algorithm": False})
    try:
        if path.is_socket():
            path.unlink()
    except OSError:
        pass
    old = os.umask(0o177)
    try:
        srv = _UnixHTTPServer(str(path), handler)
    finally:
        os.umask(old)
    if group is not None:
        os.chown(path, -1, group)
    os.chmod(path, mode)
    return srv
