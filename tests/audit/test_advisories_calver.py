"""Bundled advisory data and CalVer edge cases of its ranges (re-publish ``-N``, ``-beta.N``)."""

from __future__ import annotations

import pytest

from clawfence.audit.advisories import affecting, load
from clawfence.audit.checks import by_id
from clawfence.audit.engine import run_check
from clawfence.audit.facts import Facts, VersionFacts
from clawfence.core.calver import CalVer
from clawfence.core.model import Status


def ids(version: str) -> set[str]:
    return {i for a in affecting(version) for i in a.ids()}


def test_every_advisory_is_well_formed() -> None:
    advs = load()
    assert len(advs) >= 250
    every = [i for a in advs for i in a.ids()]
    assert len(set(every)) == len(every)          # no id or alias in two records
    for a in advs:
        assert a.title and a.references and a.sources, a.id
        if a.fixed is not None:
            CalVer(a.fixed)


@pytest.mark.parametrize(("version", "advisory", "affected"), [
    ("2026.2.21-2", "GHSA-5847-rm3g-23mw", True),     # last affected re-publish
    ("2026.2.21", "GHSA-5847-rm3g-23mw", True),
    ("2026.2.22", "GHSA-5847-rm3g-23mw", False),      # fixed
    ("2026.2.22-beta.1", "GHSA-5847-rm3g-23mw", True),  # pre-release of the fixed date sorts before it
    ("2026.2.22-2", "GHSA-796m-2973-wc5q", True),
    ("2026.2.23", "GHSA-796m-2973-wc5q", False),
    ("2026.1.24-3", "CVE-2026-25253", True),          # clawdbot@2026.1.24-3, last vulnerable build
    ("2026.1.29", "CVE-2026-25253", False),
    ("2026.1.29-beta.2", "CVE-2026-25253", True),
    ("2026.3.8", "GHSA-4jpw-hj22-2xmc", True),
    ("2026.3.11", "GHSA-4jpw-hj22-2xmc", False),
    ("2026.4.21", "GHSA-93rg-2xm5-2p9v", True),
    ("2026.4.22", "GHSA-93rg-2xm5-2p9v", False),
    ("2026.9.6", "CVE-2026-44112", False),
    ("2026.2.22-2", "CVE-2026-32059", True),        # "OpenClaw 2026.2.22-2 < 2026.2.23": last affected build
    ("2026.2.23", "GHSA-3c6h-g97w-fg78", False),
    ("2026.5.25", "GHSA-q99w-vh6v-q3v7", True),
    ("2026.5.26", "GHSA-q99w-vh6v-q3v7", False),
])
def test_ranges(version: str, advisory: str, affected: bool) -> None:
    assert (advisory in ids(version)) is affected


def test_calver_order_edge_cases() -> None:
    assert CalVer("2026.2.21-beta.1") < CalVer("2026.2.21") < CalVer("2026.2.21-2") < CalVer("2026.2.22")
    assert CalVer("2026.10.1") > CalVer("2026.9.30")     # numeric, not lexical
    assert CalVer("v2026.3.12") == CalVer("2026.3.12")


def test_latest_known_version_is_clean() -> None:
    assert ids("2026.9.6") == set()


def _run(version: str | None, source: str | None) -> list[tuple[Status, str]]:
    facts = Facts(version=VersionFacts(version=version, source=source))
    c = by_id("UP001")
    assert c is not None
    return [(f.status, f.severity.value) for f in run_check(c, facts)]


def test_hint_source_warns_instead_of_failing() -> None:
    hint = _run("2026.1.24", "meta.lastTouchedVersion (hint)")
    assert {s for s, _ in hint} == {Status.WARN}
    assert ("warn", "critical") in [(s.value, sev) for s, sev in hint]
    real = _run("2026.1.24", "package.json (/usr/lib/node_modules/openclaw/package.json)")
    assert {s for s, _ in real} == {Status.FAIL}


def test_unparsable_version_is_manual_warning() -> None:
    assert _run("latest", "openclaw --version") == [(Status.WARN, "medium")]
