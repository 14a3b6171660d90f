"""Approved-skills lockfile: per-skill content hashes and a capability ceiling; drift and rug-pull detection.

Format (JSON, schema 1)::

    {"schema": 1, "skills": {"<name>": {"path": str, "approved_at": ISO-8601, "verdict": str, "score": float,
                                        "files": {"<rel>": "<sha256>"}, "capabilities": [str, ...]}}}

Default location: ``<state>/clawfence/skills.lock.json``. Writes are atomic (``clawfence.core.atomic``).
Verify outcomes: ``new-capability`` (beyond the ceiling, high: a rug-pull update), ``now-malicious`` (critical),
``changed`` / ``added`` / ``removed`` files (medium drift), ``missing`` (skill folder gone), ``ok``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clawfence.core.atomic import atomic_write_text
from clawfence.skills.result import SkillResult


class LockError(Exception):
    """The lockfile is unreadable or malformed."""


def default_path(state_dir: Path) -> Path:
    """``<state>/clawfence/skills.lock.json``."""
    return state_dir / "clawfence" / "skills.lock.json"


def load(path: Path) -> dict[str, Any]:
    """Parsed lockfile, or an empty one when the file does not exist. Raises :class:`LockError`."""
    if not path.exists():
        return {"schema": 1, "skills": {}}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LockError(f"cannot read lockfile {path}: {exc}") from exc
    if not isinstance(doc, dict) or doc.get("schema") != 1 or not isinstance(doc.get("skills"), dict):
        raise LockError(f"{path}: not a clawfence skills lockfile (schema 1)")
    return doc


def approve(path: Path, results: list[SkillResult]) -> list[str]:
    """Record ``results`` as approved (replacing earlier entries of the same name); returns the names."""
    doc = load(path)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for r in results:
        doc["skills"][r.name] = {
            "path": str(Path(r.path).resolve()) if not r.path.startswith("<") else r.path,
            "approved_at": now,
            "verdict": r.verdict,
            "score": r.score,
            "files": dict(sorted(r.files.items())),
            "capabilities": sorted(r.capabilities),
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(doc, indent=2, sort_keys=True) + "\n", mode=0o600)
    return [r.name for r in results]


@dataclass(frozen=True, slots=True)
class Drift:
    """One verify outcome: skill name, kind (see module doc), severity, detail."""

    name: str
    kind: str
    severity: str
    detail: str


def compare(entry: dict[str, Any], now: SkillResult | None, name: str) -> list[Drift]:
    """Drift of one approved ``entry`` against a fresh scan (``None`` = the folder is gone)."""
    if now is None:
        return [Drift(name, "missing", "medium", f"approved skill not found at {entry.get('path')}")]
    out: list[Drift] = []
    old_caps = set(entry.get("capabilities") or [])
    new_caps = sorted(set(now.capabilities) - old_caps)
    if new_caps:
        out.append(Drift(name, "new-capability", "high", f"capabilities beyond the approved ceiling: {', '.join(new_caps)}"))
    if now.verdict == "malicious" and entry.get("verdict") != "malicious":
        out.append(Drift(name, "now-malicious", "critical", f"verdict is now malicious (score {now.score})"))
    old_files: dict[str, str] = entry.get("files") or {}
    changed = sorted(k for k in old_files.keys() & now.files.keys() if old_files[k] != now.files[k])
    added = sorted(now.files.keys() - old_files.keys())
    removed = sorted(old_files.keys() - now.files.keys())
    for kind, items in (("changed", changed), ("added", added), ("removed", removed)):
        if items:
            out.append(Drift(name, kind, "medium", f"{kind} files: {', '.join(items[:10])}{' …' if len(items) > 10 else ''}"))
    return out or [Drift(name, "ok", "info", "matches the approved content")]
