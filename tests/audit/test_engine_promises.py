"""Promises of the audit engine and the rule registries that no other test guarded (issue 9). Each test here was
shown to fail when the promise is broken by a hand edit of the code (see the issue-9 report):

- a check that raises is isolated: the others still run, the crash is one ERROR finding (``engine.run_check``);
- a check whose facts are missing SKIPs, and its function is not even called;
- an expired waiver no longer applies (one that expires today still does);
- duplicate rule ids are rejected at registration: audit checks (``registry.collect``), the cross-family registry
  (``core.rules.RuleRegistry``) and the real catalogue build.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from datetime import date

import pytest

from clawfence.audit import engine, registry
from clawfence.audit.facts import Facts, from_fixture
from clawfence.audit.waivers import Waiver, apply
from clawfence.core.model import Finding, Outcome, Severity, Status
from clawfence.core.rules import DuplicateRuleError, RuleMeta, RuleRegistry

CALLS: list[str] = []


def _mk(id_: str, fn_name: str, body: object, requires: tuple[str, ...] = ("config",)) -> registry.Check:
    def fn(facts: Facts) -> Iterator[Outcome]:
        CALLS.append(id_)
        if isinstance(body, Exception):
            raise body
        yield Outcome(Status.FAIL, "bad", "subject")

    fn.__name__ = fn_name
    fn.__doc__ = "A test check (guide E1.1)."
    return registry.check(id=id_, title=f"test {id_}", severity=Severity.HIGH, guide=("E1.1",),
                          remediation="fix it", requires=requires)(fn)


FACTS = from_fixture({"config": {"gateway": {"bind": "loopback"}}})


def test_crashing_check_is_isolated_as_one_error_finding() -> None:
    CALLS.clear()
    boom = _mk("ZZ901", "boom", RuntimeError("kaput"))
    after = _mk("ZZ902", "after", None)
    findings = engine.run([boom, after], FACTS)
    by_id = {f.id: f for f in findings}
    assert CALLS == ["ZZ901", "ZZ902"]  # the one after the crash still ran
    assert by_id["ZZ901"].status == Status.ERROR and "RuntimeError: kaput" in by_id["ZZ901"].detail
    assert by_id["ZZ902"].status == Status.FAIL
    assert [f.id for f in findings].count("ZZ901") == 1


def test_check_with_missing_facts_skips_without_running() -> None:
    CALLS.clear()
    needs_probe = _mk("ZZ903", "needs_probe", None, requires=("config", "probe"))
    findings = engine.run([needs_probe], FACTS)
    assert CALLS == []
    assert [(f.id, f.status) for f in findings] == [("ZZ903", Status.SKIP)]
    assert "needs --deep" in findings[0].detail
    missing_cfg = _mk("ZZ904", "missing_cfg", None, requires=("config",))
    f2 = engine.run([missing_cfg], from_fixture({}))
    assert CALLS == [] and f2[0].status == Status.SKIP and "config" in f2[0].detail


def _finding(id_: str = "GW001", subject: str = "gateway") -> Finding:
    return Finding(id=id_, title="t", severity=Severity.HIGH, status=Status.FAIL, detail="d", subject=subject,
                   location=None, guide=("E1.1",), remediation="r")


def test_expired_waiver_no_longer_applies() -> None:
    today = date(2026, 12, 4)
    expired = Waiver(id="GW001", reason="accepted until the migration", expires=date(2026, 12, 3))
    last_day = Waiver(id="gw001", reason="accepted until today", expires=today)
    assert apply([_finding()], [expired], today)[0].suppressed is None
    assert apply([_finding()], [last_day], today)[0].suppressed == "accepted until today"
    assert apply([_finding()], [expired, last_day], today)[0].suppressed == "accepted until today"
    open_ended = Waiver(id="GW001", reason="forever", subject="other")
    assert apply([_finding()], [open_ended], today)[0].suppressed is None  # subject must match


def test_duplicate_check_ids_rejected_by_collect() -> None:
    mod = types.ModuleType("clawfence.audit.checks.zz_test")
    a = _mk("ZZ905", "first", None)
    b = _mk("ZZ905", "second", None)
    for c in (a, b):
        c.fn.__module__ = mod.__name__
    mod.first, mod.second = a, b  # type: ignore[attr-defined]
    with pytest.raises(registry.RegistryError, match="duplicate check ids"):
        registry.collect(mod)


def _meta(id_: str, family: str) -> RuleMeta:
    return RuleMeta(id=id_, family=family, title="t", title_zh="t", severity="high", guide=("E1.1",),
                    remediation="r", remediation_zh="r")


def test_duplicate_rule_ids_rejected_across_families() -> None:
    reg = RuleRegistry()
    reg.register(_meta("TR001", "trail"))
    with pytest.raises(DuplicateRuleError, match="TR001"):
        reg.register(_meta("TR001", "trail"))
    with pytest.raises(DuplicateRuleError, match=r"trail .* and guard"):
        reg.register(_meta("tr001", "guard"))  # ids are case-insensitive
    assert len(reg) == 1


def test_catalogue_build_rejects_an_id_two_families_declare() -> None:
    from clawfence.catalog import build, fleet_rules, trail_rules

    def clash() -> list[RuleMeta]:
        return [_meta(trail_rules()[0].id, "fleet")]

    assert len(build((trail_rules, fleet_rules))) == len(trail_rules()) + len(fleet_rules())
    with pytest.raises(DuplicateRuleError):
        build((trail_rules, fleet_rules, clash))
