"""Decisions of the guard on every call of its tables, as compact fingerprints (the decision-equality reference).

``collect()`` judges, with the built-in ``standard`` and ``strict`` profiles, every call of the adversarial corpus
(tests/guard/corpus, through one :class:`Judge` per profile so session memory is exercised, set-up calls included),
every attacker variant of its exec attacks (tests/guard/variants.py), and every call of tests/guard/data/calls.yaml
at two fixed times (inside and outside the working-hours window of the time-window rules). Each call gives one
string ``"<decision> <rule_id> <hash>"`` where ``hash`` covers the reason, the approvals/TOTP/timeout, the guide ids
and every signal (kind and detail), so a change in any of them shows.

``python tests/guard/perf_decisions.py --write`` records the fingerprints in tests/guard/data/perf_decisions.json;
that file was generated from main's algorithm before the speed work of issue 10 item 5 (branch guardperf), and
tests/guard/test_guard_perf_equivalence.py compares the live code against it. Regenerate it only when a decision is
meant to change, and say so in the commit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import variants as V  # noqa: E402
from corpus import loader  # noqa: E402

from clawfence.detect.calls import Decision, PathContext, ToolCall  # noqa: E402
from clawfence.guard.policy import Judge, Policy, builtin_policy, decide, profile_policy  # noqa: E402

OUT = HERE / "data" / "perf_decisions.json"
CTX = PathContext("/home/agent", "/home/agent/.openclaw/workspace", "/home/agent/.openclaw",
                  "/home/agent/.openclaw/workspace", resolve_symlinks=False)
#: Tuesday 10:00 in Asia/Shanghai (inside working hours) and Saturday 03:00 there (outside)
WORK = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
NIGHT = datetime(2026, 3, 6, 19, 0, tzinfo=UTC)


def fingerprint(d: Decision) -> str:
    """``"<decision> <rule_id> <10 hex>"``: the hash covers every other field of the decision."""
    h = hashlib.sha256()
    for part in (d.reason, str(d.approvals_needed), str(d.totp), str(d.timeout_s), ",".join(d.guide)):
        h.update(part.encode("utf-8", "surrogatepass") + b"\x1f")
    for s in d.signals:
        h.update(s.kind.encode() + b"\x1e" + s.detail.encode("utf-8", "surrogatepass") + b"\x1f")
    return f"{d.decision} {d.rule_id} {h.hexdigest()[:10]}"


def _call(doc: dict[str, Any], ts: datetime) -> ToolCall:
    c = ToolCall.from_json(doc)
    return c if c.ts is not None else dataclasses.replace(c, ts=ts)


def _corpus(pol: Policy) -> list[str]:
    j = Judge(pol, CTX)
    out = []
    for s in [*loader.attacks(), *loader.everyday()]:
        for c in s.calls:
            out.append(fingerprint(j.decide(_call(c, WORK))))
    return out


def _variants(pol: Policy) -> list[str]:
    out = []
    for s in loader.attacks():
        if len(s.calls) != 1 or s.call.get("toolName") != "exec" or set(s.call["params"]) != {"command"}:
            continue
        for _name, call in V.variants(s.call["params"]["command"]):
            out.append(fingerprint(decide(pol, _call(call, WORK), CTX)))
    return out


def _table(pol: Policy, ts: datetime) -> list[str]:
    doc = yaml.safe_load((HERE / "data" / "calls.yaml").read_text(encoding="utf-8"))
    out = []
    for row in doc["legit"] + doc["attacks"]:
        c = {"toolName": "exec", "params": {"command": row["exec"]}} if "exec" in row else dict(row["call"])
        out.append(fingerprint(decide(pol, _call(c, ts), CTX)))
    return out


def groups() -> dict[str, Callable[[], list[str]]]:
    """Name -> function computing that group's fingerprints (in a fixed order)."""
    std = builtin_policy()
    strict = profile_policy("strict")
    return {
        "corpus-standard": lambda: _corpus(std),
        "corpus-strict": lambda: _corpus(strict),
        "variants-standard": lambda: _variants(std),
        "table-standard-work": lambda: _table(std, WORK),
        "table-standard-night": lambda: _table(std, NIGHT),
        "table-strict-work": lambda: _table(strict, WORK),
    }


def collect() -> dict[str, list[str]]:
    """Every group's fingerprints."""
    return {k: f() for k, f in groups().items()}


if __name__ == "__main__":
    data = collect()
    if "--write" in sys.argv:
        OUT.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {OUT} ({sum(len(v) for v in data.values())} decisions)")
    else:
        for k, v in data.items():
            print(k, len(v))
