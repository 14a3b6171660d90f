"""Ground truth of ../shared/fixtures/README.md for the areas of SB/TL/FS/HO/LG/UP checks.

insecure: C9-C12, C18-C22 and H1 must be caught; hardened: nothing above low outside host/version facts.
"""

from __future__ import annotations

from pathlib import Path

from clawfence.audit.collect import collect
from clawfence.audit.facts import locate
from clawfence.audit.facts.host import HostFacts
from clawfence.audit.run import audit
from clawfence.core.model import Finding, Severity, Status

MINE = ("SB", "TL", "FS", "HO", "LG", "UP")


def _audit(home: Path, version: str) -> list[Finding]:
    inst = locate(env={"HOME": str(home)})
    facts = collect(inst, env={"HOME": str(home)}, version_override=version, with_host=False)
    facts = facts.model_copy(update={"host": HostFacts(auditor_uid=0)})
    return list(audit(facts).findings)


def _problems(findings: list[Finding], cid: str) -> list[Finding]:
    return [f for f in findings if f.id == cid and f.status in (Status.FAIL, Status.WARN)]


def test_insecure_ground_truth(fixture_homes: Path) -> None:
    home = fixture_homes / "home-insecure"
    fs = _audit(home, "2026.1.24")
    assert _problems(fs, "SB001")                                   # C9 sandbox off
    assert {f.status for f in _problems(fs, "TL002")} == {Status.FAIL}  # C10 host exec, no approval
    assert _problems(fs, "TL001")                                   # C10/C11 exec, process, browser allowed
    assert _problems(fs, "TL007") and _problems(fs, "TL012")       # C11 browser / web tools
    assert any(f.severity == Severity.CRITICAL for f in _problems(fs, "TL005"))  # C12 elevated '*'
    assert _problems(fs, "LG001")                                   # C18 redaction off
    cred = {Path(f.subject).name for f in _problems(fs, "FS002")}
    assert {"credentials", ".env", "auth-profiles.json"} <= cred    # C21
    (up,) = [f for f in fs if f.id == "UP001"]                      # C22: one finding listing every advisory
    assert up.status == Status.FAIL and "CVE-2026-25253" in (up.evidence or "")
    owner = (home / ".openclaw").stat().st_uid
    assert bool(_problems(fs, "HO001")) is (owner == 0)             # H1 (root-owned state dir)


def test_hardened_is_clean(fixture_homes: Path) -> None:
    fs = _audit(fixture_homes / "home-hardened", "2026.9.6")
    loud = [(f.id, f.detail) for f in fs if f.id.startswith(MINE) and f.id not in ("HO001", "HO002", "UP001", "UP002")
            and f.status in (Status.FAIL, Status.WARN, Status.ERROR) and f.severity.rank > Severity.LOW.rank]
    assert loud == []
