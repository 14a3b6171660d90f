"""Errors shared by every product part."""

from __future__ import annotations


class UsageError(Exception):
    """Bad input from the user: the CLI prints it as one line and exits 2."""
