"""Fleet-comparable credential fingerprints (``audit --save-facts`` with a fleet salt; guide C1.3, E7.3).

One host's snapshot only fingerprints secrets under a per-run random salt, so two hosts' fingerprints can never be
compared. For a fleet audit the operator gives every host the SAME secret salt (env ``CLAWFENCE_FLEET_SALT`` or
``audit --fleet-salt-file FILE``); the facts then carry ``HMAC-SHA256(salt, value)`` truncated to 96 bits for the
gateway credentials, and ``clawfence fleet report`` finds the hosts sharing one. Without a fleet salt nothing
comparable is written (``Facts.fleet`` stays None).

What the gateway actually uses is resolved the way OpenClaw's server does (``docs/help/environment.md``,
``src/gateway/auth-token-source-conflict.ts``): the config value first (a ``${VAR}`` reference resolved through
process env > ``<stateDir>/.env`` > config ``env.vars``), else the ``OPENCLAW_GATEWAY_TOKEN`` /
``OPENCLAW_GATEWAY_PASSWORD`` variable through the same chain. A SecretRef or an unset variable cannot be resolved
here: it is listed in ``unresolved`` (reported as not analysed, never as "unique").

Threat note: whoever holds both the salt and a facts file can test guesses of a weak token offline, so the salt is
a secret of the fleet controller (keep it in a vault); the facts file alone reveals nothing about the token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from clawfence.core.redact import redact

#: environment variable holding the fleet-wide salt
FLEET_SALT_ENV = "CLAWFENCE_FLEET_SALT"
#: a shorter salt is refused (a guessable salt turns fingerprints into a dictionary-attack oracle)
MIN_SALT_CHARS = 16
#: hex characters kept of each HMAC (96 bits: no collision in any real fleet, nothing to invert)
FINGERPRINT_HEX = 24
#: (config key, environment variable OpenClaw falls back to) of every credential compared across hosts
CREDENTIALS: tuple[tuple[str, str | None], ...] = (
    ("gateway.auth.token", "OPENCLAW_GATEWAY_TOKEN"),
    ("gateway.auth.password", "OPENCLAW_GATEWAY_PASSWORD"),
    ("hooks.token", None),
)
_ENV_REF_RE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")
_DOTENV_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


class FleetSaltError(ValueError):
    """The fleet salt given is unusable (too short, unreadable file)."""


class FleetCredential(BaseModel, frozen=True):
    """One gateway credential: ``key`` (config key), ``source`` (``config``, ``env:VAR``, ``<path>/.env:VAR`` or
    ``config env.vars:VAR``), ``fingerprint`` (hex HMAC-SHA256 under the fleet salt, 24 chars) and ``redacted``
    (first 4 chars + length, :func:`clawfence.core.redact.redact`)."""

    key: str
    source: str
    fingerprint: str
    redacted: str


class FleetFacts(BaseModel, frozen=True):
    """Fleet part of a snapshot. ``salt_id``: HMAC of a fixed label under the salt (12 hex chars), equal on hosts
    audited with the same salt and meaningless otherwise; ``credentials``: resolved credentials;
    ``unresolved``: ``"key: why"`` for credentials configured but not resolvable here (SecretRef, unset var)."""

    salt_id: str
    credentials: list[FleetCredential] = Field(default_factory=list)
    unresolved: list[str] = Field(default_factory=list)


def salt_from(env: Mapping[str, str], salt_file: Path | None = None) -> bytes | None:
    """The fleet salt: the first line of ``salt_file`` if given, else ``env[CLAWFENCE_FLEET_SALT]``, else None.
    Raises :class:`FleetSaltError` if it is shorter than :data:`MIN_SALT_CHARS` or the file cannot be read."""
    if salt_file is not None:
        try:
            text = salt_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FleetSaltError(f"cannot read fleet salt file {salt_file}: {getattr(exc, 'strerror', None) or exc}")\
                from exc
        value = text.strip().splitlines()[0].strip() if text.strip() else ""
        origin = str(salt_file)
    else:
        value = env.get(FLEET_SALT_ENV, "").strip()
        if not value:
            return None
        origin = FLEET_SALT_ENV
    if len(value) < MIN_SALT_CHARS:
        raise FleetSaltError(f"fleet salt from {origin} is shorter than {MIN_SALT_CHARS} characters "
                             "(use e.g. `openssl rand -hex 32`)")
    return value.encode("utf-8")


def fingerprint(salt: bytes, value: str) -> str:
    """Hex HMAC-SHA256(``salt``, ``value``) truncated to :data:`FINGERPRINT_HEX` characters (pure)."""
    return hmac.new(salt, value.encode("utf-8"), hashlib.sha256).hexdigest()[:FINGERPRINT_HEX]


def salt_id(salt: bytes) -> str:
    """Identifier of a salt (12 hex chars) that reveals nothing about it; equal salts give equal ids (pure)."""
    return hmac.new(salt, b"clawfence fleet salt id v1", hashlib.sha256).hexdigest()[:12]


def parse_dotenv(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines of a dotenv file (``export`` prefix, matching quotes and ``#`` comments handled)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        m = _DOTENV_RE.match(line)
        if not m:
            continue
        value = m.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[m.group(1)] = value
    return out


def _get(raw: Mapping[str, Any], dotted: str) -> Any:
    cur: Any = raw
    for part in dotted.split("."):
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return cur


def _lookup(var: str, env: Mapping[str, str], dotenv: Mapping[str, str], dotenv_path: str,
            env_vars: Mapping[str, Any]) -> tuple[str, str] | None:
    """(value, source) of ``var`` by OpenClaw's precedence: process env > ``<stateDir>/.env`` > ``env.vars``."""
    if env.get(var):
        return env[var], f"env:{var}"
    if dotenv.get(var):
        return dotenv[var], f"{dotenv_path}:{var}"
    v = env_vars.get(var)
    if isinstance(v, str) and v:
        return v, f"config env.vars:{var}"
    return None


def collect_fleet(raw: Mapping[str, Any] | None, state_dir: Path, env: Mapping[str, str], salt: bytes) -> FleetFacts:
    """Fingerprint the gateway credentials of one installation (reads ``<state_dir>/.env`` only).

    ``raw``: the include-resolved config with secrets in clear (None when there is no config file); ``env``: the
    environment OpenClaw would see (the auditing process's). Values never leave this function except as
    fingerprint and redacted form."""
    cfg: Mapping[str, Any] = raw or {}
    dotenv_file = state_dir / ".env"
    try:
        dotenv = parse_dotenv(dotenv_file.read_text(encoding="utf-8", errors="replace")) if dotenv_file.is_file() else {}
    except OSError:
        dotenv = {}
    env_vars = _get(cfg, "env.vars")
    env_vars = env_vars if isinstance(env_vars, Mapping) else {}
    creds: list[FleetCredential] = []
    unresolved: list[str] = []
    for key, fallback in CREDENTIALS:
        value = _get(cfg, key)
        found: tuple[str, str] | None = None
        if isinstance(value, str) and value:
            m = _ENV_REF_RE.match(value)
            if m:
                found = _lookup(m.group(1), env, dotenv, str(dotenv_file), env_vars)
                if found is None:
                    unresolved.append(f"{key}: ${{{m.group(1)}}} is not set where clawfence can see it")
            elif "${" in value:
                unresolved.append(f"{key}: a template mixing text and variables is not resolved")
            else:
                found = (value, "config")
        elif isinstance(value, Mapping):
            unresolved.append(f"{key}: a SecretRef ({value.get('source')}) is resolved only by the gateway")
        elif fallback is not None:
            found = _lookup(fallback, env, dotenv, str(dotenv_file), env_vars)
        if found is not None:
            creds.append(FleetCredential(key=key, source=found[1], fingerprint=fingerprint(salt, found[0]),
                                         redacted=redact(found[0])))
    return FleetFacts(salt_id=salt_id(salt), credentials=creds, unresolved=unresolved)
