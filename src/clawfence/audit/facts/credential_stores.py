"""Facts for what ``openclaw secrets audit`` (2026.9.6) looks at beyond openclaw.json and ``.env``: the SQLite
auth-profile stores, retired credential files and their migration archives, config secret references that do
not resolve, and config refs an auth-profile credential shadows.

Source (read, not copied): OpenClaw 2026.9.6 ``dist/audit-*.mjs`` (``src/secrets/audit.ts``:
``collectAuthStoreSecrets``, ``collectLegacyAuthSourceFindings``, ``collectUnresolvedRefFindings``,
``collectShadowingFindings``), ``dist/sqlite-*.mjs`` (``resolveLegacyAuthProfileSourceCandidates``:
``auth-profiles.json``, ``auth-state.json``, ``auth.json`` per agent dir and ``credentials/oauth.json``;
``listLegacyAuthProfileArchives``: ``<name>.migrated-*`` and ``<name>.sqlite-import.*.bak``;
``readPersistedAuthProfileStoreRaw``: ``auth_profile_store.store_json`` of the agent database), and the layout
the real CLI wrote on migration: ``state/openclaw.sqlite`` table ``config_machine_state`` row
``authProfiles.store`` (shared store, ``{"version":1,"profiles":{...}}``).

Read-only and bounded: databases are opened ``mode=ro``; directory listings are limited to agent dirs.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from clawfence.audit.facts.config import ConfigFacts
from clawfence.audit.facts.files import StoredSecret, parse_auth_profiles

RETIRED_NAMES = ("auth-profiles.json", "auth-state.json", "auth.json")
_REF_RE = re.compile(r"^SecretRef\((\w+):(.+)\)$")


#: values OpenClaw treats as display markers, never credentials (``src/config/redact-sentinel.ts``); a ref
#: resolving to one is native ``PLACEHOLDER_VALUE``
REDACTED_VALUES = frozenset({"__OPENCLAW_REDACTED__", "REDACTED", "xoxb-REDACTED", "xapp-REDACTED", "***",
                             "[redacted]", "[REDACTED]", "<redacted>", "[REDACTED_PRIVATE_KEY]",
                             "[REDACTED CREDENTIAL]"})


class UnresolvedRef(BaseModel, frozen=True):
    """A config secret reference that does not resolve here: ``path`` (dotted config key), ``source``
    (``env`` for ``${VAR}`` and env SecretRefs), ``name`` (variable / ref id), ``placeholder`` (it resolves, but
    to a redaction marker such as ``__OPENCLAW_REDACTED__`` copied from a redacted display)."""

    path: str
    source: str
    name: str
    placeholder: bool = False


class CredentialStoreFacts(BaseModel, frozen=True):
    """``stores``: SQLite auth-profile stores read (path -> number of profiles). ``providers``: provider id ->
    credential kinds (``api_key``, ``token``, ``oauth``) held by those stores. ``retired``: retired credential files
    and migration archives that exist. ``unresolved``: config refs that resolve neither from the audit's
    environment nor from the state dir's / config dir's ``.env``. ``errors``: stores that could not be read."""

    stores: dict[str, int] = Field(default_factory=dict)
    providers: dict[str, list[str]] = Field(default_factory=dict)
    retired: list[str] = Field(default_factory=list)
    unresolved: list[UnresolvedRef] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)


def _query_json(db: Path, sql: str, arg: str) -> tuple[Any, str | None]:
    import sqlite3  # deferred: only installations with a database need it

    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            row = con.execute(sql, (arg,)).fetchone()
        finally:
            con.close()
    except sqlite3.OperationalError as exc:
        return None, None if "no such table" in str(exc) else f"{db}: {exc}"
    except sqlite3.Error as exc:
        return None, f"{db}: {exc}"
    if not row or not row[0]:
        return None, None
    try:
        return json.loads(row[0]), None
    except ValueError as exc:
        return None, f"{db}: store is not JSON ({exc})"


def agent_dirs(state_dir: Path) -> list[Path]:
    """``<stateDir>/agents/<id>/agent`` for every agent directory (sorted; symlinked agent dirs skipped).
    One directory scan, linear in the number of agents."""
    root = state_dir / "agents"
    out: list[Path] = []
    try:
        with os.scandir(root) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    out.append(Path(e.path) / "agent")
    except OSError:
        pass
    return sorted(out)


def _kinds(profiles: Any) -> Iterable[tuple[str, str]]:
    if not isinstance(profiles, dict):
        return
    for prof in profiles.values():
        if not isinstance(prof, dict) or not isinstance(prof.get("provider"), str):
            continue
        kind = str(prof.get("type") or prof.get("mode") or "")
        if kind == "oauth" and not (prof.get("access") or prof.get("refresh")):
            continue
        if kind in ("api_key", "token") and not (prof.get("key") or prof.get("token") or prof.get("keyRef")
                                                 or prof.get("tokenRef")):
            continue
        if kind in ("api_key", "token", "oauth"):
            yield prof["provider"].strip().lower(), kind


def sqlite_auth_stores(state_dir: Path, salt: bytes, agents: list[Path] | None = None,
                       ) -> tuple[list[StoredSecret], CredentialStoreFacts]:
    """Secrets of the shared store (``state/openclaw.sqlite``) and each agent store
    (``agents/<id>/agent/openclaw-agent.sqlite``), keyed ``profiles.<id>.<field>`` like native reports them.
    ``agents``: :func:`agent_dirs` when already listed."""
    stored: list[StoredSecret] = []
    stores: dict[str, int] = {}
    providers: dict[str, set[str]] = {}
    errors: list[str] = []
    cands: list[tuple[Path, str, str]] = [
        (state_dir / "state" / "openclaw.sqlite",
         "SELECT value_json FROM config_machine_state WHERE state_key = ?", "authProfiles.store")]
    cands += [(d / "openclaw-agent.sqlite", "SELECT store_json FROM auth_profile_store WHERE store_key = ?", "primary")
              for d in (agent_dirs(state_dir) if agents is None else agents)]
    for db, sql, arg in cands:
        if not db.is_file():
            continue
        doc, err = _query_json(db, sql, arg)
        if err:
            errors.append(err)
        if not isinstance(doc, dict):
            continue
        profiles = doc.get("profiles")
        stores[str(db)] = len(profiles) if isinstance(profiles, dict) else 0
        stored += parse_auth_profiles(doc, str(db), salt)
        for prov, kind in _kinds(profiles):
            providers.setdefault(prov, set()).add(kind)
    return stored, CredentialStoreFacts(stores=stores, providers={k: sorted(v) for k, v in sorted(providers.items())},
                                        errors=errors)


def retired_files(state_dir: Path, agents: list[Path] | None = None) -> list[str]:
    """Retired credential sources and their migration archives that exist (native ``LEGACY_RESIDUE``)."""
    out: list[str] = []
    dirs = agent_dirs(state_dir) if agents is None else agents
    places = [(d, RETIRED_NAMES) for d in dirs] + [(state_dir / "credentials", ("oauth.json",))]
    for d, names in places:
        try:
            entries = sorted(os.listdir(d))
        except OSError:
            continue
        for name in names:
            if name in entries:
                out.append(str(d / name))
            out += [str(d / e) for e in entries
                    if e.startswith(f"{name}.migrated-") or (e.startswith(f"{name}.sqlite-import.") and e.endswith(".bak"))]
    return out


def _dotenv_values(paths: Iterable[Path]) -> dict[str, str]:
    """Non-empty ``NAME=value`` assignments of the given dotenv files (first file wins), for resolution only:
    values never leave this module."""
    names: dict[str, str] = {}
    for p in paths:
        try:
            if not p.is_file() or p.stat().st_size > 1_000_000:
                continue
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            m = re.match(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", line)
            value = m.group(2).strip().strip("'\"") if m else ""
            if m and value:
                names.setdefault(m.group(1), value)
    return names


def unresolved_refs(config: ConfigFacts | None, env: Mapping[str, str], state_dir: Path,
                    config_path: Path) -> list[UnresolvedRef]:
    """Env-backed config secrets (``${VAR}`` and ``{source: "env"}`` SecretRefs) whose variable is set neither
    in ``env`` (non-empty) nor in ``<stateDir>/.env`` / ``<configDir>/.env`` (the files OpenClaw loads), or is set
    to a redaction marker. File and exec refs are not resolved here (exec would run a command; native skips
    exec refs too)."""
    if config is None:
        return []
    dot = _dotenv_values([state_dir / ".env", config_path.parent / ".env"])
    out: list[UnresolvedRef] = []
    for path, info in sorted(config.secrets.items()):
        name: str | None = None
        if info.kind == "env" and info.env_var:
            name = info.env_var
        elif info.kind == "secretref":
            m = _REF_RE.match(info.redacted)
            if m and m.group(1) == "env":
                name = m.group(2)
        if not name:
            continue
        value = env.get(name) or dot.get(name)
        if not value:
            out.append(UnresolvedRef(path=path, source="env", name=name))
        elif value.strip() in REDACTED_VALUES:
            out.append(UnresolvedRef(path=path, source="env", name=name, placeholder=True))
    return out
