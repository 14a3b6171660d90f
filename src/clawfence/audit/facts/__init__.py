"""Facts: everything the checks look at, collected once, typed, frozen and JSON round-trippable.

All read-side I/O of the audit lives in this package. :func:`collect` gathers a :class:`Facts`
snapshot; :meth:`Facts.to_json` / :meth:`Facts.from_json` save and load it (``--save-facts``,
``--from-facts``). Secrets never enter a snapshot: they are summarised (see ``facts.config.SecretInfo``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from clawfence.audit.facts.cells import CellsFacts, collect_cells
from clawfence.audit.facts.config import ConfigFacts, ConfigLoadError, analyse, read_config
from clawfence.audit.facts.credential_stores import (
    CredentialStoreFacts,
    agent_dirs,
    retired_files,
    sqlite_auth_stores,
    unresolved_refs,
)
from clawfence.audit.facts.drift import DriftFacts
from clawfence.audit.facts.files import FileFacts, collect_files
from clawfence.audit.facts.fleet import FleetFacts
from clawfence.audit.facts.host import HostFacts, VersionFacts, collect_host, collect_version
from clawfence.audit.facts.locate import Installation, locate
from clawfence.audit.facts.policy import PolicyFacts, analyse_policy, collect_policy
from clawfence.audit.facts.probe import ProbeFacts
from clawfence.audit.facts.schema import validate
from clawfence.audit.facts.skills import SkillsFacts

__all__ = ["ConfigLoadError", "Facts", "FactsError", "collect", "from_fixture", "locate"]

FACTS_SCHEMA = 1


class FactsError(Exception):
    """Facts cannot be collected or loaded (missing state dir, bad facts file)."""


class PairingAllow(BaseModel, frozen=True):
    """Approved DM senders of one channel (account) in OpenClaw's pairing store: how many, and whether ``*``."""

    count: int = 0
    wildcard: bool = False
    source: str = ""


class Facts(BaseModel, frozen=True):
    """The snapshot. ``None`` for a part means "not collected" and makes checks needing it SKIP."""

    facts_schema: int = FACTS_SCHEMA
    collected_at: str = ""
    home: str = ""
    state_dir: str = ""
    config_path: str = ""
    located_by: str = ""
    config: ConfigFacts | None = None
    files: FileFacts | None = None
    host: HostFacts | None = None
    version: VersionFacts = Field(default_factory=VersionFacts)
    exec_approvals: dict[str, Any] | None = None
    pairing_allow: dict[str, PairingAllow] = Field(default_factory=dict)
    env_vars: list[str] = Field(default_factory=list)
    skills: SkillsFacts | None = None
    drift: DriftFacts | None = None
    probe: ProbeFacts | None = None
    #: fleet-comparable credential fingerprints (only with a fleet salt; ``facts.fleet``)
    fleet: FleetFacts | None = None
    #: OpenClaw's native Policy plugin and its policy.jsonc (None: not configured, no policy file)
    policy: PolicyFacts | None = None
    #: ``openclaw fleet`` tenant cells under the state dir (None: no fleet directory, no registry rows)
    cells: CellsFacts | None = None
    #: what ``openclaw secrets audit`` adds: SQLite auth stores, retired credential files, unresolved refs
    credential_stores: CredentialStoreFacts | None = None

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, 2-space indent)."""
        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Facts:
        """Load a saved snapshot; raises :class:`FactsError` with a one-line reason."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise FactsError(f"facts file is not JSON: {exc}") from exc
        if not isinstance(data, dict) or data.get("facts_schema") != FACTS_SCHEMA:
            raise FactsError(f"facts file has no facts_schema {FACTS_SCHEMA}")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise FactsError(f"facts file is invalid: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}") from exc


def _exec_approvals(home: Path, state_dir: Path) -> dict[str, Any] | None:
    """exec approvals: ``~/.openclaw/exec-approvals.json`` (file era) or the ``exec_approvals_config`` row of
    ``state/openclaw.sqlite`` (database era, opened read-only). The socket token is dropped."""
    doc: Any = None
    f = home / ".openclaw" / "exec-approvals.json"
    if f.is_file():
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = None
    db = state_dir / "state" / "openclaw.sqlite"
    if doc is None and db.is_file():
        import sqlite3  # deferred: only installations with a database need it

        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
            try:
                row = con.execute("SELECT raw_json FROM exec_approvals_config LIMIT 1").fetchone()
            finally:
                con.close()
            doc = json.loads(row[0]) if row and row[0] else None
        except (sqlite3.Error, ValueError):
            doc = None
    if not isinstance(doc, dict):
        return None
    doc = dict(doc)
    sock = doc.get("socket")
    if isinstance(sock, dict) and "token" in sock:
        doc["socket"] = {**sock, "token": "«redacted»"}
    out: dict[str, Any] = doc
    return out


def _pairing_allow(state_dir: Path) -> dict[str, PairingAllow]:
    """Approved DM senders per ``channel`` / ``channel:account`` from the pairing store (counts only).

    File era: ``credentials/<channel>[-<account>]-allowFrom.json`` = ``{"version": 1, "allowFrom": [...]}``
    (OpenClaw ``src/pairing/pairing-store.ts``). Database era: table ``channel_pairing_allow_entries``
    (channel_key, account_id, entry) of ``state/openclaw.sqlite`` (``docs/channels/pairing.md``), read-only.
    """
    out: dict[str, PairingAllow] = {}
    cred = state_dir / "credentials"
    if cred.is_dir():
        for f in sorted(cred.glob("*-allowFrom.json")):
            try:
                doc = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            entries = doc.get("allowFrom") if isinstance(doc, dict) else None
            if entries is None and isinstance(doc, dict):  # {"<channel>": {"allowFrom": [...]}}
                entries = [e for v in doc.values() if isinstance(v, dict) for e in v.get("allowFrom") or []]
            if not isinstance(entries, list):
                continue
            channel, _, account = f.name.removesuffix("-allowFrom.json").partition("-")
            key = f"{channel}:{account}" if account else channel
            out[key] = PairingAllow(count=sum(1 for e in entries if e != "*"), wildcard="*" in entries, source=str(f))
    db = state_dir / "state" / "openclaw.sqlite"
    if db.is_file():
        import sqlite3  # deferred: only installations with a database need it

        try:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
            try:
                rows = con.execute("SELECT channel_key, account_id, SUM(entry != '*'), MAX(entry = '*') "
                                   "FROM channel_pairing_allow_entries GROUP BY channel_key, account_id").fetchall()
            finally:
                con.close()
        except sqlite3.Error:
            rows = []
        for channel, account, n, wild in rows:
            key = f"{channel}:{account}" if account and account != "default" else str(channel)
            out[key] = PairingAllow(count=int(n or 0), wildcard=bool(wild), source=f"{db} channel_pairing_allow_entries")
    return out


def collect(
    inst: Installation,
    env: Mapping[str, str] | None = None,
    version_override: str | None = None,
    with_host: bool = True,
) -> Facts:
    """Collect a snapshot of ``inst``: the installation only; baseline drift and installed skills are added by
    :func:`clawfence.audit.collect.collect`, which owns the calls into the integrity and skills parts.
    Raises :class:`FactsError` if the state dir and config are both missing, and :class:`ConfigLoadError` if the
    config cannot be parsed."""
    env = os.environ if env is None else env
    config_there = os.path.lexists(inst.config_path)  # a dangling or looping symlink is there, and an error
    if not inst.state_dir.exists() and not config_there:
        raise FactsError(f"no OpenClaw installation at {inst.state_dir} (state dir and config missing)")
    salt = os.urandom(16)
    raw: dict[str, Any] | None = None
    if config_there:
        text, raw, included = read_config(inst.config_path, env)  # read and parsed once
        cfg = analyse(raw, str(inst.config_path), salt=salt, text=text, includes=included)
    else:
        cfg = ConfigFacts(path=str(inst.config_path), exists=False)
    hint = cfg.get("meta.lastTouchedVersion")
    ver = collect_version(inst.state_dir, hint if isinstance(hint, str) else None, version_override)
    if raw is not None:
        used, issues = validate(raw, ver.version)
        cfg = cfg.model_copy(update={"issues": cfg.issues + issues, "schema_version": used})
    logs = [Path(str(cfg.get("logging.file")))] if isinstance(cfg.get("logging.file"), str) else []
    files = collect_files(inst.state_dir, inst.config_path, cfg.includes, salt, logs, inst.home)
    agents = agent_dirs(inst.state_dir)
    store_secrets, creds = sqlite_auth_stores(inst.state_dir, salt, agents)
    creds = creds.model_copy(update={"retired": retired_files(inst.state_dir, agents),
                                     "unresolved": unresolved_refs(cfg, env, inst.state_dir, inst.config_path)})
    if store_secrets:
        files = files.model_copy(update={"stored_secrets": files.stored_secrets + store_secrets})
    return Facts(
        collected_at=datetime.now(UTC).isoformat(timespec="seconds"),
        home=str(inst.home),
        state_dir=str(inst.state_dir),
        config_path=str(inst.config_path),
        located_by=inst.how,
        config=cfg,
        files=files,
        host=collect_host() if with_host else None,
        version=ver,
        exec_approvals=_exec_approvals(inst.home, inst.state_dir),
        pairing_allow=_pairing_allow(inst.state_dir),
        env_vars=sorted(k for k in env if k.startswith("OPENCLAW_")),
        policy=collect_policy(cfg, inst.state_dir, inst.home),
        cells=collect_cells(inst.state_dir, salt),
        credential_stores=creds,
    )


def from_fixture(doc: Mapping[str, Any]) -> Facts:
    """Build facts from a partial test fixture (pure): ``config`` is a raw openclaw.json object
    (secrets in clear are summarised like the collector does), ``version`` a version string, every other
    key a Facts field in its JSON form. Missing parts stay None, except ``host`` / ``files`` when given."""
    d = dict(doc)
    d.pop("expect", None)
    d.pop("note", None)
    raw = d.pop("config", None)
    version = d.pop("version", None)
    policy_file = d.pop("policy_file", None)
    out: dict[str, Any] = {k: v for k, v in d.items()}
    plugins = raw.get("plugins") if isinstance(raw, dict) else None
    entries = plugins.get("entries") if isinstance(plugins, dict) else None
    if policy_file is not None or (isinstance(entries, dict) and "policy" in entries):
        # ``policy_file``: the text of <workspace>/policy.jsonc ("" = an empty file; absent = missing)
        where = "/home/user/.openclaw/workspace/policy.jsonc"
        out["policy"] = analyse_policy(plugins, policy_file, where if policy_file is not None else None,
                                       [where]).model_dump(mode="json")
    if version is not None:
        out["version"] = {"version": version, "source": "fixture"}
    if raw is not None:
        cfg = analyse(raw, "openclaw.json", salt=b"fixture-salt", text=json.dumps(raw, indent=2))
        used, issues = validate(raw, version) if version else (None, [])
        out["config"] = cfg.model_copy(update={"issues": issues, "schema_version": used}).model_dump(mode="json")
    out.setdefault("state_dir", "/home/user/.openclaw")
    out.setdefault("config_path", "/home/user/.openclaw/openclaw.json")
    return Facts.model_validate(out)


__all__ += ["CellsFacts", "ConfigFacts", "CredentialStoreFacts", "DriftFacts", "FileFacts", "FleetFacts",
            "HostFacts", "PolicyFacts", "ProbeFacts", "SkillsFacts", "VersionFacts"]
