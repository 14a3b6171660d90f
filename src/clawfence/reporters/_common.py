"""Helpers shared by the reporters: grouping findings by guide item, locations, localised guide text.

Pure functions over a :class:`~clawfence.core.model.Report` and the guide catalogue; no I/O besides the
packaged guide data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from clawfence.core.guide import load as load_guide
from clawfence.core.i18n import t
from clawfence.core.model import Finding, PointResult, Report, Severity, Status

#: Key of the group of findings that cite no guide id.
OTHER = "-"


@dataclass(frozen=True, slots=True)
class Group:
    """Findings of one guide item (``item`` = ``P2``) with its localised title, in report order."""

    item: str
    title: str
    findings: tuple[Finding, ...]


def item_of(guide_id: str) -> str:
    """Item id of a guide id: ``D1.3.3`` -> ``D1``; an item id maps to itself."""
    return guide_id.split(".", 1)[0]


def item_title(item_id: str, lang: str) -> str:
    """The guide's own title of item ``item_id`` in ``lang`` (``zh`` uses the guide's Chinese wording)."""
    for it in load_guide().items:
        if it.id == item_id:
            return it.title_zh if lang == "zh" else it.title_en
    return t("other_findings", lang)


def point_text(p: PointResult, lang: str) -> str:
    """The guide's wording of point ``p`` in ``lang``."""
    return p.text_zh if lang == "zh" else p.text_en


def group_by_item(findings: Iterable[Finding], lang: str) -> list[Group]:
    """Group ``findings`` by the item of their first guide id, in guide order (uncited ones last)."""
    order = {it.id: n for n, it in enumerate(load_guide().items)}
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        key = item_of(f.guide[0]) if f.guide else OTHER
        groups.setdefault(key if key in order else OTHER, []).append(f)
    keys = sorted(groups, key=lambda k: order.get(k, len(order)))
    return [Group(k, item_title(k, lang), tuple(groups[k])) for k in keys]


def problems(report: Report) -> list[Finding]:
    """FAIL, WARN and ERROR findings (suppressed ones included, they are flagged by the renderers)."""
    return [f for f in report.findings if f.is_problem]


def non_problems(report: Report) -> list[Finding]:
    """PASS and SKIP findings."""
    return [f for f in report.findings if not f.is_problem]


def where(f: Finding) -> str:
    """``path key:line`` of a finding's location (empty when it has none)."""
    loc = f.location
    if not loc:
        return ""
    s = " ".join(p for p in (loc.path, loc.key) if p)
    return f"{s}:{loc.line}" if loc.line and s else s


def sev_label(sev: Severity, lang: str) -> str:
    """Localised severity name."""
    return t(sev.value, lang)


def status_label(status: Status | str, lang: str) -> str:
    """Localised status name (finding or point status)."""
    return t(str(status), lang)


def score_band(score: int) -> str:
    """``good`` (>= 80), ``fair`` (>= 50) or ``poor``: the colour band of a score."""
    return "good" if score >= 80 else "fair" if score >= 50 else "poor"


def automated_count(report: Report) -> int:
    """Number of guide points at least one check covers."""
    return sum(1 for p in report.compliance if p.checks)


@dataclass(frozen=True, slots=True)
class Priority:
    """One entry of "fix these first": the worst finding of a check, how many subjects it failed on, and the
    single action that fixes it (``action``: a config key to change in a file, or the clawfence command)."""

    finding: Finding
    count: int
    action: str


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (up to ``. ``/``。``), for one-line advice."""
    for stop in ("。", ". "):
        i = text.find(stop)
        if i > 0:
            return text[: i + 1].strip()
    return text.strip()


def fix_first(report: Report, limit: int = 10) -> list[Priority]:
    """The problems to fix first: unwaived FAIL/WARN/ERROR findings, one entry per check (its worst finding,
    with the number of subjects), ordered by severity, then FAIL before WARN, then by how many subjects fail.
    The action names the key and file to change when the finding is located at a key, and
    ``clawfence fix --apply`` when a fixer exists; otherwise the first sentence of the remediation."""
    rank = {Status.FAIL: 0, Status.ERROR: 1, Status.WARN: 2}
    by_check: dict[str, list[Finding]] = {}
    for f in report.findings:
        if f.is_problem and not f.suppressed:
            by_check.setdefault(f.id, []).append(f)
    entries: list[tuple[tuple[int, int, int], Priority]] = []
    for fs in by_check.values():
        worst = min(fs, key=lambda f: (-f.severity.rank, rank.get(f.status, 3)))
        loc = worst.location
        parts = []
        if loc and loc.key:
            parts.append(f"{loc.key}" + (f" ({loc.path}:{loc.line})" if loc.path and loc.line else
                                         f" ({loc.path})" if loc.path else ""))
        elif loc and loc.path:
            parts.append(loc.path + (f":{loc.line}" if loc.line else ""))
        if worst.fix:
            parts.append("clawfence fix --apply")
        action = " · ".join(parts) if parts else first_sentence(worst.remediation)
        key = (-worst.severity.rank, rank.get(worst.status, 3), -len(fs))
        entries.append((key, Priority(worst, len(fs), action)))
    entries.sort(key=lambda kv: (kv[0], kv[1].finding.id))
    return [p for _, p in entries[:limit]]
