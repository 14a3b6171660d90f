"""Shared vocabulary of the code analysers: sensitive sources (from :mod:`clawfence.detect.paths`), network/exec
sinks, and :class:`CodeHit`.

Sources are credential/wallet/agent-secret locations (SSH private keys, cloud credentials, OpenClaw ``.env`` /
``openclaw.json`` / auth profiles, browser password and cookie stores, keychains, wallet files and extension
storage, shell histories). A skill reading its own config from ``~/.openclaw/skills-config`` is not a source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# the protected-path vocabulary as text patterns lives in the detection kernel (one vocabulary for guard, skills and
# trail); re-exported here for the analysers that import it from this module
from clawfence.detect.paths import AGENT_SECRETS, SENSITIVE, STATE_DIR

SECRET_ENV_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|MNEMONIC|SEED)", re.I)
FIELD_EXTRACT = re.compile(
    r"(\[\s*[\"'][\w.-]*(key|token|secret|api|auth)[\w.-]*[\"']\s*\]|\.get\(\s*[\"'][\w.-]*(key|token|secret|api|auth)|"
    r"\.(api_?key|apiKey|token|accessToken|access_token)\b|jq\s+(-r\s+)?[\"']?\.[\w.\[\]\"]*(key|token|secret|api))",
    re.I,
)
PIPE_TO_SHELL = re.compile(
    r"(\b(curl|wget)\b[^|\n]{0,300}\|\s*(sudo\s+)?(ba|z|da)?sh\b|base64\s+-[dD][^|\n]{0,40}\|\s*(ba|z)?sh\b|"
    r"(ba)?sh\s+-c\s+[\"']?\$\((curl|wget))"
)


def is_sensitive(text: str, rx: re.Pattern[str] = SENSITIVE) -> bool:
    """True when ``text`` (a path, or literals joined with ``/``) matches ``rx`` (default: hard secret stores;
    :data:`AGENT_SECRETS` for the OpenClaw config/.env/auth-profiles tier)."""
    return bool(rx.search(text))


@dataclass(frozen=True, slots=True)
class CodeHit:
    """A finding from an analyser: rule id, line relative to the analysed text (1-based), evidence, note."""

    rule: str
    line: int
    evidence: str
    note: str = ""


__all__ = ["AGENT_SECRETS", "FIELD_EXTRACT", "PIPE_TO_SHELL", "SECRET_ENV_NAME", "SENSITIVE", "STATE_DIR", "CodeHit",
           "is_sensitive"]
