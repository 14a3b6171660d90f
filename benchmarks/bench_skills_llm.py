"""Benchmark of the optional model-assisted skill review (``clawfence.skills.llm``). Prints figures, asserts nothing.

* payload: over every skill of ``../shared/corpus/skills-real`` (no network): instruction files and characters per
  skill, how many skills the default caps cut (``max_file_chars`` 12,000, ``max_total_chars`` 40,000), how many
  secrets were redacted, and the time to build all payloads;
* overhead: the same skills reviewed against a stub OpenAI-compatible endpoint on 127.0.0.1 that answers at once,
  so the figure is clawfence's own cost per skill (load, redact, request, parse, verify, cache write), then a
  second pass served from the cache. A real model adds its own latency (seconds per skill on a local 7B model).

Usage: ``python benchmarks/bench_skills_llm.py [--shared ../shared] [--limit N]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from clawfence.detect.secrets import find_secrets  # noqa: E402
from clawfence.skills import llm  # noqa: E402
from clawfence.skills.result import SkillResult  # noqa: E402

ANSWER = json.dumps({"choices": [{"message": {"content": json.dumps(
    {"verdict": "benign", "techniques": [], "evidence": [], "confidence": 0.9})}}]}).encode()


class _H(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *_a: object) -> None:
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--limit", type=int, default=0)
    a = ap.parse_args()
    real = a.shared / "corpus" / "skills-real"
    dirs = sorted(p for p in real.iterdir() if p.is_dir())
    if a.limit:
        dirs = dirs[: a.limit]
    cfg0 = llm.LlmConfig(base_url="http://127.0.0.1:9/v1", model="bench")
    n_files, chars, sent_chars, cut, secrets, empty = [], [], [], 0, 0, 0
    t0 = time.perf_counter()
    for d in dirs:
        files = llm.instruction_texts(d)
        if not files:
            empty += 1
            continue
        sent, trunc = llm.select_files(files, cfg0)
        llm.build_messages(d.name, sent)
        n_files.append(len(files))
        chars.append(sum(len(t) for t in files.values()))
        sent_chars.append(sum(len(t) for _, t in sent))
        cut += bool(trunc)
        secrets += sum(len(find_secrets(t)) for t in files.values())
    dt = time.perf_counter() - t0
    print(f"payload: {len(dirs)} real skills, {empty} without instruction files")
    print(f"  instruction files per skill: median {statistics.median(n_files):.0f}, max {max(n_files)}")
    print(f"  instruction chars per skill: median {statistics.median(chars):,.0f}, p90 "
          f"{sorted(chars)[int(len(chars) * 0.9)]:,}, max {max(chars):,}")
    print(f"  chars sent per skill: median {statistics.median(sent_chars):,.0f}, max {max(sent_chars):,}")
    print(f"  skills cut by the default caps: {cut} ({cut / len(chars):.1%}); secrets redacted: {secrets}")
    print(f"  payload build: {dt:.2f}s ({len(dirs) / dt:.0f} skills/s)")

    srv = ThreadingHTTPServer(("127.0.0.1", 0), _H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = llm.LlmConfig(base_url=f"http://127.0.0.1:{srv.server_address[1]}/v1", model="bench", retries=0,
                            cache_dir=Path(tmp))
        results = [SkillResult(str(d), d.name, "benign", 0.0) for d in dirs]
        for label in ("stub endpoint", "cache hits"):
            t0 = time.perf_counter()
            out = llm.review_results(results, cfg)
            dt = time.perf_counter() - t0
            notes = sum(1 for r in out for f in r.findings if "not analysed" in f.evidence)
            print(f"overhead ({label}): {len(out)} skills in {dt:.2f}s = {len(out) / dt:.0f} skills/s, {notes} not analysed")
    srv.shutdown()


if __name__ == "__main__":
    main()
