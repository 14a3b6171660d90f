"""Redaction: the only way a secret value may appear in any output (first 4 chars + length)."""

from __future__ import annotations

import re


def redact(value: str) -> str:
    """Show a secret as its first 4 characters and its length, e.g. ``'sk-a…(108 chars)'``.

    Values of 8 characters or fewer show only their length, so a short secret never shows half of itself.
    """
    if len(value) <= 8:
        return f"…({len(value)} chars)"
    return f"{value[:4]}…({len(value)} chars)"


def redact_in_text(text: str, secrets: list[str]) -> str:
    """Replace every occurrence of each secret in ``text`` by its redacted form."""
    for s in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(s, redact(s))
    return text


_ASSIGN_RE = re.compile(r"(?i)((?:token|password|secret|api[_-]?key|key)\s*[=:]\s*)([^\s'\"]{6,})")


def redact_assignments(text: str) -> str:
    """Redact ``token=VALUE``-style assignments in free text (log lines, command lines)."""
    return _ASSIGN_RE.sub(lambda m: m.group(1) + redact(m.group(2)), text)
