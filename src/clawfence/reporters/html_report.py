"""HTML report: one self-contained page (inline CSS and one small inline script, no external assets),
print-friendly.

Contents list, "fix these first", findings by guide item as collapsible cards (``<details>``), filters by
severity, status and guide section, and a search box. Without JavaScript every finding is shown and the filters
do nothing; printing expands every card. The layout lives in ``reporters/report.html`` (a
:class:`string.Template`); this module builds the fragments. Every value taken from the report goes through
:func:`html.escape`.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from importlib import resources
from string import Template

from clawfence.core.i18n import t, tf
from clawfence.core.model import Finding, PointResult, Report, Severity, Status
from clawfence.reporters._common import (
    OTHER,
    automated_count,
    fix_first,
    group_by_item,
    item_of,
    item_title,
    non_problems,
    point_text,
    problems,
    score_band,
    sev_label,
    status_label,
    where,
)
from clawfence.reporters.evidence import detail as localised

_STATUS_COLOR = {"pass": "var(--pass)", "fail": "var(--fail)", "warn": "var(--warn)", "skip": "var(--skip)",
                 "error": "var(--error)", "manual": "var(--manual)", "not-applicable": "var(--na)"}


@lru_cache(maxsize=1)
def template() -> Template:
    """The packaged page template."""
    text = resources.files("clawfence.reporters").joinpath("report.html").read_text(encoding="utf-8")
    return Template(text)


def e(text: object) -> str:
    """HTML-escape any value (``None`` -> empty)."""
    return "" if text is None else escape(str(text), quote=True)


def _badge_status(status: str, lang: str) -> str:
    return f'<span class="badge st-{e(status)}">{e(status_label(status, lang))}</span>'


def _badge_sev(sev: Severity, lang: str) -> str:
    return f'<span class="badge sv sv-{sev.value}">{e(sev_label(sev, lang))}</span>'


def _gids(ids: tuple[str, ...]) -> str:
    return "".join(f'<span class="gid">{e(g)}</span>' for g in ids) or "-"


def _card(f: Finding, lang: str) -> str:
    cls = f"card {f.severity.value}" + (" suppressed" if f.suppressed else "")
    head = [_badge_status(f.status.value, lang), _badge_sev(f.severity, lang),
            f'<span class="cid">{e(f.id)}</span>', f'<span class="ttl">{e(f.title)}</span>']
    if f.suppressed:
        head.append(f'<span class="badge waived">{e(t("suppressed", lang))}</span>')
    rows = []
    if f.suppressed:
        rows.append((t("suppressed", lang), e(f.suppressed)))
    loc = where(f)
    if loc:
        rows.append((t("where", lang), f"<code>{e(loc)}</code>"))
    if f.evidence:
        rows.append((t("evidence", lang), f'<code class="evidence">{e(f.evidence)}</code>'))
    if f.status != Status.ERROR:
        rows.append((t("remediation", lang), e(f.remediation)))
    rows.append((t("guide", lang), _gids(f.guide)))
    if f.upstream:
        rows.append((t("upstream", lang), ", ".join(f"<code>{e(u)}</code>" for u in f.upstream)))
    dl = "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in rows)
    item = item_of(f.guide[0]) if f.guide else OTHER
    open_ = " open" if f.severity.rank >= Severity.HIGH.rank and f.status == Status.FAIL else ""
    return (f'<details class="{cls}" data-sev="{f.severity.value}" data-status="{f.status.value}" '
            f'data-item="{e(item)}"{open_}><summary class="head">{" ".join(head)}</summary>'
            f'<p class="detail">{e(localised(f.detail, lang))}</p><dl>{dl}</dl></details>')


def _findings(report: Report, lang: str) -> str:
    probs = problems(report)
    if not probs:
        return f'<p class="ok">{e(t("no_problems", lang))}</p>'
    out = []
    for g in group_by_item(probs, lang):
        ident = f'<span class="item-id">{e(g.item)}</span>' if g.item != "-" else ""
        n = tf("finding_count_one" if len(g.findings) == 1 else "finding_count", lang, n=len(g.findings))
        out.append(f'<div class="group" id="item-{e(g.item)}" data-item="{e(g.item)}"><h3>{ident}<span>{e(g.title)}'
                   f'</span> <span class="count">· {e(n)}</span></h3>')
        out += [_card(f, lang) for f in g.findings]
        out.append("</div>")
    return "\n".join(out)


def _fix_first(report: Report, lang: str) -> str:
    top = fix_first(report)
    if not top:
        return ""
    items = "".join(
        f'<li>{_badge_sev(p.finding.severity, lang)} <span class="cid">{e(p.finding.id)}</span> '
        f'<span class="ttl">{e(p.finding.title)}</span>'
        + (f' <span class="count">×{p.count}</span>' if p.count > 1 else "")
        + f'<div class="act">→ <code>{e(p.action)}</code></div></li>' for p in top)
    total = sum(1 for f in report.findings if f.is_problem and not f.suppressed)
    return (f'<section class="panel" id="fix-first"><h2>{e(tf("fix_first", lang, n=len(top), total=total))}</h2>'
            f'<ol class="fixfirst">{items}</ol></section>')


def _contents(report: Report, lang: str) -> str:
    links = [("summary", t("summary", lang))]
    if fix_first(report, 1):
        links.append(("fix-first", t("fix_first_short", lang)))
    links.append(("findings", t("findings", lang)))
    sub = "".join(f'<li><a href="#item-{e(g.item)}">{e(g.item if g.item != OTHER else "")} {e(g.title)}</a> '
                  f'<span class="count">{len(g.findings)}</span></li>' for g in group_by_item(problems(report), lang))
    if non_problems(report):
        links.append(("passed", t("passed_checks", lang)))
    links.append(("compliance", t("compliance", lang)))
    out = []
    for anchor, label in links:
        out.append(f'<li><a href="#{anchor}">{e(label)}</a>' + (f"<ul>{sub}</ul>" if anchor == "findings" and sub
                                                                 else "") + "</li>")
    return f'<nav class="panel toc" id="contents"><h2>{e(t("contents", lang))}</h2><ul>{"".join(out)}</ul></nav>'


def _filters(report: Report, lang: str) -> str:
    probs = problems(report)
    if not probs:
        return ""
    sevs = [sv for sv in ("critical", "high", "medium", "low", "info") if any(f.severity.value == sv for f in probs)]
    stats = [st for st in ("fail", "warn", "error") if any(f.status.value == st for f in probs)]
    items = [g.item for g in group_by_item(probs, lang)]
    box = "".join(f'<label><input type="checkbox" data-f="sev" value="{sv}" checked> {e(t(sv, lang))}</label>'
                  for sv in sevs)
    box += '<span class="sep"></span>' + "".join(
        f'<label><input type="checkbox" data-f="status" value="{st}" checked> {e(status_label(st, lang))}</label>'
        for st in stats)
    opts = "".join(f'<option value="{e(i)}">{e(i if i != OTHER else t("other_findings", lang))}</option>' for i in items)
    return (f'<div class="filters" role="search"><input type="search" id="q" placeholder="{e(t("search", lang))}">'
            f'<select id="item"><option value="">{e(t("all_sections", lang))}</option>{opts}</select>{box}'
            f'<button type="button" id="expand">{e(t("expand_all", lang))}</button>'
            f'<button type="button" id="collapse">{e(t("collapse_all", lang))}</button>'
            f'<span id="shown" class="count"></span></div>')


def _passed(report: Report, lang: str) -> str:
    rest = non_problems(report)
    if not rest:
        return ""
    rows = "\n".join(
        f'<tr><td>{_badge_status(f.status.value, lang)}</td><td class="pt">{e(f.id)}</td><td>{e(f.title)}</td>'
        f'<td class="ev">{e(localised(f.detail, lang))}</td><td>{_gids(f.guide)}</td></tr>' for f in rest)
    return (f'<section class="panel" id="passed"><h2>{e(t("passed_checks", lang))}</h2><table><thead><tr>'
            f'<th>{e(t("status", lang))}</th><th>{e(t("check", lang))}</th><th>{e(t("title", lang))}</th>'
            f'<th>{e(t("detail", lang))}</th><th>{e(t("guide", lang))}</th></tr></thead><tbody>\n{rows}\n'
            "</tbody></table></section>")


def _bar(counts: dict[str, int], lang: str) -> str:
    total = sum(counts.values()) or 1
    spans = "".join(f'<span style="width:{100 * v / total:.2f}%;background:{_STATUS_COLOR[k]}" title="{e(k)}"></span>'
                    for k, v in counts.items() if v)
    legend = "".join(f'<span><i class="dot" style="background:{_STATUS_COLOR[k]}"></i>'
                     f"{e(status_label(k, lang))} <b>{v}</b></span>" for k, v in counts.items())
    return f'<div class="bar">{spans}</div><div class="legend">{legend}</div>'


def _compliance_rows(points: tuple[PointResult, ...], lang: str) -> str:
    rows: list[str] = []
    last = None
    for p in points:
        if p.item != last:
            last = p.item
            rows.append(f'<tr class="grp"><td class="pt">{e(p.item)}</td><td colspan="4">{e(item_title(p.item, lang))}'
                        "</td></tr>")
        checks = ", ".join(f"<code>{e(c)}</code>" for c in p.checks) or "-"
        rows.append(f'<tr><td class="pt">{e(p.point)}</td><td>{e(point_text(p, lang))}</td>'
                    f"<td>{_badge_status(p.status.value, lang)}</td><td>{checks}</td>"
                    f'<td class="ev">{e(p.manual_evidence)}</td></tr>')
    return "\n".join(rows)


def render(report: Report) -> str:
    """The report as one self-contained HTML5 page."""
    lang = report.lang
    s = report.summary()
    tg = report.target
    ver = tg.openclaw_version or t("unknown", lang)
    if tg.openclaw_version and tg.version_source:
        ver += f" ({tf('version_from', lang, src=tg.version_source)})"
    meta = [(t("state_dir", lang), f"<code>{e(tg.state_dir)}</code>"),
            (t("config", lang), f"<code>{e(tg.config_path)}</code>"),
            (t("version", lang), e(ver)),
            (t("audit_time", lang), e(report.started)),
            (t("tool", lang), e(f"{report.tool_name} {report.tool_version}"))]
    chips = "".join(
        f'<div class="chip {k}{" zero" if not v else ""}"><span class="n">{v}</span>'
        f'<span class="l">{e(t(k, lang))}</span></div>' for k, v in s["severity"].items())
    if s["suppressed"]:
        chips += (f'<div class="chip"><span class="n">{s["suppressed"]}</span>'
                  f'<span class="l">{e(t("suppressed", lang))}</span></div>')
    band = score_band(int(s["score"]))
    values = {
        "lang": "zh-CN" if lang == "zh" else "en",
        "tool": e(f"{report.tool_name} {report.tool_version}"),
        "title": e(t("report_title", lang)),
        "brand": e(f"{report.tool_name} · CNCERT OpenClaw"),
        "meta": "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in meta),
        "score": str(int(s["score"])),
        "band": band,
        "band_label": e(t(f"score_{band}", lang)),
        "score_label": e(t("score", lang)),
        "score_caption": e(t("score_caption", lang)),
        "summary_heading": e(t("summary", lang)),
        "by_severity_heading": e(t("by_severity", lang)),
        "severity_chips": chips,
        "by_status_heading": e(t("by_status", lang)),
        "status_bar": _bar(dict(s["status"]), lang),
        "points_heading": e(t("guide_points", lang)),
        "points_bar": _bar(dict(s["points"]), lang),
        "automated_note": e(tf("points_automated_of", lang, auto=automated_count(report),
                               total=len(report.compliance))),
        "findings_heading": e(t("findings", lang)),
        "contents": _contents(report, lang),
        "fix_first": _fix_first(report, lang),
        "filters": _filters(report, lang),
        "findings": _findings(report, lang),
        "shown_label": e(t("shown_of", lang)),
        "passed": _passed(report, lang),
        "compliance_heading": e(t("compliance", lang)),
        "compliance_intro": e(t("compliance_intro", lang)),
        "th_point": e(t("point", lang)),
        "th_requirement": e(t("requirement", lang)),
        "th_status": e(t("status", lang)),
        "th_checks": e(t("checks", lang)),
        "th_evidence": e(t("manual_evidence", lang)),
        "compliance_rows": _compliance_rows(report.compliance, lang),
        "footer": e(f"{t('generated_by', lang)} {report.tool_name} {report.tool_version} · {report.finished} · "
                    f"{t('redaction_note', lang)}"),
    }
    return template().substitute(values)
