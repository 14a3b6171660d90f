"""Skill scanner against its own technique corpus (tests/skills/techniques) and the attacker-style variants.

Prints (no asserts): per-technique recall (judged malicious / flagged malicious-or-suspicious), the tricky benign
set (judged malicious / suspicious, with reasons), and recall per transformation.
Usage: ``python benchmarks/bench_skills_techniques.py [-v]``.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "skills"))

from variants import load_corpus, scan_files, variants  # noqa: E402


def main() -> None:
    verbose = "-v" in sys.argv
    mal, ben = load_corpus()
    per: dict[str, list[str]] = defaultdict(list)
    missed = []
    for s in mal:
        r = scan_files(s.files, s.name)
        per[s.technique].append(r.verdict)
        if r.verdict != "malicious":
            missed.append((s.technique, s.name, r.verdict, r.score, [f"{f.rule}:{f.path}:{f.line}" for f in r.findings][:5]))
    print(f"== technique corpus: {len(mal)} malicious samples over {len(per)} techniques, "
          f"{len({s.lang for s in mal})} prose languages")
    print(f"  {'technique':30} {'n':>3} {'malicious':>9} {'flagged':>7}")
    tot_m = tot_f = 0
    for t, vs in sorted(per.items()):
        m = sum(v == "malicious" for v in vs)
        f = sum(v != "benign" for v in vs)
        tot_m += m
        tot_f += f
        print(f"  {t:30} {len(vs):3} {m:9} {f:7}")
    print(f"  {'TOTAL':30} {len(mal):3} {tot_m:9} {tot_f:7}  ({100 * tot_m / len(mal):.1f}% malicious)")
    if verbose:
        for x in missed:
            print("   missed", *x)
    print(f"== tricky benign: {len(ben)}")
    bm = bs = 0
    for s in ben:
        r = scan_files(s.files, s.name)
        if r.verdict != "benign":
            bm += r.verdict == "malicious"
            bs += r.verdict == "suspicious"
            print(f"  {r.verdict:10} {s.name} score {r.score} "
                  + "; ".join(f"{f.rule} {f.path}:{f.line} {f.evidence[:60]}" for f in r.findings[:3]))
    print(f"  judged malicious {bm}/{len(ben)}, suspicious {bs}/{len(ben)}")
    print("== variants (recall = judged malicious)")
    pt: dict[str, list[bool]] = defaultdict(list)
    vmiss = []
    for s in mal:
        base_ok = scan_files(s.files, s.name).verdict == "malicious"
        for name, files in variants(s):
            ok = scan_files(files, s.name).verdict == "malicious"
            pt[name].append(ok)
            if base_ok and not ok:
                vmiss.append((name, s.technique, s.name))
    for name, oks in sorted(pt.items()):
        print(f"  {name:22} {sum(oks):3}/{len(oks):3} = {100 * sum(oks) / len(oks):5.1f}%")
    allv = [o for v in pt.values() for o in v]
    print(f"  {'ALL':22} {sum(allv):3}/{len(allv):3} = {100 * sum(allv) / len(allv):5.1f}%")
    if verbose:
        for x in vmiss:
            print("   variant lost", *x)


if __name__ == "__main__":
    main()
