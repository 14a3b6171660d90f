"""Where clawfence keeps its own state: ``$CLAWFENCE_HOME`` (default ``~/.clawfence``)."""

from __future__ import annotations

import os
from pathlib import Path


def clawfence_home() -> Path:
    """``$CLAWFENCE_HOME`` or ``~/.clawfence`` (keys, action log, baseline, backups, guard state)."""
    return Path(os.environ.get("CLAWFENCE_HOME") or Path.home() / ".clawfence")


def service_home() -> Path:
    """The guard service's private state, outside the agent's reach: ``$CLAWFENCE_SERVICE_HOME`` or
    ``/var/lib/clawfence`` (owned by the ``clawfence`` OS user, mode 0700): signing keys, approvals store, TOTP
    secrets, the decision socket. The agent's user can neither read nor write it (guide E4.2, E5.1, D3.2)."""
    return Path(os.environ.get("CLAWFENCE_SERVICE_HOME") or "/var/lib/clawfence")


def trust_dir() -> Path:
    """Pinned public keys and anchors a verifier trusts: ``$CLAWFENCE_TRUST_DIR`` or ``/etc/clawfence/trust``
    (root-owned, world-readable, not writable by the agent's user)."""
    return Path(os.environ.get("CLAWFENCE_TRUST_DIR") or "/etc/clawfence/trust")
