"""Shared test helpers: fixture loading, materialised fixture homes, paths to ../shared."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CLAWFENCE_SHARED", ROOT.parent / "shared"))
FIXTURES = Path(__file__).parent / "fixtures"


def load_script(stem: str) -> ModuleType:
    """``scripts/<stem>.py`` as a module, loaded by path once and registered in ``sys.modules`` (its dataclasses
    need that) as ``clawfence_script_<stem>``."""
    name = f"clawfence_script_{stem}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{stem}.py")
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


@pytest.fixture(scope="session")
def script() -> Callable[[str], ModuleType]:
    """:func:`load_script`, for tests of the scripts under ``scripts/``."""
    return load_script


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


@pytest.fixture(autouse=True)
def _isolated_trust(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Key pins and the guard service home go to a per-test temp dir, never to /etc/clawfence or
    /var/lib/clawfence of the machine running the tests (a test that wants them sets the variables itself)."""
    base = tmp_path_factory.mktemp("trust")
    monkeypatch.setenv("CLAWFENCE_TRUST_DIR", str(base / "etc-trust"))
    monkeypatch.setenv("CLAWFENCE_SERVICE_HOME", str(base / "var-lib-clawfence"))
