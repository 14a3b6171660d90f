"""One generic test: every check fixture ``tests/fixtures/checks/<ID>/<expect>-<case>.yaml`` yields the
expected status set. Fixtures are partial facts documents (see ``clawfence.audit.facts.from_fixture``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clawfence.audit.checks import all_checks, by_id
from clawfence.audit.engine import run_check
from clawfence.audit.facts import from_fixture
from clawfence.core.model import Status

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "checks"
CASES = sorted(FIX.glob("*/*.yaml"))


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_check_fixture(path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    c = by_id(path.parent.name)
    assert c is not None, f"no check {path.parent.name}"
    expect = doc.get("expect") or path.stem.split("-")[0]
    findings = run_check(c, from_fixture(doc))
    statuses = {f.status for f in findings}
    assert Status.ERROR not in statuses, [f.detail for f in findings]
    if expect == "pass":
        assert statuses <= {Status.PASS, Status.SKIP} and Status.PASS in statuses, [f.detail for f in findings]
    else:
        assert Status(expect) in statuses, [(f.status, f.detail) for f in findings]
    if "severity" in doc:
        assert any(f.severity.value == doc["severity"] for f in findings if f.status == Status(expect))
    if "key" in doc:  # the finding is located at this config key
        assert any(f.location is not None and f.location.key == doc["key"] for f in findings
                   if f.status == Status(expect)), [(f.status, f.location) for f in findings]


@pytest.mark.parametrize("check", all_checks(), ids=lambda c: c.id)
def test_every_check_has_pass_and_fail_fixture(check: object) -> None:
    cid = check.id  # type: ignore[attr-defined]
    names = [p.stem for p in (FIX / cid).glob("*.yaml")]
    assert any(n.startswith("pass") for n in names), f"{cid}: no pass-*.yaml fixture"
    assert any(n.startswith(("fail", "warn")) for n in names), f"{cid}: no fail-*.yaml fixture"
