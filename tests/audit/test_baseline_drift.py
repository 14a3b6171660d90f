"""The audit reports config drift (BL001) against the default baseline only for the installation it was made of."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixture_homes: Path) -> Path:
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "cf"))
    dest = tmp_path / "h"
    shutil.copytree(fixture_homes / "home-hardened", dest, symlinks=True)
    return dest / ".openclaw"


def _bl001(state: Path) -> list[str]:
    import json

    out = subprocess.run([sys.executable, "-m", "clawfence", "audit", "--state-dir", str(state), "-f", "json",
                          "--no-host", "--fail-on", "none"], capture_output=True, text=True, check=True)
    return [f["status"] for f in json.loads(out.stdout)["findings"] if f["id"] == "BL001"]


def test_drift_reported_in_audit(home: Path) -> None:
    subprocess.run([sys.executable, "-m", "clawfence", "baseline", "create", "--state-dir", str(home)], check=True,
                   capture_output=True)
    assert _bl001(home) == ["pass"]
    cfg = home / "openclaw.json"
    cfg.write_text(cfg.read_text().replace('"pairing"', '"open"'))
    assert _bl001(home) == ["fail"]


def test_default_baseline_of_another_installation_ignored(home: Path, tmp_path: Path, fixture_homes: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(fixture_homes / "home-insecure", other, symlinks=True)
    subprocess.run([sys.executable, "-m", "clawfence", "baseline", "create", "--state-dir", str(other / ".openclaw")],
                   check=True, capture_output=True)
    assert _bl001(home) == ["warn"]  # "no configuration hash baseline" for this installation
