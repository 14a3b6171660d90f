"""Fixtures for tests against the real OpenClaw: ``rcenv`` (the ``scripts/realclaw_env.py`` module, skipping
when the real CLI or namespace isolation is unavailable) and ``rc_tmp`` (a work-dir factory that is removed
afterwards)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_realclaw_env() -> ModuleType:
    """``scripts/realclaw_env.py`` as a module (loaded by path; cached in ``sys.modules``)."""
    name = "realclaw_env"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "realclaw_env.py")
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


@pytest.fixture(scope="session")
def rcenv(realclaw: Path) -> ModuleType:
    """The realclaw driver module bound to the ``realclaw`` install prefix; skips without isolation."""
    mod = load_realclaw_env()
    why = mod.available(realclaw)
    if why:
        if os.environ.get("CLAWFENCE_REQUIRE_REALCLAW") == "1":
            pytest.fail(f"real OpenClaw required but cannot run isolated: {why}")
        pytest.skip(why)
    return mod


@pytest.fixture(scope="session")
def rc_tmp() -> Iterator[Callable[[str], Path]]:
    """``rc_tmp(name)`` -> a fresh work dir path (not yet created) under one private temp root, removed at the end."""
    root = Path(tempfile.mkdtemp(prefix="clawfence-realclaw-"))
    try:
        yield lambda name: root / name
    finally:
        shutil.rmtree(root, ignore_errors=True)
