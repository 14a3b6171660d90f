"""The secret VALUES configured in an OpenClaw installation, for in-memory redaction only (guide E7.2).

Facts keep only summaries of secrets; the trail and SIEM export need the values themselves to redact a gateway
token or bot token that matches no provider format when it shows up in a transcript, a recorded command
(``curl -H "Authorization: Bearer <token>"``) or a gateway log. Sources: literal strings at secret keys of
``openclaw.json`` and its ``$include`` files (:func:`clawfence.audit.facts.config.is_secret_key`), ``.env``
values, auth-profile keys (``agents/*/agent/auth-profiles.json``), ``$OPENCLAW_GATEWAY_TOKEN`` /
``$OPENCLAW_GATEWAY_PASSWORD``. The values are never written anywhere.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from clawfence.audit.facts.config import ConfigLoadError, is_secret_key, read_config

#: Shorter values are not redacted by literal match (they would hit ordinary words).
MIN_LENGTH = 6


def _walk(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, f"{prefix}.{i}")
    else:
        yield prefix, obj


def config_values(config: Mapping[str, Any]) -> list[str]:
    """Literal (not ``${VAR}``) string values at secret keys of a parsed config (pure)."""
    return [v for k, v in _walk(dict(config)) if isinstance(v, str) and len(v) >= MIN_LENGTH
            and not v.startswith("${") and is_secret_key(k)]


def dotenv_values(text: str) -> list[str]:
    """Non-empty values of ``KEY=value`` lines (pure)."""
    out = []
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#") or "=" not in s:
            continue
        value = s.removeprefix("export ").partition("=")[2].strip().strip("'\"")
        if len(value) >= MIN_LENGTH:
            out.append(value)
    return out


def auth_profile_values(doc: Any) -> list[str]:
    """Plaintext credentials of an auth-profile store (``profiles.<id>.{key,token,access,refresh,apiKey}``)."""
    profiles = doc.get("profiles") if isinstance(doc, dict) else None
    out: list[str] = []
    if isinstance(profiles, dict):
        for prof in profiles.values():
            if isinstance(prof, dict):
                out += [v for f in ("key", "token", "access", "refresh", "apiKey")
                        if isinstance(v := prof.get(f), str) and len(v) >= MIN_LENGTH]
    return out


def configured_secrets(state_dir: Path, config_path: Path | None = None,
                       env: Mapping[str, str] | None = None) -> list[str]:
    """Every configured secret value of the installation at ``state_dir`` (I/O, best effort: unreadable files
    are skipped, a config that does not load contributes nothing). Longest first, no duplicates."""
    env = os.environ if env is None else env
    found: list[str] = [v for k in ("OPENCLAW_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PASSWORD")
                        if len(v := env.get(k, "")) >= MIN_LENGTH]
    cfg = config_path or state_dir / "openclaw.json"
    if cfg.is_file():
        with contextlib.suppress(ConfigLoadError):  # a config that does not load contributes nothing
            found += config_values(read_config(cfg, env)[1])
    dotenv = state_dir / ".env"
    try:
        if dotenv.is_file() and dotenv.stat().st_size < 1_000_000:
            found += dotenv_values(dotenv.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        pass
    for p in sorted(state_dir.glob("agents/*/agent/auth-profiles.json")):
        try:
            found += auth_profile_values(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return sorted(set(found), key=lambda v: (-len(v), v))
