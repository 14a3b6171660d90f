"""Benchmarks for the tamper-evident log and trail ingestion (prints figures; no asserts).

Targets (issue 6): append >= 50,000 events/s, verify >= 200,000 events/s, trail ingestion >= 50 MB/s of JSONL,
memory flat in the size of the input. Run: ``PYTHONPATH=src python benchmarks/bench_trail.py [N]``.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from clawfence.integrity import actionlog as auditlog
from clawfence.trail import detections as detect
from clawfence.trail import sources, timeline

FIX = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "trail" / "file-era" / "agents" / "main" / "sessions"


def rss_mb() -> float:
    """Peak RSS of this process in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_log(tmp: Path, n: int) -> None:
    log = tmp / "bench.jsonl"
    t, c = time.perf_counter(), time.process_time()
    with auditlog.LogWriter(log) as w:
        for i in range(n):
            w.append("guard.decision", {"i": i, "tool": "exec", "decision": "allow", "rule": "R12",
                                        "command": "ls -la /tmp"})
    dt, dc = time.perf_counter() - t, time.process_time() - c
    print(f"append (LogWriter, signed checkpoint every 1000): {n / dt:,.0f} events/s wall, {n / dc:,.0f} cpu "
          f"({n:,} in {dt:.2f}s, {log.stat().st_size / 1e6:.1f} MB)")
    t, c = time.perf_counter(), time.process_time()
    res = auditlog.verify(log, require_head=True)
    dt, dc = time.perf_counter() - t, time.process_time() - c
    assert res.ok, res
    print(f"verify (chain + {res.checkpoints} checkpoint signatures + head): {res.records / dt:,.0f} events/s wall, "
          f"{res.records / dc:,.0f} cpu")
    one = tmp / "one.jsonl"
    k = 300
    t = time.perf_counter()
    for i in range(k):
        auditlog.append(one, "guard.decision", {"i": i})
    dt = time.perf_counter() - t
    print(f"append (one-shot, fsync + signed head per event): {k / dt:,.0f} events/s")


def make_transcript(path: Path, target_mb: float) -> int:
    """Repeat the real 2026.9.6 transcript's records (fresh ids) until ``target_mb``; returns bytes."""
    src = next(FIX.glob("*.jsonl"))
    recs = [json.loads(x) for x in src.read_text().splitlines()]
    size = 0
    with open(path, "w") as fh:
        fh.write(json.dumps(recs[0]) + "\n")
        i = 0
        while size < target_mb * 1e6:
            for r in recs[1:]:
                r = dict(r, id=f"{r.get('id')}-{i}")
                line = json.dumps(r) + "\n"
                fh.write(line)
                size += len(line)
            i += 1
    return path.stat().st_size


def bench_ingest(tmp: Path, mb: float, files: int) -> None:
    """Ingest ``mb`` MB of JSONL split over ``files`` session files; streaming vs. whole-trail memory."""
    sd = tmp / "state"
    sdir = sd / "agents" / "main" / "sessions"
    sdir.mkdir(parents=True)
    size = sum(make_transcript(sdir / f"s{i:04d}.jsonl", mb / files) for i in range(files))
    base = rss_mb()
    t, c = time.perf_counter(), time.process_time()
    n = sum(1 for _ in sources.iter_jsonl(sd))
    dt, dc = time.perf_counter() - t, time.process_time() - c
    print(f"trail ingestion, raw event stream ({size / 1e6:.0f} MB in {files} files): {size / 1e6 / dt:,.1f} MB/s "
          f"wall, {size / 1e6 / dc:,.1f} cpu, {n:,} events; peak RSS {base:.0f} -> {rss_mb():.0f} MiB")
    t = time.perf_counter()
    k = 0
    for tl in timeline.iter_sessions(sd):
        k += len(detect.detect_session(tl))
    dt = time.perf_counter() - t
    print(f"per-session timelines + detections, streaming: {size / 1e6 / dt:,.1f} MB/s, {k:,} findings; "
          f"peak RSS {rss_mb():.0f} MiB")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        os.environ.setdefault("CLAWFENCE_HOME", str(tmp / "cfhome"))
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
              "(figures scale down with load; 'cpu' rates divide by this process's CPU time)")
        bench_log(tmp, n)
        for mb, files in ((100, 50), (400, 200)):
            sub = tmp / f"ingest{mb}"
            sub.mkdir()
            bench_ingest(sub, mb, files)


if __name__ == "__main__":
    main()
