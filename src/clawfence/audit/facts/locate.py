"""Find an OpenClaw installation exactly as OpenClaw does.

Source: OpenClaw ``src/config/paths.ts`` (``resolveStateDir``, ``resolveConfigPath``,
``LEGACY_STATE_DIRNAMES``), ``src/infra/home-dir.ts``; ``docs/help/environment.md``.
Precedence: ``--state-dir`` > ``OPENCLAW_STATE_DIR`` > ``--profile``/``OPENCLAW_PROFILE``
(``~/.openclaw-<profile>``) > ``~/.openclaw`` > legacy ``~/.clawdbot`` (only if the new one is absent).
Home = ``OPENCLAW_HOME`` > ``$HOME``. Config = ``--config`` > ``OPENCLAW_CONFIG_PATH`` >
``<state>/openclaw.json`` > legacy ``<state>/clawdbot.json``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LEGACY_STATE_DIRNAMES = (".clawdbot",)
CONFIG_FILENAME = "openclaw.json"
LEGACY_CONFIG_FILENAMES = ("clawdbot.json",)


@dataclass(frozen=True, slots=True)
class Installation:
    """Resolved paths of one installation. ``how`` says which rule picked the state dir."""

    home: Path
    state_dir: Path
    config_path: Path
    how: str
    profile: str | None = None


def resolve_home(env: Mapping[str, str]) -> Path:
    """OpenClaw's home: ``OPENCLAW_HOME`` > ``HOME`` > ``USERPROFILE`` > the OS home."""
    for var in ("OPENCLAW_HOME", "HOME", "USERPROFILE"):
        v = env.get(var)
        if v:
            return Path(os.path.expanduser(v))
    return Path.home()


def locate(
    state_dir: str | None = None,
    config_path: str | None = None,
    profile: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Installation:
    """Resolve the state dir and config path. Does not require them to exist."""
    env = os.environ if env is None else env
    home = resolve_home(env)
    profile = profile or env.get("OPENCLAW_PROFILE") or None
    if state_dir:
        sd, how = Path(os.path.expanduser(state_dir)), "--state-dir"
    elif env.get("OPENCLAW_STATE_DIR"):
        sd, how = Path(os.path.expanduser(env["OPENCLAW_STATE_DIR"])), "OPENCLAW_STATE_DIR"
    elif profile and profile != "default":
        sd, how = home / f".openclaw-{profile}", f"profile {profile}"
    else:
        sd, how = home / ".openclaw", "default"
        if not sd.exists():
            for legacy in LEGACY_STATE_DIRNAMES:
                if (home / legacy).exists():
                    sd, how = home / legacy, f"legacy {legacy}"
                    break
    if config_path:
        cp = Path(os.path.expanduser(config_path))
    elif env.get("OPENCLAW_CONFIG_PATH"):
        cp = Path(os.path.expanduser(env["OPENCLAW_CONFIG_PATH"]))
    else:
        cp = sd / CONFIG_FILENAME
        if not cp.exists():
            for legacy in LEGACY_CONFIG_FILENAMES:
                if (sd / legacy).exists():
                    cp = sd / legacy
                    break
    return Installation(home=home, state_dir=sd, config_path=cp, how=how, profile=profile)
