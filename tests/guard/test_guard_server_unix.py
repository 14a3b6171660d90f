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


def test_body_parsing_fast_path_equals_loads_json() -> None:
    """The server's body parser skips the depth scan only when the body cannot nest past the limit; results and
    errors equal clawfence.core.safeio.loads_json's."""
    import pytest

    from clawfence.core.safeio import InputError, loads_json
    from clawfence.guard.server import _loads_body

    cases = ['{"a":[1,2,{"b":"[[[["}]}', "[" * 200 + "]" * 200, "[" * 201 + "]" * 201, '{"x": "' + "[" * 300 + '"}',
             "{bad", "", "null", '"\\ud800"', "[1,]", "[" * 5000 + "]" * 5000]
    for t in cases:
        try:
            want = loads_json(t, what="request body")
        except InputError as exc:
            with pytest.raises(InputError) as got:
                _loads_body(t)
            assert str(got.value) == str(exc)
        else:
            assert _loads_body(t) == want
