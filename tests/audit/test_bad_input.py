"""Bad input to ``clawfence audit`` (issue: audit v2, item 4): every case ends with one line on stderr, exit 2, no
traceback, no hang, never a "good" score for a config that could not be read; ``-o`` never replaces a symlink or a
device."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "insecure" / ".openclaw"


def _run(*args: str, env_extra: dict[str, str] | None = None, pre: str = "",
         timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{Path(__file__).parent}", **(env_extra or {}))
    code = f"{pre}import sys; sys.argv = ['clawfence', *{list(args)!r}]; from clawfence.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=timeout)


def _one_line_error(r: subprocess.CompletedProcess[str], needle: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("clawfence: error: ") and needle in r.stderr, r.stderr
    assert r.stdout == ""  # no report, so no score, for a config that could not be read


def _state(tmp: Path, config: str | None = None) -> Path:
    sd = tmp / "state"
    sd.mkdir()
    if config is not None:
        (sd / "openclaw.json").write_text(config, encoding="utf-8")
    return sd


def test_deep_json_config(tmp_path: Path) -> None:
    sd = _state(tmp_path, '{"a":' * 10000 + "1" + "}" * 10000)
    _one_line_error(_run("audit", "--state-dir", str(sd), "--no-host"), "nested 10000 levels deep")


def test_deep_json_in_an_include(tmp_path: Path) -> None:
    sd = _state(tmp_path, '{"gateway": {"$include": "./gw.json5"}}')
    (sd / "gw.json5").write_text("[" * 5000 + "]" * 5000)
    _one_line_error(_run("audit", "--state-dir", str(sd), "--no-host"), "gw.json5: nested 5000 levels deep")


def test_fifo_config_does_not_hang(tmp_path: Path) -> None:
    sd = _state(tmp_path)
    os.mkfifo(sd / "openclaw.json")
    _one_line_error(_run("audit", "--state-dir", str(sd), "--no-host", timeout=30), "not a regular file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_device_config_does_not_hang(tmp_path: Path, device: str) -> None:
    sd = _state(tmp_path)
    (sd / "openclaw.json").symlink_to(device)
    _one_line_error(_run("audit", "--state-dir", str(sd), "--no-host", timeout=30), "not a regular file")


def test_symlink_loop_is_not_defaults(tmp_path: Path) -> None:
    sd = _state(tmp_path)
    (sd / "openclaw.json").symlink_to(sd / "loop")
    (sd / "loop").symlink_to(sd / "openclaw.json")
    _one_line_error(_run("audit", "--state-dir", str(sd), "--no-host"), "symbolic links")


def test_dangling_symlink_is_not_defaults(tmp_path: Path) -> None:
    sd = _state(tmp_path)
    (sd / "openclaw.json").symlink_to(tmp_path / "gone.json")
    _one_line_error(_run("audit", "--state-dir", str(sd), "--no-host"), "openclaw.json")


@pytest.mark.parametrize("text", ["", "\n  \n"])
def test_empty_config_is_not_good(tmp_path: Path, text: str) -> None:
    sd = _state(tmp_path, text)
    _one_line_error(_run("audit", "--state-dir", str(sd), "--no-host"), "empty file")


def test_unreadable_config_for_a_non_root_user(tmp_path: Path) -> None:
    sd = tmp_path / "state"
    shutil.copytree(EXAMPLE, sd)
    r = _run("audit", "--state-dir", str(sd), "--no-host", pre="import denyaccess; ",
             env_extra={"DENY_DIR": str(sd)})
    _one_line_error(r, "permission denied")


def test_denyaccess_helper_is_what_fails(tmp_path: Path) -> None:
    """Control: the same installation without the EACCES emulation audits normally (exit 0/1 with a report)."""
    sd = tmp_path / "state"
    shutil.copytree(EXAMPLE, sd)
    r = _run("audit", "--state-dir", str(sd), "--no-host", "--format", "json")
    assert r.returncode in (0, 1) and json.loads(r.stdout)["summary"]["score"] >= 0


def test_output_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    target, link = tmp_path / "real.json", tmp_path / "link.json"
    target.write_text("old")
    link.symlink_to(target)
    r = _run("audit", "--state-dir", str(EXAMPLE), "--no-host", "--format", "json", "--fail-on", "none",
             "-o", str(link))
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and json.loads(target.read_text())["kind"] == "audit"


def test_output_to_a_device_writes_to_it(tmp_path: Path) -> None:
    r = _run("audit", "--state-dir", str(EXAMPLE), "--no-host", "--fail-on", "none", "-o", "/dev/null")
    assert r.returncode == 0, r.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_to_a_fifo_streams(tmp_path: Path) -> None:
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    r = _run("audit", "--state-dir", str(EXAMPLE), "--no-host", "--format", "json", "--fail-on", "none",
             "-o", str(fifo))
    out, _ = reader.communicate(timeout=30)
    assert r.returncode == 0, r.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and json.loads(out)["kind"] == "audit"


def test_output_to_a_directory_is_refused(tmp_path: Path) -> None:
    r = _run("audit", "--state-dir", str(EXAMPLE), "--no-host", "--fail-on", "none", "-o", str(tmp_path))
    _one_line_error(r, "not a regular file")
