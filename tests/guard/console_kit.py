"""Shared by the console tests: a decision service and a console on 127.0.0.1 (ports picked by the OS), and a
tiny cookie-keeping HTTP client that does not follow redirects."""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from clawfence.guard.approvals import ApprovalStore
from clawfence.guard.console import Console, ConsoleServer, make_console_server, rule_info_of
from clawfence.guard.policy import builtin_policy
from clawfence.guard.server import GuardService, make_server
from clawfence.guard.trust import CallerRules

TOKEN = "test-token-" + "x" * 20


@dataclass
class Rig:
    """A running decision service + console sharing one approvals store."""

    store: ApprovalStore
    console: Console
    csrv: ConsoleServer
    dsrv: Any
    state_dir: Path

    @property
    def cport(self) -> int:
        return int(self.csrv.server_address[1])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.cport}"

    def decide(self, call: dict[str, Any]) -> dict[str, Any]:
        c = http.client.HTTPConnection("127.0.0.1", self.dsrv.server_address[1], timeout=10)
        c.request("POST", "/v1/decide", json.dumps(call), {"Authorization": f"Bearer {TOKEN}",
                                                           "Content-Type": "application/json"})
        r = c.getresponse()
        out: dict[str, Any] = json.loads(r.read())
        c.close()
        return out

    def close(self) -> None:
        for s in (self.csrv, self.dsrv):
            s.shutdown()
            s.server_close()


def start_rig(tmp: Path, callers: CallerRules | None = None, clock: Callable[[], float] | None = None) -> Rig:
    store = ApprovalStore(tmp / "svc" / "approvals.sqlite")
    state = tmp / "state"
    state.mkdir(parents=True, exist_ok=True)
    (state / "openclaw.json").write_text(json.dumps({"gateway": {"auth": {"token": "gw_" + "s3cr3tTOKEN" * 3}},
                                                      "logging": {"level": "info"}}), encoding="utf-8")
    pol = builtin_policy()
    con = Console(store, callers or CallerRules(gateway_uids=frozenset({65534})), rule_info_of(pol), state)
    if clock is not None:
        con.clock = clock
    csrv = make_console_server(con, 0)
    svc = GuardService(pol, TOKEN, store, None)
    dsrv = make_server(svc, 0)
    for s in (csrv, dsrv):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    return Rig(store, con, csrv, dsrv, state)


@dataclass
class Client:
    """Cookie-keeping HTTP client for the console (no redirects followed)."""

    port: int
    host: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    def req(self, method: str, path: str, form: dict[str, str] | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str, list[str]]:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = {"Host": self.host or f"127.0.0.1:{self.port}"}
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        h.update(headers or {})
        c.request(method, path, body, h)
        r = c.getresponse()
        text = r.read().decode()
        set_cookies = r.headers.get_all("Set-Cookie") or []
        for sc in set_cookies:
            k, _, v = sc.split(";", 1)[0].partition("=")
            if v:
                self.cookies[k] = v
            else:
                self.cookies.pop(k, None)
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        c.close()
        return r.status, hdrs, text, set_cookies

    def get(self, path: str) -> tuple[int, dict[str, str], str, list[str]]:
        return self.req("GET", path)

    def post(self, path: str, form: dict[str, str], headers: dict[str, str] | None = None
             ) -> tuple[int, dict[str, str], str, list[str]]:
        return self.req("POST", path, form, headers)

    @staticmethod
    def field(html_text: str, name: str) -> str:
        m = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html_text)
        assert m, f"no field {name}"
        import html as _h
        return _h.unescape(m.group(1))

    def login(self, name: str, code: str) -> int:
        _, _, page, _ = self.get("/login")
        st, _, _, _ = self.post("/login", {"csrf": self.field(page, "csrf"), "name": name, "code": code})
        return st

    def vote(self, rid: str, decision: str, reason: str) -> tuple[int, dict[str, str], str, list[str]]:
        _, _, page, _ = self.get(f"/r/{rid}")
        csrf = self.field(page, "csrf")
        st, _, conf, _ = self.post(f"/r/{rid}/review", {"csrf": csrf, "decision": decision, "reason": reason})
        assert st == 200, conf
        form = {k: self.field(conf, k) for k in ("csrf", "decision", "reason", "exp", "confirm")}
        return self.post(f"/r/{rid}/decide", form)
