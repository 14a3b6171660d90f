"""Compiled JSON twins of packaged YAML: fresh, equal to the YAML, and never trusted when stale."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from clawfence.core import yamlload


@pytest.mark.parametrize(("package", "name"), yamlload.COMPILED)
def test_twin_is_fresh_and_equal(package: str, name: str) -> None:
    root = resources.files(package)
    text = root.joinpath(name).read_text(encoding="utf-8")
    twin = root.joinpath(yamlload.twin_name(name)).read_text(encoding="utf-8")
    assert twin == yamlload.compile_twin(text), f"stale twin of {name}: run python scripts/compile_data.py"
    assert yamlload.packaged(package, name) == yamlload.safe_load(text)


def test_stale_twin_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "x.yaml").write_text("a: 1\n")
    (tmp_path / "x.json").write_text('{"source_sha256": "0" , "data": {"a": 2}}')
    monkeypatch.setattr(yamlload.resources, "files", lambda _pkg: tmp_path)
    assert yamlload.packaged("p", "x.yaml") == {"a": 1}
    (tmp_path / "x.json").write_text(yamlload.compile_twin("a: 3\n"))  # a twin of other YAML text
    assert yamlload.packaged("p", "x.yaml") == {"a": 1}
