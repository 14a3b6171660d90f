"""Lockfile approve/verify (drift, rug-pull), the install gate, installed-skill collection and the CLI contract."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from clawfence.audit.facts import from_fixture
from clawfence.cli import app
from clawfence.cli.common import UsageError
from clawfence.skills import lockfile
from clawfence.skills.installed import collect_skills
from clawfence.skills.scanner import scan_path

runner = CliRunner()


def code(r: Result) -> int:
    """Exit code as the real entry point gives it (UsageError -> 2, see clawfence.cli.main)."""
    return 2 if isinstance(r.exception, UsageError) else r.exit_code


@pytest.fixture()
def skills_src(shared: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "src"
    shutil.copytree(shared / "fixtures" / "skills", dst)
    return dst


def test_approve_verify_drift_and_rugpull(skills_src: Path, tmp_path: Path) -> None:
    lp = tmp_path / "lock.json"
    weather = skills_src / "weather-lookup"
    r = runner.invoke(app, ["skills", "approve", str(weather), "--lockfile", str(lp)])
    assert r.exit_code == 0, r.output
    doc = json.loads(lp.read_text())
    assert "weather-lookup" in doc["skills"] and doc["skills"]["weather-lookup"]["files"]
    assert runner.invoke(app, ["skills", "verify", "--lockfile", str(lp)]).exit_code == 0
    (weather / "SKILL.md").write_text((weather / "SKILL.md").read_text() + "\nExtra note.\n")
    r = runner.invoke(app, ["skills", "verify", "--lockfile", str(lp), "-f", "json"])
    assert r.exit_code == 1 and '"changed"' in r.output
    shutil.copy(skills_src / "cred-exfil" / "scripts" / "backup.py", weather / "scripts" / "sync.py")
    r = runner.invoke(app, ["skills", "verify", "--lockfile", str(lp), "-f", "json"])
    kinds = {x["kind"]: x["severity"] for x in json.loads(r.output)["results"]}
    assert kinds.get("new-capability") == "high" and kinds.get("now-malicious") == "critical"


def test_approve_refuses_malicious(skills_src: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["skills", "approve", str(skills_src / "cred-exfil"), "--lockfile", str(tmp_path / "l.json")])
    assert r.exit_code == 1 and not (tmp_path / "l.json").exists()


def test_install_gate(skills_src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "cf"))
    state = tmp_path / "state"
    state.mkdir()
    r = runner.invoke(app, ["skills", "install", str(skills_src / "weather-lookup"), "--state-dir", str(state)])
    assert r.exit_code == 0, r.output
    assert (state / "skills" / "weather-lookup" / "scripts" / "weather.py").is_file()
    assert "weather-lookup" in lockfile.load(lockfile.default_path(state))["skills"]
    r = runner.invoke(app, ["skills", "install", str(skills_src / "cred-exfil"), "--state-dir", str(state)])
    assert r.exit_code == 1 and "refused" in r.output
    assert not (state / "skills" / "config-backup").exists()
    r = runner.invoke(app, ["skills", "install", str(skills_src / "cred-exfil"), "--state-dir", str(state), "--force"])
    assert r.exit_code == 0 and (state / "skills" / "config-backup").is_dir()
    r = runner.invoke(app, ["skills", "install", "no-such-slug-xyz", "--state-dir", str(state)])
    assert code(r) == 2


def test_collect_installed_and_checks(skills_src: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    (state / "skills").mkdir(parents=True)
    shutil.copytree(skills_src / "weather-lookup", state / "skills" / "weather-lookup")
    extra = tmp_path / "extra"
    shutil.copytree(skills_src / "clawhavoc-prereq", extra / "clawhavoc-prereq")
    ws = state / "workspace" / "skills"
    shutil.copytree(skills_src / "cred-exfil", ws / "cred-exfil")
    lockfile.approve(lockfile.default_path(state), scan_path(state / "skills" / "weather-lookup"))
    cfg = from_fixture({"config": {"skills": {"load": {"extraDirs": [str(extra)]}}}}).config
    facts = collect_skills(state, cfg, tmp_path / "home")
    by = {s.name: s for s in facts.skills}
    assert by["weather-lookup"].approved is True and by["weather-lookup"].source == "managed"
    assert by["solana-wallet-tracker-pro"].verdict == "malicious" and by["solana-wallet-tracker-pro"].source == "extra"
    assert by["config-backup"].approved is False and by["config-backup"].source == "workspace"
    from clawfence.audit.checks import by_id
    f = from_fixture({"skills": facts.model_dump(mode="json")})
    c = by_id("SK001")
    assert c is not None
    statuses = {o.subject.rsplit("/", 1)[-1]: o.status.value for o in c.fn(f)}
    assert statuses["clawhavoc-prereq"] == "fail" and statuses["weather-lookup"] == "pass"


def test_scan_cli_contract_and_errors(skills_src: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["skills", "scan", str(skills_src), "-f", "json"])
    assert r.exit_code == 1
    doc = json.loads(r.output)
    assert doc["schema"] == 1 and len(doc["skills"]) == 3
    for s in doc["skills"]:
        assert {"path", "name", "verdict", "score", "findings"} <= s.keys()
        for f in s["findings"]:
            assert {"rule", "severity", "confidence", "path", "line", "evidence", "guide"} <= f.keys()
    r = runner.invoke(app, ["skills", "scan", str(skills_src / "weather-lookup")])
    assert r.exit_code == 0
    r = runner.invoke(app, ["skills", "scan", str(skills_src / "cred-exfil"), "--lang", "zh"])
    assert r.exit_code == 1 and "恶意" in r.output
    assert code(runner.invoke(app, ["skills", "scan", str(tmp_path / "missing")])) == 2
    assert code(runner.invoke(app, ["skills", "scan", str(skills_src), "--format", "pdf"])) == 2
    assert code(runner.invoke(app, ["skills", "scan"])) == 2


def test_ioc_update(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAWFENCE_DATA_DIR", str(tmp_path / "data"))
    feed = tmp_path / "feed.tsv"
    feed.write_text("type\tvalue\tcontext\tconfidence\tsource\ndomain\tevil-skills.invalid\ttest C2\thigh\ttest\n")
    assert runner.invoke(app, ["skills", "ioc-update", str(feed)]).exit_code == 0
    d = tmp_path / "s"
    d.mkdir()
    (d / "SKILL.md").write_text("---\nname: s\ndescription: s\n---\nsee https://evil-skills.invalid/x\n")
    (res,) = scan_path(d)
    assert "SC601" in {f.rule for f in res.findings}
    bad = tmp_path / "bad.tsv"
    bad.write_text("type\tvalue\tcontext\tconfidence\nnope\tx\ty\thigh\n")
    assert code(runner.invoke(app, ["skills", "ioc-update", str(bad)])) == 2


def test_explain_rule() -> None:
    r = runner.invoke(app, ["explain", "SC210"])
    assert r.exit_code == 0 and "SC210" in r.output
