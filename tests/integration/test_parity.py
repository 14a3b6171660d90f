"""Parity with the real ``openclaw security audit --json`` on two installations (``scripts/parity.py``):
one made by the real CLI (``onboard`` + ``config set``) and one reference config of the real runs.
Every native critical checkId must be covered by a failing/warning clawfence check declaring it upstream."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from clawfence.audit.checks import all_checks

pytestmark = pytest.mark.realclaw
ROOT = Path(__file__).resolve().parents[2]
INSTALLS = ["real-insecure", "ref-b4-insecure-noauth-valid"]
# checks present on main before the parallel check work (checks-a: GW/AU/CH, checks-b: SB/TL/FS/HO/LG/UP)
FOUNDATION = {"GW001", "GW002", "FS001", "CF001"}


@pytest.fixture(scope="module")
def compared(rcenv: ModuleType, rc_tmp: Callable[[str], Path],
             script: Callable[[str], ModuleType]) -> tuple[ModuleType, list[Any], list[Any]]:
    parity = script("parity")
    root = rc_tmp("parity")
    root.mkdir(parents=True)
    insts = parity.installations(root, INSTALLS)
    assert [i.error for i in insts] == [None, None]
    results = parity.run(insts)
    return parity, results, parity.compare(results)


def test_every_native_checkid_is_tabled(compared: tuple[ModuleType, list[Any], list[Any]]) -> None:
    parity, results, rows = compared
    native = {f["checkId"] for r in results for f in r.native_findings}
    assert native and {r.check_id for r in rows} == native
    assert all(r.clawfence and r.native and r.native.get("ok") is not False for r in results)
    assert all(parity.schema_agreement(r) for r in results)  # CF001 passes where the CLI accepts the config
    md = parity.markdown(rows, results, "test")
    for cid in native:
        assert f"| `{cid}` |" in md
    assert "## Coverage" in md and "native checkIds covered" in md


def test_foundation_checks_cover_their_upstream(compared: tuple[ModuleType, list[Any], list[Any]]) -> None:
    """The checks on main already map their native ids: lan + auth none and 777/666 or 755/644 modes."""
    _, _, rows = compared
    by = {r.check_id: r for r in rows}
    assert by["gateway.bind_no_auth"].status == "yes" and {"GW001", "GW002"} <= by["gateway.bind_no_auth"].covering
    fs = [r for r in rows if r.check_id.startswith(("fs.config.", "fs.state_dir."))]
    assert fs and all(r.status == "yes" and "FS001" in r.covering for r in fs), [(r.check_id, r.status) for r in fs]


def test_every_native_critical_is_covered(compared: tuple[ModuleType, list[Any], list[Any]]) -> None:
    parity, _, rows = compared
    missing = parity.uncovered(rows, "critical")
    if missing and not any(c.upstream and c.id not in FOUNDATION for c in all_checks()):
        pytest.xfail(f"pre-merge branch (only {sorted(FOUNDATION)}): uncovered native critical checkIds: "
                     + ", ".join(missing))
    assert not missing, "native critical checkIds with no covering clawfence check: " + ", ".join(missing)
