"""Config hash baseline on the shared fixture homes and on a state dir written by the real OpenClaw."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

from clawfence.integrity import actionlog as auditlog
from clawfence.integrity import baseline
from clawfence.integrity.watch import watch


def _home(fixture_homes: Path, tmp_path: Path, name: str = "insecure") -> Path:
    dest = tmp_path / name
    shutil.copytree(fixture_homes / f"home-{name}" / ".openclaw", dest, symlinks=True)
    return dest


def test_create_verify_clean_then_drift(fixture_homes: Path, tmp_path: Path) -> None:
    sd = _home(fixture_homes, tmp_path)
    bp = baseline.create(sd, tmp_path / "b.json", openclaw_home=tmp_path / "nohome")
    assert oct(bp.stat().st_mode & 0o777) == "0o600"
    doc = json.loads(bp.read_text())
    assert "openclaw.json" in doc["files"] and any(p.startswith("credentials/") for p in doc["files"])
    clean = baseline.compare(sd, bp, openclaw_home=tmp_path / "nohome")
    assert clean.signature_ok is True and not clean.drifted
    # tamper: change one config value, add a skill, chmod a credential, delete .env
    cfg = json.loads((sd / "openclaw.json").read_text())
    cfg.setdefault("gateway", {})["port"] = 23456
    (sd / "openclaw.json").write_text(json.dumps(cfg))
    (sd / "workspace" / "skills" / "evil").mkdir(parents=True)
    (sd / "workspace" / "skills" / "evil" / "SKILL.md").write_text("---\nname: evil\n---\n")
    cred = next(p for p in sorted((sd / "credentials").rglob("*")) if p.is_file())
    os.chmod(cred, 0o606)
    (sd / ".env").unlink()
    d = baseline.compare(sd, bp, openclaw_home=tmp_path / "nohome")
    assert d.changed == ["openclaw.json"]
    assert d.changed_keys == ["gateway.port"]
    assert d.added == ["workspace/skills/evil/SKILL.md"] and d.removed == [".env"]
    assert any(cred.name in m and "mode" in m for m in d.mode_changed)
    text = baseline.describe(d)
    assert "23456" not in text  # values are never shown


def test_tampered_baseline_signature(fixture_homes: Path, tmp_path: Path) -> None:
    sd = _home(fixture_homes, tmp_path, "hardened")
    bp = baseline.create(sd, tmp_path / "b.json")
    doc = json.loads(bp.read_text())
    doc["files"]["openclaw.json"]["sha256"] = "0" * 64
    bp.write_text(json.dumps(doc))
    assert baseline.compare(sd, bp).signature_ok is False
    assert baseline.drift_facts(sd, tmp_path / "missing.json").baseline is None
    bp.write_text("not json")
    assert baseline.drift_facts(sd, bp).error


def test_watch_reports_drift_to_log(fixture_homes: Path, tmp_path: Path) -> None:
    sd = _home(fixture_homes, tmp_path, "hardened")
    bp = baseline.create(sd, tmp_path / "b.json")
    log = tmp_path / "actions.jsonl"
    ready = threading.Event()
    seen: list[object] = []
    t = threading.Thread(target=lambda: seen.append(watch(sd, bp, log, duration=6, debounce=0.2, ready=ready,
                                                          on_drift=lambda d: seen.append(d))))
    t.start()
    assert ready.wait(5)
    time.sleep(0.8)
    with open(sd / "openclaw.json", "a") as fh:
        fh.write("\n")
    t.join(15)
    recs = [json.loads(x) for x in log.read_text().splitlines()]
    assert recs and recs[0]["type"] == "baseline.drift" and recs[0]["data"]["changed"] == ["openclaw.json"]
    assert auditlog.verify(log, require_head=True).ok
