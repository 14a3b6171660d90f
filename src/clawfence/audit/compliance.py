"""Compliance rollup: every guide point gets a status and the checks behind it.

Checks cite guide points; this module inverts that mapping. A point no check cites is
``manual`` and carries the evidence a person should attach (``data/manual-evidence.yaml``).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from clawfence.audit.registry import Check
from clawfence.core import yamlload
from clawfence.core.guide import Guide
from clawfence.core.model import Finding, PointResult, PointStatus, Status


@lru_cache(maxsize=1)
def manual_evidence() -> dict[str, dict[str, str]]:
    """Point id -> {"en": ..., "zh": ...}: what to attach for points checked by people."""
    data = yamlload.packaged("clawfence.data", "manual-evidence.yaml") or {}
    return {str(k): dict(v) for k, v in data.items()}


def _status(findings: list[Finding], has_checks: bool) -> PointStatus:
    live = [f for f in findings if not f.suppressed]
    if any(f.status in (Status.FAIL, Status.ERROR) for f in live):
        return PointStatus.FAIL
    if any(f.status == Status.WARN for f in live):
        return PointStatus.WARN
    if any(f.status == Status.PASS for f in live):
        return PointStatus.PASS
    if any(f.suppressed and f.status in (Status.FAIL, Status.ERROR, Status.WARN) for f in findings):
        return PointStatus.WARN  # only accepted (waived) risks remain: not a pass, not unchecked
    if has_checks and live and all(f.detail.startswith("not applicable") for f in live):
        return PointStatus.NOT_APPLICABLE
    return PointStatus.MANUAL


def rollup(guide: Guide, checks: Iterable[Check], findings: Iterable[Finding], lang: str = "en") -> tuple[PointResult, ...]:
    """One :class:`PointResult` per guide point, in guide order (76 for the CNCERT guide).

    A parent point (D1.2) also takes the findings of its sub-points.
    """
    cited: dict[str, set[str]] = {p: set() for p in guide.points}
    for c in checks:
        for g in c.guide:
            if g in cited:
                cited[g].add(c.id)
            elif g in {i.id for i in guide.items}:
                for p in next(i for i in guide.items if i.id == g).points:
                    cited[p].add(c.id)
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.id, []).append(f)
    evidence = manual_evidence()
    out: list[PointResult] = []
    for item in guide.items:
        for pid in item.points:
            point = guide.points[pid]
            ids = set(cited[pid])
            for kid in point.children:
                ids |= cited[kid]
            fs = [f for cid in sorted(ids) for f in by_check.get(cid, [])]
            status = _status(fs, bool(ids))
            ev = evidence.get(pid, {}).get(lang) or evidence.get(pid, {}).get("en")
            if status == PointStatus.MANUAL and not ev:
                ev = ("Attach the document or record that shows this practice is in place."
                      if lang == "en" else "请附上能证明该措施已落实的文件或记录。")
            out.append(PointResult(pid, item.id, status, tuple(sorted(ids)), point.en, point.zh,
                                   ev if status == PointStatus.MANUAL or not ids else None))
    return tuple(out)
