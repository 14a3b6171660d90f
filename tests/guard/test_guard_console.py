"""The approval console over plain HTTP (the browser test is test_guard_console_browser.py): login with TOTP and
its rate limit, session cookie flags and server-side expiry, CSRF on every POST, security headers, Host check,
refusal of the agent's uid, the second confirmation, one-shot approvals bound to the call, distinct approvers,
history, config diffs, and the ``approvers``/``console`` CLI."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from console_kit import Client, Rig, start_rig

from clawfence.guard.console import config_diff
from clawfence.guard.trust import CallerRules

DESTROY = {"toolName": "exec", "params": {"command": "terraform destroy -auto-approve"}, "agentId": "main",
           "sessionKey": "agent:main:s1"}
CONFIG = {"toolName": "exec", "params": {"command": "openclaw config set logging.level debug"}, "agentId": "main",
          "sessionKey": "agent:main:s1"}


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    r = start_rig(tmp_path)
    yield r  # type: ignore[misc]
    r.close()


def _code(rig: Rig, name: str, t: float | None = None) -> str:
    secret = rig.store.totp_secret(name)
    assert secret
    totp = pyotp.TOTP(secret)
    return totp.at(t) if t is not None else totp.now()


def _wrong(rig: Rig, name: str, t: float | None = None) -> str:
    """A 6-digit code valid in none of the accepted steps (t-30 s, t, t+30 s)."""
    import time as _time
    t = _time.time() if t is None else t
    valid = {_code(rig, name, t + d) for d in (-30, 0, 30)}
    return next(c for c in (f"{i:06d}" for i in range(0, 1_000_000, 7919)) if c not in valid)


def test_login_page_headers_and_host_check(rig: Rig) -> None:
    c = Client(rig.cport)
    st, h, page, cookies = c.get("/login")
    assert st == 200 and 'name="csrf"' in page
    assert h["content-security-policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert h["x-frame-options"] == "DENY" and h["cache-control"] == "no-store"
    assert h["x-content-type-options"] == "nosniff" and h["referrer-policy"] == "same-origin"
    assert "<script" not in page
    assert all("HttpOnly" in x and "SameSite=Strict" in x for x in cookies)
    assert Client(rig.cport, host="evil.example:80").get("/login")[0] == 421  # DNS rebinding
    st, h, _, _ = c.get("/")
    assert st == 303 and h["location"] == "/login"  # not signed in


def test_agent_uid_is_refused(tmp_path: Path) -> None:
    r = start_rig(tmp_path, CallerRules(gateway_uids=frozenset({os.getuid()})))
    try:
        st, _, body, _ = Client(r.cport).get("/login")
        assert st == 403 and "gateway" in body
    finally:
        r.close()


def test_agent_process_tree_is_refused(tmp_path: Path) -> None:
    """A client descending from a gateway process is refused even under another uid (pid found from the socket)."""
    r = start_rig(tmp_path, CallerRules(gateway_uids=frozenset({65534}), gateway_pids=frozenset({os.getpid()})))
    try:
        st, _, body, _ = Client(r.cport).get("/login")
        assert st == 403 and "gateway process" in body
    finally:
        r.close()


def test_wrong_totp_and_rate_limit(tmp_path: Path) -> None:
    clock = Clock()
    rig = start_rig(tmp_path, clock=clock)
    try:
        rig.store.enroll("alice")
        right = _code(rig, "alice", clock.t)
        wrong = _wrong(rig, "alice", clock.t)
        c = Client(rig.cport)
        assert c.login("alice", wrong) == 401
        assert c.login("mallory", right) == 401  # unknown name: same answer
        for _ in range(4):
            assert c.login("alice", wrong) == 401
        assert c.login("alice", right) == 429  # limited: even the right code is refused
        clock.t += 301
        assert c.login("alice", _code(rig, "alice", clock.t)) == 303
        assert "cf_console" in c.cookies
    finally:
        rig.close()


def test_login_needs_csrf_and_code_is_single_use(rig: Rig) -> None:
    rig.store.enroll("alice")
    c = Client(rig.cport)
    c.get("/login")
    assert c.post("/login", {"name": "alice", "code": _code(rig, "alice")})[0] == 403  # no CSRF token
    code = _code(rig, "alice")
    assert c.login("alice", code) == 303
    assert Client(rig.cport).login("alice", code) == 401  # the same code again (replay)


def test_approve_once_through_second_confirmation(rig: Rig) -> None:
    rig.store.enroll("alice")
    d = rig.decide(DESTROY)
    assert d["decision"] == "ask" and d["rule_id"] == "PG025"
    rid = d["approval_id"]
    c = Client(rig.cport)
    assert c.login("alice", _code(rig, "alice")) == 303
    st, _, page, _ = c.get("/")
    assert st == 200 and rid in page and "PG025" in page and "terraform destroy" in page
    st, _, page, _ = c.get(f"/r/{rid}")
    assert '"command": "terraform destroy -auto-approve"' in html.unescape(page) and 'name="reason"' in page
    csrf = c.field(page, "csrf")
    # POST without / with a wrong CSRF token
    assert c.post(f"/r/{rid}/review", {"decision": "approve", "reason": "x"})[0] == 403
    assert c.post(f"/r/{rid}/review", {"csrf": csrf + "x", "decision": "approve", "reason": "x"})[0] == 403
    # a reason is required
    st, h, _, _ = c.post(f"/r/{rid}/review", {"csrf": csrf, "decision": "approve", "reason": "  "})
    assert st == 303 and "reason" in h["location"]
    # cross-site POST refused even with the token
    assert c.post(f"/r/{rid}/review", {"csrf": csrf, "decision": "approve", "reason": "ok"},
                  {"Origin": "http://evil.example"})[0] == 403
    st, _, conf, _ = c.post(f"/r/{rid}/review", {"csrf": csrf, "decision": "approve", "reason": "planned teardown"})
    assert st == 200 and "Second confirmation" in conf and "terraform destroy -auto-approve" in conf
    assert rig.store.get(rid).status == "pending"  # nothing decided before the confirmation
    form = {k: c.field(conf, k) for k in ("csrf", "decision", "reason", "exp", "confirm")}
    # the confirmation is bound to the reason and the decision
    assert c.post(f"/r/{rid}/decide", {**form, "reason": "something else"})[0] == 403
    assert c.post(f"/r/{rid}/decide", {**form, "decision": "deny"})[0] == 403
    assert c.post(f"/r/{rid}/decide", {**form, "confirm": ""})[0] == 403
    st, h, _, _ = c.post(f"/r/{rid}/decide", form)
    assert st == 303 and rig.store.get(rid).status == "approved"
    # the exact call passes once; a second identical call asks again
    d2 = rig.decide(DESTROY)
    assert d2["decision"] == "allow" and d2["approval_id"] == rid and "alice" in d2["reason"]
    d3 = rig.decide(DESTROY)
    assert d3["decision"] == "ask" and d3["approval_id"] != rid
    # another session's identical command is not covered by the approval
    assert rig.decide({**DESTROY, "sessionKey": "agent:main:other"})["decision"] == "ask"
    # history: who, when, decision, reason
    st, _, hist, _ = c.get("/history")
    assert rid in hist and "alice approve" in hist and "planned teardown" in hist


def test_multi_approver_distinct(rig: Rig) -> None:
    for n in ("alice", "bob"):
        rig.store.enroll(n)
    d = rig.decide(CONFIG)
    assert d["decision"] == "ask" and d["approvals_needed"] == 2
    rid = d["approval_id"]
    a, b = Client(rig.cport), Client(rig.cport)
    assert a.login("alice", _code(rig, "alice")) == 303
    st, _, page, _ = a.get(f"/r/{rid}")
    assert 'id="diff"' in page and "debug" in page and "s3cr3tTOKEN" not in page  # diff shown, secret redacted
    st, h, _, _ = a.vote(rid, "approve", "debug logging for the incident")
    assert st == 303 and rig.store.get(rid).status == "pending"
    assert rig.decide(CONFIG)["decision"] == "ask"  # one approval of two: still not through
    # the same approver a second time does not count
    st, _, page, _ = a.get(f"/r/{rid}")
    assert 'id="waiting"' in page and 'id="approve"' not in page
    csrf = a.field(page, "csrf")
    st, _, conf, _ = a.post(f"/r/{rid}/review", {"csrf": csrf, "decision": "approve", "reason": "again"})
    form = {k: a.field(conf, k) for k in ("csrf", "decision", "reason", "exp", "confirm")}
    st, h, _, _ = a.post(f"/r/{rid}/decide", form)
    assert st == 303 and "distinct" in h["location"] and rig.store.get(rid).approvers == ("alice",)
    assert b.login("bob", _code(rig, "bob")) == 303
    b.vote(rid, "approve", "agreed")
    assert rig.store.get(rid).status == "approved"
    assert rig.decide(CONFIG)["decision"] == "allow"
    assert rig.decide(CONFIG)["decision"] == "ask"


def test_deny_is_final(rig: Rig) -> None:
    rig.store.enroll("alice")
    rid = rig.decide(DESTROY)["approval_id"]
    c = Client(rig.cport)
    c.login("alice", _code(rig, "alice"))
    c.vote(rid, "deny", "not during the freeze")
    assert rig.store.get(rid).status == "denied"
    assert rig.decide(DESTROY)["decision"] == "ask"


def test_session_expires_server_side_and_logout(tmp_path: Path) -> None:
    clock = Clock()
    rig = start_rig(tmp_path, clock=clock)
    try:
        rig.store.enroll("alice")
        c = Client(rig.cport)
        assert c.login("alice", _code(rig, "alice", clock.t)) == 303
        assert c.get("/")[0] == 200
        clock.t += 901
        assert c.get("/")[0] == 303  # the same cookie no longer works
        assert c.login("alice", _code(rig, "alice", clock.t)) == 303
        _, _, page, _ = c.get("/")
        sid = c.cookies["cf_console"]
        c.post("/logout", {"csrf": c.field(page, "csrf")})
        c.cookies["cf_console"] = sid  # replaying the old cookie after sign-out
        assert c.get("/")[0] == 303
    finally:
        rig.close()


def test_bad_inputs_never_crash(rig: Rig) -> None:
    rig.store.enroll("alice")
    c = Client(rig.cport)
    c.login("alice", _code(rig, "alice"))
    _, _, page, _ = c.get("/")
    csrf = c.field(page, "csrf")
    assert c.get("/r/nope")[0] == 404
    assert c.get("/r/<script>")[0] == 404
    assert c.post("/r/nope/review", {"csrf": csrf, "decision": "approve", "reason": "x"})[0] == 404
    assert c.post("/r/x/decide", {"csrf": csrf, "exp": "notanumber"})[0] == 404
    assert c.req("POST", "/login", headers={"Content-Length": "99999999"})[0] == 413


def test_config_diff_write_and_set(tmp_path: Path) -> None:
    cfg = tmp_path / "openclaw.json"
    cfg.write_text(json.dumps({"gateway": {"bind": "loopback", "auth": {"token": "abcd" + "Z" * 40}}}, indent=2))
    d = config_diff({"tool": "write", "params": {"path": str(cfg), "content": cfg.read_text().replace("loopback", "lan")}},
                    tmp_path)
    assert d is not None and '-  "gateway": {\n' not in d[0]
    assert '-    "bind": "loopback"' in d[0] and '+    "bind": "lan"' in d[0] and "Z" * 40 not in d[0]
    d = config_diff({"tool": "exec", "params": {"command": "openclaw config set agents.defaults.model.primary x/y"}},
                    tmp_path)
    assert d is not None and '"primary": "x/y"' in d[0] and "Z" * 40 not in d[0]
    d = config_diff({"tool": "edit", "params": {"path": str(cfg), "oldText": '"loopback"', "newText": '"lan"'}},
                    tmp_path)
    assert d is not None and '+    "bind": "lan"' in d[0]
    assert config_diff({"tool": "exec", "params": {"command": "ls"}}, tmp_path) is None
    assert config_diff({"tool": "write", "params": {"path": "/tmp/x.txt", "content": "x"}}, tmp_path) is None


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clawfence", "guard", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_cli_approvers(tmp_path: Path) -> None:
    svc = tmp_path / "svc"
    env = dict(os.environ, CLAWFENCE_SERVICE_HOME=str(svc), CLAWFENCE_HOME=str(tmp_path / "home"))
    r = _cli("approvers", "add", "alice", env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("otpauth://totp/") and "alice" in r.stdout and "secret=" in r.stdout
    assert "secret=" not in r.stderr
    db = svc / "approvals.sqlite"
    assert db.exists() and db.stat().st_mode & 0o077 == 0 and svc.stat().st_mode & 0o077 == 0
    assert _cli("approvers", "list", env=env).stdout.split() == ["alice"]
    # run as the agent's user: refused, nothing enrolled
    r = _cli("approvers", "add", "eve", "--gateway-user", str(os.getuid()), env=env)
    assert r.returncode == 2 and "refusing" in r.stderr and "Traceback" not in r.stderr
    r = _cli("approvers", "add", "bad name;rm", env=env)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    # the old CLI vote path refuses the gateway's users too
    r = _cli("approvals", "approve", "someid", "--approver", "owner", env={**env, "CLAWFENCE_GATEWAY_USERS": str(os.getuid())})
    assert r.returncode == 2 and "refusing" in r.stderr
    assert _cli("approvers", "remove", "alice", env=env).returncode == 0
    assert _cli("approvers", "remove", "alice", env=env).returncode == 2


def test_call_content_is_escaped_and_hidden_characters_shown(rig: Rig) -> None:
    """The agent writes the call: markup in it is text, and characters that change what a person reads (bidi
    overrides, zero-width) are made visible with a warning."""
    rig.store.enroll("alice")
    evil = {"toolName": "exec", "agentId": "main", "sessionKey": "s",
            "params": {"command": "terraform destroy -auto-approve # </pre><script>alert(1)</script>"
                                  "<img src=x onerror=alert(2)> \u202eecalp-ni\u2066 \u200b"}}
    d = rig.decide(evil)
    assert d["decision"] == "ask"
    c = Client(rig.cport)
    c.login("alice", _code(rig, "alice"))
    for path in ("/", f"/r/{d['approval_id']}"):
        st, _, page, _ = c.get(path)
        assert st == 200
        assert "<script>alert" not in page and "<img src=x" not in page and "&lt;script&gt;" in page
        assert "\u202e" not in page and "\u200b" not in page and "⟦U+202E⟧" in page
    assert 'id="hidden-chars"' in c.get(f"/r/{d['approval_id']}")[2]
    clean = rig.decide(DESTROY)["approval_id"]
    assert 'id="hidden-chars"' not in c.get(f"/r/{clean}")[2]


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv to switch uid")
def test_real_other_uid_is_refused(rig: Rig) -> None:
    """A real process running as the gateway's uid (65534 here) is refused; the same request from another
    non-root uid (65533) is served, so it is the uid that decides, not the request."""
    code = ("import sys, urllib.request, urllib.error\n"
            "try:\n print(urllib.request.urlopen(sys.argv[1], timeout=10).status)\n"
            "except urllib.error.HTTPError as e:\n print(e.code, e.read().decode())\n")

    def as_uid(uid: int) -> str:
        r = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", sys.executable, "-I",
                            "-c", code, f"{rig.base}/login"], capture_output=True, text=True, timeout=30)
        return r.stdout.strip()

    out = as_uid(65534)
    assert out.startswith("403") and "gateway" in out
    assert as_uid(65533) == "200"


def test_parallel_guesses_cannot_overrun_the_limit(tmp_path: Path) -> None:
    """32 wrong codes sent at once: exactly 5 are checked (401), the rest are refused unchecked (429)."""
    from concurrent.futures import ThreadPoolExecutor

    clock = Clock()
    rig = start_rig(tmp_path, clock=clock)
    try:
        rig.store.enroll("alice")
        wrong = _wrong(rig, "alice", clock.t)
        with ThreadPoolExecutor(8) as ex:
            got = sorted(ex.map(lambda _: Client(rig.cport).login("alice", wrong), range(32)))
        assert got.count(401) == 5 and got.count(429) == 27
    finally:
        rig.close()
