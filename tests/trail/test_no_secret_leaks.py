"""Plant every secret kind in an installation's transcripts, logs, config and action log; no output of
``clawfence trail`` (text, json, html) or ``clawfence trail export`` (ocsf, cef, syslog, jsonl) may contain any of
them in clear (guide E7.2: keys not left in logs). Values are built at run time so none sits in the repo whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# One value per detector the trail relies on: provider formats, HTTP credentials, private data, and secrets that
# only the installation's own config makes secret (the gateway token and a .env value with no known format).
GATEWAY_TOKEN = "9f" + "3c1e7a" * 7  # 44 hex chars, no provider prefix
DOTENV_VALUE = "Zq" + "x8Lm2Pw" * 4
PLANTED: dict[str, str] = {
    "anthropic": "sk-ant-api03-" + "Q" * 40,
    "openai": "sk-proj-" + "a1B2" * 10,
    "openrouter": "sk-or-v1-" + "ab12" * 10,
    "aws": "AKIA" + "ABCDEFGH12345678",
    "github": "ghp_" + "A1b2C3d4" * 5,
    "gitlab": "glpat-" + "x" * 24,
    "slack": "xoxb-" + "1234567890-abcdefghij",
    "telegram": "123456789:AA" + "H" * 33,
    "google": "AIza" + "S" * 35,
    "stripe": "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc",
    "huggingface": "hf_" + "abcdEFGH" * 4,
    "jwt": "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "bearer": "f00dfeed" + "0123456789abcdef" * 2,
    "basic": "YWxpY2U6czNjcmV0LXBhc3N3b3Jk",  # alice:s3cret-password
    "url-password": "P4ss" + "w0rd-in-url",
    "x-api-key": "k3y" + "0123456789abcdef",
    "pem-body": "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB" + "QUJD" * 8,
    "card": "4111 1111 1111 1111",
    "mnemonic": "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    "prc-id": "11010519491231002X",
    "gateway-token": GATEWAY_TOKEN,
    "dotenv": DOTENV_VALUE,
}


def _commands() -> list[str]:
    p = PLANTED
    pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + p["pem-body"] + "\n-----END OPENSSH PRIVATE KEY-----"
    return [
        f'curl -H "Authorization: Bearer {p["bearer"]}" http://127.0.0.1:18789/tools/invoke',
        f'curl -H "Authorization: Bearer {p["gateway-token"]}" http://127.0.0.1:18789/v1/chat',
        f'curl -H "Authorization: Basic {p["basic"]}" https://api.example.com/x',
        f'git clone https://alice:{p["url-password"]}@git.example.com/r.git',
        f'curl -H "x-api-key: {p["x-api-key"]}" https://api.example.com/y',
        f"echo {p['anthropic']} {p['openai']} {p['openrouter']} {p['aws']} {p['github']}",
        f"echo {p['gitlab']} {p['slack']} {p['telegram']} {p['google']} {p['stripe']} {p['huggingface']}",
        f"echo {p['jwt']}",
        f"printf '%s' '{pem}' > /tmp/k",
        f"echo card {p['card']} words {p['mnemonic']} id {p['prc-id']}",
        f"export X={p['dotenv']}",
    ]


def _install(tmp: Path) -> Path:
    sd = tmp / "state"
    sess = sd / "agents" / "main" / "sessions"
    sess.mkdir(parents=True)
    (sd / "openclaw.json").write_text(json.dumps({"gateway": {"bind": "loopback", "auth": {
        "mode": "token", "token": GATEWAY_TOKEN}}}), encoding="utf-8")
    (sd / ".env").write_text(f"MY_SERVICE_KEY={DOTENV_VALUE}\n", encoding="utf-8")
    recs: list[dict[str, object]] = [{"type": "session", "version": 4, "id": "s1", "timestamp": "2026-11-21T10:00:00Z",
                                      "cwd": "/w"}]
    for i, cmd in enumerate(_commands()):
        t = i + 1
        recs.append({"type": "message", "id": f"a{i}", "timestamp": f"2026-11-21T10:00:{t:02d}Z", "message": {
            "role": "assistant", "content": [{"type": "text", "text": f"running {cmd}"},
                                             {"type": "toolCall", "id": f"c{i}", "name": "exec",
                                              "arguments": {"command": cmd}}]}})
        recs.append({"type": "message", "id": f"r{i}", "timestamp": f"2026-11-21T10:00:{t:02d}Z", "message": {
            "role": "toolResult", "toolCallId": f"c{i}", "toolName": "exec",
            "content": [{"type": "text", "text": f"output of {cmd}"}]}})
    recs.append({"type": "message", "id": "u", "timestamp": "2026-11-21T10:01:00Z",
                 "message": {"role": "user", "content": "my token is " + GATEWAY_TOKEN}})
    (sess / "s1.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    (sess / "sessions.json").write_text(json.dumps({"agent:main:main": {"sessionId": "s1"}}), encoding="utf-8")
    logs = tmp / "logs"
    logs.mkdir()
    (logs / "openclaw-2026-11-21.log").write_text("".join(
        json.dumps({"0": f"exec: {c}", "_meta": {"date": "2026-11-21T10:00:30Z", "logLevelName": "INFO"}}) + "\n"
        for c in _commands()), encoding="utf-8")
    return sd


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CLAWFENCE_HOME=str(home), PYTHONPATH=str(ROOT / "src"))
    return subprocess.run([sys.executable, "-m", "clawfence", *args], capture_output=True, text=True, env=env,
                          timeout=180)


def _leaks(text: str) -> list[str]:
    return [k for k, v in PLANTED.items() if v in text]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("leaks")
    sd = _install(tmp)
    home = tmp / "cfhome"
    log = tmp / "actions.jsonl"
    for cmd in _commands():
        r = _run("log", "append", str(log), "--type", "guard.decision",
                 "--data", json.dumps({"decision": "deny", "tool": "exec", "command": cmd}), home=home)
        assert r.returncode == 0, r.stderr
    return sd, home, log


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_trail_outputs_hold_no_secret(planted: tuple[Path, Path, Path], fmt: str) -> None:
    sd, home, _ = planted
    r = _run("trail", "--state-dir", str(sd), "--logs", str(sd.parent / "logs"), "--format", fmt, home=home)
    assert r.returncode == 0, r.stderr
    assert "exec" in r.stdout  # the calls are there...
    assert _leaks(r.stdout + r.stderr) == []  # ...their secrets are not


@pytest.mark.parametrize("fmt", ["ocsf", "cef", "syslog", "jsonl"])
def test_export_formats_hold_no_secret(planted: tuple[Path, Path, Path], fmt: str) -> None:
    sd, home, log = planted
    r = _run("trail", "--state-dir", str(sd), "--logs", str(sd.parent / "logs"), "export", "--format", fmt,
             "--what", "findings,decisions,events", "--action-log", str(log), home=home)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) > 20
    assert _leaks(r.stdout + r.stderr) == []


def test_redaction_is_readable_and_idempotent() -> None:
    from clawfence.core.redact import redact_assignments
    from clawfence.trail.scrub import scrub
    once = scrub('curl -H "Authorization: Bearer ' + PLANTED["bearer"] + '" token=' + PLANTED["dotenv"])
    assert "Bearer f00d…(40 chars)" in once and "chars) chars)" not in once
    assert scrub(once) == once and redact_assignments(once) == once
