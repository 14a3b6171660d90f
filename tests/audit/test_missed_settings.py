"""Settings the first audit missed (issue: audit v2): each found through a real collection of an installation,
located at the exact key or file. Fail/pass fixtures for each check are in tests/fixtures/checks/<ID>/."""

from __future__ import annotations

import json
from pathlib import Path

from clawfence.audit.collect import collect
from clawfence.audit.facts import locate
from clawfence.audit.run import audit


def _report(sd: Path) -> list[tuple[str, str, str | None, str | None]]:
    rep = audit(collect(locate(str(sd)), env={}, version_override="2026.9.6", with_host=False))
    return [(f.id, f.status.value, f.location.path if f.location else None, f.location.key if f.location else None)
            for f in rep.findings if f.is_problem]


def test_models_json_secret_and_installed_plugin_found(tmp_path: Path) -> None:
    sd = tmp_path / ".openclaw"
    (sd / "agents" / "main" / "agent").mkdir(parents=True)
    (sd / "extensions" / "voice-helper").mkdir(parents=True)
    (sd / "openclaw.json").write_text(json.dumps({"gateway": {"bind": "loopback"}}))
    key = "sk-proj-" + "Ab3d" * 12
    (sd / "agents" / "main" / "agent" / "models.json").write_text(json.dumps(
        {"providers": {"corp": {"baseUrl": "https://llm.corp.example/v1", "apiKey": key, "models": []}}}))
    found = _report(sd)
    models = str(sd / "agents" / "main" / "agent" / "models.json")
    assert ("AU002", "fail", models, "providers.corp.apiKey") in found, found
    assert any(f[0] == "TL009" and f[1] == "fail" for f in found)
    assert key not in json.dumps(found)


def test_settings_located_at_their_keys(tmp_path: Path) -> None:
    sd = tmp_path / ".openclaw"
    sd.mkdir()
    (sd / "openclaw.json").write_text(json.dumps({
        "browser": {"enabled": True, "noSandbox": True},
        "tools": {"sessions": {"visibility": "all"}, "agentToAgent": {"allow": ["*"]}},
        "discovery": {"wideArea": {"domain": "oc.example.com"}},
        "skills": {"install": {"allowUploadedArchives": True}},
        "agents": {"entries": {"ops": {"tools": {"elevated": {"allowFrom": {"telegram": ["*"]}},
                                                 "fs": {"workspaceOnly": False}}}}},
    }, indent=2))
    keys = {(f[0], f[3]) for f in _report(sd) if f[1] in ("fail", "warn")}
    for want in [("SB009", "browser.noSandbox"), ("TL013", "tools.sessions.visibility"),
                 ("TL014", "tools.agentToAgent.allow"), ("GW017", "discovery.wideArea.domain"),
                 ("SK004", "skills.install.allowUploadedArchives"),
                 ("TL005", "agents.entries.ops.tools.elevated.allowFrom.telegram"),
                 ("TL006", "agents.entries.ops.tools.fs.workspaceOnly")]:
        assert want in keys, (want, sorted(keys))
