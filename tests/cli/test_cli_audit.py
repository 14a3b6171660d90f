"""End to end: ``python -m clawfence audit`` on the materialised fixture homes (exit codes, files, contract, errors)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clawfence.core.model import Severity

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run(*args: str, env: dict[str, str] | None = None, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("OPENCLAW_")}
    e["PYTHONPATH"] = SRC + os.pathsep + e.get("PYTHONPATH", "")
    if home is not None:
        e["HOME"] = str(home)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "clawfence", "audit", "--no-host", *args], capture_output=True,
                          text=True, env=e, timeout=120)


def sd(homes: Path, name: str) -> str:
    return str(homes / name / ".openclaw")


def one_line_error(p: subprocess.CompletedProcess[str]) -> None:
    assert p.returncode == 2, (p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("clawfence: error: "), p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""


def test_json_contract(fixture_homes: Path) -> None:
    p = run("--state-dir", sd(fixture_homes, "home-insecure"), "--format", "json")
    assert p.returncode == 1, p.stderr
    doc = json.loads(p.stdout)
    assert doc["schema"] == 1
    assert set(doc["tool"]) >= {"name", "version"} and doc["tool"]["name"] == "clawfence"
    assert set(doc["target"]) >= {"state_dir", "config_path", "openclaw_version"}
    assert doc["target"]["state_dir"] == sd(fixture_homes, "home-insecure")
    assert isinstance(doc["summary"], dict) and doc["findings"]
    keys = {"id", "status", "severity", "title", "detail", "guide", "location", "remediation", "upstream"}
    for f in doc["findings"]:
        assert keys <= set(f), f
        assert f["status"] in {"pass", "fail", "warn", "skip", "error"}
        assert f["severity"] in {"critical", "high", "medium", "low", "info"}
        assert set(f["location"]) == {"path", "key", "line"}
        assert isinstance(f["guide"], list) and isinstance(f["upstream"], list)
    bind = next(f for f in doc["findings"] if f["location"]["key"] == "gateway.bind")
    assert bind["status"] == "fail" and bind["location"]["line"]
    assert len(doc["compliance"]) == 76
    assert len({c["point"] for c in doc["compliance"]}) == 76
    for c in doc["compliance"]:
        assert {"point", "status", "checks"} <= set(c)
        assert c["status"] in {"pass", "fail", "warn", "manual", "not-applicable"}


def _expected_rc(doc: dict[str, object], fail_on: str) -> int:
    if fail_on == "none":
        return 0
    rank = Severity(fail_on).rank
    bad = [f for f in doc["findings"]  # type: ignore[attr-defined]
           if f["status"] in ("fail", "error") and not f["suppressed"] and Severity(f["severity"]).rank >= rank]
    return 1 if bad else 0


@pytest.mark.parametrize("home", ["home-insecure", "home-hardened"])
def test_exit_codes_follow_fail_on(fixture_homes: Path, home: str) -> None:
    doc = json.loads(run("--state-dir", sd(fixture_homes, home), "-f", "json").stdout)
    for level in ("critical", "high", "medium", "low", "info", "none"):
        p = run("--state-dir", sd(fixture_homes, home), "-f", "json", "--fail-on", level)
        assert p.returncode == _expected_rc(doc, level), (level, p.stderr)
    if home == "home-insecure":
        assert _expected_rc(doc, "high") == 1


def test_waiving_every_failure_exits_zero(fixture_homes: Path, tmp_path: Path) -> None:
    doc = json.loads(run("--state-dir", sd(fixture_homes, "home-insecure"), "-f", "json").stdout)
    ids = sorted({f["id"] for f in doc["findings"] if f["status"] in ("fail", "error")})
    assert ids
    w = tmp_path / "waivers.yaml"
    w.write_text("".join(f"- {{id: {i}, reason: accepted in test}}\n" for i in ids), encoding="utf-8")
    p = run("--state-dir", sd(fixture_homes, "home-insecure"), "--waivers", str(w), "-f", "json", "--fail-on", "info")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert all(f["suppressed"] for f in out["findings"] if f["status"] in ("fail", "error"))
    assert not any(c["status"] == "fail" for c in out["compliance"])


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown", "html"])
def test_output_file(fixture_homes: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    p = run("--state-dir", sd(fixture_homes, "home-insecure"), "-f", fmt, "-o", str(out), "--lang", "zh")
    assert p.returncode == 1, p.stderr
    assert p.stdout == ""
    text = out.read_text(encoding="utf-8")
    assert "GW001" in text
    if fmt in ("json", "sarif"):
        json.loads(text)
    if fmt in ("text", "markdown", "html"):
        assert "安全" in text
    assert out.stat().st_mode & 0o077 == 0


def test_save_facts_then_from_facts(fixture_homes: Path, tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    a = run("--state-dir", sd(fixture_homes, "home-insecure"), "-f", "json", "--save-facts", str(facts))
    b = run("--from-facts", str(facts), "-f", "json")
    assert a.returncode == b.returncode == 1
    fa, fb = json.loads(a.stdout)["findings"], json.loads(b.stdout)["findings"]
    assert [(f["id"], f["status"], f["subject"], f["detail"]) for f in fa] == \
        [(f["id"], f["status"], f["subject"], f["detail"]) for f in fb]


def test_lang_zh(fixture_homes: Path) -> None:
    p = run("--state-dir", sd(fixture_homes, "home-insecure"), "--lang", "zh")
    assert p.returncode == 1
    assert "安全评分" in p.stdout and "指南符合性" in p.stdout and "Remediation" not in p.stdout


def test_bad_inputs_one_line_exit_2(fixture_homes: Path, tmp_path: Path) -> None:
    one_line_error(run("--state-dir", str(tmp_path / "missing")))
    d = tmp_path / "dirconfig"
    (d / "openclaw.json").mkdir(parents=True)
    one_line_error(run("--state-dir", str(d)))
    u = tmp_path / "utf"
    u.mkdir()
    (u / "openclaw.json").write_bytes(b'{"gateway": "\xff\xfe"}')
    one_line_error(run("--state-dir", str(u)))
    j = tmp_path / "json5"
    j.mkdir()
    (j / "openclaw.json").write_text('{gateway: {bind: "lan",,}', encoding="utf-8")
    one_line_error(run("--state-dir", str(j)))
    loop = tmp_path / "loop"
    loop.mkdir()
    (loop / "openclaw.json").write_text('{"$include": "./a.json5"}', encoding="utf-8")
    (loop / "a.json5").write_text('{"$include": "./openclaw.json"}', encoding="utf-8")
    p = run("--state-dir", str(loop))
    one_line_error(p)
    assert "loop" in p.stderr
    esc = tmp_path / "esc" / "sd"
    esc.mkdir(parents=True)
    (esc / "openclaw.json").write_text('{"$include": "../../outside.json5"}', encoding="utf-8")
    (tmp_path / "outside.json5").write_text("{}", encoding="utf-8")
    p = run("--state-dir", str(esc))
    one_line_error(p)
    assert "escapes" in p.stderr
    one_line_error(run("--state-dir", sd(fixture_homes, "home-insecure"), "--format", "xml"))
    one_line_error(run("--state-dir", sd(fixture_homes, "home-insecure"), "--lang", "fr"))
    one_line_error(run("--state-dir", sd(fixture_homes, "home-insecure"), "--fail-on", "severe"))
    bad = tmp_path / "bad-facts.json"
    bad.write_text("not json", encoding="utf-8")
    one_line_error(run("--from-facts", str(bad)))
    bad.write_text('{"facts_schema": 1, "config": 5}', encoding="utf-8")
    one_line_error(run("--from-facts", str(bad)))
    one_line_error(run("--from-facts", str(tmp_path / "absent.json")))
    one_line_error(run(home=tmp_path / "emptyhome"))


def _copy_home(fixture_homes: Path, dest: Path, dirname: str) -> Path:
    shutil.copytree(fixture_homes / "home-insecure" / ".openclaw", dest / dirname)
    return dest / dirname


def _target(p: subprocess.CompletedProcess[str]) -> dict[str, str]:
    assert p.returncode in (0, 1), p.stderr
    t: dict[str, str] = json.loads(p.stdout)["target"]
    return t


def test_env_and_profile_are_honoured(fixture_homes: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    other = _copy_home(fixture_homes, tmp_path, "elsewhere")
    t = _target(run("-f", "json", home=home, env={"OPENCLAW_STATE_DIR": str(other)}))
    assert t["state_dir"] == str(other)
    cfg = tmp_path / "cfg" / "custom.json"
    cfg.parent.mkdir()
    shutil.copy(other / "openclaw.json", cfg)
    t = _target(run("-f", "json", home=home, env={"OPENCLAW_STATE_DIR": str(other), "OPENCLAW_CONFIG_PATH": str(cfg)}))
    assert t["config_path"] == str(cfg)
    prof = _copy_home(fixture_homes, home, ".openclaw-work")
    t = _target(run("-f", "json", "--profile", "work", home=home))
    assert t["state_dir"] == str(prof)


def test_legacy_clawdbot_when_openclaw_absent(fixture_homes: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    legacy = _copy_home(fixture_homes, home, ".clawdbot")
    t = _target(run("-f", "json", home=home))
    assert t["state_dir"] == str(legacy)
    _copy_home(fixture_homes, home, ".openclaw")
    t = _target(run("-f", "json", home=home))
    assert t["state_dir"] == str(home / ".openclaw")
