"""Native parity from the source: every ``openclaw security audit`` checkId of the installed dist is in
docs/parity.md, covered (by which check), deliberately not covered (why) or, for ids clawfence still declares,
retired (since when). The extractor is tested on a synthetic dist; the real one is skipped without realclaw."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_extractor_reads_literals_and_templates_and_skips_doctor_ids(tmp_path: Path, script: Callable[[str], ModuleType]) -> None:
    dist = tmp_path / "dist"
    (dist / "extensions" / "x").mkdir(parents=True)
    (dist / "audit-abc.mjs").write_text('findings.push({\n\tcheckId: "gateway.bind_no_auth",\n severity: "critical"});\n'
                                        'push({checkId:"fs.synced_dir"}); push({ checkId: `channels.${p.id}.dm.open` })')
    (dist / "extensions" / "x" / "register.runtime.js").write_text('{checkId: "browser.control_no_auth"}')
    (dist / "doctor-x.mjs").write_text('{checkId: "core/doctor/gateway-auth"} {checkId: "doctor.approval"} '
                                       '{checkId: "policy/config-invalid"}')
    (dist / "node_modules" / "dep").mkdir(parents=True)
    (dist / "node_modules" / "dep" / "a.js").write_text('{checkId: "vendored.should_not_count"}')
    ids = script("parity").native_checkids(dist)
    assert set(ids) == {"gateway.bind_no_auth", "fs.synced_dir", "channels.*.dm.open", "browser.control_no_auth"}
    assert ids["browser.control_no_auth"] == ["extensions/x/register.runtime.js"]


def test_matching_of_templates(script: Callable[[str], ModuleType]) -> None:
    p = script("parity")
    assert p._matches("channels.*.dm.open", "channels.<provider>.dm.open")
    assert p._matches("channels.telegram.dm.open", "channels.*.dm.open")
    assert p._matches("tools.elevated.allowFrom.*.wildcard", "tools.elevated.allowFrom.<provider>.wildcard")
    assert not p._matches("gateway.bind_no_auth", "gateway.loopback_no_auth")


@pytest.fixture(scope="module")
def dist(script: Callable[[str], ModuleType]) -> Path:
    d = script("parity").DIST
    if not d.is_dir():
        pytest.skip(f"real OpenClaw dist not installed at {d} (../shared/realclaw/realclaw-setup.sh)")
    return Path(d)


def test_docs_parity_catalogue_matches_the_installed_dist(dist: Path, script: Callable[[str], ModuleType]) -> None:
    p = script("parity")
    doc = (ROOT / "docs" / "parity.md").read_text(encoding="utf-8")
    section = p.catalogue_markdown(dist)
    assert p.replace_section(doc, section) == doc, "run: python scripts/parity.py --catalogue"


def test_every_native_id_is_decided_and_every_declared_id_exists_or_is_retired(
        dist: Path, script: Callable[[str], ModuleType]) -> None:
    rows, retired = script("parity").catalogue(dist)
    assert len(rows) >= 130
    assert [r.check_id for r in rows if r.status == "UNDECIDED"] == []
    assert [cid for cid, _, seen in retired if seen.startswith("UNDECIDED")] == []
    by = {r.check_id: r for r in rows}
    assert by["gateway.trusted_proxy_device_auto_approve_admin"].by == ["GW018"]
    assert by["security.audit.suppressions.active"].by == ["LG006"]
    assert by["gateway.bind_no_auth"].status == "covered"
