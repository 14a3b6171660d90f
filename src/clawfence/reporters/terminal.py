"""Terminal report (rich): header with a summary score, findings grouped by guide item, compliance table.

``render`` returns text; colours only when ``color`` is true (the CLI enables them on a TTY).
Every label comes from :mod:`clawfence.core.i18n`; guide titles are the guide's own wording in ``report.lang``.
"""

from __future__ import annotations

import io

from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from clawfence.core.i18n import t, tf
from clawfence.core.model import Finding, Report, Status
from clawfence.reporters._common import (
    automated_count,
    first_sentence,
    fix_first,
    group_by_item,
    point_text,
    score_band,
    sev_label,
    status_label,
    where,
)
from clawfence.reporters.evidence import detail as localised

STATUS_STYLE = {"pass": "green", "fail": "bold red", "warn": "yellow", "skip": "dim", "error": "magenta",
                "manual": "cyan", "not-applicable": "dim"}
SEV_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}
BAND_STYLE = {"good": "bold green", "fair": "bold yellow", "poor": "bold red"}


def _summary_lines(report: Report) -> list[Text]:
    lang = report.lang
    s = report.summary()
    band = score_band(int(s["score"]))
    head = Text(f"{t('score', lang)}: ", style="bold")
    head.append(f"{s['score']}/100 ({t('score_' + band, lang)})", style=BAND_STYLE[band])
    head.append("   ")
    for k, v in s["severity"].items():
        head.append(f"{t(k, lang)} {v}", style=SEV_STYLE[k] if v else "dim")
        head.append("  ")
    counts = Text(f"{t('by_status', lang)}: ", style="dim")
    counts.append("  ".join(f"{status_label(k, lang)} {v}" for k, v in s["status"].items()), style="dim")
    if s["suppressed"]:
        counts.append(f"  {t('suppressed', lang)} {s['suppressed']}", style="dim")
    pts = Text(f"{t('guide_points', lang)}: ", style="dim")
    pts.append("  ".join(f"{status_label(k, lang)} {v}" for k, v in s["points"].items()), style="dim")
    auto = Text(tf("points_automated_of", lang, auto=automated_count(report), total=len(report.compliance)),
                style="dim")
    return [head, counts, pts, auto]


def _cell(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal cells (CJK characters are two cells wide)."""
    return text + " " * max(0, width - cell_len(text))


def _finding(con: Console, f: Finding, lang: str) -> None:
    line = Text("  ")
    line.append(_cell(status_label(f.status, lang).upper(), 6), style=STATUS_STYLE[f.status.value])
    line.append(" ")
    line.append(_cell(sev_label(f.severity, lang), 8), style=SEV_STYLE[f.severity.value])
    line.append(f" {f.id} ", style="bold")
    line.append(f.title)
    if f.suppressed:
        line.append(f"  [{t('suppressed', lang)}: {f.suppressed}]", style="dim")
    con.print(line)
    lines = [Text(localised(f.detail, lang))]
    loc = where(f)
    if loc:
        lines.append(Text(f"{t('where', lang)}: {loc}", style="dim"))
    if f.evidence:
        lines.append(Text(f"{t('evidence', lang)}: {f.evidence}", style="dim"))
    if f.status != Status.ERROR:
        lines.append(Text(f"{t('remediation', lang)}: {f.remediation}"))
    refs = f"{t('guide', lang)}: {', '.join(f.guide) or '-'}"
    if f.upstream:
        refs += f"   {t('upstream', lang)}: {', '.join(f.upstream)}"
    lines.append(Text(refs, style="dim"))
    for text in lines:
        con.print(Padding(text, (0, 0, 0, 6), expand=False))


def _fix_first(con: Console, report: Report, lang: str) -> None:
    """The top problems, one line each with the key/file or command to change (see ``_common.fix_first``)."""
    top = fix_first(report)
    if not top:
        return
    n_problems = sum(1 for f in report.findings if f.is_problem and not f.suppressed)
    con.print(Text(tf("fix_first", lang, n=len(top), total=n_problems), style="bold"))
    for i, p in enumerate(top, 1):
        f = p.finding
        line = Text(f"{i:>2}. ")
        line.append(_cell(sev_label(f.severity, lang), 8), style=SEV_STYLE[f.severity.value])
        line.append(f" {f.id} ", style="bold")
        line.append(f.title)
        if p.count > 1:
            line.append(f"  (×{p.count})", style="dim")
        con.print(line)
        con.print(Padding(Text(f"→ {p.action}"), (0, 0, 0, 6), expand=False))
        if p.action != first_sentence(f.remediation):
            con.print(Padding(Text(first_sentence(f.remediation), style="dim"), (0, 0, 0, 8), expand=False))
    con.print()


def render(report: Report, width: int = 120, color: bool = False, verbose: bool = False) -> str:
    """Human-readable report: header and score, the problems to fix first, then every problem by guide item
    (``verbose`` also lists passed and skipped findings), the compliance table and the summary."""
    lang = report.lang
    buf = io.StringIO()
    con = Console(file=buf, width=width, force_terminal=color, no_color=not color, highlight=False,
                  emoji=False, markup=False, color_system="standard" if color else None)
    tg = report.target
    con.print(Text(t("report_title", lang), style="bold"))
    ver = tg.openclaw_version or t("unknown", lang)
    if tg.openclaw_version and tg.version_source:
        ver += f" ({tf('version_from', lang, src=tg.version_source)})"
    for label, value in (("state_dir", tg.state_dir), ("config", tg.config_path), ("version", ver)):
        con.print(Text(f"{t(label, lang)}: {value}"))
    for line in _summary_lines(report)[:1]:
        con.print(line)
    con.print()
    _fix_first(con, report, lang)
    shown = [f for f in report.findings if verbose or f.is_problem]
    if shown:
        con.print(Text(t("details_by_item", lang), style="bold"))
        con.print()
    for g in group_by_item(shown, lang):
        label = f"[{g.item}] " if g.item != "-" else ""
        con.print(Text(f"{label}{g.title}", style="bold underline"))
        for f in g.findings:
            _finding(con, f, lang)
        con.print()
    if not any(f.is_problem for f in report.findings):
        con.print(Text(t("no_problems", lang), style="bold green"))
        con.print()
    table = Table(title=t("compliance", lang), expand=False, show_lines=False)
    table.add_column(t("point", lang), no_wrap=True)
    table.add_column(t("status", lang), no_wrap=True)
    table.add_column(t("checks", lang), max_width=30)
    table.add_column(t("requirement", lang), overflow="ellipsis", no_wrap=True, max_width=max(20, width - 60))
    for p in report.compliance:
        table.add_row(p.point, Text(status_label(p.status, lang), style=STATUS_STYLE[p.status.value]),
                      ", ".join(p.checks) or "-", point_text(p, lang))
    con.print(table)
    con.print()
    con.print(Text(t("summary", lang), style="bold"))
    for line in _summary_lines(report):
        con.print(line)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"
