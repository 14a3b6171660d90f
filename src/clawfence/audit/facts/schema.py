"""Version-aware validation of ``openclaw.json`` against OpenClaw's own JSON Schema.

Source: ``openclaw config schema`` of 2026.9.6 (packaged as ``data/openclaw-2026.9.6.config-schema.json.gz``)
and the retired-key history in ``data/key-history.yaml`` (reference/openclaw.md §2, fixtures/README.md
"Known schema caveat"). OpenClaw's schema is strict: an unknown key makes the gateway refuse to start.

Speed: validation runs :class:`clawfence.audit.facts.schema_walk.Walker` over the split copy of the schema in
``data/schema/<version>/`` (made by ``scripts/split_schema.py``), loading only the parts the config reaches;
``jsonschema`` with the full schema is the fallback when no split copy exists (same errors; see
``schema_walk``).
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from clawfence.audit.facts.config import ConfigIssue
from clawfence.audit.facts.schema_walk import ROOT_PART, SchemaError, Walker, relax_required
from clawfence.core.calver import CalVer, parse

SCHEMAS: dict[str, str] = {"2026.9.6": "openclaw-2026.9.6.config-schema.json.gz"}


@lru_cache(maxsize=4)
def load_schema(version: str) -> dict[str, Any]:
    """The packaged JSON Schema for ``version`` (a key of :data:`SCHEMAS`)."""
    blob = resources.files("clawfence.data").joinpath(SCHEMAS[version]).read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(blob))
    return data


def split_dir(version: str) -> str:
    """Directory (relative to ``clawfence/data``) of the split schema parts for ``version``."""
    return f"schema/{version}"


@lru_cache(maxsize=256)
def _part(version: str, name: str) -> Any:
    """One part of the split schema (``_root`` or a dotted properties path); raises FileNotFoundError."""
    blob = resources.files("clawfence.data").joinpath(split_dir(version)).joinpath(f"{name}.json.gz").read_bytes()
    return json.loads(gzip.decompress(blob))


def walker(version: str) -> Walker | None:
    """A :class:`Walker` over the split schema of ``version``, or None when it is not shipped."""
    try:
        _part(version, ROOT_PART)
    except (FileNotFoundError, OSError):
        return None
    return Walker(lambda name: _part(version, name))


def has_key(dotted: str, version: str | None) -> bool | None:
    """Does config key ``dotted`` exist in the schema that applies to ``version``? None when no packaged
    schema applies (older versions: cannot tell). Walks only the split-schema parts on the key's path."""
    used = schema_for(version)
    w = walker(used) if used else None
    if w is None:
        return None
    return w.has_path(dotted.split("."))


@lru_cache(maxsize=1)
def key_history() -> dict[str, dict[str, str]]:
    """Dotted key (``*`` = any name) -> {"retired": version, "note": ...}."""
    from clawfence.core import yamlload  # deferred: only when a key is unknown

    # from the compiled JSON twin when fresh (no PyYAML import on the audit path)
    return {str(k): dict(v) for k, v in (yamlload.packaged("clawfence.data", "key-history.yaml") or {}).items()}


def schema_for(version: str | None) -> str | None:
    """Which packaged schema applies: the newest one not newer than ``version``; None if older."""
    v = parse(version)
    best: str | None = None
    for known in SCHEMAS:
        if v is None or CalVer(known) <= v:
            best = known if best is None or CalVer(known) > CalVer(best) else best
    return best


def retired_in(key: str, version: str | None) -> dict[str, str] | None:
    """History entry if ``key`` is retired in ``version`` (unknown version: assume newest)."""
    v = parse(version)
    for pattern, entry in key_history().items():
        if _match(pattern, key) and (v is None or v >= CalVer(entry["retired"])):
            return entry
    return None


def _match(pattern: str, key: str) -> bool:
    p, k = pattern.split("."), key.split(".")
    return len(p) == len(k) and all(a in ("*", b) for a, b in zip(p, k, strict=True))


def schema_errors(raw: dict[str, Any], used: str) -> list[SchemaError]:
    """Errors of ``raw`` against the ``used`` schema: the split walker when shipped, else jsonschema."""
    w = walker(used)
    if w is not None:
        return list(w.errors(raw))
    return jsonschema_errors(raw, used)


@lru_cache(maxsize=2)
def _relaxed(version: str) -> dict[str, Any]:
    """The full schema with defaulted properties not required (see ``schema_walk.relax_required``)."""
    out: dict[str, Any] = relax_required(load_schema(version))
    return out


def jsonschema_errors(raw: dict[str, Any], used: str) -> list[SchemaError]:
    """Errors of ``raw`` from ``jsonschema.Draft7Validator`` over the full packaged schema, ``required`` relaxed
    like the split copy (reference and fallback path)."""
    import jsonschema  # deferred: 60 ms import, fallback only

    out: list[SchemaError] = []
    for err in jsonschema.Draft7Validator(_relaxed(used)).iter_errors(raw):
        extra: tuple[str, ...] = ()
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            props = err.schema.get("properties", {}) if isinstance(err.schema, dict) else {}
            extra = tuple(k for k in err.instance if k not in props)
        out.append(SchemaError(tuple(err.absolute_path), str(err.validator), err.message, extra))
    return out


def validate(raw: dict[str, Any], version: str | None) -> tuple[str | None, list[ConfigIssue]]:
    """Validate ``raw`` (include-resolved) for ``version``. Returns (schema version used, issues).

    Unknown keys are ``unknown-key``, or ``retired-key`` when :func:`key_history` knows them; bad values are
    ``invalid``. Older versions without a packaged schema get only the retired-key history check.
    """
    issues: list[ConfigIssue] = []
    used = schema_for(version)
    if used is None:
        return None, issues
    for err in schema_errors(raw, used):
        where = ".".join(str(p) for p in err.path)
        if err.keyword == "additionalProperties":
            for k in err.extra:
                key = f"{where}.{k}" if where else k
                hist = retired_in(key, version or used)
                if hist:
                    issues.append(ConfigIssue(path=key, kind="retired-key",
                                              message=f"retired in {hist['retired']}: {hist.get('note', '')}".strip()))
                else:
                    issues.append(ConfigIssue(path=key, kind="unknown-key",
                                              message=f"unknown key in OpenClaw {used} schema"))
        else:
            issues.append(ConfigIssue(path=where or "(root)", kind="invalid", message=err.message[:300]))
    return used, issues
