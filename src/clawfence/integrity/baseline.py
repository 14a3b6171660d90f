"""Configuration hash baseline (guide D3.3): SHA-256 + mode + owner of every security-relevant file of an
OpenClaw installation, keyed HMACs of every config key, signed with Ed25519.

Covered (relative to the state dir): ``openclaw.json`` and its ``$include`` files, ``.env``, ``secrets.json``,
``agents/*/agent/auth-profiles.json``, ``credentials/**``, ``exec-approvals.json`` (state dir and
``$OPENCLAW_HOME``/``~/.openclaw``), ``extensions/**`` (plugins; ``node_modules`` skipped), ``skills/**``
(managed), ``workspace*/skills/**`` and ``workspace*/.openclaw/extensions/**`` (workspace), the workspace
``SOUL.md``/``AGENTS.md``/``MEMORY.md``/``USER.md``/``IDENTITY.md``/``TOOLS.md``/``HEARTBEAT.md``, ``hooks/**``,
every skills root OpenClaw loads (``clawfence.audit.facts.skills.skill_roots``: ``<workspace>/skills``,
``<workspace>/.agents/skills``, ``~/.agents/skills``, ``<stateDir>/skills``, ``skills.load.extraDirs``; source:
OpenClaw ``docs/tools/skills.md``), and the mode/owner of the state dir itself (``.``) and of each skills root
(``<root>/``): a state dir made group/world-writable is drift even when no file changed.
Trust: the signature is checked with ``--pubkey``, else the key pinned for this baseline file in the trust dir
(``checkpoint.pinned_key``), else the signing key's public key, pinned then on first use; the statement of which
key was used is returned with the drift (``DriftFacts.key``).
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
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from clawfence.audit.facts.drift import DriftFacts
from clawfence.core.atomic import atomic_write_text
from clawfence.core.canonical import canonical
from clawfence.core.paths import clawfence_home
from clawfence.core.safeio import InputError, loads_json, read_text
from clawfence.integrity.checkpoint import (
    BASELINE_DOMAIN,
    check_sig,
    key_id,
    load_public_key,
    load_signer,
    pin_key,
    pin_path,
    pinned_key,
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
    """Parsed ``openclaw.json`` (JSON5) or None (missing, unreadable, too deep, not JSON5)."""
    from clawfence.core.safeio import check_depth
    try:
        text = read_text(state_dir / "openclaw.json")
        check_depth(text, what="openclaw.json")
        return json5.loads(text)
    except (OSError, ValueError, RecursionError):
        return None


def _openclaw_home() -> Path:
    """OpenClaw's notion of ``~``: ``$OPENCLAW_HOME`` or ``$HOME``."""
    return Path(os.environ.get("OPENCLAW_HOME") or Path.home())


def skill_dirs(state_dir: Path, cfg: Any = None) -> list[tuple[str, Path]]:
    """(label, directory) of every skills root OpenClaw loads for this state dir (existing ones only)."""
    from clawfence.audit.facts.config import ConfigFacts
    from clawfence.audit.facts.skills import skill_roots
    data = cfg if isinstance(cfg, dict) else (load_config(state_dir) or {})
    facts = ConfigFacts(path=str(state_dir / "openclaw.json"), data=data if isinstance(data, dict) else {})
    return skill_roots(state_dir, facts, _openclaw_home())


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
    home = openclaw_home or _openclaw_home() / ".openclaw"
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
    for _label, root in skill_dirs(state_dir):
        for p in _walk(root):
            add(p)
    return out


def watched_dirs(state_dir: Path) -> dict[str, Path]:
    """Display name -> directory whose own mode/owner the baseline records: the state dir (``.``) and every
    skills root (``<name>/``)."""
    out = {".": state_dir}
    for _label, root in skill_dirs(state_dir):
        try:
            name = str(root.relative_to(state_dir))
        except ValueError:
            name = str(root)
        out[name.rstrip("/") + "/"] = root
    return out


def dir_entry(p: Path) -> dict[str, Any]:
    """``{mode, uid, gid, dir: true}`` of a directory (no content hash)."""
    st = p.lstat()
    return {"mode": f"{st.st_mode & 0o7777:04o}", "uid": st.st_uid, "gid": st.st_gid, "dir": True}


def _snapshot(state_dir: Path, openclaw_home: Path | None) -> dict[str, dict[str, Any]]:
    files = {name: file_entry(p) for name, p in watched_files(state_dir, openclaw_home).items()}
    for name, d in watched_dirs(state_dir).items():
        files[name] = dir_entry(d)
    return files


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
    files = _snapshot(state_dir, openclaw_home)
    body = {"v": 1, "created": datetime.now(UTC).isoformat(timespec="seconds"), "state_dir": str(state_dir),
            "files": files, "config_keys": _key_hmacs(load_config(state_dir) or {}), "key_id": signer.key_id}
    doc = dict(body, sig=signer.sign(BASELINE_DOMAIN, body))
    path = out or default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(doc, indent=1, sort_keys=True) + "\n", mode=0o600)
    pin_key(path, signer.key.public_key())
    return path


def trusted_key(path: Path, pubkey: Path | None = None) -> tuple[Ed25519PublicKey | None, str]:
    """(key to check the baseline at ``path`` with, statement of where it comes from).

    ``pubkey`` (hex/PEM file) > the key pinned for ``path`` in the trust dir > the signing key's public key
    (pinned now when the trust dir is writable; otherwise the statement says it is NOT pinned). Raises
    :class:`BaselineError` for an unreadable ``pubkey`` or a corrupt pin.
    """
    try:
        if pubkey is not None:
            pub = load_public_key(pubkey)
            if pub is None:
                raise BaselineError(f"cannot read public key {pubkey}")
            return pub, f"key {key_id(pub)} from --pubkey {pubkey}"
        pinned = pinned_key(path)
    except ValueError as exc:
        raise BaselineError(str(exc)) from exc
    if pinned is not None:
        pub, doc = pinned
        return pub, f"key {key_id(pub)} pinned {doc.get('pinned_at')} in {pin_path(path)}"
    try:
        cur = load_public_key()
    except ValueError as exc:
        raise BaselineError(str(exc)) from exc
    if cur is None:
        return None, "no public key (signature not checked)"
    if pin_key(path, cur):
        return cur, f"key {key_id(cur)} from the signing key, pinned now (first use) in {pin_path(path)}"
    return cur, (f"key {key_id(cur)} from the signing key; NOT pinned ({pin_path(path)} not writable): a baseline "
                 "re-signed with a new key would not be caught")


def _read_doc(path: Path) -> dict[str, Any]:
    if not path.exists() and not path.is_symlink():
        raise BaselineError(f"no baseline at {path} (run: clawfence baseline create)")
    try:
        doc = loads_json(read_text(path, 256 * 1024 * 1024), 64, str(path))
    except InputError as exc:
        raise BaselineError(f"cannot read baseline: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("v") != 1 or not isinstance(doc.get("files"), dict):
        raise BaselineError(f"{path} is not a clawfence baseline")
    return doc


def load(path: Path, pubkey: Path | None = None) -> tuple[dict[str, Any], bool | None]:
    """(baseline document, signature ok or None without a public key); the key is :func:`trusted_key`.
    Raises :class:`BaselineError` (missing, unreadable, too deep, not a baseline, bad ``pubkey``/pin)."""
    doc = _read_doc(path)
    pub, _how = trusted_key(path, pubkey)
    ok = None
    if pub is not None:
        body = {k: v for k, v in doc.items() if k != "sig"}
        ok = doc.get("key_id") == key_id(pub) and check_sig(pub, BASELINE_DOMAIN, body, str(doc.get("sig", "")))
    return doc, ok


def compare(state_dir: Path, path: Path, openclaw_home: Path | None = None, pubkey: Path | None = None) -> DriftFacts:
    """Compare the installation with the baseline (signature checked with :func:`trusted_key`; the statement
    is in ``DriftFacts.key``). Raises :class:`BaselineError`."""
    doc = _read_doc(path)
    pub, how = trusted_key(path, pubkey)
    sig_ok: bool | None = None
    if pub is not None:
        body = {k: v for k, v in doc.items() if k != "sig"}
        sig_ok = doc.get("key_id") == key_id(pub) and check_sig(pub, BASELINE_DOMAIN, body, str(doc.get("sig", "")))
    old: dict[str, dict[str, Any]] = doc["files"]
    now = _snapshot(state_dir, openclaw_home)
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
                      changed=changed, mode_changed=modes, changed_keys=changed_keys, signature_ok=sig_ok, key=how)


def drift_facts(state_dir: Path, baseline_path: Path | None = None) -> DriftFacts:
    """Facts for the audit: drift against ``baseline_path`` (default :func:`default_path`). Never raises for a
    missing/bad baseline — returns ``DriftFacts(baseline=None)`` or ``error`` set."""
    path = baseline_path or default_path()
    if not path.exists():
        return DriftFacts(baseline=None)
    try:
        if baseline_path is None:  # the default baseline counts only for the installation it was made of
            recorded = _read_doc(path).get("state_dir")
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
    if d.key:
        lines.append(f"  key: {d.key}")
    for label, items in (("added", d.added), ("removed", d.removed), ("changed", d.changed),
                         ("mode/owner changed", d.mode_changed), ("config keys changed", d.changed_keys)):
        lines += [f"  {label}: {x}" for x in items]
    if not d.drifted:
        lines.append("  no drift")
    return "\n".join(lines) + "\n"
