"""OSV advisory data: parsing, ranges with a later ``introduced``, air-gapped updates that can only add, the
``clawfence advisories`` command, and the one-finding-per-installation UP001."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from clawfence.audit import advisories as adv
from clawfence.audit.checks import by_id
from clawfence.audit.engine import run_check
from clawfence.audit.facts import Facts, VersionFacts
from clawfence.core.calver import CalVer
from clawfence.core.model import Severity, Status


def osv(rid: str, events: list[dict[str, str]], *, name: str = "openclaw", sev: str = "HIGH",
        aliases: list[str] | None = None) -> dict[str, Any]:
    return {"schema_version": "1.6.0", "id": rid, "aliases": aliases or [], "summary": f"test {rid}",
            "modified": "2026-07-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "npm", "name": name},
                          "ranges": [{"type": "ECOSYSTEM", "events": events}]}],
            "references": [{"type": "ADVISORY", "url": f"https://example.invalid/{rid}"}],
            "database_specific": {"severity": sev}}


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "cfhome"))
    adv.load_data.cache_clear()
    yield tmp_path / "cfhome"
    adv.load_data.cache_clear()


def cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLAWFENCE_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "clawfence", "advisories", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_range_introduced_later_is_not_reported_for_older_versions() -> None:
    a = adv.parse_osv(osv("GHSA-2222-3333-4444", [{"introduced": "2026.3.1"}, {"fixed": "2026.3.5"}]))
    assert a is not None
    assert a.affects(CalVer("2026.2.28")) is False
    assert a.affects(CalVer("2026.3.1")) is True
    assert a.affects(CalVer("2026.3.4-2")) is True
    assert a.affects(CalVer("2026.3.5")) is False
    assert a.affected == ">= 2026.3.1, < 2026.3.5"


def test_last_affected_and_open_ranges() -> None:
    a = adv.parse_osv(osv("GHSA-2222-3333-5555", [{"introduced": "0"}, {"last_affected": "2026.2.21-2"}]))
    assert a is not None and a.affects(CalVer("2026.2.21-2")) and not a.affects(CalVer("2026.2.22"))
    unfixed = adv.parse_osv(osv("GHSA-2222-3333-6666", [{"introduced": "2026.5.1"}]))
    assert unfixed is not None and unfixed.affects(CalVer("2026.9.6")) and not unfixed.affects(CalVer("2026.4.1"))


def test_github_osv_shape_is_accepted() -> None:
    """GitHub's OSV export: vector-string CVSS, SEMVER type, ``0.0.0`` lower bound, enumerated versions."""
    rec = osv("GHSA-2222-3333-4444", [{"introduced": "0.0.0"}, {"fixed": "2026.5.26"}])
    rec["severity"] = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"}]
    rec["affected"][0]["ranges"][0]["type"] = "SEMVER"
    rec["affected"][0]["versions"] = ["0.1.0", "2026.5.25"]
    a = adv.parse_osv(rec)
    assert a is not None and a.severity == Severity.HIGH
    assert a.affects(CalVer("2026.1.5")) and a.affects(CalVer("2026.5.25")) and not a.affects(CalVer("2026.5.26"))


def test_other_packages_are_ignored_and_bad_records_refused() -> None:
    assert adv.parse_osv(osv("GHSA-2222-3333-7777", [{"introduced": "0"}, {"fixed": "1.2.3"}], name="left-pad")) \
        is None
    with pytest.raises(adv.AdvisoryDataError, match="GHSA-2222-3333-8888"):
        adv.parse_osv(osv("GHSA-2222-3333-8888", [{"introduced": "0"}, {"fixed": "not-a-version"}]))
    with pytest.raises(adv.AdvisoryDataError, match="before any introduced"):
        adv.parse_osv(osv("GHSA-2222-3333-9999", [{"fixed": "2026.3.5"}]))
    with pytest.raises(adv.AdvisoryDataError):
        adv.parse_osv({"id": "X"})


def test_bundled_data_is_sourced_and_dated() -> None:
    data = adv.load_data(None)
    assert data.data_as_of >= "2026-08-07"
    assert len(data.advisories) >= 250
    assert all(a.sources for a in data.advisories)
    # the numbers issue 13 compared: clawfence reported 9 for 2026.3.24 and 27 for 2026.1.24
    assert len(adv.affecting("2026.3.24", data)) >= 100
    assert len(adv.affecting("2026.1.24", data)) >= 200
    worst = adv.affecting("2026.1.24", data)
    ranks = [list(Severity).index(a.severity) for a in worst]
    assert ranks == sorted(ranks)


def test_update_adds_but_never_removes_or_narrows(tmp_path: Path, _home: Path) -> None:
    d = tmp_path / "osv"
    d.mkdir()
    (d / "new.json").write_text(json.dumps(osv("GHSA-2222-3333-4444", [{"introduced": "2026.9.1"},
                                                                      {"fixed": "2026.9.9"}], sev="CRITICAL")))
    # a forged record for a bundled advisory claiming it never affected anything
    (d / "forged.json").write_text(json.dumps(osv("GHSA-q99w-vh6v-q3v7", [{"introduced": "2026.9.30"},
                                                                          {"fixed": "2026.10.1"}])))
    (d / "other.json").write_text(json.dumps(osv("GHSA-2222-3333-7777", [{"introduced": "0"}, {"fixed": "1.0.0"}],
                                                 name="left-pad")))
    p = cli("update", "--from", str(d), home=_home)
    assert p.returncode == 0, p.stderr
    assert "1 records about other packages ignored" in p.stdout
    stored = _home / "advisories" / "osv.json"
    assert stored.is_file() and (stored.stat().st_mode & 0o777) == 0o600
    out = json.loads(cli("--version", "2026.9.6", home=_home).stdout)
    assert out["advisories"][0]["id"] == "GHSA-2222-3333-4444"            # critical, worst first
    old = json.loads(cli("--version", "2026.5.25", home=_home).stdout)
    assert "GHSA-q99w-vh6v-q3v7" in {a["id"] for a in old["advisories"]}  # bundled range kept
    assert len(json.loads(cli(home=_home).stdout)["advisories"]) >= 286


def test_update_refuses_bad_input_with_one_line(tmp_path: Path, _home: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(osv("GHSA-2222-3333-8888", [{"introduced": "0"}, {"fixed": "x"}])))
    for src in (fifo, deep, empty, bad, tmp_path / "missing.json", Path("/dev/zero")):
        p = cli("update", "--from", str(src), home=_home)  # a hang would hit the 60 s timeout
        assert p.returncode == 2, (src, p.stderr)
        assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr, p.stderr
    assert not (_home / "advisories" / "osv.json").exists()


def test_future_data_as_of_in_an_update_is_not_believed(tmp_path: Path, _home: Path) -> None:
    f = tmp_path / "bundle.json"
    f.write_text(json.dumps({"data_as_of": "2099-01-01",
                             "advisories": [osv("GHSA-2222-3333-4444", [{"introduced": "0"}, {"fixed": "2026.1.1"}])]}))
    assert cli("update", "--from", str(f), home=_home).returncode == 0
    assert json.loads(cli(home=_home).stdout)["data_as_of"] < "2099-01-01"


def test_cli_version_filter_and_text() -> None:
    p = subprocess.run([sys.executable, "-m", "clawfence", "advisories", "--version", "2026.3.24", "--format", "text"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0
    assert p.stdout.startswith("1") and "affecting OpenClaw 2026.3.24" in p.stdout


def _up(version: str, source: str, collected: str = "") -> list[Any]:
    c = by_id("UP001")
    assert c is not None
    return run_check(c, Facts(version=VersionFacts(version=version, source=source), collected_at=collected))


def test_up001_is_one_finding_at_package_json_worst_first() -> None:
    fs = _up("2026.1.24", "package.json (/usr/lib/node_modules/openclaw/package.json)")
    assert len(fs) == 1
    f = fs[0]
    assert f.status == Status.FAIL and f.severity == Severity.CRITICAL
    assert f.location is not None and f.location.path == "/usr/lib/node_modules/openclaw/package.json"
    assert "more (`clawfence advisories --version 2026.1.24`)" in f.detail
    assert f.evidence is not None and f.evidence.count(", ") + 1 == len(adv.affecting("2026.1.24"))
    first = f.evidence.split(", ")[0].split("/")[0]
    top = adv.affecting("2026.1.24")[0]
    assert first == top.id and top.severity == Severity.CRITICAL


def test_up001_pass_names_data_date() -> None:
    (f,) = _up("2026.9.6", "package.json (/x/package.json)")
    assert f.status == Status.PASS and "data as of" in f.detail


def test_bundle_holds_every_transcribed_record_with_its_fixed_version(script: Callable[[str], ModuleType]) -> None:
    """No record of the committed source tables is lost or given another fixed version by the build (the
    Komlock input is not in the repo, so the bundle is compared with the tables, not rebuilt)."""
    b = script("build_advisories")
    data = adv.load_data(None)
    by_id = {i: a for a in data.advisories for i in a.ids()}
    checked = 0
    for path in sorted(b.SRC_DIR.glob("*.tsv")):
        rows, meta = b.read_tsv(path, 0)
        for r in rows:
            a = by_id.get(r["ghsa"])
            assert a is not None, (path.name, r["ghsa"])
            if r["cve"] != "-":
                assert r["cve"] in a.ids(), (r["ghsa"], r["cve"])
            if r["fixed"] != "-":
                assert a.fixed is not None and CalVer(a.fixed) >= CalVer(r["fixed"]), (r["ghsa"], a.fixed)
            assert meta["source"] in a.sources, r["ghsa"]
            checked += 1
    assert checked >= 300
