"""Benchmark of ``clawfence skills``: detection quality and throughput, side by side with two PyPI peers.

Prints (no asserts):
* labelled set (``../shared/corpus/skills-labelled``; LABEL.json, the answer key, is excluded from scanning):
  per-sample verdicts, recall (verdict malicious) on malicious, false-positive rate (verdict malicious) on benign;
* real set (``../shared/corpus/skills-real``, 400 ClawHub skills treated as benign): share judged malicious and
  every such skill with its reasons;
* throughput in skills/s on the real set, single process and a process pool over all cores;
* peers ``cisco-ai-skill-scanner`` and ``clawhub-bridge`` installed into a separate venv (``/tmp/bench-venv``), run
  on copies of the same skills without LABEL.json: recall, false positives and skills/s (on a sample, ``--peer-sample``).
  If they cannot install or need network/LLM at runtime, that is printed instead.

Usage: ``python benchmarks/bench_skills.py [--shared ../shared] [--no-peers] [--peer-sample 40]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from clawfence.skills.scanner import scan_path  # noqa: E402

SKIP = frozenset({"LABEL.json"})
VENV = Path("/tmp/bench-venv")
PEERS = {"cisco-ai-skill-scanner": "2.3.2", "clawhub-bridge": "5.1.0"}


def _scan_one(d: str) -> tuple[str, str, float, list[str]]:
    r = scan_path(Path(d), SKIP)[0]
    top = [f"{f.rule} {f.path}:{f.line} {f.evidence[:90]}" for f in r.findings if f.confidence >= 0.5][:4]
    return d, r.verdict, r.score, top


def labelled(shared: Path) -> None:
    base = shared / "corpus" / "skills-labelled"
    print("== labelled set (LABEL.json excluded from scanning)")
    stats: dict[str, list[str]] = {"malicious": [], "benign": []}
    for lab in ("malicious", "benign"):
        for d in sorted((base / lab).iterdir()):
            _, verdict, score, _ = _scan_one(str(d))
            stats[lab].append(verdict)
            print(f"  {lab:9} {d.name:28} -> {verdict:10} score {score}")
    m, b = stats["malicious"], stats["benign"]
    nm, nb = m.count("malicious"), b.count("malicious")
    print(
        f"  recall (malicious verdict on malicious): {nm}/{len(m)} = {nm / len(m):.1%}"
        f"  (flagged malicious or suspicious: {sum(v != 'benign' for v in m)}/{len(m)})"
    )
    print(
        f"  false positives (malicious verdict on benign): {nb}/{len(b)} = {nb / len(b):.1%}"
        f"  (suspicious: {b.count('suspicious')})"
    )


def real(shared: Path) -> list[Path]:
    base = shared / "corpus" / "skills-real"
    dirs = [d for d in sorted(base.iterdir()) if d.is_dir()]
    print(f"== real set: {len(dirs)} ClawHub skills (treated as benign)")
    t0 = time.perf_counter()
    results = [_scan_one(str(d)) for d in dirs]
    single = time.perf_counter() - t0
    mal = [r for r in results if r[1] == "malicious"]
    sus = [r for r in results if r[1] == "suspicious"]
    print(f"  malicious: {len(mal)}/{len(dirs)} = {len(mal) / len(dirs):.2%} (target < 2%); suspicious: {len(sus)}")
    for d, _, score, top in mal:
        print(f"   - {Path(d).name} (score {score})")
        for t in top:
            print(f"       {t}")
    cores = os.cpu_count() or 1
    t0 = time.perf_counter()
    with multiprocessing.Pool(cores) as pool:
        pool.map(_scan_one, [str(d) for d in dirs], chunksize=4)
    multi = time.perf_counter() - t0
    print(
        f"  throughput: {len(dirs) / single:.1f} skills/s single process; {len(dirs) / multi:.1f} skills/s with {cores} processes"
    )
    return dirs


def _ensure_venv() -> str | None:
    py = VENV / "bin" / "python"
    if not py.exists():
        r = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True, check=False)
        if r.returncode:
            return f"cannot create {VENV}: {r.stderr.strip()[:200]}"
    missing = [
        f"{n}=={v}"
        for n, v in PEERS.items()
        if subprocess.run([str(py), "-m", "pip", "show", n], capture_output=True, check=False).returncode
    ]
    if missing:
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", *missing], capture_output=True, text=True, check=False)
        if r.returncode:
            return f"pip install {' '.join(missing)} failed: {r.stderr.strip()[-300:]}"
    return None


def _copy_without_labels(dirs: list[Path], dest: Path) -> list[Path]:
    out = []
    for d in dirs:
        t = dest / d.name
        shutil.copytree(d, t, ignore=shutil.ignore_patterns("LABEL.json"), symlinks=True)
        out.append(t)
    return out


def _cisco(root: Path) -> tuple[dict[str, bool], float, str]:
    exe = VENV / "bin" / "skill-scanner"
    t0 = time.perf_counter()
    r = subprocess.run(
        [str(exe), "scan-all", str(root), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=7200,
        env={**os.environ, "NO_COLOR": "1"},
    )
    dt = time.perf_counter() - t0
    try:
        doc = json.loads(r.stdout[r.stdout.find("{") :])
    except json.JSONDecodeError:
        return {}, dt, f"unparseable output (rc {r.returncode}): {r.stderr.strip()[-200:]}"
    return {Path(x["skill_path"]).name: not x.get("is_safe", True) for x in doc.get("results", [])}, dt, ""


def _bridge(skills: list[Path]) -> tuple[dict[str, bool], float, str]:
    py = VENV / "bin" / "python"
    out: dict[str, bool] = {}
    t0 = time.perf_counter()
    for s in skills:
        r = subprocess.run(
            [str(py), "-m", "clawhub_bridge", "scan", str(s), "--json"], capture_output=True, text=True, check=False, timeout=600
        )
        try:
            doc = json.loads(r.stdout)
        except json.JSONDecodeError:
            out[s.name] = False
            continue
        docs = doc if isinstance(doc, list) else [doc]
        out[s.name] = any(
            isinstance(d, dict) and str(d.get("verdict", "PASS")).upper() in ("FAIL", "BLOCK", "BLOCKED") for d in docs
        )
    return out, time.perf_counter() - t0, ""


def peers(shared: Path, real_dirs: list[Path], sample: int) -> None:
    print("== peers (separate venv /tmp/bench-venv; copies without LABEL.json)")
    err = _ensure_venv()
    if err:
        print(f"  peers unavailable: {err}")
        return
    base = shared / "corpus" / "skills-labelled"
    with tempfile.TemporaryDirectory() as td:
        lab_root = Path(td) / "labelled"
        mal = _copy_without_labels(sorted((base / "malicious").iterdir()), lab_root / "m")
        ben = _copy_without_labels(sorted((base / "benign").iterdir()), lab_root / "b")
        step = max(1, len(real_dirs) // sample)
        real_sample = _copy_without_labels(real_dirs[::step][:sample], Path(td) / "real")
        for name, run in (
            ("cisco-ai-skill-scanner", lambda root, skills: _cisco(root)),
            ("clawhub-bridge", lambda root, skills: _bridge(skills)),
        ):
            vm, _, e1 = run(lab_root / "m", mal)
            vb, _, e2 = run(lab_root / "b", ben)
            vr, dt, e3 = run(Path(td) / "real", real_sample)
            if e1 or e2 or e3:
                print(f"  {name}: {e1 or e2 or e3}")
                continue
            rec = sum(vm.get(s.name, False) for s in mal)
            fp = sum(vb.get(s.name, False) for s in ben)
            flagged_real = sum(vr.get(s.name, False) for s in real_sample)
            print(
                f"  {name}: recall {rec}/{len(mal)} = {rec / len(mal):.1%}; benign flagged {fp}/{len(ben)} = {fp / len(ben):.1%};"
                f" real sample flagged {flagged_real}/{len(real_sample)}; {len(real_sample) / dt:.2f} skills/s"
            )
        t0 = time.perf_counter()
        for s in real_sample:
            scan_path(s, SKIP)
        dt = time.perf_counter() - t0
        print(f"  clawfence on the same real sample: {len(real_sample) / dt:.1f} skills/s (one process)")
        few = real_sample[:5]
        per = {
            "cisco-ai-skill-scanner (skill-scanner scan, one call per skill)": [
                str(VENV / "bin" / "skill-scanner"), "scan", "{}", "--format", "json"],
            "clawfence (clawfence skills scan, one call per skill)": [
                sys.executable, "-m", "clawfence", "skills", "scan", "{}", "-f", "json", "--fail-on", "none"],
        }
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        for label, argv in per.items():
            t0 = time.perf_counter()
            for s in few:
                subprocess.run([a.replace("{}", str(s)) for a in argv], capture_output=True, check=False, env=env, timeout=600)
            dt = time.perf_counter() - t0
            print(f"  {label}: {dt / len(few):.2f} s per skill including start-up")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=Path(os.environ.get("CLAWFENCE_SHARED", ROOT.parent / "shared")))
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--peer-sample", type=int, default=40)
    a = ap.parse_args()
    if not (a.shared / "corpus").is_dir():
        sys.exit(f"corpus not found under {a.shared} (set --shared or CLAWFENCE_SHARED)")
    labelled(a.shared)
    dirs = real(a.shared)
    if not a.no_peers:
        peers(a.shared, dirs, a.peer_sample)


if __name__ == "__main__":
    main()
