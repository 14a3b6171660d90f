"""The real ``openclaw policy check`` agrees with PL001/PL003 on their fixtures (``scripts/parity_policy.py``):
a pin clawfence computes is the hash native computes (no mismatch), a changed policy is a mismatch for both, and
an enabled plugin without policy.jsonc is ``policy/policy-jsonc-missing`` for both."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from clawfence.audit.checks import by_id
from clawfence.audit.engine import run_check
from clawfence.audit.facts import from_fixture
from clawfence.core.model import Status

pytestmark = pytest.mark.realclaw
ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "checks"



@pytest.mark.parametrize(("fixture", "native_id", "ours"), [
    ("PL003/pass-pinned", None, Status.PASS),
    ("PL003/fail-mismatch", "policy/policy-hash-mismatch", Status.FAIL),
    ("PL001/warn-enabled-no-file", "policy/policy-jsonc-missing", Status.WARN),
])
def test_native_policy_check_agrees(rcenv: ModuleType, rc_tmp: Callable[[str], Path], fixture: str,
                                    native_id: str | None, ours: Status, script: Callable[[str], ModuleType]) -> None:
    pp = script("parity_policy")
    doc = yaml.safe_load((FIX / f"{fixture}.yaml").read_text(encoding="utf-8"))
    c = by_id(fixture.split("/")[0])
    assert c is not None
    assert ours in {f.status for f in run_check(c, from_fixture(doc))}
    w = rc_tmp(fixture.replace("/", "-"))
    pp.install_fixture(doc, w)
    nat = pp.native_policy(w)
    ids = {f.get("checkId") for f in nat.get("findings") or []}
    assert "policy/config-invalid" not in ids, nat
    if native_id is None:
        assert not {i for i in ids if str(i).startswith("policy/policy-")}, ids
    else:
        assert native_id in ids, ids
