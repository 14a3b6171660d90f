"""Parity with the real ``openclaw secrets audit --json`` (``scripts/parity_secrets.py``): on a planted
installation, before and after the real ``doctor --fix`` moved its auth files into SQLite, every native secrets
finding has a clawfence fail/warn finding at the same file and key, and every finding kind native has shows up."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.realclaw
ROOT = Path(__file__).resolve().parents[2]



def test_every_native_secrets_finding_has_a_clawfence_finding_at_the_same_place(
        rcenv: ModuleType, rc_tmp: Callable[[str], Path], script: Callable[[str], ModuleType]) -> None:
    ps = script("parity_secrets")
    root = rc_tmp("secrets-parity")
    root.mkdir(parents=True)
    res = ps.run_all(root, ("planted", "migrated"))
    rows = [r for v in res.values() for r in v]
    assert len(rows) >= 20
    assert [r for r in rows if not r["by"]] == []
    assert {r["code"] for r in rows} == set(ps.KINDS)
