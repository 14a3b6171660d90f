"""Shared vocabulary of the code analysers: sensitive sources, network/exec sinks, and :class:`CodeHit`.

Sources are credential/wallet/agent-secret locations (SSH private keys, cloud credentials, OpenClaw ``.env`` /
``openclaw.json`` / auth profiles, browser password and cookie stores, keychains, wallet files and extension
storage, shell histories). A skill reading its own config from ``~/.openclaw/skills-config`` is not a source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SENSITIVE = re.compile(
    r"(\.ssh/+(id_|\*|identity)(?![\w.-]*\.pub\b)|\.aws/+credentials|gcloud/+(application_default|credentials|legacy_credentials)|"
    r"\.azure/+(accessTokens|msal)|\.kube/+config|\.docker/+config\.json|\.npmrc|\.pypirc|\.netrc|\.git-credentials|gh/+hosts\.ya?ml|"
    r"(\.openclaw|\.clawdbot|\.moltbot)/+(.*/)?(\.env|openclaw\.json|clawdbot\.json|auth-profiles|credentials)|auth-profiles\.json|"
    r"Login Data|Local State|Cookies(\.sqlite)?$|/Cookies\b|Web Data|key4\.db|logins\.json|Keychains|login\.keychain|"
    r"Local Extension Settings|exodus\.wallet|electrum/+wallets|wallet\.dat|/keystore\b|Ethereum/+keystore|solana/+id\.json|"
    r"atomic/+Local Storage|\.gnupg|_history\b|tdata\b|"
    r"find-generic-password|find-internet-password|dump-keychain|hidden answer)",
    re.I,
)
STATE_DIR = re.compile(r"(\.openclaw|\.clawdbot|\.moltbot)[\"'/]*$")
SECRET_ENV_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|MNEMONIC|SEED)", re.I)
PIPE_TO_SHELL = re.compile(
    r"(\b(curl|wget)\b[^|\n]{0,300}\|\s*(sudo\s+)?(ba|z|da)?sh\b|base64\s+-[dD][^|\n]{0,40}\|\s*(ba|z)?sh\b|"
    r"(ba)?sh\s+-c\s+[\"']?\$\((curl|wget))"
)


def is_sensitive(text: str) -> bool:
    """True when ``text`` (a path, or literals joined with ``/``) names a credential/wallet/secret source."""
    return bool(SENSITIVE.search(text))


@dataclass(frozen=True, slots=True)
class CodeHit:
    """A finding from an analyser: rule id, line relative to the analysed text (1-based), evidence, note."""

    rule: str
    line: int
    evidence: str
    note: str = ""
