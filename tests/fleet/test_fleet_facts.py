"""Fleet fingerprints in the facts (``audit --save-facts`` with a fleet salt): comparable across hosts only under
the same salt, resolved like the gateway resolves its token, and never the token itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clawfence.audit.facts.fleet import (
    FleetSaltError,
    collect_fleet,
    fingerprint,
    parse_dotenv,
    salt_from,
    salt_id,
)

SALT = b"fleet-salt-0123456789abcdef"
TOKEN = "0f8e7d6c5b4a39281706f5e4d3c2b1a0aa"


def test_same_token_same_fingerprint_only_under_same_salt(tmp_path: Path) -> None:
    raw = {"gateway": {"auth": {"mode": "token", "token": TOKEN}}}
    a = collect_fleet(raw, tmp_path, {}, SALT)
    b = collect_fleet(raw, tmp_path, {}, SALT)
    c = collect_fleet(raw, tmp_path, {}, b"another-salt-0123456789")
    assert a.credentials[0].fingerprint == b.credentials[0].fingerprint
    assert a.credentials[0].fingerprint != c.credentials[0].fingerprint
    assert a.salt_id == b.salt_id != c.salt_id
    other = collect_fleet({"gateway": {"auth": {"token": TOKEN + "x"}}}, tmp_path, {}, SALT)
    assert other.credentials[0].fingerprint != a.credentials[0].fingerprint
    dump = a.model_dump_json()
    assert TOKEN not in dump and TOKEN[:8] not in dump
    assert a.credentials[0].redacted == f"{TOKEN[:4]}…({len(TOKEN)} chars)"


def test_resolution_follows_openclaw_precedence(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"export OPENCLAW_GATEWAY_TOKEN='{TOKEN}'\n# comment\nOTHER=1\n")
    ref = {"gateway": {"auth": {"token": "${OPENCLAW_GATEWAY_TOKEN}"}}}
    from_dotenv = collect_fleet(ref, tmp_path, {}, SALT)
    assert from_dotenv.credentials[0].source.endswith(".env:OPENCLAW_GATEWAY_TOKEN")
    assert from_dotenv.credentials[0].fingerprint == fingerprint(SALT, TOKEN)
    # process env beats the state dir's .env
    from_env = collect_fleet(ref, tmp_path, {"OPENCLAW_GATEWAY_TOKEN": "zz" * 20}, SALT)
    assert from_env.credentials[0].source == "env:OPENCLAW_GATEWAY_TOKEN"
    assert from_env.credentials[0].fingerprint == fingerprint(SALT, "zz" * 20)
    # no token in the config at all: the env fallback is what the gateway uses
    fallback = collect_fleet({"gateway": {"auth": {"mode": "token"}}}, tmp_path, {}, SALT)
    assert fallback.credentials[0].fingerprint == fingerprint(SALT, TOKEN)
    # config literal first (server precedence), even with the variable set
    literal = collect_fleet({"gateway": {"auth": {"token": "lit" * 10}}}, tmp_path, {}, SALT)
    assert literal.credentials[0].source == "config"


def test_unresolvable_is_reported_not_dropped(tmp_path: Path) -> None:
    raw = {"gateway": {"auth": {"token": {"source": "exec", "provider": "vault", "id": "gw"},
                                "password": "${NOPE_UNSET}"}}}
    f = collect_fleet(raw, tmp_path, {}, SALT)
    assert f.credentials == []
    assert any("SecretRef" in u for u in f.unresolved) and any("NOPE_UNSET" in u for u in f.unresolved)


def test_salt_sources_and_refusals(tmp_path: Path) -> None:
    assert salt_from({}) is None
    assert salt_from({"CLAWFENCE_FLEET_SALT": "x" * 16}) == b"x" * 16
    with pytest.raises(FleetSaltError, match="shorter"):
        salt_from({"CLAWFENCE_FLEET_SALT": "short"})
    f = tmp_path / "salt"
    f.write_text("y" * 32 + "\n")
    assert salt_from({"CLAWFENCE_FLEET_SALT": "x" * 16}, f) == b"y" * 32  # the file wins
    with pytest.raises(FleetSaltError, match="cannot read"):
        salt_from({}, tmp_path / "missing")
    assert salt_id(b"a" * 16) != salt_id(b"b" * 16)


def test_parse_dotenv_quotes_and_comments() -> None:
    d = parse_dotenv('A="x y"\nB=plain # note\n  export C=3\nnot a line\n#D=4\n')
    assert d == {"A": "x y", "B": "plain", "C": "3"}


def _audit(home: Path, out: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if k != "CLAWFENCE_FLEET_SALT"}
    e.update(env, HOME=str(home))
    return subprocess.run([sys.executable, "-m", "clawfence", "audit", "--no-host", "--fail-on", "none",
                           "--save-facts", str(out), "-f", "json", "-o", os.devnull],
                          capture_output=True, text=True, env=e, timeout=120)


def test_cli_writes_fleet_facts_only_with_a_salt(fixture_homes: Path, tmp_path: Path) -> None:
    home = fixture_homes / "home-insecure"
    p = _audit(home, tmp_path / "a.json", {"CLAWFENCE_FLEET_SALT": SALT.decode()})
    assert p.returncode == 0, p.stderr
    fleet = json.loads((tmp_path / "a.json").read_text())["fleet"]
    assert fleet["salt_id"] == salt_id(SALT) and fleet["credentials"][0]["key"] == "gateway.auth.token"
    p = _audit(home, tmp_path / "b.json", {})
    assert p.returncode == 0, p.stderr
    assert json.loads((tmp_path / "b.json").read_text())["fleet"] is None
    p = _audit(home, tmp_path / "c.json", {"CLAWFENCE_FLEET_SALT": "short"})
    assert p.returncode == 2 and "shorter than 16" in p.stderr and "Traceback" not in p.stderr
