"""Terminal report: findings grouped by guide item, then the compliance table and a score (rich)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from clawfence.guide import load as load_guide
from clawfence.i18n import t
from clawfence.model import Finding, Report, Status

STATUS_STYLE = {"pass": "green", "fail": "bold red", "warn": "yellow", "skip": "dim", "error": "magenta",
                "manual": "cyan", "not-applicable": "dim"}
SEV_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}


def _where(f: Finding) -> str:
    loc = f.location
    if not loc:
        return ""
    parts = [p for p in (loc.path, loc.key) if p]
    s = " ".join(parts)
    return f"{s}:{loc.line}" if loc.line else s


def render(report: Report, width: int = 120, color: bool = False, verbose: bool = False) -> str:
    """Human-readable report. ``verbose`` also lists passed and skipped findings."""
    lang = report.lang
    buf = io.StringIO()
    con = Console(file=buf, width=width, force_terminal=color, no_color=not color, highlight=False)
    guide = load_guide()
    s = report.summary()
    con.print(Text(t("report_title", lang), style="bold"))
    con.print(f"{t('state_dir', lang)}: {report.target.state_dir}")
    con.print(f"{t('config', lang)}: {report.target.config_path}")
    ver = report.target.openclaw_version or t("unknown", lang)
    src = f" ({report.target.version_source})" if report.target.version_source else ""
    con.print(f"{t('version', lang)}: {ver}{src}")
    con.print()
    by_item: dict[str, list[Finding]] = {}
    for f in report.findings:
        if not verbose and f.status in (Status.PASS, Status.SKIP):
            continue
        item = f.guide[0].split(".")[0] if f.guide else "-"
        by_item.setdefault(item, []).append(f)
    order = [i.id for i in guide.items]
    for item_id in sorted(by_item, key=lambda i: order.index(i) if i in order else 99):
        gi = next((i for i in guide.items if i.id == item_id), None)
        title = (gi.title_zh if lang == "zh" else gi.title_en) if gi else item_id
        con.print(Text(f"[{item_id}] {title}", style="bold underline"))
        for f in by_item[item_id]:
            line = Text("  ")
            line.append(f"{t(f.status.value, lang).upper():<6}", style=STATUS_STYLE[f.status.value])
            line.append(" ")
            line.append(f"{t(f.severity.value, lang):<8}", style=SEV_STYLE[f.severity.value])
            line.append(f" {f.id} {f.title}")
            if f.suppressed:
                line.append(f" ({t('suppressed', lang)}: {f.suppressed})", style="dim")
            con.print(line)
            con.print(f"      {f.detail}")
            where = _where(f)
            if where:
                con.print(f"      {t('where', lang)}: {where}", style="dim")
            if f.evidence:
                con.print(f"      {t('evidence', lang)}: {f.evidence}", style="dim")
            if f.status != Status.PASS:
                con.print(f"      {t('remediation', lang)}: {f.remediation}")
            con.print(f"      {t('guide', lang)}: {', '.join(f.guide)}", style="dim")
        con.print()
    if not by_item:
        con.print(t("no_problems", lang))
    table = Table(title=t("compliance", lang), show_lines=False, expand=False)
    table.add_column(t("point", lang))
    table.add_column(t("status", lang))
    table.add_column(t("checks", lang))
    for p in report.compliance:
        table.add_row(p.point, Text(t(p.status.value, lang), style=STATUS_STYLE[p.status.value]),
                      ", ".join(p.checks) or (p.manual_evidence or "")[:70])
    con.print(table)
    pts = s["points"]
    sev = s["severity"]
    con.print(
        f"{t('score', lang)}: {s['score']}/100   "
        f"{t('fail', lang)} {s['status']['fail']}  {t('warn', lang)} {s['status']['warn']}  "
        f"{t('pass', lang)} {s['status']['pass']}  {t('skip', lang)} {s['status']['skip']}   "
        f"({t('critical', lang)} {sev['critical']}, {t('high', lang)} {sev['high']}, "
        f"{t('medium', lang)} {sev['medium']}, {t('low', lang)} {sev['low']})"
    )
    auto = sum(1 for p in report.compliance if p.checks)
    con.print(f"{auto}/{len(report.compliance)} {t('points_automated', lang)}; "
              f"pass {pts['pass']}, fail {pts['fail']}, warn {pts['warn']}, manual {pts['manual']}, "
              f"n/a {pts['not-applicable']}")
    return buf.getvalue()
