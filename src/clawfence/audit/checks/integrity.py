"""Checks BL: configuration hash baseline (guide D3.3 "establish a configuration hash baseline").

Reads ``facts.drift`` (filled by ``clawfence.integrity.baseline.drift_facts``): whether a signed baseline exists and
whether the installation still matches it (files added/removed/changed, modes/owners, config keys).
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Location, Outcome, Severity, failed, passed, warned


@check(
    id="BL001",
    title="A signed configuration hash baseline exists and the installation matches it",
    title_zh="已建立签名的配置哈希基线且当前安装与之一致",
    severity=Severity.MEDIUM,
    guide=("D3.3",),
    requires=("drift",),
    remediation="Run `clawfence baseline create` after hardening; review drift with `clawfence baseline diff` and "
                "re-create the baseline only for intended changes.",
    remediation_zh="加固后运行 `clawfence baseline create`;用 `clawfence baseline diff` 审查漂移,仅对预期变更重建基线。",
    cwe=("CWE-494",),
)
def baseline_matches(facts: Facts) -> Iterator[Outcome]:
    """No baseline means tampering with openclaw.json, skills or plugins goes unnoticed (warn); a baseline whose
    signature fails was itself tampered with (critical); drift in config/auth/credentials/skills is a fail."""
    d = facts.drift
    assert d is not None
    if d.baseline is None:
        yield warned("no configuration hash baseline has been created", "baseline")
        return
    loc = Location(path=d.baseline)
    if d.error:
        yield failed(f"baseline cannot be read: {d.error}", "baseline", loc)
        return
    if d.signature_ok is False:
        yield failed("baseline signature is invalid (the baseline was modified)", "baseline", loc,
                     severity=Severity.CRITICAL)
        return
    if not (d.added or d.removed or d.changed or d.mode_changed or d.changed_keys):
        yield passed("installation matches the signed baseline", "baseline", loc)
        return
    parts = [f"{label}: {', '.join(items[:5])}" + (f" (+{len(items) - 5})" if len(items) > 5 else "")
             for label, items in (("changed", d.changed), ("added", d.added), ("removed", d.removed),
                                  ("mode/owner", d.mode_changed), ("config keys", d.changed_keys)) if items]
    sensitive = any(p == "openclaw.json" or "auth-profiles" in p or p.startswith("credentials/")
                    or "exec-approvals" in p for p in d.changed + d.added + d.removed) or bool(d.changed_keys)
    yield failed("drift from the baseline — " + "; ".join(parts), "baseline", loc,
                 severity=Severity.HIGH if sensitive else Severity.MEDIUM)
