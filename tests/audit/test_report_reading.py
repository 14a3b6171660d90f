"""Reading the audit report (issue: audit v2, item 5): the terminal report opens with the score and the problems
to fix first, then details by guide item; evidence in Chinese under --lang zh; the HTML report has contents,
"fix these first", collapsible findings, filters and search that work in a real browser."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from clawfence.core.model import Finding, Location, Report, Severity, Status, Target
from clawfence.reporters import html_report, terminal
from clawfence.reporters._common import fix_first
from clawfence.reporters.evidence import translate

ROOT = Path(__file__).resolve().parents[2]


def _f(id_: str, sev: Severity, status: Status = Status.FAIL, key: str | None = None, fix: str | None = None,
       suppressed: str | None = None) -> Finding:
    return Finding(id=id_, title=f"title {id_}", severity=sev, status=status, detail=f"{key} is 'x'",
                   subject=key or id_, location=Location(path="/s/openclaw.json", key=key, line=3) if key else None,
                   guide=("P2.1",), remediation=f"Do the thing for {id_}. Then more.", fix=fix, suppressed=suppressed)


def _report(findings: list[Finding], lang: str = "en") -> Report:
    target = Target(state_dir="/s", openclaw_version="2026.9.6", config_path="/s/openclaw.json")
    return Report(kind="audit", tool_name="clawfence", tool_version="0", target=target, started="t0", finished="t1",
                  findings=tuple(findings), compliance=(), lang=lang)


def test_fix_first_orders_by_severity_status_and_collapses_checks() -> None:
    fs = [_f("LOW1", Severity.LOW), _f("HI1", Severity.HIGH, Status.WARN), _f("HI2", Severity.HIGH, key="a.b"),
          _f("CR1", Severity.CRITICAL, key="gateway.bind", fix="bind-loopback"), _f("HI2", Severity.HIGH, key="c.d"),
          _f("CR2", Severity.CRITICAL, suppressed="waived"), _f("OK1", Severity.CRITICAL, Status.PASS)]
    top = fix_first(_report(fs))
    assert [p.finding.id for p in top] == ["CR1", "HI2", "HI1", "LOW1"]  # waived and passed ones are not there
    assert top[1].count == 2
    assert top[0].action == "gateway.bind (/s/openclaw.json:3) · clawfence fix --apply"
    assert top[2].action == "Do the thing for HI1."  # no location: the remediation's first sentence


def test_terminal_opens_with_score_then_fix_first_then_details() -> None:
    fs = [_f("HI2", Severity.HIGH, key="a.b"), _f("CR1", Severity.CRITICAL, key="gateway.bind")]
    rep = _report(fs)
    rep = dataclasses.replace(rep, compliance=())
    out = terminal.render(rep)
    i_score, i_first, i_details = out.index("Score:"), out.index("Fix these first"), out.index("Details by guide")
    assert i_score < i_first < i_details
    assert out.index(" 1. ") < out.index("CR1") < out.index("HI2")


def test_evidence_in_chinese() -> None:
    zh, share = translate("gateway.bind is 'lan': the gateway listens beyond loopback")
    assert zh == "gateway.bind 为 'lan':网关监听在回环地址之外" and share == 1.0
    zh, _ = translate("credential store /h/.env is mode 0644 (world-readable; want 0600)")
    assert zh == "credential store /h/.env 的权限为 0644(所有人可读;应为 0600)"
    zh, share = translate("something the rules do not know")
    assert zh == "something the rules do not know" and share == 0.0  # unknown text passes through unchanged
    fs = [_f("HI2", Severity.HIGH, key="gateway.bind")]
    assert "gateway.bind 为 'x'" in terminal.render(_report(fs, "zh"))


def test_html_has_contents_fix_first_filters_and_collapsible_cards() -> None:
    fs = [_f("HI2", Severity.HIGH, key="a.b"), _f("CR1", Severity.CRITICAL, key="gateway.bind"),
          _f("ME1", Severity.MEDIUM, Status.WARN)]
    page = html_report.render(_report(fs))
    assert 'id="contents"' in page and 'href="#fix-first"' in page and 'href="#item-P2"' in page
    assert page.count('<details class="card') == 3 and 'id="q"' in page and 'data-f="sev"' in page
    assert '<details class="card critical" data-sev="critical" data-status="fail" data-item="P2" open>' in page
    assert '<details class="card medium" data-sev="medium" data-status="warn" data-item="P2">' in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
@pytest.mark.parametrize(("query", "shown"), [("", 3), ("?q=CR1", 1), ("?sev=medium", 1), ("?status=fail", 2),
                                              ("?sev=critical&status=warn", 0)])
def test_html_filters_work_in_a_real_browser(tmp_path: Path, query: str, shown: int) -> None:
    fs = [_f("HI2", Severity.HIGH, key="a.b"), _f("CR1", Severity.CRITICAL, key="gateway.bind"),
          _f("ME1", Severity.MEDIUM, Status.WARN)]
    page = tmp_path / "r.html"
    page.write_text(html_report.render(_report(fs)), encoding="utf-8")
    assert CHROMIUM is not None
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri() + query],
                         capture_output=True, text=True, timeout=90).stdout
    assert f'id="shown" class="count">{shown} / 3 shown<' in dom
    assert dom.count("<details class=\"card") == 3 and dom.count(" hidden=\"\"") >= 3 - shown
