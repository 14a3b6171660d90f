"""apply.py: dry-run writes nothing; apply backs up (0600/0700), writes atomically keeping owner/mode, logs
every action in the hash chain, verifies, and rolls back; an interrupted run never leaves a partial file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import json5
import pytest
from typer.testing import CliRunner

from clawfence.audit.collect import collect
from clawfence.audit.facts import locate
from clawfence.audit.fix.apply import FixError, apply_plans, rollback
from clawfence.audit.fix.fixers import FIXERS, plan_fixes
from clawfence.cli import app
from clawfence.core import atomic
from clawfence.core.model import Finding, Severity, Status
from clawfence.integrity import actionlog as auditlog

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """// hand-written config: keep this comment
{
  gateway: {
    mode: "local",
    bind: "lan", // TODO tighten
    auth: { mode: "token", token: "abc123" },
  },
  channels: {
    telegram: { botToken: "123456789:AAFAKE-audit-test-token-not-real-000000", dmPolicy: "open",
                allowFrom: ["*"], groupPolicy: "open" },
  },
}
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A state dir with loose modes, and CLAWFENCE_HOME in tmp."""
    st = tmp_path / "state"
    st.mkdir()
    (st / "openclaw.json").write_text(CONFIG, encoding="utf-8")
    (st / "credentials").mkdir()
    (st / "credentials" / "telegram-allowFrom.json").write_text("{}", encoding="utf-8")
    os.chmod(st, 0o755)
    os.chmod(st / "openclaw.json", 0o644)
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "cf"))
    yield st


def _all_findings() -> list[Finding]:
    return [Finding(id="SYN001", title="t", severity=Severity.HIGH, status=Status.FAIL, detail="", subject=f,
                    location=None, guide=("P2.1",), remediation="", fix=f) for f in FIXERS]


def _facts(st: Path):  # type: ignore[no-untyped-def]
    return collect(locate(str(st), None, None), version_override="2026.9.6", with_host=False)


def _tree(st: Path) -> dict[str, tuple[int, str]]:
    out = {}
    for p in [*sorted(st.rglob("*")), st]:
        data = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
        out[str(p)] = (stat.S_IMODE(p.stat().st_mode), data)
    return out


def test_plan_cli_writes_nothing(home: Path) -> None:
    before = _tree(home)
    r = CliRunner().invoke(app, ["fix", "--state-dir", str(home), "--openclaw-version", "2026.9.6"])
    assert r.exit_code == 0, r.output
    assert "+ gateway.bind: \"loopback\"" in r.output and "~ mode" in r.output and "Nothing was written" in r.output
    assert _tree(home) == before
    assert not (home.parent / "cf").exists()
    j = CliRunner().invoke(app, ["fix", "--state-dir", str(home), "--format", "json", "--openclaw-version", "2026.9.6"])
    doc = json.loads(j.output)
    assert doc["applied"] is False and {p["fix"] for p in doc["plans"]} >= {"fs-perms", "gateway-bind-loopback"}


def test_apply_safe_only_then_rollback(home: Path) -> None:
    before = _tree(home)
    r = CliRunner().invoke(app, ["fix", "--state-dir", str(home), "--openclaw-version", "2026.9.6", "--apply"])
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert json5.loads((home / "openclaw.json").read_text())["gateway"]["bind"] == "lan"  # unsafe: not applied
    r = CliRunner().invoke(app, ["fix", "--rollback"])
    assert r.exit_code == 0, r.output
    assert _tree(home) == before


def test_apply_unsafe_keeps_comments_mode_and_logs(home: Path) -> None:
    facts = _facts(home)
    os.chmod(home / "openclaw.json", 0o640)
    res = apply_plans(plan_fixes(_all_findings(), facts), facts, include_unsafe=True)
    assert res.ok and not res.comments_lost, res.refused
    text = (home / "openclaw.json").read_text()
    assert "keep this comment" in text and "TODO tighten" in text
    cfg = json5.loads(text)
    assert cfg["gateway"]["bind"] == "loopback" and cfg["gateway"]["auth"]["token"] == "${OPENCLAW_GATEWAY_TOKEN}"
    assert cfg["channels"]["telegram"]["botToken"] == "${TELEGRAM_BOT_TOKEN}"
    assert cfg["channels"]["telegram"]["groupPolicy"] == "allowlist"
    assert stat.S_IMODE((home / "openclaw.json").stat().st_mode) == 0o600  # fs-perms ran after the write
    env = (home / ".env").read_text()
    assert stat.S_IMODE((home / ".env").stat().st_mode) == 0o600
    assert "TELEGRAM_BOT_TOKEN=123456789:AAFAKE-audit-test-token-not-real-000000" in env
    tok = next(line.split("=", 1)[1] for line in env.splitlines() if line.startswith("OPENCLAW_GATEWAY_TOKEN="))
    assert len(tok) == 64 and tok != "abc123"  # rotated: 256-bit, not the weak one moved over
    log = home.parent / "cf" / "actions.jsonl"
    assert auditlog.verify(log).ok
    blob = log.read_text() + json.dumps(res.results)
    assert "AAFAKE" not in blob and tok not in blob and "abc123" not in blob
    bdir = home.parent / "cf" / "backups" / res.run_id
    assert stat.S_IMODE(bdir.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in bdir.iterdir())
    assert res.verified["gateway-bind-loopback"] == "fixed" and res.verified["fs-perms"] == "fixed"
    rid, _ = rollback(res.run_id)
    assert rid == res.run_id and (home / "openclaw.json").read_text() == CONFIG
    assert stat.S_IMODE((home / "openclaw.json").stat().st_mode) == 0o640 and not (home / ".env").exists()


def test_refuses_a_result_the_schema_rejects(home: Path) -> None:
    from clawfence.audit.fix.actions import Plan, Safety, SetConfig
    facts = _facts(home)
    before = _tree(home)
    bad = Plan("x", Safety.SAFE, ("SYN001",), (SetConfig("gateway.bind", "everywhere"),))
    res = apply_plans([bad], facts)
    assert res.refused and "gateway.bind" in res.refused[0]
    assert _tree(home) == before and not (home.parent / "cf" / "backups").exists()


def test_fault_before_rename_restores_original(home: Path) -> None:
    facts = _facts(home)

    def boom(tmp: Path, dest: Path) -> None:
        if dest.name == "openclaw.json":
            raise OSError("injected fault between backup and rename")

    atomic.BEFORE_RENAME.append(boom)
    try:
        with pytest.raises(FixError, match="rolled back"):
            apply_plans(plan_fixes(_all_findings(), facts), facts, include_unsafe=True)
    finally:
        atomic.BEFORE_RENAME.remove(boom)
    assert (home / "openclaw.json").read_text() == CONFIG
    assert not (home / ".env").exists()  # written before the config, restored (removed) on failure
    assert not list(home.glob(".openclaw.json.*.tmp"))
    assert auditlog.verify(home.parent / "cf" / "actions.jsonl").ok


KILL_SCRIPT = """
import os, signal, sys
from pathlib import Path
from clawfence.core import atomic
from clawfence.audit.collect import collect
from clawfence.audit.facts import locate
from clawfence.audit.fix.apply import apply_plans
from clawfence.audit.fix.fixers import FIXERS, plan_fixes
from clawfence.core.model import Finding, Severity, Status
st = sys.argv[1]
def die(tmp, dest):
    if dest.name == "openclaw.json":
        os.kill(os.getpid(), signal.SIGKILL)
atomic.BEFORE_RENAME.append(die)
facts = collect(locate(st, None, None), version_override="2026.9.6", with_host=False)
fs = [Finding(id="SYN001", title="t", severity=Severity.HIGH, status=Status.FAIL, detail="", subject=f,
              location=None, guide=("P2.1",), remediation="", fix=f) for f in FIXERS]
apply_plans(plan_fixes(fs, facts), facts, include_unsafe=True)
"""


def test_killed_between_backup_and_rename(home: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    p = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(home)], env=env, capture_output=True, timeout=60)
    assert p.returncode == -signal.SIGKILL, p.stderr
    text = (home / "openclaw.json").read_text()
    assert text == CONFIG  # never partial: the rename did not happen
    backups = list((home.parent / "cf" / "backups").iterdir())
    assert len(backups) == 1 and (backups[0] / "manifest.json").is_file()
    # the interrupted run can be rolled back from its manifest (removes the .env it had written)
    rollback(backups[0].name)
    assert (home / "openclaw.json").read_text() == CONFIG and not (home / ".env").exists()
    for leftover in home.glob(".openclaw.json.*.tmp"):  # temp file from the killed process: not the config
        assert json5.loads(leftover.read_text()) != json5.loads(CONFIG)
        leftover.unlink()


def test_fixture_home_round_trip(fixture_homes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "cf"))
    st = tmp_path / "insecure"
    shutil.copytree(fixture_homes / "home-insecure" / ".openclaw", st, symlinks=True)
    before = _tree(st)
    facts = _facts(st)
    res = apply_plans(plan_fixes(_all_findings(), facts), facts, include_unsafe=True)
    assert res.ok, res.refused
    after = _collect_issues(st)
    assert after == []  # retired keys removed: the 2026.9.6 schema accepts the result
    rollback(res.run_id)
    assert _tree(st) == before


def _collect_issues(st: Path) -> list[str]:
    f = _facts(st)
    assert f.config is not None
    return [i.path for i in f.config.issues]


def test_rollback_errors_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "cf"))
    r = CliRunner().invoke(app, ["fix", "--rollback", "nope"])
    assert r.exit_code == 2 or "no backup" in str(r.exception)
