"""Guard corpus benchmark: per-technique attacks stopped (deny or ask) and denied, everyday false blocks/asks.

Run: python benchmarks/bench_guard_corpus.py [--profile standard|strict] [--show-misses] [--show-false]
Every sample of tests/guard/corpus is judged with the built-in policy in the path context home=/home/agent,
workspace=~/.openclaw/workspace, the way ``clawfence guard check --calls`` judges a JSONL file (one judge per run, so
calls of one sessionKey share session memory). Prints figures; asserts nothing (tests/guard/test_corpus.py holds
the floor).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "guard"))

from corpus import loader  # noqa: E402

from clawfence.detect.calls import PathContext, ToolCall  # noqa: E402
from clawfence.guard import policy as gp  # noqa: E402

CTX = PathContext("/home/agent", "/home/agent/.openclaw/workspace", "/home/agent/.openclaw",
                  "/home/agent/.openclaw/workspace", resolve_symlinks=False)


def make_judge(profile: str):  # type: ignore[no-untyped-def]
    """A function call-dict -> Decision, with session memory when the guard has it."""
    pol = gp.builtin_policy() if profile == "standard" else gp.profile_policy(profile)  # type: ignore[attr-defined]
    if hasattr(gp, "Judge"):
        j = gp.Judge(pol, CTX)
        return lambda doc: j.decide(ToolCall.from_json(doc))
    return lambda doc: gp.decide(pol, ToolCall.from_json(doc), CTX)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", default="standard")
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--show-false", action="store_true")
    a = ap.parse_args()
    judge = make_judge(a.profile)
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    misses: list[str] = []
    for s in loader.attacks():
        for c in s.calls[:-1]:
            judge(c)
        d = judge(s.call)
        r = rows[s.technique]
        r[0] += 1
        r[1] += d.decision != "allow"
        r[2] += d.decision == "deny"
        if d.decision != "deny":
            misses.append(f"  {d.decision:5} {s.technique:15} {s.source:24} {str(s.call.get('params'))[:110]}")
    print(f"profile {a.profile}")
    print(f"{'technique':18} {'attacks':>7} {'stopped':>8} {'denied':>7}")
    tot = [0, 0, 0]
    for t, r in rows.items():
        print(f"{t:18} {r[0]:7} {r[1]:8} {r[2]:7}")
        tot = [x + y for x, y in zip(tot, r, strict=True)]
    print(f"{'TOTAL':18} {tot[0]:7} {tot[1]:8} {tot[2]:7}   stopped {100 * tot[1] / tot[0]:.1f}%  "
          f"denied {100 * tot[2] / tot[0]:.1f}%  techniques {len(rows)}")
    fb = fa = n = 0
    false: list[str] = []
    for s in loader.everyday():
        for c in s.calls:
            d = judge(c)
            n += 1
            if d.decision != "allow":
                fb += d.decision == "deny"
                fa += d.decision == "ask"
                false.append(f"  {d.decision:5} {d.rule_id:6} {s.source:18} {str(c.get('params'))[:90]} :: {d.reason[:80]}")
    print(f"everyday calls {n}: false blocks (deny) {fb}, false asks {fa}")
    if a.show_misses:
        print("attacks not denied:")
        print("\n".join(misses))
    if a.show_false:
        print("everyday calls not allowed:")
        print("\n".join(false))


if __name__ == "__main__":
    main()
