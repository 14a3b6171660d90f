"""Every export format through a second real log pipeline: syslog-ng (Debian ``syslog-ng-core``), started here on
127.0.0.1 with its own config. It parses RFC 5424 (structured data into name-value pairs), the JSON of OCSF and
JSONL (``json-parser``) and the CEF header (``regexp-parser``; syslog-ng 3.38 as packaged has no CEF extension
parser, so extensions are checked by tests/trail/test_siem_formats.py). What it parsed must equal what was sent.

syslog-ng-core conflicts with rsyslog in Debian (both provide system-log-daemon), so CI unpacks the package
without installing it: ``apt-get download syslog-ng-core && dpkg -x syslog-ng-core_*.deb /tmp/syslog-ng`` (its
libraries: libivykis0 libnet1 libjson-c5 libwrap0). ``$SYSLOG_NG_ROOT`` (default /tmp/syslog-ng) or a
``syslog-ng`` on PATH is used; the test skips cleanly when neither is there.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clawfence.core.model import Finding, Location, Severity, Status
from clawfence.trail import siem

_ROOT_NG = Path(os.environ.get("SYSLOG_NG_ROOT", "/tmp/syslog-ng"))
_UNPACKED = _ROOT_NG / "usr" / "sbin" / "syslog-ng"
SYSLOG_NG = shutil.which("syslog-ng") or (str(_UNPACKED) if _UNPACKED.exists() else None)
pytestmark = pytest.mark.skipif(SYSLOG_NG is None, reason="syslog-ng not found (see module docstring)")


def _ng_command() -> tuple[list[str], dict[str, str]]:
    """The syslog-ng command and environment (an unpacked package needs its library and module paths)."""
    assert SYSLOG_NG is not None
    env = dict(os.environ)
    if str(_UNPACKED) == SYSLOG_NG:
        lib = _ROOT_NG / "usr" / "lib" / "syslog-ng"
        env["LD_LIBRARY_PATH"] = str(lib)
        mods = sorted(p for p in lib.iterdir() if p.is_dir() and p.name[:1].isdigit())
        return [SYSLOG_NG, f"--module-path={mods[-1]}"], env
    return [SYSLOG_NG], env
ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "trail"

CONF = r"""@version: 3.38
options { keep-hostname(yes); keep-timestamp(yes); stats_freq(0); };
source s_in { syslog(ip("127.0.0.1") port(PORT) transport("tcp")); };
parser p_json { json-parser(prefix(".json.")); };
parser p_cef { regexp-parser(prefix(".cef.") patterns(
  '^CEF:(?<version>\d+)\|(?<vendor>(?:[^|\\]|\\.)*)\|(?<product>(?:[^|\\]|\\.)*)\|(?<pver>(?:[^|\\]|\\.)*)\|(?<sig>(?:[^|\\]|\\.)*)\|(?<name>(?:[^|\\]|\\.)*)\|(?<sev>\d+)\|(?<ext>.*)$'
)); };
destination d_out { file("OUT" template("$(format-json --scope nv-pairs --key HOST --key PROGRAM --key MSGID
  --key ISODATE --key MESSAGE --key .SDATA.* --key .json.* --key .cef.*)\n")); };
log { source(s_in);
  if (match("^(ocsf|jsonl)$" value("MSGID"))) { parser(p_json); }
  elif (match("^cef$" value("MSGID"))) { parser(p_cef); };
  destination(d_out); };
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def syslog_ng(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port, out = _free_port(), tmp_path / "out.jsonl"
    conf = tmp_path / "sng.conf"
    conf.write_text(CONF.replace("PORT", str(port)).replace("OUT", str(out)))
    cmd, env = _ng_command()
    proc = subprocess.Popen([*cmd, "-F", "-f", str(conf), "-R", str(tmp_path / "persist"), "-p",
                             str(tmp_path / "pid"), "-c", str(tmp_path / "ctl"), "--no-caps"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"syslog-ng exited: {proc.stdout.read() if proc.stdout else ''!r}")
                time.sleep(0.1)
        else:
            pytest.fail("syslog-ng did not start listening")
        yield port, out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _records(path: Path, n: int) -> list[dict[str, object]]:
    deadline = time.time() + 10
    lines: list[str] = []
    while time.time() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= n:
            break
        time.sleep(0.1)
    return [json.loads(x) for x in lines]


def _tricky() -> siem.Item:
    f = Finding(id="TR001", title="Dangerous | command", severity=Severity.HIGH, status=Status.FAIL,
                detail='a|b=c\\d "q" ]x\nnext ünï', subject="main:s:call_2", location=Location(path="/x/s.jsonl", line=3),
                guide=("D3.2", "E4.4"), remediation="r", cwe=("CWE-78",), evidence="rm -rf /",
                observed_at="2026-11-21T05:35:46+00:00")
    return siem.from_finding(f)


def test_rfc5424_structured_data_parsed_exactly(syslog_ng: tuple[int, Path]) -> None:
    port, out = syslog_ng
    it = _tricky()
    assert siem.send(list(siem.render([it], "syslog", network=True, hostname="gw-01")), f"tcp://127.0.0.1:{port}") == 1
    rec = _records(out, 1)[0]
    assert rec["HOST"] == "gw-01" and rec["PROGRAM"] == "clawfence" and rec["MSGID"] == "finding"
    assert rec["ISODATE"] == "2026-11-21T05:35:46+00:00"  # the event time, not the export time
    sd = rec["_SDATA"]["clawfence@32473"]  # type: ignore[index]
    assert sd["name"] == "TR001" and sd["guide"] == "D3.2,E4.4" and sd["subject"] == "main:s:call_2"  # type: ignore[index]
    assert sd["title"] == "Dangerous | command"  # type: ignore[index]


def test_ocsf_and_jsonl_parsed_by_json_parser(syslog_ng: tuple[int, Path]) -> None:
    port, out = syslog_ng
    it = _tricky()
    lines = [*siem.render([it], "ocsf", network=True, hostname="gw-01"),
             *siem.render([it], "jsonl", network=True, hostname="gw-01")]
    assert siem.send(lines, f"tcp://127.0.0.1:{port}") == 2
    recs = {r["MSGID"]: r for r in _records(out, 2)}
    ocsf = recs["ocsf"]["_json"]  # type: ignore[index]
    assert ocsf["class_uid"] == "2004" and ocsf["time"] == "1795239346000"  # type: ignore[index]
    assert ocsf["finding_info"]["desc"].endswith("]x\nnext ünï")  # type: ignore[index]
    assert recs["jsonl"]["_json"]["name"] == "TR001" and recs["jsonl"]["HOST"] == "gw-01"  # type: ignore[index]


def test_cef_header_parsed(syslog_ng: tuple[int, Path]) -> None:
    port, out = syslog_ng
    it = _tricky()
    assert siem.send(list(siem.render([it], "cef", network=True, hostname="gw-01")), f"tcp://127.0.0.1:{port}") == 1
    rec = _records(out, 1)[0]
    assert rec["HOST"] == "gw-01" and rec["MSGID"] == "cef" and rec["ISODATE"] == "2026-11-21T05:35:46+00:00"
    cef = rec["_cef"]
    assert cef["vendor"] == "clawfence" and cef["sig"] == "TR001" and cef["sev"] == "8"  # type: ignore[index]
    assert cef["name"].startswith("Dangerous \\| command")  # escaped pipe kept inside one field  # type: ignore[index]
    assert "rt=1795239346000" in cef["ext"]  # type: ignore[index]


def test_cli_export_every_format_to_syslog_ng(syslog_ng: tuple[int, Path], tmp_path: Path) -> None:
    port, out = syslog_ng
    env = dict(os.environ, CLAWFENCE_HOME=str(tmp_path / "cf"), PYTHONPATH=str(ROOT / "src"))
    total = 0
    for fmt in ("syslog", "cef", "ocsf", "jsonl"):
        r = subprocess.run([sys.executable, "-m", "clawfence", "trail", "--state-dir", str(FIX / "db-era"),
                            "--no-logs", "export", "--format", fmt, "--what", "findings,events",
                            "--to", f"tcp://127.0.0.1:{port}"], capture_output=True, text=True, env=env, timeout=60)
        assert r.returncode == 0, r.stderr
        total += int(r.stderr.split()[1])
    recs = _records(out, total)
    assert len(recs) == total
    by = {m: [r for r in recs if r["MSGID"] in m] for m in (("finding", "event"), ("cef",), ("ocsf",), ("jsonl",))}
    assert all(by.values())
    assert all("_SDATA" in r for r in by[("finding", "event")])
    assert all("_cef" in r for r in by[("cef",)])
    assert all("_json" in r for r in by[("ocsf",)] + by[("jsonl",)])
    assert all(str(r["ISODATE"]).startswith("2026-11-21") for r in recs)  # event times, not today
