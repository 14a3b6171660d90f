"""Golden reports: every format and language rendered from one FIXED report, compared byte for byte.

The report comes from a fixed Facts (``facts.from_fixture``), a small set of checks defined HERE (so
the goldens do not move when the project adds checks), fixed times and tool version, and one waiver.
Rewrite the files after an intended change with ``CLAWFENCE_UPDATE_GOLDEN=1 pytest tests/reporters/test_golden_reports.py``
and review the diff.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from clawfence.audit.compliance import rollup
from clawfence.audit.facts import Facts, from_fixture
from clawfence.audit.registry import Check, check
from clawfence.audit.run import audit
from clawfence.core.guide import load as load_guide
from clawfence.core.model import Location, Outcome, Report, Severity, failed, passed, skipped, warned
from clawfence.core.redact import redact
from clawfence.reporters import REPORTERS

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("CLAWFENCE_UPDATE_GOLDEN") == "1"
EXT = {"text": "txt", "json": "json", "markdown": "md", "html": "html", "sarif": "sarif"}

FIXTURE = {
    "version": "2026.1.24",
    "config": {
        "gateway": {"bind": "lan", "auth": {"mode": "token", "token": "golden-fixture-token-0123456789abcdef"}},
        "channels": {"telegram": {"dmPolicy": "open", "allowFrom": ["*"]}},
        "tools": {"elevated": {"enabled": True}},
    },
}


@check(id="GX001", title="Gateway bound to loopback <only>", title_zh="网关仅绑定回环地址",
       severity=Severity.HIGH, guide=("P2.1", "D1.3.1"), remediation='Set gateway.bind to "loopback" | use a VPN.',
       remediation_zh='将 gateway.bind 设为 "loopback"。', upstream=("gateway.bind_no_auth",), cwe=("CWE-1327",),
       references=("https://docs.openclaw.ai/gateway/security",))
def golden_bind(facts: Facts) -> Iterator[Outcome]:
    """Golden-test check: gateway.bind must be loopback."""
    assert facts.config is not None
    bind = facts.config.get("gateway.bind")
    yield failed(f"gateway.bind is {bind!r} *not* loopback", "gateway.bind", facts.config.where("gateway.bind"))


@check(id="GX002", title="Gateway token is not in plaintext", title_zh="网关令牌未以明文保存",
       severity=Severity.CRITICAL, guide=("D2.1",), remediation="Move the token to ${OPENCLAW_GATEWAY_TOKEN}.",
       remediation_zh="将令牌移至 ${OPENCLAW_GATEWAY_TOKEN}。")
def golden_token(facts: Facts) -> Iterator[Outcome]:
    """Golden-test check: plaintext gateway token, evidence redacted."""
    assert facts.config is not None
    info = facts.config.secret("gateway.auth.token")
    ev = info.redacted if info else None
    yield failed("gateway.auth.token is a plaintext literal", "gateway.auth.token",
                 facts.config.where("gateway.auth.token"), evidence=ev)


@check(id="GX003", title="DMs are not open to everyone", title_zh="私信未向所有人开放",
       severity=Severity.MEDIUM, guide=("P2.3",), remediation="Set dmPolicy to pairing or allowlist.")
def golden_dm(facts: Facts) -> Iterator[Outcome]:
    """Golden-test check: open DMs warn; the waiver in the test suppresses this one."""
    yield warned("channels.telegram.dmPolicy is 'open'", "channels.telegram.dmPolicy",
                 Location(key="channels.telegram.dmPolicy"))


@check(id="GX004", title="State dir is owner-only", title_zh="状态目录仅所有者可访问",
       severity=Severity.LOW, guide=("P3.4",), remediation="chmod 700 ~/.openclaw")
def golden_pass(facts: Facts) -> Iterator[Outcome]:
    """Golden-test check: passes, and a skipped sibling outcome."""
    yield passed("state dir is 0700", "state_dir", Location(path="/home/user/.openclaw"))
    yield skipped("not applicable: no include files", "includes")


CHECKS: tuple[Check, ...] = (golden_bind, golden_token, golden_dm, golden_pass)


def golden_report(lang: str) -> Report:
    """The fixed report in ``lang``."""
    rep = audit(from_fixture(FIXTURE), lang=lang, checks=CHECKS, started="2026-03-22T08:00:00+00:00")
    findings = tuple(dataclasses.replace(f, suppressed="accepted until the VPN is in place (ticket SEC-42)")
                     if f.id == "GX003" else f for f in rep.findings)
    return dataclasses.replace(rep, tool_version="0.0.0-golden", started="2026-03-22T08:00:00+00:00",
                               finished="2026-03-22T08:00:01+00:00", findings=findings,
                               compliance=rollup(load_guide(), CHECKS, findings, lang))


CASES = [(fmt, lang) for fmt in EXT for lang in ("en", "zh")]


@pytest.mark.parametrize(("fmt", "lang"), CASES, ids=[f"{f}-{lang}" for f, lang in CASES])
def test_golden(fmt: str, lang: str) -> None:
    out = REPORTERS[fmt](golden_report(lang))
    path = GOLDEN / f"report.{lang}.{EXT[fmt]}"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"missing {path}: run with CLAWFENCE_UPDATE_GOLDEN=1"
    assert out == path.read_text(encoding="utf-8"), f"{path.name} differs: review, then CLAWFENCE_UPDATE_GOLDEN=1"


def test_golden_report_is_what_the_goldens_claim() -> None:
    """The fixed report itself: every status, a waiver, a redacted secret and all 76 points."""
    rep = golden_report("en")
    statuses = {(f.id, f.status.value) for f in rep.findings}
    assert statuses == {("GX001", "fail"), ("GX002", "fail"), ("GX003", "warn"), ("GX004", "pass"),
                        ("GX004", "skip")}
    assert [f.id for f in rep.findings if f.suppressed] == ["GX003"]
    assert len(rep.compliance) == 76
    token = FIXTURE["config"]["gateway"]["auth"]["token"]  # type: ignore[index]
    for fmt in EXT:
        out = REPORTERS[fmt](rep)
        assert token not in out
        if fmt != "text":
            assert redact(token) in out or redact(token).replace("…", "\\u2026") in out
