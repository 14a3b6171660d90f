"""Host facts' cheap pre-filters (/proc cmdline, /proc/net/tcp, $PATH listings) never hide what psutil and
shutil.which would find: they only skip work."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clawfence.audit.facts import host


def _spawn_as(tmp_path: Path, name: str, *args: str) -> subprocess.Popen[bytes]:
    """A sleeping Python process whose executable is called ``name`` (a symlink), with extra ``args``."""
    exe = tmp_path / name
    exe.symlink_to(os.path.realpath(sys.executable))
    return subprocess.Popen([str(exe), "-c", "import time; time.sleep(60)", *args])


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")
def test_prefiltered_process_scan_equals_full_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gw = _spawn_as(tmp_path, "openclaw", "gateway", "--port", "18789", "--token", "s3cr3t-value")
    tun = _spawn_as(tmp_path, "cloudflared", "tunnel")
    other = _spawn_as(tmp_path, "unrelated", "nothing")
    try:
        time.sleep(0.3)  # let exec finish so cmdline and comm are the new ones
        cands = host._candidate_pids()
        assert cands is not None and gw.pid in cands and tun.pid in cands and other.pid not in cands
        fast = host.collect_processes()
        monkeypatch.setattr(host, "_candidate_pids", lambda: None)  # psutil's full process_iter
        full = host.collect_processes()
        mine = {gw.pid, tun.pid, other.pid}
        for got in (fast, full):
            assert [p.pid for p in got[0] if p.pid in mine] == [gw.pid]
            assert [p.pid for p in got[1] if p.pid in mine] == [tun.pid]
        pick = [[p for p in part if p.pid in mine] for part in (*fast, *full)]
        assert pick[0] == pick[2] and pick[1] == pick[3]
        assert "s3cr3t-value" not in pick[0][0].cmdline
    finally:
        for p in (gw, tun, other):
            p.kill()
            p.wait()


def test_candidate_pids_without_proc(tmp_path: Path) -> None:
    assert host._candidate_pids(str(tmp_path / "missing")) is None


def _tcp_table(rows: list[tuple[int, str]]) -> str:
    head = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    return head + "".join(f"   {i}: 0100007F:{port:04X} 00000000:0000 {st} 00000000:00000000 00:00000000 00000000"
                          f"     0        0 {1000 + i} 1 0000000000000000 100 0 0 10 0\n"
                          for i, (port, st) in enumerate(rows))


@pytest.mark.parametrize(("rows", "ports"), [
    ([], set()),
    ([(22, "0A"), (8080, "0A")], {22, 8080}),
    ([(18789, "01")], set()),                     # an established connection to the gateway port
    ([(22, "0A"), (18789, "0A")], {22, 18789}),   # the gateway port listens
])
def test_proc_listening_ports(tmp_path: Path, rows: list[tuple[int, str]], ports: set[int]) -> None:
    (tmp_path / "tcp").write_text(_tcp_table(rows))
    (tmp_path / "tcp6").write_text(_tcp_table([]))
    assert host._proc_listening_ports(str(tmp_path)) == ports


def test_proc_listening_ports_reads_tcp6_and_fails_open(tmp_path: Path) -> None:
    (tmp_path / "tcp").write_text(_tcp_table([]))
    (tmp_path / "tcp6").write_text(_tcp_table([(19001, "0A")]))
    assert host._proc_listening_ports(str(tmp_path)) == {19001}
    (tmp_path / "tcp6").unlink()  # no IPv6: like psutil, only tcp
    assert host._proc_listening_ports(str(tmp_path)) == set()
    (tmp_path / "tcp").write_text("garbage\nnot a table\n")
    assert host._proc_listening_ports(str(tmp_path)) is None  # unreadable table: let psutil look
    (tmp_path / "tcp").unlink()
    assert host._proc_listening_ports(str(tmp_path)) is None


def test_netlink_and_proc_see_a_loopback_listener() -> None:
    """A socket listening on 127.0.0.1 / ::1 shows in the netlink answer and in /proc/net/tcp*."""
    with socket.socket() as s4:
        s4.bind(("127.0.0.1", 0))
        s4.listen()
        mine = {s4.getsockname()[1]}
        try:
            s6 = socket.socket(socket.AF_INET6)
            s6.bind(("::1", 0))
            s6.listen()
            mine.add(s6.getsockname()[1])
        except OSError:
            s6 = None
        try:
            nl = host._netlink_listening_ports()
            proc = host._proc_listening_ports()
        finally:
            if s6 is not None:
                s6.close()
    if proc is None:
        pytest.skip("no /proc/net/tcp here")
    assert mine <= proc
    if nl is None:
        pytest.skip("netlink sock_diag unavailable here (the /proc tables are used)")
    assert mine <= nl


def test_listeners_on_watched_ports_still_go_to_psutil(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(host, "_netlink_listening_ports", lambda: {22, 18789})

    class FakePsutil:
        AccessDenied = PermissionError
        CONN_LISTEN = "LISTEN"

        @staticmethod
        def net_connections(kind: str) -> list[object]:
            calls.append(kind)
            return []

    monkeypatch.setitem(sys.modules, "psutil", FakePsutil)
    assert host.collect_listeners() == ([], True) and calls == ["tcp"]
    monkeypatch.setattr(host, "_netlink_listening_ports", lambda: {22})
    assert host.collect_listeners() == ([], True) and calls == ["tcp"]  # no watched port: psutil not asked


def test_on_path_is_a_superset_of_which(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    (tmp_path / "ngrok").write_text("#!/bin/sh\n")
    (tmp_path / "ngrok").chmod(0o755)
    (tmp_path / "frpc").write_text("not executable")
    monkeypatch.setenv("PATH", f"{tmp_path / 'missing'}{os.pathsep}{tmp_path}")
    found = host._on_path(host.TUNNEL_BINARIES)
    assert set(found) == {"ngrok", "frpc"}
    assert {b for b in host.TUNNEL_BINARIES if shutil.which(b)} == {b for b in found if shutil.which(b)} == {"ngrok"}
