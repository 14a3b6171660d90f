"""Every trail/log/baseline test gets its own CLAWFENCE_HOME (signing keys) under tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clawfence.integrity import checkpoint


@pytest.fixture(autouse=True)
def cf_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "cfhome"
    monkeypatch.setenv("CLAWFENCE_HOME", str(home))
    checkpoint._SIGNERS.clear()
    yield home
    checkpoint._SIGNERS.clear()
