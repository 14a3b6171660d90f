"""Where clawfence keeps its own state: ``$CLAWFENCE_HOME`` (default ``~/.clawfence``)."""

from __future__ import annotations

import os
from pathlib import Path


def clawfence_home() -> Path:
    """``$CLAWFENCE_HOME`` or ``~/.clawfence`` (keys, action log, baseline, backups, guard state)."""
    return Path(os.environ.get("CLAWFENCE_HOME") or Path.home() / ".clawfence")
