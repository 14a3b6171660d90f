"""Read a fleet directory: ``DIR/<host>/`` holding one host's saved facts and JSON report (I/O).

Each file is classified by content, not name: a facts snapshot has ``facts_schema``, an audit report has
``schema: 1`` and ``kind: audit`` (the ``clawfence audit -f json`` contract). Files larger than
:data:`MAX_BYTES`, symlinks and unparsable files are recorded as errors of that host, never raised.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from clawfence.audit.facts import FACTS_SCHEMA, Facts

#: a host's file above this size is refused (a real report is well under 1 MiB)
MAX_BYTES = 16 * 1024 * 1024


class FleetDirError(ValueError):
    """The fleet directory itself is unusable (missing, not a directory, no host in it)."""


@dataclass(frozen=True)
class HostInput:
    """What one host sent: ``name`` (the directory name = inventory host), ``report`` (the JSON report
    document, schema 1) and ``facts`` (the snapshot), each None when absent or unusable; ``errors`` says why."""

    name: str
    report: dict[str, Any] | None = None
    facts: Facts | None = None
    errors: tuple[str, ...] = field(default_factory=tuple)


def _read_json(p: Path) -> tuple[Any, str | None]:
    if p.is_symlink() or not p.is_file():
        return None, f"{p.name}: not a regular file"
    try:
        if p.stat().st_size > MAX_BYTES:
            return None, f"{p.name}: larger than {MAX_BYTES} bytes"
        return json.loads(p.read_text(encoding="utf-8")), None
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"{p.name}: cannot read: {getattr(exc, 'strerror', None) or exc}"
    except ValueError as exc:
        return None, f"{p.name}: not JSON: {exc}"


def _valid_report(doc: dict[str, Any]) -> str | None:
    """Why ``doc`` is not a usable schema-1 audit report (None when it is)."""
    if not isinstance(doc.get("findings"), list) or not isinstance(doc.get("summary"), dict):
        return "report has no findings/summary"
    for f in doc["findings"]:
        if not isinstance(f, dict) or not all(isinstance(f.get(k), str) for k in ("id", "status", "severity")):
            return "report has a malformed finding"
    return None


def load_host(path: Path) -> HostInput:
    """Load one host directory (never raises for bad content; errors go to ``HostInput.errors``)."""
    report: dict[str, Any] | None = None
    facts: Facts | None = None
    errors: list[str] = []
    for p in sorted(path.iterdir()):
        if p.suffix != ".json":
            continue
        doc, err = _read_json(p)
        if err:
            errors.append(err)
            continue
        if isinstance(doc, dict) and "facts_schema" in doc:
            if doc.get("facts_schema") != FACTS_SCHEMA:
                errors.append(f"{p.name}: facts file has no facts_schema {FACTS_SCHEMA}")
                continue
            try:
                facts = Facts.model_validate(doc)
            except ValidationError as exc:
                first = exc.errors()[0]
                errors.append(f"{p.name}: facts file is invalid: {first['loc']}: {first['msg']}")
        elif isinstance(doc, dict) and doc.get("schema") == 1 and doc.get("kind") == "audit":
            why = _valid_report(doc)
            if why:
                errors.append(f"{p.name}: {why}")
            else:
                report = doc
        else:
            errors.append(f"{p.name}: neither a clawfence facts file nor an audit report")
    if report is None and not errors:
        errors.append("no audit report")
    return HostInput(name=path.name, report=report, facts=facts, errors=tuple(errors))


def load_dir(path: Path) -> list[HostInput]:
    """Every host under ``path`` (one sub-directory each, sorted by name). Raises :class:`FleetDirError` when
    ``path`` is not a directory or holds no host directory."""
    if not path.is_dir():
        raise FleetDirError(f"fleet directory not found: {path}")
    hosts = [load_host(p) for p in sorted(path.iterdir()) if p.is_dir() and not p.is_symlink()
             and not p.name.startswith(".")]
    if not hosts:
        raise FleetDirError(f"{path}: no host directories (expected DIR/<host>/report.json, facts.json)")
    return hosts
