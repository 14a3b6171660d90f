"""Hardened deployment templates for OpenClaw (``clawfence deploy render systemd|compose|helm``).

Layer: beside guard/skills/trail (it reads the guard's packaged plugin); nothing here imports ``audit``.
"""

from __future__ import annotations

from clawfence.deploy.render import TARGETS, Options, RenderError, Written, openclaw_config, render, write

__all__ = ["TARGETS", "Options", "RenderError", "Written", "openclaw_config", "render", "write"]
