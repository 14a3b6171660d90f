"""Markdown report (GitHub-flavoured): summary, findings grouped by guide item, the 76-point compliance table.

Every text that comes from the report (titles, details, paths, evidence) is escaped, so a config key or
a value with ``|``, ``*`` or ``<`` cannot break the layout or inject markup.
"""

from __future__ import annotations

import re

from clawfence.core.i18n import t, tf
from clawfence.core.model import Finding, Report
from clawfence.reporters._common import (
    automated_count,
    group_by_item,
    non_problems,
    point_text,
    problems,
    score_band,
    sev_label,
    status_label,
    where,
)
from clawfence.reporters.evidence import detail as localised

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_STATUS_MARK = {"fail": "❌", "error": "⛔", "warn": "⚠️", "pass": "✅", "skip": "⏭️",
                "manual": "📝", "not-applicable": "➖"}


def esc(text: str | None) -> str:
    """Escape Markdown/HTML-significant characters; newlines become spaces (safe in table cells)."""
    if not text:
        return ""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split())).replace("&", "&amp;")


def code(text: str, cell: bool = False) -> str:
    """Inline code span that survives backticks inside ``text`` (newlines become spaces).

    ``cell``: the span sits in a table, where GFM needs ``|`` escaped even inside code.
    """
    text = " ".join(text.split())
    if cell:
        text = text.replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _finding(f: Finding, lang: str) -> list[str]:
    st = f.status.value
    head = (f"- {_STATUS_MARK[st]} **{esc(status_label(st, lang).upper())}** · "
            f"{esc(sev_label(f.severity, lang))} · {code(f.id)} {esc(f.title)}")
    if f.suppressed:
        head += f" — _{esc(t('suppressed', lang))}: {esc(f.suppressed)}_"
    out = [head, f"  - {esc(t('detail', lang))}: {esc(localised(f.detail, lang))}"]
    loc = where(f)
    if loc:
        out.append(f"  - {esc(t('where', lang))}: {code(loc)}")
    if f.evidence:
        out.append(f"  - {esc(t('evidence', lang))}: {code(f.evidence)}")
    out.append(f"  - {esc(t('remediation', lang))}: {esc(f.remediation)}")
    refs = f"  - {esc(t('guide', lang))}: {', '.join(esc(g) for g in f.guide) or '-'}"
    if f.upstream:
        refs += f" · {esc(t('upstream', lang))}: {', '.join(code(u) for u in f.upstream)}"
    out.append(refs)
    return out


def render(report: Report) -> str:
    """The whole report as Markdown text (ends with a newline)."""
    lang = report.lang
    s = report.summary()
    band = score_band(int(s["score"]))
    tg = report.target
    ver = tg.openclaw_version or t("unknown", lang)
    if tg.openclaw_version and tg.version_source:
        ver += f" ({tf('version_from', lang, src=tg.version_source)})"
    lines = [
        f"# {esc(t('report_title', lang))}",
        "",
        f"| {esc(t('target', lang))} | |",
        "|---|---|",
        f"| {esc(t('state_dir', lang))} | {code(tg.state_dir, True)} |",
        f"| {esc(t('config', lang))} | {code(tg.config_path, True)} |",
        f"| {esc(t('version', lang))} | {esc(ver)} |",
        f"| {esc(t('audit_time', lang))} | {esc(report.started)} |",
        f"| {esc(t('tool', lang))} | {esc(report.tool_name)} {esc(report.tool_version)} |",
        "",
        f"## {esc(t('summary', lang))}",
        "",
        f"**{esc(t('score', lang))}: {s['score']}/100** ({esc(t('score_' + band, lang))}) — "
        f"{esc(t('score_caption', lang))}",
        "",
        f"| {esc(t('severity', lang))} | {' | '.join(esc(t(k, lang)) for k in s['severity'])} |",
        f"|---|{'---|' * len(s['severity'])}",
        f"| {esc(t('problems', lang))} | {' | '.join(str(v) for v in s['severity'].values())} |",
        "",
        f"| {esc(t('status', lang))} | {' | '.join(esc(t(k, lang)) for k in s['status'])} "
        f"| {esc(t('suppressed', lang))} |",
        f"|---|{'---|' * (len(s['status']) + 1)}",
        f"| {esc(t('count', lang))} | {' | '.join(str(v) for v in s['status'].values())} | {s['suppressed']} |",
        "",
        f"| {esc(t('guide_points', lang))} | {' | '.join(esc(t(k, lang)) for k in s['points'])} |",
        f"|---|{'---|' * len(s['points'])}",
        f"| {esc(t('count', lang))} | {' | '.join(str(v) for v in s['points'].values())} |",
        "",
        esc(tf("points_automated_of", lang, auto=automated_count(report), total=len(report.compliance))),
        "",
        f"## {esc(t('findings', lang))}",
        "",
    ]
    probs = problems(report)
    if not probs:
        lines += [esc(t("no_problems", lang)), ""]
    for g in group_by_item(probs, lang):
        label = f"{g.item} — " if g.item != "-" else ""
        lines += [f"### {esc(label + g.title)}", ""]
        for f in g.findings:
            lines += _finding(f, lang)
        lines.append("")
    rest = non_problems(report)
    if rest:
        lines += [f"### {esc(t('passed_checks', lang))}", "",
                  f"| {esc(t('status', lang))} | {esc(t('check', lang))} | {esc(t('title', lang))} "
                  f"| {esc(t('detail', lang))} |", "|---|---|---|---|"]
        lines += [f"| {esc(status_label(f.status, lang))} | {code(f.id, True)} | {esc(f.title)} "
                  f"| {esc(localised(f.detail, lang))} |"
                  for f in rest]
        lines.append("")
    lines += [f"## {esc(t('compliance', lang))}", "", esc(t("compliance_intro", lang)), "",
              f"| {esc(t('point', lang))} | {esc(t('requirement', lang))} | {esc(t('status', lang))} "
              f"| {esc(t('checks', lang))} | {esc(t('manual_evidence', lang))} |",
              "|---|---|---|---|---|"]
    for p in report.compliance:
        st = p.status.value
        checks = ", ".join(code(c, True) for c in p.checks) or "-"
        lines.append(f"| {esc(p.point)} | {esc(point_text(p, lang))} | {_STATUS_MARK[st]} {esc(status_label(st, lang))} "
                     f"| {checks} | {esc(p.manual_evidence)} |")
    lines += ["", "---", "",
              f"_{esc(t('generated_by', lang))} {esc(report.tool_name)} {esc(report.tool_version)} · "
              f"{esc(report.finished)}. {esc(t('redaction_note', lang))}_", ""]
    return "\n".join(lines)
