"""Shared test helpers: fixture loading, materialised fixture homes, paths to ../shared."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CLAWFENCE_SHARED", ROOT.parent / "shared"))
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def shared() -> Path:
    """Path of ../shared (skips when absent)."""
    if not SHARED.is_dir():
        pytest.skip("../shared not present")
    return SHARED


@pytest.fixture(scope="session")
def fixture_homes(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Path:
    """../shared/fixtures materialised with their intended modes (set-modes.sh)."""
    dest = tmp_path_factory.mktemp("homes") / "fx"
    subprocess.run(["bash", str(shared / "fixtures" / "set-modes.sh"), str(dest)], check=True,
                   capture_output=True)
    return dest


REALCLAW_PREFIX = Path(os.environ.get("REALCLAW_PREFIX", "/tmp/realclaw/opt"))


@pytest.fixture(scope="session")
def realclaw() -> Path:
    """Install prefix of the real OpenClaw (``realclaw-setup.sh``): ``bin/openclaw``, ``bin/node``.

    Skips when it is not installed, unless ``CLAWFENCE_REQUIRE_REALCLAW=1`` (CI), where it fails.
    """
    exe = REALCLAW_PREFIX / "bin" / "openclaw"
    if not exe.exists():
        if os.environ.get("CLAWFENCE_REQUIRE_REALCLAW") == "1":
            pytest.fail(f"real OpenClaw required but missing at {exe}")
        pytest.skip("real OpenClaw not installed (run ../shared/realclaw/realclaw-setup.sh)")
    return REALCLAW_PREFIX
