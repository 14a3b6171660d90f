"""docs/checks.md and docs/guide-coverage.md must match what scripts/gen_docs.py generates from the code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_docs_are_up_to_date() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"], capture_output=True,
                       text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr


def test_docs_cover_every_check_and_point() -> None:
    from clawfence.audit.checks import all_checks
    from clawfence.core.guide import load
    checks = (ROOT / "docs" / "checks.md").read_text(encoding="utf-8")
    coverage = (ROOT / "docs" / "guide-coverage.md").read_text(encoding="utf-8")
    assert all(f"### {c.id} " in checks for c in all_checks())
    assert all(f"| {p} |" in coverage for p in load().points)
