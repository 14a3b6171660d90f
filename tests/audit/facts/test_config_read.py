"""The config is read and parsed once; analysis and schema validation see the same include-resolved object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clawfence.audit.collect import collect
from clawfence.audit.facts import ConfigLoadError, locate


@pytest.mark.parametrize("text", ["", "  \n"])
def test_empty_config_is_an_error_not_defaults(tmp_path: Path, text: str) -> None:
    """OpenClaw 2026.9.6 refuses an empty openclaw.json (JSON5: invalid end of input), so the audit must not
    score it as a default installation."""
    (tmp_path / "openclaw.json").write_text(text)
    with pytest.raises(ConfigLoadError, match="empty file"):
        collect(locate(str(tmp_path)), env={}, version_override="2026.9.6", with_host=False)


def test_empty_object_is_audited_as_defaults(tmp_path: Path) -> None:
    (tmp_path / "openclaw.json").write_text("{}")
    facts = collect(locate(str(tmp_path)), env={}, version_override="2026.9.6", with_host=False)
    assert facts.config is not None and facts.config.exists and facts.config.data == {}
    assert facts.config.schema_version == "2026.9.6"


def test_include_seen_by_analysis_and_schema(tmp_path: Path) -> None:
    (tmp_path / "gw.json5").write_text('{ bindd: "lan" }')
    (tmp_path / "openclaw.json").write_text(json.dumps({"gateway": {"$include": "./gw.json5"}}))
    facts = collect(locate(str(tmp_path)), env={}, version_override="2026.9.6", with_host=False)
    assert facts.config is not None
    assert facts.config.get("gateway.bindd") == "lan"
    assert [i.path for i in facts.config.issues] == ["gateway.bindd"]
    assert facts.config.includes == [str((tmp_path / "gw.json5").resolve())]
