"""The decision service over its Unix socket: keep-alive requests are answered (regression: the handler set
TCP_NODELAY on the Unix socket, which fails with EOPNOTSUPP, so every connection was dropped)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from pathlib import Path

from clawfence.detect.calls import PathContext
from clawfence.guard.approvals import ApprovalStore
from clawfence.guard.policy import builtin_policy
from clawfence.guard.server import BACKLOG, GuardService, make_unix_server

CTX = PathContext("/home/agent", "/home/agent/.openclaw/workspace", "/home/agent/.openclaw",
                  "/home/agent/.openclaw/workspace", resolve_symlinks=False)


class _UnixConn(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost")
        self.path = path

    def connect(self) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(self.path)
        self.sock = s


def test_unix_socket_answers_keep_alive_requests(tmp_path: Path) -> None:
    svc = GuardService(builtin_policy(), "t", ApprovalStore(tmp_path / "a.sqlite"), None, None, CTX)
    srv = make_unix_server(svc, tmp_path / "guard.sock")
    assert srv.request_queue_size == BACKLOG >= 128
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        c = _UnixConn(str(tmp_path / "guard.sock"))
        got = []
        for cmd in ("ls -la", "rm -rf ~", "git status"):  # one connection, three requests
            body = json.dumps({"toolName": "exec", "params": {"command": cmd}})
            c.request("POST", "/v1/decide", body, {"Content-Type": "application/json"})
            r = c.getresponse()
            assert r.status == 200
            got.append(json.loads(r.read())["decision"])
        c.close()
        assert got == ["allow", "deny", "allow"]
    finally:
        srv.shutdown()
        srv.server_close()
        svc.close()
