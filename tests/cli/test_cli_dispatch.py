"""``main()`` registers only the invoked command group; every group must still parse its own name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clawfence.cli import COMMANDS

SRC = str(Path(__file__).resolve().parents[2] / "src")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_each_command_dispatches(command: str) -> None:
    env = {**os.environ, "PYTHONPATH": SRC}
    p = subprocess.run([sys.executable, "-m", "clawfence", command, "--help"], capture_output=True, text=True,
                       env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    assert command in p.stdout


def test_fix_without_state_dir_is_a_usage_error_not_a_parse_error(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": SRC, "HOME": str(tmp_path), "CLAWFENCE_HOME": str(tmp_path / "cf")}
    p = subprocess.run([sys.executable, "-m", "clawfence", "fix", "--state-dir", str(tmp_path / "nope")],
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 2
    assert "unexpected argument 'fix'" not in p.stderr
    assert "Traceback" not in p.stderr


def test_explain_guide_item() -> None:
    """``clawfence explain P2`` (an item, not only its points) lists the item's points and checks."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "clawfence", "explain", "P2"], capture_output=True, text=True,
                       env={**__import__("os").environ, "PYTHONPATH": SRC}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("P2 ") and "P2.1" in r.stdout and "GW001" in r.stdout
