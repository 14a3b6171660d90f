"""Every example kept beside a scanner rule (``examples: {fire, ok}`` in skills/rules.yaml): each ``fire`` skill
must raise the rule, each ``ok`` skill must not. Examples are small skills (``relpath -> text``)."""

from __future__ import annotations

import pytest

from clawfence.skills.rules import load_rules
from clawfence.skills.verdict import decisive

from .variants import scan_files

CASES = [(r.id, kind, i, files) for r in load_rules().rules if r.examples
         for kind in ("fire", "ok") for i, files in enumerate(r.examples.get(kind, []))]


def test_behaviour_rules_all_carry_examples() -> None:
    missing = [r.id for r in load_rules().rules
               if r.id >= "SC910" and r.id < "SC930" and not (r.examples and r.examples.get("fire") and r.examples.get("ok"))]
    assert not missing, missing


@pytest.mark.parametrize(("rid", "kind", "i", "files"), CASES, ids=[f"{c[0]}-{c[1]}{c[2]}" for c in CASES])
def test_rule_example(rid: str, kind: str, i: int, files: dict[str, str]) -> None:
    res = scan_files(files, "example")
    got = {f.rule for f in res.findings if f.confidence >= 0.5}
    if kind == "fire":
        assert rid in got, f"{rid} example {i} did not fire; got {sorted(got)}"
        if next(r for r in load_rules().rules if r.id == rid).severity.value == "critical":
            assert decisive(res.findings) and res.verdict == "malicious", res.verdict
    else:
        assert rid not in got, f"{rid} ok-example {i} fired: {[f.evidence for f in res.findings if f.rule == rid]}"
