"""Modes and owners of the files that hold OpenClaw's secrets and state, plus secret stores' contents.

Roles follow OpenClaw's own credential storage map (``docs/gateway/security/index.md`` "Credential
storage map", ``src/security/fix.ts`` targets): state dir, config and includes, ``.env``, ``credentials/``,
``agents/<id>/agent/auth-profiles.json``, sessions, SQLite stores, logs, exec approvals, identity, devices.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, Field, field_validator

from clawfence.audit.facts.config import SecretInfo, is_secret_key, is_secretref, summarise_secret

MAX_ENTRIES = 5000
SKIP_DIRS = {"node_modules", "browser", "media", "canvas", "sandboxes", "cache", ".git", "extensions", "tools"}


class FileStat(BaseModel, frozen=True):
    """One path: ``role`` (what it is for OpenClaw), ``kind`` (file/dir/symlink/missing), POSIX ``mode``
    (permission bits only, e.g. 0o600), numeric owner and group, and the owner's name when known."""

    path: str
    role: str
    kind: str
    mode: int = 0
    uid: int = -1
    gid: int = -1
    owner: str | None = None
    size: int = 0

    @field_validator("mode", mode="before")
    @classmethod
    def _octal(cls, v: object) -> object:
        """Accept ``"0o644"`` / ``"0644"`` strings (fixtures) as octal."""
        if isinstance(v, str):
            return int(v.removeprefix("0o"), 8)
        return v

    @property
    def group_readable(self) -> bool:
        """g+r."""
        return bool(self.mode & stat.S_IRGRP)

    @property
    def world_readable(self) -> bool:
        """o+r."""
        return bool(self.mode & stat.S_IROTH)

    @property
    def group_writable(self) -> bool:
        """g+w."""
        return bool(self.mode & stat.S_IWGRP)

    @property
    def world_writable(self) -> bool:
        """o+w."""
        return bool(self.mode & stat.S_IWOTH)


class StoredSecret(BaseModel, frozen=True):
    """A secret held in a store file (``.env`` line, auth profile): where, which key, its summary."""

    path: str
    key: str
    line: int | None = None
    info: SecretInfo


class FileFacts(BaseModel, frozen=True):
    """Stats by role plus the secrets found in ``.env`` and auth-profile stores (redacted summaries)."""

    entries: list[FileStat] = Field(default_factory=list)
    stored_secrets: list[StoredSecret] = Field(default_factory=list)
    truncated: bool = False

    def by_role(self, role: str) -> list[FileStat]:
        """Every entry with ``role``."""
        return [e for e in self.entries if e.role == role]

    def first(self, role: str) -> FileStat | None:
        """The first entry with ``role``, or None."""
        return next((e for e in self.entries if e.role == role), None)


def _owner(uid: int) -> str | None:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (KeyError, ImportError):
        return None


def stat_path(path: Path, role: str) -> FileStat:
    """lstat ``path`` into a :class:`FileStat` (a symlink is reported as ``symlink``, not followed)."""
    try:
        st = path.lstat()
    except OSError:
        return FileStat(path=str(path), role=role, kind="missing")
    kind = "symlink" if stat.S_ISLNK(st.st_mode) else "dir" if stat.S_ISDIR(st.st_mode) else "file"
    return FileStat(path=str(path), role=role, kind=kind, mode=stat.S_IMODE(st.st_mode), uid=st.st_uid,
                    gid=st.st_gid, owner=_owner(st.st_uid), size=st.st_size)


def role_of(rel: str, is_dir: bool) -> str | None:
    """OpenClaw role of a path relative to the state dir, or None if it holds nothing sensitive."""
    parts = rel.split("/")
    name = parts[-1]
    if rel == ".env":
        return "dotenv"
    if rel == "secrets.json":
        return "secrets_json"
    if rel in ("exec-approvals.json",):
        return "exec_approvals"
    if parts[0] == "credentials":
        return "credentials_dir" if len(parts) == 1 else ("credentials_dir" if is_dir else "credential_file")
    if parts[0] in ("identity", "devices", "nodes") and not is_dir:
        return "identity_file"
    if name.endswith((".sqlite", ".sqlite-wal", ".sqlite-shm", ".sqlite-journal")):
        return "sqlite"
    if parts[0] == "extensions" and len(parts) == 2 and is_dir:
        return "plugin_dir"
    if parts[0] == "agents":
        if name in ("auth-profiles.json", "auth.json"):
            return "auth_profiles"
        if name == "models.json" and not is_dir:
            return "models_json"
        if name == "sessions.json":
            return "sessions_store"
        if name.endswith(".jsonl") and "sessions" in parts:
            return "transcript"
        if is_dir and (len(parts) <= 3 or name == "sessions"):
            return "agent_dir"
    if parts[0] == "logs" and not is_dir:
        return "log_file"
    if parts[0] in ("state", "logs", "agents") and is_dir and len(parts) == 1:
        return "state_subdir"
    return None


def _walk(root: Path) -> Iterator[tuple[Path, str, bool]]:
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        depth = 0 if rel_dir == "." else rel_dir.count(os.sep) + 1
        if rel_dir == "extensions":  # installed plugins: list each plugin dir, do not descend into its code
            for d in dirnames:
                count += 1
                yield Path(dirpath) / d, f"extensions/{d}", True
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames if (d not in SKIP_DIRS or (d == "extensions" and depth == 0))
                       and not d.startswith("workspace") and depth < 6]
        for d in dirnames:
            rel = d if rel_dir == "." else f"{rel_dir}/{d}"
            count += 1
            yield Path(dirpath) / d, rel, True
        for f in filenames:
            rel = f if rel_dir == "." else f"{rel_dir}/{f}"
            count += 1
            yield Path(dirpath) / f, rel, False
        if count > MAX_ENTRIES:
            return


def parse_dotenv(text: str, path: str, salt: bytes) -> list[StoredSecret]:
    """Secrets in a dotenv file: every ``KEY=value`` line with a non-empty value (pure)."""
    out: list[StoredSecret] = []
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#") or "=" not in s:
            continue
        key, _, value = s.removeprefix("export ").partition("=")
        value = value.strip().strip("'\"")
        if value:
            out.append(StoredSecret(path=path, key=key.strip(), line=i,
                                    info=summarise_secret(f"env:{key.strip()}", value, salt)))
    return out


def parse_auth_profiles(data: object, path: str, salt: bytes) -> list[StoredSecret]:
    """Plaintext credentials in an auth-profile store (``profiles.<id>.{key,token,access,refresh}``; pure).

    Shape from OpenClaw ``src/agents/auth-profiles/types.ts``.
    """
    out: list[StoredSecret] = []
    profiles = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(profiles, dict):
        return out
    for pid, prof in profiles.items():
        if not isinstance(prof, dict):
            continue
        for field in ("key", "token", "access", "refresh", "apiKey"):
            v = prof.get(field)
            if (isinstance(v, str) and v) or is_secretref(v):
                out.append(StoredSecret(path=path, key=f"profiles.{pid}.{field}",
                                        info=summarise_secret(f"profiles.{pid}.{field}", v, salt)))
    return out


def parse_models_json(data: object, path: str, salt: bytes) -> list[StoredSecret]:
    """Plaintext credentials in a per-agent model catalogue ``agents/<id>/agent/models.json`` (``providers.<id>.
    apiKey``, headers such as ``Authorization``; any secret-named key; pure). Shape: OpenClaw
    ``docs/concepts/models.md`` custom providers, reference/openclaw.md §2."""
    out: list[StoredSecret] = []

    def walk(obj: object, prefix: str, depth: int) -> None:
        if depth > 12:
            return
        if isinstance(obj, dict):
            for k, v in obj.items():
                key = f"{prefix}.{k}" if prefix else str(k)
                if (isinstance(v, str) and v and (is_secret_key(key) or str(k).lower() == "authorization")
                        and not v.startswith("${")) or (is_secretref(v) and is_secret_key(key)):
                    out.append(StoredSecret(path=path, key=key, info=summarise_secret(key, v, salt)))
                else:
                    walk(v, key, depth + 1)
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                walk(v, f"{prefix}.{i}", depth + 1)

    walk(data, "", 0)
    return out


def collect_files(state_dir: Path, config_path: Path, includes: list[str], salt: bytes,
                  log_paths: list[Path] | None = None, home: Path | None = None) -> FileFacts:
    """Stat every sensitive path under ``state_dir`` and read secret stores (I/O, bounded)."""
    entries = [stat_path(state_dir, "state_dir"), stat_path(config_path, "config")]
    entries += [stat_path(Path(p), "include") for p in includes]
    stored: list[StoredSecret] = []
    truncated = False
    if state_dir.is_dir() and not state_dir.is_symlink():
        n = 0
        for p, rel, is_dir in _walk(state_dir):
            n += 1
            if n > MAX_ENTRIES:
                truncated = True
                break
            role = role_of(rel, is_dir)
            if role is None or p == config_path:
                continue
            entries.append(stat_path(p, role))
            try:
                if role == "dotenv" and p.stat().st_size < 1_000_000:
                    stored += parse_dotenv(p.read_text(encoding="utf-8", errors="replace"), str(p), salt)
                elif role == "auth_profiles" and p.stat().st_size < 5_000_000:
                    stored += parse_auth_profiles(json.loads(p.read_text(encoding="utf-8")), str(p), salt)
                elif role == "models_json" and p.stat().st_size < 5_000_000:
                    stored += parse_models_json(json.loads(p.read_text(encoding="utf-8")), str(p), salt)
            except (OSError, ValueError):
                continue
    if home is not None:
        ea = home / ".openclaw" / "exec-approvals.json"
        if ea.exists() and not any(e.path == str(ea) for e in entries):
            entries.append(stat_path(ea, "exec_approvals"))
    for lp in log_paths or []:
        if lp.exists():
            entries.append(stat_path(lp, "log_file"))
    return FileFacts(entries=entries, stored_secrets=stored, truncated=truncated)
