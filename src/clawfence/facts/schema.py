"""Version-aware validation of ``openclaw.json`` against OpenClaw's own JSON Schema.

Source: ``openclaw config schema`` of 2026.9.6 (packaged as ``data/openclaw-2026.9.6.config-schema.json.gz``)
and the retired-key history in ``data/key-history.yaml`` (reference/openclaw.md §2, fixtures/README.md
"Known schema caveat"). OpenClaw's schema is strict: an unknown key makes the gateway refuse to start.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from clawfence.calver import CalVer, parse
from clawfence.facts.config import ConfigIssue

SCHEMAS: dict[str, str] = {"2026.9.6": "openclaw-2026.9.6.config-schema.json.gz"}


@lru_cache(maxsize=4)
def load_schema(version: str) -> dict[str, Any]:
    """The packaged JSON Schema for ``version`` (a key of :data:`SCHEMAS`)."""
    blob = resources.files("clawfence.data").joinpath(SCHEMAS[version]).read_bytes()
    data: dict[str, Any] = json.loads(gzip.decompress(blob))
    return data


@lru_cache(maxsize=1)
def key_history() -> dict[str, dict[str, str]]:
    """Dotted key (``*`` = any name) -> {"retired": version, "note": ...}."""
    text = resources.files("clawfence.data").joinpath("key-history.yaml").read_text(encoding="utf-8")
    return {str(k): dict(v) for k, v in (yaml.safe_load(text) or {}).items()}


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


def validate(raw: dict[str, Any], version: str | None) -> tuple[str | None, list[ConfigIssue]]:
    """Validate ``raw`` (include-resolved) for ``version``. Returns (schema version used, issues).

    Unknown keys are ``unknown-key``, or ``retired-key`` when :func:`key_history` knows them; bad values are
    ``invalid``. Older versions without a packaged schema get only the retired-key history check.
    """
    import jsonschema  # deferred: only needed when a schema applies

    issues: list[ConfigIssue] = []
    used = schema_for(version)
    if used is None:
        return None, issues
    validator = jsonschema.Draft7Validator(load_schema(used))
    for err in validator.iter_errors(raw):
        where = ".".join(str(p) for p in err.absolute_path)
        if err.validator == "additionalProperties":
            extra = [k for k in err.instance if k not in err.schema.get("properties", {})] if isinstance(
                err.instance, dict) else []
            for k in extra:
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
