"""Recall of the guard per attacker transformation (tests/guard/variants.py) over the corpus's exec attacks.

Run: python benchmarks/bench_guard_variants.py [--show N]
For every exec attack the built-in policy stops (deny or ask) in its original spelling, each applicable
transformation is judged; recall = variants still stopped / variants generated, denied = variants denied.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "guard"))

import variants as V  # noqa: E402
from corpus import loader  # noqa: E402

from clawfence.detect.calls import PathContext, ToolCall  # noqa: E402
from clawfence.guard.policy import builtin_policy, decide  # noqa: E402

CTX = PathContext("/home/agent", "/home/agent/.openclaw/workspace", "/home/agent/.openclaw",
                  "/home/agent/.openclaw/workspace", resolve_symlinks=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", type=int, default=0, help="print up to N missed variants per transformation")
    a = ap.parse_args()
    pol = builtin_policy()
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    missed: dict[str, list[str]] = defaultdict(list)
    base = 0
    for s in loader.attacks():
        if len(s.calls) != 1 or s.call.get("toolName") != "exec" or set(s.call["params"]) != {"command"}:
            continue  # calls whose meaning needs their workdir/env parameters are not rewritten
        cmd = s.call["params"]["command"]
        if decide(pol, ToolCall.from_json(s.call), CTX).decision == "allow":
            continue
        base += 1
        for name, call in V.variants(cmd):
            d = decide(pol, ToolCall.from_json(call), CTX)
            r = rows[name]
            r[0] += 1
            r[1] += d.decision != "allow"
            r[2] += d.decision == "deny"
            if d.decision == "allow":
                missed[name].append(str(call["params"])[:150])
    print(f"exec attacks stopped in their original spelling: {base}")
    print(f"{'transformation':16} {'variants':>8} {'stopped':>8} {'recall':>7} {'denied':>7}")
    tot = [0, 0, 0]
    for name, r in rows.items():
        print(f"{name:16} {r[0]:8} {r[1]:8} {100 * r[1] / r[0]:6.1f}% {100 * r[2] / r[0]:6.1f}%")
        tot = [x + y for x, y in zip(tot, r, strict=True)]
    print(f"{'ALL':16} {tot[0]:8} {tot[1]:8} {100 * tot[1] / tot[0]:6.1f}% {100 * tot[2] / tot[0]:6.1f}%")
    if a.show:
        for name, ms in missed.items():
            print(f"-- {name}: {len(ms)} missed")
            for m in ms[: a.show]:
                print("   ", m)


if __name__ == "__main__":
    main()
