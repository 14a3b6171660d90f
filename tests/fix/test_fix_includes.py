"""``clawfence fix`` edits the file where a key lives, including ``$include`` files (issue 12 item 6), through
the CLI; each file is backed up and rolled back; the re-audit shows the findings gone; bad input is one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import json5
import pytest

CLI = [sys.executable, "-c", "from clawfence.cli import main; main()"]
TOKEN = "9f3a77c1d2e4b6a8c0e2f4a6b8d0c2e4f6a8b0c2"
BOT = "123456789:AAFAKE-audit-test-token-not-real-000000"
MAIN = """// main config: keeps its comment
{
  gateway: { $include: "./gateway.json5" },
  channels: { $include: "./channels.json5" },
}
"""
GATEWAY = """{
  mode: "local",
  bind: "loopback",
  auth: { mode: "token", token: "TOKEN" }, // plaintext, lives in the include
}
""".replace("TOKEN", TOKEN)
CHANNELS = """{
  telegram: { botToken: "BOT", dmPolicy: "open", allowFrom: ["*"] },
}
""".replace("BOT", BOT)


@pytest.fixture
def st(tmp_path: Path) -> Path:
    s = tmp_path / "state"
    s.mkdir(mode=0o700)
    (s / "openclaw.json").write_text(MAIN)
    (s / "gateway.json5").write_text(GATEWAY)
    (s / "channels.json5").write_text(CHANNELS)
    for p in s.iterdir():
        os.chmod(p, 0o600)
    return s


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ, CLAWFENCE_HOME=str(tmp / "cf"), HOME=str(tmp / "user"))
    env.pop("OPENCLAW_STATE_DIR", None)
    return env


def _run(tmp: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=_env(tmp), timeout=120, cwd=cwd)


def _audit_ids(tmp: Path, st: Path) -> set[str]:
    r = _run(tmp, "audit", "--state-dir", str(st), "--format", "json", "--openclaw-version", "2026.9.6")
    doc = json.loads(r.stdout)
    return {f["id"] for f in doc["findings"] if f["status"] in ("fail", "warn")}


def test_fix_edits_included_files_and_the_reaudit_is_clean(st: Path, tmp_path: Path) -> None:
    before = _audit_ids(tmp_path, st)
    assert {"AU001", "CH001"} <= before or "AU001" in before, before
    r = _run(tmp_path, "fix", "--state-dir", str(st), "--apply", "--unsafe", "--openclaw-version", "2026.9.6")
    assert r.returncode in (0, 1), r.stderr
    gw, ch = (st / "gateway.json5").read_text(), (st / "channels.json5").read_text()
    assert TOKEN not in gw and BOT not in ch  # plaintext tokens moved out of the included files
    assert "${" in gw and "${" in ch
    chans = json5.loads(ch)
    assert "*" not in chans["telegram"].get("allowFrom", []) and chans["telegram"]["dmPolicy"] == "pairing"
    main = (st / "openclaw.json").read_text()
    assert "keeps its comment" in main and TOKEN not in main and "allowFrom" not in main
    env = (st / ".env").read_text()
    assert TOKEN in env and BOT in env and (st / ".env").stat().st_mode & 0o777 == 0o600
    after = _audit_ids(tmp_path, st)
    assert "AU001" not in after, after
    assert not any(i for i in after if i in before and i in {"CH001", "CH002"}), (before, after)


def test_rollback_restores_every_file_from_any_cwd(st: Path, tmp_path: Path) -> None:
    orig = {p.name: p.read_bytes() for p in st.iterdir()}
    rel = os.path.relpath(st, tmp_path)
    r = _run(tmp_path, "fix", "--state-dir", rel, "--apply", "--unsafe", "--openclaw-version", "2026.9.6",
             cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    assert (st / "gateway.json5").read_bytes() != orig["gateway.json5"]
    man = json.loads(next((tmp_path / "cf" / "backups").glob("*/manifest.json")).read_text())
    paths = [e["path"] for e in man["entries"]]
    assert all(os.path.isabs(p) for p in paths)
    assert {str(st / "gateway.json5"), str(st / "channels.json5")} <= set(paths)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = _run(tmp_path, "fix", "--rollback", cwd=elsewhere)
    assert r.returncode == 0, r.stdout + r.stderr
    now = {p.name: p.read_bytes() for p in st.iterdir()}
    assert {k: now[k] for k in orig} == orig and ".env" not in now


def test_unsafe_does_not_silently_overwrite_another_env_value(st: Path, tmp_path: Path) -> None:
    (st / ".env").write_text("OPENCLAW_GATEWAY_TOKEN=a-different-value-already-in-use\n")
    os.chmod(st / ".env", 0o600)
    r = _run(tmp_path, "fix", "--state-dir", str(st), "--apply", "--unsafe", "--openclaw-version", "2026.9.6")
    assert r.returncode == 1
    out = r.stdout + r.stderr
    assert "OPENCLAW_GATEWAY_TOKEN" in out and "already set" in out and "skipped" in out
    assert "a-different-value-already-in-use" in (st / ".env").read_text()  # kept
    assert TOKEN in (st / "gateway.json5").read_text()  # and the config literal kept too (not lost)
    assert BOT not in (st / "channels.json5").read_text()  # the other secret was still moved
    assert "a-different-value-already-in-use" not in out and TOKEN not in out


@pytest.mark.parametrize("content", ["[" * 10000 + "]" * 10000, '{"a":' * 10000, "\x00\x01garbage"])
def test_deep_or_garbage_config_is_one_line_exit_2(st: Path, tmp_path: Path, content: str) -> None:
    (st / "openclaw.json").write_text(content)
    r = _run(tmp_path, "fix", "--state-dir", str(st), "--apply", "--openclaw-version", "2026.9.6")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr, r.stderr


def test_key_files_follow_openclaw_merge_order(tmp_path: Path) -> None:
    """Own keys beat includes, later includes beat earlier ones; an unset finds every file providing the key."""
    from clawfence.audit.fix.apply import key_files
    (tmp_path / "a.json5").write_text('{ channels: { telegram: { allowFrom: ["*"] } } }')
    (tmp_path / "b.json5").write_text('{ channels: { telegram: { allowFrom: ["*", "123"] } }, x: 1 }')
    main = {"$include": ["./a.json5", "./b.json5"], "gateway": {"bind": "lan"}}
    m = tmp_path / "openclaw.json"
    hits = key_files(main, tmp_path, m, ["channels", "telegram", "allowFrom"], {})
    assert hits == [(tmp_path / "b.json5", "channels.telegram.allowFrom"),
                    (tmp_path / "a.json5", "channels.telegram.allowFrom")]
    assert key_files(main, tmp_path, m, ["gateway", "bind"], {}) == [(m, "gateway.bind")]
    assert key_files(main, tmp_path, m, ["gateway", "port"], {}) == []
    nested = {"channels": {"$include": "./c.json5"}}
    (tmp_path / "c.json5").write_text('{ telegram: { botToken: "x" } }')
    assert key_files(nested, tmp_path, m, ["channels", "telegram", "botToken"], {}) == [
        (tmp_path / "c.json5", "telegram.botToken")]
