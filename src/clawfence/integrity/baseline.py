"""Configuration hash baseline (guide D3.3): SHA-256 + mode + owner of every security-relevant file of an
OpenClaw installation, keyed HMACs of every config key, signed with Ed25519.

Covered (relative to the state dir): ``openclaw.json`` and its ``$include`` files, ``.env``, ``secrets.json``,
``agents/*/agent/auth-profiles.json``, ``credentials/**``, ``exec-approvals.json`` (state dir and
``$OPENCLAW_HOME``/``~/.openclaw``), ``extensions/**`` (plugins; ``node_modules`` skipped), ``skills/**``
(managed), ``workspace*/skills/**`` and ``workspace*/.openclaw/extensions/**`` (workspace), the workspace
``SOUL.md``/``AGENTS.md``/``MEMORY.md``/``USER.md``/``IDENTITY.md``/``TOOLS.md``/``HEARTBEAT.md``, ``hooks/**``.
Config key values are stored as HMAC-SHA256 under a key derived from the signing key (deterministic Ed25519
signature of a constant), so the baseline file does not reveal low-entropy values and verify can still say
which keys changed. Files: ``$CLAWFENCE_HOME/baseline.json`` by default, written atomically, mode 0600.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import json5

from clawfence.audit.facts.drift import DriftFacts
from clawfence.core.atomic import atomic_write_text
from clawfence.core.canonical import canonical
from clawfence.core.paths import clawfence_home
from clawfence.integrity.checkpoint import (
    BASELINE_DOMAIN,
    check_sig,
    key_id,
    load_public_key,
    load_signer,
)

PERSONA = ("SOUL.md", "AGENTS.md", "MEMORY.md", "USER.md", "IDENTITY.md", "TOOLS.md", "HEARTBEAT.md")
TREES = ("credentials", "extensions", "skills", "hooks")
SKIP_DIRS = {"node_modules", ".git", "__pycache__"}


class BaselineError(Exception):
    """The baseline file is missing, unreadable or not a baseline."""


def default_path() -> Path:
    """``$CLAWFENCE_HOME/baseline.json``."""
    return clawfence_home() / "baseline.json"


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for f in sorted(filenames):
            yield Path(dirpath) / f


def _includes(cfg: Any, base: Path, depth: int = 0) -> Iterator[Path]:
    if depth > 10:
        return
    if isinstance(cfg, dict):
        for k, v in cfg.items():
            if k == "$include":
                for inc in ([v] if isinstance(v, str) else v if isinstance(v, list) else []):
                    p = (base / str(inc)).resolve()
                    yield p
                    try:
                        sub = json5.loads(p.read_text(encoding="utf-8"))
                    except (OSError, ValueError):
                        continue
                    yield from _includes(sub, p.parent, depth + 1)
            else:
                yield from _includes(v, base, depth)
    elif isinstance(cfg, list):
        for v in cfg:
            yield from _includes(v, base, depth)


def load_config(state_dir: Path) -> Any:
    """Parsed ``openclaw.json`` (JSON5) or None."""
    try:
        return json5.loads((state_dir / "openclaw.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def watched_files(state_dir: Path, openclaw_home: Path | None = None) -> dict[str, Path]:
    """Display path -> absolute path of every file the baseline covers (existing files only)."""
    out: dict[str, Path] = {}

    def add(p: Path) -> None:
        if p.is_file() or p.is_symlink():
            try:
                name = str(p.relative_to(state_dir))
            except ValueError:
                name = str(p)
            out[name] = p

    add(state_dir / "openclaw.json")
    for inc in _includes(load_config(state_dir), state_dir):
        add(inc)
    for name in (".env", "secrets.json", "exec-approvals.json"):
        add(state_dir / name)
    home = openclaw_home or Path(os.environ.get("OPENCLAW_HOME", Path.home())) / ".openclaw"
    if home.resolve() != state_dir.resolve():
        add(home / "exec-approvals.json")
    for p in sorted(state_dir.glob("agents/*/agent/auth-profiles.json")):
        add(p)
    for tree in TREES:
        if (state_dir / tree).is_dir():
            for p in _walk(state_dir / tree):
                add(p)
    for ws in sorted(state_dir.glob("workspace*")):
        if not ws.is_dir():
            continue
        for name in PERSONA:
            add(ws / name)
        for sub in ("skills", ".openclaw/extensions"):
            if (ws / sub).is_dir():
                for p in _walk(ws / sub):
                    add(p)
    return out


def file_entry(p: Path) -> dict[str, Any]:
    """``{sha256, size, mode, uid, gid}`` (symlinks: ``link`` target instead of content)."""
    st = p.lstat()
    e: dict[str, Any] = {"mode": f"{st.st_mode & 0o7777:04o}", "uid": st.st_uid, "gid": st.st_gid}
    if p.is_symlink():
        e["link"] = os.readlink(p)
        return e
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    e.update(sha256=h.hexdigest(), size=st.st_size)
    return e


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted leaf keys of a JSON value (lists are leaves)."""
    if isinstance(obj, dict) and obj:
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: obj} if prefix else {}


def _key_hmacs(cfg: Any) -> dict[str, str]:
    mac_key = hashlib.sha256(load_signer().sign(BASELINE_DOMAIN, "config-key-hmac").encode()).digest()
    return {k: hmac.new(mac_key, canonical(v), hashlib.sha256).hexdigest()[:32] for k, v in flatten(cfg).items()}


def create(state_dir: Path, out: Path | None = None, openclaw_home: Path | None = None) -> Path:
    """Hash, sign and atomically write a baseline; returns its path. Raises ``OSError``."""
    signer = load_signer()
    files = {name: file_entry(p) for name, p in watched_files(state_dir, openclaw_home).items()}
    body = {"v": 1, "created": datetime.now(UTC).isoformat(timespec="seconds"), "state_dir": str(state_dir),
            "files": files, "config_keys": _key_hmacs(load_config(state_dir) or {}), "key_id": signer.key_id}
    doc = dict(body, sig=signer.sign(BASELINE_DOMAIN, body))
    path = out or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(doc, indent=1, sort_keys=True) + "\n", mode=0o600)
    return path


def load(path: Path) -> tuple[dict[str, Any], bool | None]:
    """(baseline document, signature ok or None without a public key). Raises :class:`BaselineError`."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BaselineError(f"no baseline at {path} (run: clawfence baseline create)") from exc
    except (OSError, ValueError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("v") != 1 or not isinstance(doc.get("files"), dict):
        raise BaselineError(f"{path} is not a clawfence baseline")
    pub = load_public_key()
    ok = None
    if pub is not None:
        body = {k: v for k, v in doc.items() if k != "sig"}
        ok = doc.get("key_id") == key_id(pub) and check_sig(pub, BASELINE_DOMAIN, body, str(doc.get("sig", "")))
    return doc, ok


def compare(state_dir: Path, path: Path, openclaw_home: Path | None = None) -> DriftFacts:
    """Compare the installation with the baseline. Raises :class:`BaselineError`."""
    doc, sig_ok = load(path)
    old: dict[str, dict[str, Any]] = doc["files"]
    now = {name: file_entry(p) for name, p in watched_files(state_dir, openclaw_home).items()}
    changed, modes = [], []
    for name in sorted(set(old) & set(now)):
        a, b = old[name], now[name]
        if a.get("sha256") != b.get("sha256") or a.get("link") != b.get("link"):
            changed.append(name)
        for f in ("mode", "uid", "gid"):
            if a.get(f) != b.get(f):
                modes.append(f"{name}: {f} {a.get(f)} -> {b.get(f)}")
    keys_old: dict[str, str] = doc.get("config_keys") or {}
    keys_now = _key_hmacs(load_config(state_dir) or {}) if sig_ok is not False else {}
    changed_keys = sorted(k for k in set(keys_old) | set(keys_now) if keys_old.get(k) != keys_now.get(k)) \
        if keys_now or not (state_dir / "openclaw.json").exists() else []
    return DriftFacts(baseline=str(path), added=sorted(set(now) - set(old)), removed=sorted(set(old) - set(now)),
                      changed=changed, mode_changed=modes, changed_keys=changed_keys, signature_ok=sig_ok)


def drift_facts(state_dir: Path, baseline_path: Path | None = None) -> DriftFacts:
    """Facts for the audit: drift against ``baseline_path`` (default :func:`default_path`). Never raises for a
    missing/bad baseline — returns ``DriftFacts(baseline=None)`` or ``error`` set."""
    path = baseline_path or default_path()
    if not path.exists():
        return DriftFacts(baseline=None)
    try:
        if baseline_path is None:  # the default baseline counts only for the installation it was made of
            recorded = json.loads(path.read_text(encoding="utf-8")).get("state_dir")
            if not recorded or Path(recorded).resolve() != state_dir.resolve():
                return DriftFacts(baseline=None)
        return compare(state_dir, path)
    except (BaselineError, OSError, ValueError) as exc:
        return DriftFacts(baseline=str(path), error=str(exc))


def describe(d: DriftFacts) -> str:
    """Human-readable drift report (no values, only paths and key names)."""
    if d.error:
        return f"baseline error: {d.error}\n"
    lines = [f"baseline: {d.baseline}  signature: "
             + {True: "ok", False: "INVALID", None: "not checked (no public key)"}[d.signature_ok]]
    for label, items in (("added", d.added), ("removed", d.removed), ("changed", d.changed),
                         ("mode/owner changed", d.mode_changed), ("config keys changed", d.changed_keys)):
        lines += [f"  {label}: {x}" for x in items]
    if not d.drifted:
        lines.append("  no drift")
    return "\n".join(lines) + "\n"
