"""The human approval console (issue 10 item 2; guide E5.1 second confirmation and multi-person approval,
E3.3 multi-factor authentication, P3.5, D3.2): a small web UI served by the guard service on 127.0.0.1 only
(default port 18796), stdlib ``http.server``, no JavaScript.

Who may use it
    People enrolled with ``clawfence guard approvers add NAME`` (run as root or the service user; the TOTP secret
    is stored only in the service home, :func:`clawfence.guard.approvals.default_store_path`). Login = approver
    name + current TOTP code (RFC 6238, pyotp; a code's time step is burnt on use, so a code seen once cannot be
    replayed). Failed logins are rate-limited per name (5 per 5 minutes) and in total (30 per 5 minutes); while
    limited even a right code is refused.

Who may never use it
    Every request's peer is identified (owner uid of the loopback TCP socket from ``/proc/net/tcp``, and its pid
    from the socket inode when the service may read ``/proc/<pid>/fd``) and refused with 403 when it is a gateway
    (agent) uid or descends from a gateway process (:meth:`clawfence.guard.trust.CallerRules.approval_refusal`,
    the same rule as the approval routes). A peer that cannot be identified is refused. So the agent's shell,
    ``curl`` from it, or a browser tool run by the gateway cannot log in even with a stolen code.

Hardening
    Session cookie ``HttpOnly; SameSite=Strict``, 256-bit random, expiring server-side (15 minutes after login);
    a CSRF token on every POST (login included, bound to a pre-session cookie); ``Origin``/``Sec-Fetch-Site``
    checked on POST; the ``Host`` header must be the loopback address the console listens on (DNS rebinding);
    headers ``Content-Security-Policy: default-src 'self'; form-action 'self'; frame-ancestors 'none'``,
    ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (with
    ``no-referrer`` Chromium sends ``Origin: null`` on form posts),
    ``Cache-Control: no-store``. Every value shown is HTML-escaped; call content is stored redacted.

Flow
    Pending asks (rule id and title, risk, summary, approvals so far) -> one request (the full call JSON, the rule,
    the reason, a unified diff for edits of ``openclaw.json`` and ``openclaw config set/unset``) -> approve or deny
    with a required reason -> a second confirmation screen showing the exact call and its hash again (the confirm
    token is bound to the session, request, decision, reason and call hash, valid 5 minutes) -> the vote is
    recorded. A request needing N approvals stays pending until N *distinct* approvers approved (the store refuses
    a second vote by the same person); one deny is final. An approved request lets that exact call (same tool,
    params, agent and session) through once within :data:`clawfence.guard.approvals.APPROVAL_TTL_S`; the next
    identical call asks again. History shows who decided what, when and why.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import html
import json
import os
import secrets
import shlex
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

from clawfence.core.redact import redact_assignments
from clawfence.detect.privacy import scan_text
from clawfence.guard import trust
from clawfence.guard.approvals import ApprovalError, ApprovalRequest, ApprovalStore
from clawfence.guard.trust import CallerRules, Peer
from clawfence.guard.windows import DEFAULT_SIGNALS

DEFAULT_PORT = 18796
SESSION_TTL_S = 900
CONFIRM_TTL_S = 300
FAIL_WINDOW_S = 300
FAILS_PER_NAME = 5
FAILS_TOTAL = 30
MAX_FORM = 16 * 1024
MAX_REASON = 500
SESSION_COOKIE = "cf_console"
PRE_COOKIE = "cf_pre"
SECURITY_HEADERS = (
    ("Content-Security-Policy", "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


# ----------------------------------------------------------------------------------------------- peers
def _pid_of_inode(inode: int) -> int | None:
    """The pid holding socket ``inode`` (scans ``/proc/*/fd``; None when not visible to this process)."""
    target = f"socket:[{inode}]"
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return None
    for p in pids:
        fd_dir = f"/proc/{p}/fd"
        try:
            for fd in os.listdir(fd_dir):
                try:
                    if os.readlink(f"{fd_dir}/{fd}") == target:
                        return int(p)
                except OSError:
                    continue
        except OSError:
            continue
    return None


def tcp_peer(client: tuple[str, int], server: tuple[str, int]) -> Peer | None:
    """The loopback TCP client as a :class:`Peer` (uid from ``/proc/net/tcp``; pid when it can be found, else
    None), or None when the connection cannot be found at all (the caller is then refused)."""
    row = trust.tcp_peer(client, server)
    if row is None:
        return None
    uid, inode = row
    return Peer(_pid_of_inode(inode) if inode else None, uid, -1)


# ----------------------------------------------------------------------------------------------- diffs
def _redact(text: str) -> str:
    for d in reversed(scan_text(text)):
        text = text[: d.start] + d.redacted + text[d.end :]
    return redact_assignments(text)


def _load_config(path: Path) -> tuple[Any, str]:
    """(parsed JSON5 config or None, note). Never raises."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, f"current {path} not readable by the guard service ({exc.strerror or exc}); diff from empty"
    try:
        import json5
        return json5.loads(raw), ""
    except Exception:  # any parse failure: show the raw text instead
        return raw, "current config is not valid JSON5; shown as text"


def _pretty(doc: Any) -> str:
    return doc if isinstance(doc, str) else json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _set_path(doc: dict[str, Any], dotted: str, value: Any, unset: bool) -> None:
    parts = [p for p in dotted.split(".") if p]
    cur: Any = doc
    for p in parts[:-1]:
        nxt = cur.get(p) if isinstance(cur, dict) else None
        if not isinstance(nxt, dict):
            if unset:
                return
            nxt = {}
            cur[p] = nxt
        cur = nxt
    if parts and isinstance(cur, dict):
        if unset:
            cur.pop(parts[-1], None)
        else:
            cur[parts[-1]] = value


def _config_cmds(command: str) -> list[tuple[str, str, str | None]]:
    """``[(set|unset, key, value)]`` of ``openclaw config set|unset`` invocations in a shell command."""
    out: list[tuple[str, str, str | None]] = []
    try:
        words = shlex.split(command, comments=False, posix=True)
    except ValueError:
        return out
    for i, w in enumerate(words):
        if os.path.basename(w) in ("openclaw", "openclaw.mjs") and words[i + 1: i + 3] in (["config", "set"],
                                                                                          ["config", "unset"]):
            rest = [x for x in words[i + 3:] if not x.startswith("--")]
            if words[i + 2] == "set" and len(rest) >= 2:
                out.append(("set", rest[0], rest[1]))
            elif words[i + 2] == "unset" and rest:
                out.append(("unset", rest[0], None))
    return out


def config_diff(call: dict[str, Any], state_dir: Path | None) -> tuple[str, str] | None:
    """A unified diff (and a note) of what a config-editing call would change, or None for other calls.

    Handles ``write``/``edit`` of a file named ``openclaw.json`` (params ``path``/``file_path``, ``content``,
    ``oldText``/``newText`` or ``old_string``/``new_string`` or ``edits[]``) and exec commands running
    ``openclaw config set KEY VALUE`` / ``unset KEY`` (applied to ``<state_dir>/openclaw.json``). Both sides are
    redacted (secrets as first 4 chars + length). Never raises.
    """
    tool = str(call.get("tool", ""))
    params = call.get("params") if isinstance(call.get("params"), dict) else {}
    assert isinstance(params, dict)
    note = ""
    if tool in ("write", "edit", "fs_write"):
        path = str(params.get("path") or params.get("file_path") or params.get("filePath") or "")
        if os.path.basename(path) != "openclaw.json":
            return None
        p = Path(os.path.expanduser(path))
        try:
            old = p.read_text(encoding="utf-8")
        except OSError as exc:
            old, note = "", f"current {path} not readable by the guard service ({exc.strerror or exc})"
        if tool == "edit":
            raw_edits = params.get("edits")
            edits: list[Any] = raw_edits if isinstance(raw_edits, list) else [params]
            new = old
            for e in edits:
                if not isinstance(e, dict):
                    continue
                a = str(e.get("oldText", e.get("old_string", "")))
                b = str(e.get("newText", e.get("new_string", "")))
                if a and a in new:
                    new = new.replace(a, b, 1)
                else:
                    old, new = old + a, new + b  # cannot place it: show the replacement itself
                    note = note or "the text to replace was not found in the current file; showing the edit alone"
        else:
            new = str(params.get("content", ""))
        name = path
    elif tool in ("exec", "bash", "shell"):
        cmds = _config_cmds(str(params.get("command", "")))
        if not cmds:
            return None
        path_ = (state_dir or Path(os.path.expanduser("~/.openclaw"))) / "openclaw.json"
        cur, note = _load_config(path_)
        if not isinstance(cur, dict):
            cur = {}
        old = _pretty(cur)
        doc = json.loads(json.dumps(cur, default=str))
        for op, key, val in cmds:
            value: Any = val
            if val is not None:
                try:
                    import json5
                    value = json5.loads(val)
                except Exception:  # a bare word is a string value
                    value = val
            _set_path(doc, key, value, op == "unset")
        new = _pretty(doc)
        name = str(path_)
    else:
        return None
    lines = difflib.unified_diff(_redact(old).splitlines(keepends=True), _redact(new).splitlines(keepends=True),
                                 fromfile=f"{name} (now)", tofile=f"{name} (after this call)")
    text = "".join(x if x.endswith("\n") else x + "\n" for x in lines)
    return text or "(no change)\n", note


# ----------------------------------------------------------------------------------------------- state
@dataclass
class _Session:
    approver: str
    csrf: str
    expires: float


@dataclass
class Console:
    """Console state shared by the handler threads.

    ``store``: the approvals store; ``callers``: who may never use the console; ``rule_info``: rule id ->
    ``(title, severity)`` (from the policy); ``state_dir``: where ``openclaw.json`` lives (for diffs); ``clock``:
    epoch seconds (injected in tests).
    """

    store: ApprovalStore
    callers: CallerRules = field(default_factory=CallerRules)
    rule_info: dict[str, tuple[str, str]] = field(default_factory=dict)
    state_dir: Path | None = None
    clock: Callable[[], float] = time.time
    session_ttl_s: float = SESSION_TTL_S
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _sessions: dict[str, _Session] = field(default_factory=dict)
    _fails: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _login_lock: threading.Lock = field(default_factory=threading.Lock)

    # -- login and sessions
    def _mac(self, *parts: str) -> str:
        return hmac.new(self._key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()

    def login_csrf(self, pre: str) -> str:
        """The CSRF token of the login form for pre-session cookie ``pre``."""
        return self._mac("login", pre)

    def limited(self, name: str) -> float:
        """Seconds until ``name`` may try again (0 = not limited)."""
        now = self.clock()
        with self._lock:
            waits = []
            for key, cap in ((f"n:{name}", FAILS_PER_NAME), ("*", FAILS_TOTAL)):
                q = self._fails.get(key)
                while q and q[0] <= now - FAIL_WINDOW_S:
                    q.popleft()
                if q and len(q) >= cap:
                    waits.append(q[0] + FAIL_WINDOW_S - now)
            if len(self._fails) > 256:  # forget names whose failures have aged out (bounded memory)
                for k in [k for k, q in self._fails.items() if not q or q[-1] <= now - FAIL_WINDOW_S]:
                    del self._fails[k]
            return max(waits, default=0.0)

    def _fail(self, name: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (f"n:{name}", "*"):
                self._fails.setdefault(key, deque()).append(now)

    def login(self, name: str, code: str) -> str:
        """Check ``name`` + TOTP ``code`` and open a session; returns the session id.
        Raises :class:`ApprovalError` (rate-limited, unknown name or wrong/replayed code: one message for both)."""
        name = name.strip()[:64]
        with self._login_lock:  # one check at a time: parallel guesses cannot overrun the limit
            wait = self.limited(name)
            if wait > 0:
                raise ApprovalError(f"too many failed logins; try again in {int(wait) + 1} s")
            if not name or not code.strip().isdigit() or not self.store.check_totp(name, code.strip(), self.clock()):
                self._fail(name)
                raise ApprovalError("unknown approver or wrong code")
        sid = secrets.token_urlsafe(32)
        with self._lock:
            now = self.clock()
            for k in [k for k, s in self._sessions.items() if s.expires <= now]:
                del self._sessions[k]
            self._sessions[sid] = _Session(name, secrets.token_urlsafe(32), now + self.session_ttl_s)
        return sid

    def session(self, sid: str | None) -> _Session | None:
        """The live session ``sid`` (None when unknown or expired; an expired one is dropped)."""
        if not sid:
            return None
        with self._lock:
            s = self._sessions.get(sid)
            if s is not None and s.expires <= self.clock():
                del self._sessions[sid]
                return None
            return s

    def logout(self, sid: str) -> None:
        """End session ``sid``."""
        with self._lock:
            self._sessions.pop(sid, None)

    # -- second confirmation
    def confirm_token(self, sid: str, req: ApprovalRequest, decision: str, reason: str, expires: int) -> str:
        """Token of the confirmation screen: binds session, request, decision, reason, call hash and expiry."""
        return self._mac("confirm", sid, req.id, decision, reason, req.call_hash, str(expires))

    def info(self, rule_id: str) -> tuple[str, str]:
        """(title, risk) of a rule id; unknown rules are shown as high risk."""
        return self.rule_info.get(rule_id, (rule_id, "high"))


def rule_info_of(policy: Any) -> dict[str, tuple[str, str]]:
    """``{rule id: (title, severity)}`` from a :class:`clawfence.guard.policy.Policy` (rules and windows); a rule
    without a severity is ``high`` when it denies, needs 2+ approvers or TOTP, or governs high-impact signals
    (:data:`clawfence.guard.windows.DEFAULT_SIGNALS`), else ``medium``."""
    out: dict[str, tuple[str, str]] = {}
    for r in policy.rules:
        m = r.model
        hi = m.approvals > 1 or m.totp or m.decision == "deny" or bool(set(m.signals or ()) & set(DEFAULT_SIGNALS))
        sev = m.severity or ("high" if hi else "medium")
        out[m.id] = (m.title or m.description, sev)
    for w in getattr(policy, "windows", ()):
        out[w.id] = (w.model.title or f"outside the {w.name} window", w.model.severity)
    return out


# ----------------------------------------------------------------------------------------------- pages
def _e(v: object) -> str:
    return html.escape(str(v), quote=True)


def reveal(text: str) -> tuple[str, int]:
    """``text`` with every invisible, control (other than newline), format (zero-width, bidi override), private-use
    or unassigned character replaced by a visible ``⟦U+XXXX⟧`` marker, and how many were replaced: an approver
    must see the call that runs, not a rendering the agent chose (Trojan Source, CVE-2021-42574)."""
    import unicodedata
    out: list[str] = []
    n = 0
    for ch in text:
        cat = unicodedata.category(ch)
        if ch != "\n" and (cat in ("Cc", "Cf", "Co", "Cn", "Zl", "Zp") or (cat == "Zs" and ch != " ")):
            out.append(f"⟦U+{ord(ch):04X}⟧")
            n += 1
        else:
            out.append(ch)
    return "".join(out), n


def _diff_class(line: str) -> str:
    if line.startswith("+") and not line.startswith("+++"):
        return "add"
    if line.startswith("-") and not line.startswith("---"):
        return "del"
    return "ctx"


def _ts(t: float | None) -> str:
    return "—" if t is None else time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t))


_TEMPLATE: str | None = None


def _template() -> str:
    global _TEMPLATE
    if _TEMPLATE is None:
        _TEMPLATE = resources.files("clawfence.guard").joinpath("console_assets/page.html").read_text(encoding="utf-8")
    return _TEMPLATE


def _css() -> bytes:
    return resources.files("clawfence.guard").joinpath("console_assets/console.css").read_bytes()


class _Handler(BaseHTTPRequestHandler):
    server_version = "clawfence-console"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    con: Console
    port: int

    def log_message(self, format: str, *args: Any) -> None:
        return

    # -- plumbing
    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
              headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.send_response(status)
        for k, v in SECURITY_HEADERS + headers:
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if status >= 400:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _page(self, title: str, body: str, status: int = 200, sess: _Session | None = None,
              headers: tuple[tuple[str, str], ...] = ()) -> None:
        nav = ""
        if sess is not None:
            nav = (f'<a href="/">Pending</a> <a href="/history">History</a> <span class="who">signed in as '
                   f'<b id="who">{_e(sess.approver)}</b></span><form method="post" action="/logout" class="inline">'
                   f'<input type="hidden" name="csrf" value="{_e(sess.csrf)}"><button type="submit">Sign out</button>'
                   "</form>")
        doc = _template().replace("{{title}}", _e(title)).replace("{{nav}}", nav).replace("{{body}}", body)
        self._send(status, doc.encode(), headers=headers)

    def _redirect(self, to: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        self._send(303, b"", "text/plain", (*headers, ("Location", to)))

    def _cookies(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for part in self.headers.get("Cookie", "").split(";"):
            k, _, v = part.strip().partition("=")
            if k and k not in out:
                out[k] = v
        return out

    def _sess(self) -> _Session | None:
        return self.con.session(self._cookies().get(SESSION_COOKIE))

    def _gate(self) -> bool:
        """Peer and Host checks for every request; False after answering."""
        conn = self.connection
        peer: Peer | None
        if conn.family == socket.AF_UNIX:
            from clawfence.guard.trust import peer_cred
            try:
                peer = peer_cred(conn)
            except OSError:
                peer = None
        else:
            peer = tcp_peer(conn.getpeername()[:2], conn.getsockname()[:2])
        why = self.con.callers.approval_refusal(peer)
        if why is not None:
            self._send(403, f"refused: {why}\n".encode(), "text/plain; charset=utf-8")
            return False
        host = self.headers.get("Host", "")
        if conn.family != socket.AF_UNIX and host not in (f"127.0.0.1:{self.port}", f"localhost:{self.port}"):
            self._send(421, b"refused: unexpected Host header\n", "text/plain")
            return False
        return True

    def _form(self) -> dict[str, str] | None:
        try:
            n = int(self.headers.get("Content-Length", "-1"))
        except ValueError:
            n = -1
        if n < 0 or n > MAX_FORM:
            self._send(413, b"form too large or no Content-Length\n", "text/plain")
            return None
        raw = self.rfile.read(n).decode("utf-8", "replace")
        return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}

    def _same_origin(self) -> bool:
        origin = self.headers.get("Origin")
        site = self.headers.get("Sec-Fetch-Site")
        if origin is not None and origin not in (f"http://127.0.0.1:{self.port}", f"http://localhost:{self.port}"):
            return False
        return site in (None, "same-origin", "none")

    # -- GET
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if not self._gate():
            return
        url = urlsplit(self.path)
        if url.path == "/static/console.css":
            self._send(200, _css(), "text/css; charset=utf-8")
            return
        if url.path == "/login":
            self._login_page()
            return
        if url.path == "/favicon.ico":
            self._send(404, b"", "text/plain")
            return
        sess = self._sess()
        if sess is None:
            self._redirect("/login")
            return
        if url.path == "/":
            self._pending(sess)
        elif url.path == "/history":
            self._history(sess)
        elif url.path.startswith("/r/") and url.path.count("/") == 2:
            self._request(sess, url.path[3:], parse_qs(url.query).get("msg", [""])[0])
        else:
            self._page("Not found", "<p>Not found.</p>", 404, sess)

    def _login_page(self, error: str = "", status: int = 200) -> None:
        pre = self._cookies().get(PRE_COOKIE, "")
        if not (20 <= len(pre) <= 64 and pre.replace("-", "").replace("_", "").isalnum()):
            pre = secrets.token_urlsafe(24)  # keep an existing one: a second tab must not void the first's form
        err = f'<p class="error" id="error">{_e(error)}</p>' if error else ""
        body = (f"<h1>Approver sign-in</h1>{err}<form method=\"post\" action=\"/login\" class=\"card\">"
                f'<input type="hidden" name="csrf" value="{_e(self.con.login_csrf(pre))}">'
                '<label>Approver name <input name="name" id="name" autocomplete="username" required maxlength="64">'
                '</label><label>Authenticator code <input name="code" id="code" inputmode="numeric" '
                'autocomplete="one-time-code" pattern="[0-9]{6,8}" required maxlength="8"></label>'
                '<button type="submit" id="signin">Sign in</button></form>'
                '<p class="muted">Enrol with <code>clawfence guard approvers add NAME</code> (as root or the guard '
                "service user). The agent's user cannot reach this page.</p>")
        cookie = f"{PRE_COOKIE}={pre}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=600"
        self._page("Sign in", body, status, headers=(("Set-Cookie", cookie),))

    def _pending(self, sess: _Session) -> None:
        reqs = self.con.store.list("pending", self.con.clock())
        rows = []
        for r in reqs:
            title, risk = self.con.info(r.rule_id)
            rows.append(f'<tr class="req" data-id="{_e(r.id)}"><td><a href="/r/{_e(r.id)}">{_e(r.id)}</a></td>'
                        f"<td>{_e(_ts(r.created))}</td><td><b>{_e(r.rule_id)}</b> {_e(title)}</td>"
                        f'<td><span class="risk {_e(risk)}">{_e(risk)}</span></td><td><code>{_e(r.tool)}</code></td>'
                        f"<td class=\"summary\">{_e(reveal(r.summary[:200])[0])}</td><td>{len(r.approvers)}/{r.needed}"
                        f"{' + TOTP' if r.totp else ''}</td><td>{int(max(r.expires - self.con.clock(), 0))} s</td></tr>")
        table = ("<table><thead><tr><th>Request</th><th>Asked</th><th>Rule</th><th>Risk</th><th>Tool</th>"
                 "<th>Summary</th><th>Approvals</th><th>Expires in</th></tr></thead><tbody>" + "".join(rows)
                 + "</tbody></table>") if rows else '<p id="empty">No call is waiting for a decision.</p>'
        self._page("Pending", f"<h1>Pending asks ({len(rows)})</h1>{table}", sess=sess)

    def _call_block(self, r: ApprovalRequest) -> str:
        try:
            doc = json.loads(r.call_json) if r.call_json else {"tool": r.tool, "summary": r.summary}
        except ValueError:
            doc = {"tool": r.tool, "summary": r.summary}
        shown, hidden = reveal(json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True))
        out = ""
        if hidden:
            out += (f'<p class="warn" id="hidden-chars">This call contains {hidden} invisible, control or '
                    "bidirectional character(s), shown below as <code>⟦U+XXXX⟧</code>: what you read may differ from "
                    "what runs. Deny unless you know why they are there.</p>")
        out += f'<h2>The call</h2><pre id="call">{_e(shown)}</pre>'
        if r.call_hash:
            out += f'<p class="muted">call hash <code id="hash">{_e(r.call_hash[:16])}…</code> (agent ' \
                   f'<code>{_e(r.agent_id or "?")}</code>, session <code>{_e(r.session_key or "?")}</code>)</p>'
        diff = config_diff(doc, self.con.state_dir) if isinstance(doc, dict) else None
        if diff is not None:
            lines = "".join(f'<span class="{_diff_class(ln)}">{_e(reveal(ln.rstrip(chr(10)))[0])}\n</span>'
                            for ln in diff[0].splitlines(keepends=True))
            note = f'<p class="muted">{_e(diff[1])}</p>' if diff[1] else ""
            out += f'<h2>Configuration change</h2>{note}<pre class="diff" id="diff">{lines}</pre>'
        return out

    def _request(self, sess: _Session, rid: str, msg: str = "") -> None:
        try:
            r = self.con.store.get(rid, self.con.clock())
        except ApprovalError:
            self._page("Not found", "<p>No such request.</p>", 404, sess)
            return
        title, risk = self.con.info(r.rule_id)
        votes = self.con.store.votes(r.id)
        vrows = "".join(f"<li>{_e(v['approver'])}: <b>{_e(v['vote'])}</b> at {_e(_ts(v['ts']))} — {_e(v['reason'])}</li>"
                        for v in votes)
        head = (f'<h1>Request <code>{_e(r.id)}</code> <span class="status {_e(r.status)}" id="status">{_e(r.status)}'
                f"</span></h1>" + (f'<p class="flash" id="flash">{_e(msg[:200])}</p>' if msg else "")
                + f'<dl class="card"><dt>Rule</dt><dd><b id="rule">{_e(r.rule_id)}</b> {_e(title)}</dd>'
                f'<dt>Risk</dt><dd><span class="risk {_e(risk)}">{_e(risk)}</span></dd>'
                f"<dt>Why it asks</dt><dd>{_e(reveal(r.reason)[0])}</dd><dt>Summary</dt><dd>{_e(reveal(r.summary)[0])}</dd>"
                f"<dt>Approvals</dt><dd id=\"approvals\">{len(r.approvers)} of {r.needed} distinct approver(s)"
                f"{' (TOTP)' if r.totp else ''}: {_e(', '.join(r.approvers) or 'none yet')}</dd>"
                f"<dt>Asked</dt><dd>{_e(_ts(r.created))}; expires {_e(_ts(r.expires))}</dd></dl>")
        body = head + self._call_block(r)
        if vrows:
            body += f'<h2>Votes</h2><ul id="votes">{vrows}</ul>'
        if r.status == "pending":
            if any(v["approver"] == sess.approver for v in votes):
                body += (f'<p id="waiting">You approved this request; it needs {r.needed - len(r.approvers)} more '
                         "distinct approver(s).</p>")
            else:
                body += (f'<h2>Your decision</h2><form method="post" action="/r/{_e(r.id)}/review" class="card">'
                         f'<input type="hidden" name="csrf" value="{_e(sess.csrf)}">'
                         '<label>Reason (required, kept in the history) <textarea name="reason" id="reason" required '
                         f'maxlength="{MAX_REASON}" rows="3"></textarea></label>'
                         '<button type="submit" name="decision" value="approve" id="approve" class="approve">'
                         'Approve…</button> <button type="submit" name="decision" value="deny" id="deny" class="deny">'
                         "Deny…</button></form>")
        self._page(f"Request {r.id}", body, sess=sess)

    def _history(self, sess: _Session) -> None:
        rows = []
        for r in self.con.store.list(None, self.con.clock()):
            if r.status == "pending":
                continue
            votes = self.con.store.votes(r.id)
            who = "; ".join(f"{v['approver']} {v['vote']} at {_ts(v['ts'])}: {v['reason']}" for v in votes) or "—"
            rows.append(f'<tr class="hist" data-id="{_e(r.id)}"><td><a href="/r/{_e(r.id)}">{_e(r.id)}</a></td>'
                        f"<td>{_e(_ts(r.decided))}</td><td><b>{_e(r.rule_id)}</b></td><td><code>{_e(r.tool)}</code></td>"
                        f'<td><span class="status {_e(r.status)}">{_e(r.status)}</span></td><td>{_e(who)}</td></tr>')
        table = ("<table><thead><tr><th>Request</th><th>Decided</th><th>Rule</th><th>Tool</th><th>Outcome</th>"
                 "<th>Who, when, why</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
                 ) if rows else "<p>No decided request yet.</p>"
        self._page("History", f"<h1>History</h1>{table}", sess=sess)

    # -- POST
    def do_POST(self) -> None:
        if not self._gate():
            return
        if not self._same_origin():
            self._send(403, b"refused: cross-site request\n", "text/plain")
            return
        form = self._form()
        if form is None:
            return
        path = urlsplit(self.path).path
        if path == "/login":
            self._do_login(form)
            return
        sess = self._sess()
        sid = self._cookies().get(SESSION_COOKIE, "")
        if sess is None:
            self._send(403, b"refused: not signed in or the session expired\n", "text/plain")
            return
        if not hmac.compare_digest(form.get("csrf", "").encode(), sess.csrf.encode()):
            self._send(403, b"refused: missing or wrong CSRF token\n", "text/plain")
            return
        if path == "/logout":
            self.con.logout(sid)
            self._redirect("/login", (("Set-Cookie", f"{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),))
        elif path.startswith("/r/") and path.endswith("/review"):
            self._review(sess, sid, path[3:-len("/review")], form)
        elif path.startswith("/r/") and path.endswith("/decide"):
            self._decide(sess, sid, path[3:-len("/decide")], form)
        else:
            self._send(404, b"not found\n", "text/plain")

    def _do_login(self, form: dict[str, str]) -> None:
        pre = self._cookies().get(PRE_COOKIE, "")
        if not pre or not hmac.compare_digest(form.get("csrf", "").encode(), self.con.login_csrf(pre).encode()):
            self._send(403, b"refused: missing or wrong CSRF token\n", "text/plain")
            return
        try:
            sid = self.con.login(form.get("name", ""), form.get("code", ""))
        except ApprovalError as exc:
            self._login_page(str(exc), 429 if "too many" in str(exc) else 401)
            return
        cookie = f"{SESSION_COOKIE}={sid}; HttpOnly; SameSite=Strict; Path=/; Max-Age={int(self.con.session_ttl_s)}"
        self._redirect("/", (("Set-Cookie", cookie),))

    def _pending_req(self, sess: _Session, rid: str) -> ApprovalRequest | None:
        try:
            r = self.con.store.get(rid, self.con.clock())
        except ApprovalError:
            self._page("Not found", "<p>No such request.</p>", 404, sess)
            return None
        if r.status != "pending":
            self._redirect(f"/r/{rid}?msg=" + quote_plus(f"request is already {r.status}"))
            return None
        return r

    def _review(self, sess: _Session, sid: str, rid: str, form: dict[str, str]) -> None:
        r = self._pending_req(sess, rid)
        if r is None:
            return
        decision = form.get("decision", "")
        reason = " ".join(form.get("reason", "").split())[:MAX_REASON]
        if decision not in ("approve", "deny") or not reason:
            self._redirect(f"/r/{rid}?msg=a+decision+and+a+reason+are+required")
            return
        exp = int(self.con.clock()) + CONFIRM_TTL_S
        tok = self.con.confirm_token(sid, r, decision, reason, exp)
        verb = "APPROVE" if decision == "approve" else "DENY"
        effect = ("This exact call will be let through <b>once</b> (same tool, parameters, agent and session)"
                  if decision == "approve" and len(r.approvers) + 1 >= r.needed else
                  f"Your approval is {len(r.approvers) + 1} of {r.needed}: the call stays pending until "
                  f"{r.needed} distinct approvers approved" if decision == "approve" else
                  "The call will be denied; one deny is final")
        body = (f'<h1 id="confirm-title">Confirm: {verb} request <code>{_e(r.id)}</code></h1>'
                f'<p class="warn">Second confirmation (guide E5.1). Read the exact call again. {effect}.</p>'
                f'<dl class="card"><dt>Rule</dt><dd><b>{_e(r.rule_id)}</b> {_e(self.con.info(r.rule_id)[0])}</dd>'
                f'<dt>Your reason</dt><dd id="confirm-reason">{_e(reason)}</dd></dl>' + self._call_block(r)
                + f'<form method="post" action="/r/{_e(r.id)}/decide" class="card">'
                f'<input type="hidden" name="csrf" value="{_e(sess.csrf)}">'
                f'<input type="hidden" name="decision" value="{_e(decision)}">'
                f'<input type="hidden" name="reason" value="{_e(reason)}">'
                f'<input type="hidden" name="exp" value="{exp}"><input type="hidden" name="confirm" value="{_e(tok)}">'
                f'<button type="submit" id="confirm" class="{_e(decision)}">Yes, {verb.lower()} this exact call</button> '
                f'<a href="/r/{_e(r.id)}" id="cancel">Cancel</a></form>')
        self._page(f"Confirm {verb.lower()}", body, sess=sess)

    def _decide(self, sess: _Session, sid: str, rid: str, form: dict[str, str]) -> None:
        r = self._pending_req(sess, rid)
        if r is None:
            return
        decision, reason = form.get("decision", ""), form.get("reason", "")
        try:
            exp = int(form.get("exp", "0"))
        except ValueError:
            exp = 0
        want = self.con.confirm_token(sid, r, decision, reason, exp)
        if (decision not in ("approve", "deny") or not reason or exp < self.con.clock()
                or not hmac.compare_digest(form.get("confirm", "").encode(), want.encode())):
            self._send(403, b"refused: the confirmation is missing, expired or does not match this call\n",
                       "text/plain")
            return
        try:
            out = self.con.store.vote(rid, sess.approver, decision == "approve", now=self.con.clock(), reason=reason,
                                      totp_verified=True)
        except ApprovalError as exc:
            self._redirect(f"/r/{rid}?msg=" + quote_plus(str(exc)[:150]))
            return
        msg = f"{'approved' if decision == 'approve' else 'denied'} by {sess.approver}; request is {out.status}"
        if out.status == "pending":
            msg += f" ({len(out.approvers)} of {out.needed} approvals)"
        self._redirect(f"/r/{rid}?msg=" + quote_plus(msg))


class ConsoleServer(ThreadingHTTPServer):
    """The console's HTTP server (127.0.0.1 only); ``console`` is its :class:`Console`."""

    request_queue_size = 64
    daemon_threads = True
    console: Console


def make_console_server(con: Console, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> ConsoleServer:
    """A bound (not yet serving) console server on ``127.0.0.1:port`` (0 = any free port). Refuses any other host
    with ``ValueError``; raises ``OSError`` when the port is taken."""
    if host not in ("127.0.0.1", "localhost"):
        raise ValueError(f"refusing to bind {host}: the console listens on 127.0.0.1 only")
    srv = ConsoleServer(("127.0.0.1", port), _Handler)
    handler = type("ConsoleHandler", (_Handler,), {"con": con, "port": srv.server_address[1]})
    srv.RequestHandlerClass = handler
    srv.console = con
    return srv


def start_console(con: Console, port: int = DEFAULT_PORT) -> tuple[ConsoleServer, threading.Thread]:
    """Bind and serve the console in a daemon thread (beside ``guard serve``); returns (server, thread)."""
    srv = make_console_server(con, port)
    t = threading.Thread(target=srv.serve_forever, name="clawfence-console", daemon=True)
    t.start()
    return srv, t
