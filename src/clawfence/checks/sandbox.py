"""Checks: sandbox (see registry.MODULE_PREFIX for the id prefix)."""

from __future__ import annotations
