"""Known secrets the guard must never let out: the gateway token and the user's own secrets, as hashes.

The gateway token is read once from ``openclaw.json`` (``gateway.auth.token`` / ``gateway.auth.password``
when literal strings) and ``$OPENCLAW_GATEWAY_TOKEN`` and kept only as salted hashes
(:class:`clawfence.detect.privacy.SecretHashes`). The user's own secrets are stored hashed in
``$CLAWFENCE_HOME/guard/known-secrets.json`` (``{"salt": hex, "user": [hex...], "min_length": n}``, 0600),
never in clear. Guide D3.2 (no tokens sent out), C3.4.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import json5

from clawfence.core.atomic import atomic_write_text
from clawfence.core.paths import clawfence_home
from clawfence.detect.privacy import SecretHashes


def gateway_secrets(config_path: Path) -> list[str]:
    """Literal gateway token/password in ``config_path`` plus ``$OPENCLAW_GATEWAY_TOKEN``/``_PASSWORD``."""
    out = [v for v in (os.environ.get("OPENCLAW_GATEWAY_TOKEN"), os.environ.get("OPENCLAW_GATEWAY_PASSWORD")) if v]
    try:
        doc: Any = json5.loads(Path(config_path).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return out
    auth = (doc.get("gateway") or {}).get("auth") or {} if isinstance(doc, dict) else {}
    for k in ("token", "password"):
        v = auth.get(k) if isinstance(auth, dict) else None
        if isinstance(v, str) and v and not v.startswith("${"):
            out.append(v)
    return out


def user_file() -> Path:
    """``$CLAWFENCE_HOME/guard/known-secrets.json``."""
    return clawfence_home() / "guard" / "known-secrets.json"


def add_user_secret(value: str, path: Path | None = None) -> int:
    """Hash ``value`` into the user secrets file (created 0600); returns how many are stored.
    Raises ``ValueError`` for values shorter than 8 characters."""
    if len(value) < 8:
        raise ValueError("secrets shorter than 8 characters cannot be matched reliably")
    p = path or user_file()
    doc: dict[str, Any] = {"salt": os.urandom(16).hex(), "user": [], "min_length": len(value)}
    if p.exists():
        doc = json.loads(p.read_text(encoding="utf-8"))
    salt = bytes.fromhex(doc["salt"])
    h = SecretHashes.digest(salt, value)
    if h not in doc["user"]:
        doc["user"].append(h)
    doc["min_length"] = min(int(doc.get("min_length", len(value))), len(value))
    p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write_text(p, json.dumps(doc, indent=1) + "\n", mode=0o600)
    return len(doc["user"])


def load_hashes(config_path: Path, path: Path | None = None) -> SecretHashes:
    """Hashes of the gateway secrets in ``config_path`` and of the stored user secrets."""
    p = path or user_file()
    salt = os.urandom(16)
    user: frozenset[str] = frozenset()
    min_len = 8
    if p.exists():
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
            salt = bytes.fromhex(doc["salt"])
            user = frozenset(str(x) for x in doc.get("user", []))
            min_len = int(doc.get("min_length", 8))
        except (OSError, ValueError, KeyError, TypeError):
            pass
    g = SecretHashes.from_values(gateway=gateway_secrets(config_path), salt=salt)
    lengths = [min_len] if user else []
    lengths += [g.min_length] if g.gateway else []
    return SecretHashes(salt=salt, gateway=g.gateway, user=user, min_length=min(lengths) if lengths else 8)
