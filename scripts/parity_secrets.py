#!/usr/bin/env python3
"""``openclaw secrets audit`` beside clawfence: every native secrets finding should have a clawfence finding
(fail or warn) at the same file and key.

Usage: python scripts/parity_secrets.py [--json OUT] [--keep DIR]

Installations: ``planted`` and ``migrated`` (the same after the real ``openclaw doctor --fix`` moved the
auth files into its SQLite store), both written here ( a plaintext secret in every surface native scans -- openclaw.json
targets, the state ``.env``, an agent's auth-profile store with api_key, token and OAuth entries, its generated
``models.json`` with an apiKey and a sensitive header --, an unresolvable SecretRef, a config ref shadowed by an
auth-profile credential, a retired ``auth.json``), and the shared fixture homes ``insecure`` and ``hardened``
(materialised by ``../shared/fixtures/set-modes.sh``; keys the 2026.9.6 schema rejects are stripped first).
Native runs isolated (``realclaw_env``); needs root + unshare + the real CLI.

Finding kinds (OpenClaw 2026.9.6 ``dist/audit-*.mjs``, ``src/secrets/audit.ts``; ``docs/cli/secrets.md``):
``PLAINTEXT_FOUND`` (config targets, ``.env`` known secret names, auth-profile api_key/token, models.json
apiKey and sensitive headers), ``REF_UNRESOLVED`` (a SecretRef that does not resolve, invalid models.json,
invalid config), ``PLACEHOLDER_VALUE`` (a ref resolving to a redaction placeholder), ``REF_SHADOWED`` (an
auth-profile credential takes precedence over a config ref), ``STORE_PLAINTEXT_RESIDUE`` (a team secret store
value duplicated in plaintext in openclaw.json), ``LEGACY_RESIDUE`` (OAuth entries, retired auth sources and
their archives).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import realclaw_env as rc

KINDS = ("PLAINTEXT_FOUND", "REF_UNRESOLVED", "PLACEHOLDER_VALUE", "REF_SHADOWED", "STORE_PLAINTEXT_RESIDUE",
         "LEGACY_RESIDUE")
#: clawfence env for the planted install: the value the shadowed ref resolves to
PLANT_ENV = {"ANTHROPIC_API_KEY": "sk-ant-FAKE-env-value-000000000000000000000000",
             "PASTED_KEY": "__OPENCLAW_REDACTED__"}
#: the telegram token planted in openclaw.json, also put into the team secret store by :func:`migrate`
TG_TOKEN = "123456789:AAFAKEtelegramTOKENvalue0000000000000"


def plant(workdir: Path) -> Path:
    """Write the planted installation into ``workdir`` (state dir ``workdir/state``). Returns the state dir."""
    state = workdir / "state"
    agent = state / "agents" / "main" / "agent"
    agent.mkdir(parents=True)
    for d in ("home", "tmp", "ws"):
        (workdir / d).mkdir(exist_ok=True)
    cfg = {
        "gateway": {"mode": "local", "bind": "loopback",
                    "auth": {"mode": "token", "token": "9b1e7c3a5d2f8e6c4a0b7d9e1f3c5a7bFAKE"}},
        "agents": {"defaults": {"workspace": str(workdir / "ws")}},
        "channels": {"telegram": {"enabled": True, "botToken": TG_TOKEN,
                                  "dmPolicy": "pairing"}},
        "models": {"providers": {
            "acme": {"baseUrl": "https://llm.acme.invalid/v1", "api": "openai-completions",
                     "apiKey": "sk-FAKE-acme-plaintext-key-0000000000000000",
                     "headers": {"X-Api-Key": "FAKE-header-secret-0000000000000", "X-Trace": "on"}, "models": []},
            "vault": {"baseUrl": "https://llm.vault.invalid/v1", "api": "openai-completions",
                      "apiKey": {"source": "env", "provider": "default", "id": "VAULT_KEY_NOT_SET"}, "models": []},
            "anthropic": {"baseUrl": "https://api.anthropic.com", "api": "anthropic-messages",
                          "apiKey": {"source": "env", "provider": "default", "id": "ANTHROPIC_API_KEY"},
                          "models": []},
            "pasted": {"baseUrl": "https://llm.pasted.invalid/v1", "api": "openai-completions",
                       "apiKey": {"source": "env", "provider": "default", "id": "PASTED_KEY"}, "models": []},
        }},
    }
    (state / "openclaw.json").write_text(json.dumps(cfg, indent=2), encoding="utf-8")
    (state / ".env").write_text("OPENAI_API_KEY=sk-FAKE-openai-dotenv-000000000000000000\nTZ=UTC\n", encoding="utf-8")
    (agent / "auth-profiles.json").write_text(json.dumps({"version": 1, "profiles": {
        "anthropic:default": {"type": "api_key", "provider": "anthropic",
                              "key": "sk-ant-FAKE-profile-key-00000000000000000000"},
        "github-copilot:default": {"type": "token", "provider": "github-copilot",
                                   "token": "ghu_FAKEcopilotTOKEN000000000000000000"},
        "openai-codex:me": {"type": "oauth", "provider": "openai-codex", "access": "FAKE-access-token-000000",
                            "refresh": "FAKE-refresh-token-00000", "expires": 1}}}, indent=2), encoding="utf-8")
    (agent / "models.json").write_text(json.dumps({"providers": {"acme": {
        "baseUrl": "https://llm.acme.invalid/v1", "apiKey": "sk-FAKE-acme-generated-00000000000000",
        "headers": {"Authorization": "Bearer FAKE-generated-bearer-000000", "X-Trace": "on"}}}}, indent=2),
        encoding="utf-8")
    (agent / "auth.json").write_text(json.dumps({"anthropic": {"type": "api_key",
                                                               "key": "sk-ant-FAKE-legacy-000000000000"}}),
                                     encoding="utf-8")
    for p in [state, *state.rglob("*")]:
        os.chmod(p, 0o700 if p.is_dir() else 0o600)
    return state


def migrate(workdir: Path) -> None:
    """``openclaw doctor --fix --non-interactive`` (isolated): the real CLI moves the retired auth files into its
    SQLite store (``state/openclaw.sqlite``) and leaves ``*.migrated-*`` archives, the 2026.9.6 layout; then the
    planted Telegram token also goes into the team secret store (native ``STORE_PLAINTEXT_RESIDUE``)."""
    r = rc.openclaw(workdir, "doctor", "--fix", "--non-interactive", timeout=300)
    if r.returncode != 0:
        raise rc.RealclawError(f"doctor --fix failed (rc {r.returncode}): {r.stderr[-400:]}")
    vf = workdir / "tmp" / "tg-token.txt"
    vf.write_text(TG_TOKEN, encoding="utf-8")
    vf.chmod(0o600)
    r = rc.openclaw(workdir, "secrets", "store", "set", "TELEGRAM_BOT_TOKEN", "--kind", "secret", "--value-file",
                    str(vf.resolve()))
    vf.unlink()
    if r.returncode != 0:
        raise rc.RealclawError(f"secrets store set failed (rc {r.returncode}): {r.stderr[-400:]}")


def fixture_home(name: str, workdir: Path) -> Path:
    """``../shared/fixtures/homes/<name>/.openclaw`` materialised (modes) as ``workdir/state``, with the keys the
    real 2026.9.6 rejects stripped. Returns the state dir."""
    dest = workdir / "fx"
    subprocess.run(["bash", str(rc.SHARED / "fixtures" / "set-modes.sh"), str(dest)], check=True,
                   capture_output=True)
    shutil.copytree(dest / f"home-{name}" / ".openclaw", workdir / "state", symlinks=True)
    shutil.rmtree(dest)
    for d in ("home", "tmp", "ws"):
        (workdir / d).mkdir(exist_ok=True)
    rc.strip_rejected(workdir)
    return workdir / "state"


def native_secrets(workdir: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``openclaw secrets audit --json`` on the installation in ``workdir``."""
    r = rc.openclaw(workdir, "secrets", "audit", "--json", env=env, timeout=240)
    try:
        doc: dict[str, Any] = json.loads(r.stdout[r.stdout.index("{"):])
    except ValueError as exc:
        raise rc.RealclawError(f"secrets audit printed no JSON (rc {r.returncode}): {r.stderr[-400:]}") from exc
    return doc


def _same_file(a: str, b: str | None) -> bool:
    if not b:
        return False
    if os.sep not in a:  # REF_SHADOWED names the config by its bare file name
        return os.path.basename(b) == a
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except OSError:
        return a == b


def _key_matches(native_path: str, key: str | None) -> bool:
    """Native ``jsonPath`` vs a clawfence location key: equal; ``$env.X`` vs ``X``; a native ``<root>`` or a
    container path (``profiles.<id>``) vs any key inside it."""
    if native_path in ("<root>", ""):
        return True
    if key is None:
        return False
    np = native_path.removeprefix("$env.")
    return key == np or key.startswith(np + ".") or np.startswith(key + ".") or key.endswith("." + np)


def match(native: Mapping[str, Any], ours: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per native finding: its code/file/jsonPath and the clawfence checks (fail/warn) at the same file
    and key (``by``; empty = not covered)."""
    rows = []
    found = [f for f in ours.get("findings") or [] if f.get("status") in ("fail", "warn")]
    for nf in native.get("findings") or []:
        by = sorted({str(f["id"]) for f in found
                     if _same_file(str(nf.get("file")), (f.get("location") or {}).get("path"))
                     and _key_matches(str(nf.get("jsonPath", "")), (f.get("location") or {}).get("key"))})
        rows.append({"code": nf.get("code"), "file": nf.get("file"), "jsonPath": nf.get("jsonPath"), "by": by})
    return rows


INSTALLS = ("planted", "migrated", "insecure", "hardened")


def run_all(root: Path, names: tuple[str, ...] = INSTALLS) -> dict[str, list[dict[str, Any]]]:
    """Build the named installations under ``root``, run both tools, return ``{install: rows}``."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        w = root / name
        w.mkdir(parents=True)
        env = dict(PLANT_ENV) if name in ("planted", "migrated") else {}
        if name in ("planted", "migrated"):
            state = plant(w)
            if name == "migrated":
                migrate(w)
        else:
            state = fixture_home(name, w)
        nat = native_secrets(w, env)
        ours = rc.clawfence_audit(state, "--no-host", env={**env, "HOME": str(w / "home")})
        out[name] = match(nat, ours)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", dest="out")
    ap.add_argument("--keep", type=Path)
    a = ap.parse_args(argv)
    why = rc.available()
    if why:
        print(f"parity_secrets: {why}", file=sys.stderr)
        return 2
    root = a.keep or Path(tempfile.mkdtemp(prefix="cf-secrets-", dir="/tmp"))
    try:
        res = run_all(root)
    finally:
        if a.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    total = covered = 0
    for name, rows in res.items():
        for r in rows:
            total += 1
            covered += bool(r["by"])
            print(f"{name:<9} {r['code']:<24} {Path(str(r['file'])).name:<20} {r['jsonPath']:<44} "
                  f"{', '.join(r['by']) or 'NOT COVERED'}")
    kinds = sorted({r["code"] for rows in res.values() for r in rows})
    print(f"parity_secrets: native findings covered {covered}/{total}; kinds seen: {', '.join(kinds)}")
    if a.out:
        Path(a.out).write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
