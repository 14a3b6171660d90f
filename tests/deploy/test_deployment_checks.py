"""Deployment checks: every fixture ``tests/fixtures/deployment/<ID>/<expect>-<case>[.ext]`` (file or directory)
gives the expected status for check <ID>; every check has both; upstream-style insecure files fail as listed in
``upstream/expected.yaml``; the CLI path (``audit --deployment``) exits as documented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from clawfence.audit.deployment import ALL, by_id, load
from clawfence.audit.deployment.run import run_checks
from clawfence.core.guide import load as load_guide
from clawfence.core.model import Status

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "deployment"
CASES = sorted(p for p in FIX.glob("DP*/*") if p.name.startswith(("pass", "fail", "warn")))


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_fixture(path: Path) -> None:
    check = by_id(path.parent.name)
    assert check is not None
    findings = run_checks(load(path), [check])
    statuses = {f.status for f in findings}
    assert Status.ERROR not in statuses, [f.detail for f in findings]
    if path.name.startswith("pass"):
        assert statuses <= {Status.PASS, Status.SKIP} and Status.PASS in statuses, [(f.status, f.detail) for f in findings]
    else:
        expect = Status.FAIL if path.name.startswith("fail") else Status.WARN
        assert expect in statuses, [(f.status, f.detail) for f in findings]


@pytest.mark.parametrize("check", ALL, ids=lambda c: c.id)
def test_every_check_has_both_fixtures_and_valid_metadata(check: object) -> None:
    from clawfence.audit.deployment.checks import DeploymentCheck
    assert isinstance(check, DeploymentCheck)
    names = [p.name for p in (FIX / check.id).iterdir()]
    assert any(n.startswith("pass") for n in names) and any(n.startswith(("fail", "warn")) for n in names)
    assert check.rationale and check.title_zh and check.remediation_zh
    assert set(check.guide) <= load_guide().ids, check.guide


def test_upstream_files_fail_as_expected() -> None:
    expected = yaml.safe_load((FIX / "upstream" / "expected.yaml").read_text(encoding="utf-8"))
    for name, ids in expected.items():
        findings = run_checks(load(FIX / "upstream" / name))
        failing = {f.id for f in findings if f.status == Status.FAIL}
        assert set(ids) <= failing, (name, sorted(set(ids) - failing))


def test_secrets_are_redacted_in_findings() -> None:
    findings = run_checks(load(FIX / "upstream" / "openclaw-gateway.service"))
    text = json.dumps([f.to_dict() for f in findings], ensure_ascii=False)
    assert "3f9c2a7e5b1d4c8e9a0f6b2d7c1e5a9b3f8d2c6e" not in text
    assert "3f9c…(40 chars)" in text


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clawfence", *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_cli_exit_codes_and_formats(tmp_path: Path) -> None:
    r = _cli("audit", "--deployment", str(FIX / "upstream"), "-f", "json")
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert {f["id"] for f in doc["findings"] if f["status"] == "fail"} >= {"DP001", "DP008"}
    sarif = _cli("audit", "--deployment", str(FIX / "upstream" / "Dockerfile"), "-f", "sarif", "--fail-on", "none")
    assert sarif.returncode == 0 and json.loads(sarif.stdout)["runs"]
    missing = _cli("audit", "--deployment", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "not found" in missing.stderr and "Traceback" not in missing.stderr
    (tmp_path / "notes.yaml").write_text("just: a mapping\n", encoding="utf-8")
    unknown = _cli("audit", "--deployment", str(tmp_path / "notes.yaml"))
    assert unknown.returncode == 2 and "nothing to audit" in unknown.stderr
    explain = _cli("explain", "DP010")
    assert explain.returncode == 0 and "100.100.100.200" in explain.stdout


def test_docs_list_every_deployment_check() -> None:
    doc = (FIX.parents[2] / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert all(f"| {c.id} |" in doc for c in ALL)
