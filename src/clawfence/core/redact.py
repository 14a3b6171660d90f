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


_ASSIGN_RE = re.compile(
    r"(?i)((?:token|password|passwd|pwd|secret|api[_-]?key|access[_-]?key|key)[\"']?\s*[=:]\s*[\"']?)([^\s'\",;&]{6,})")
#: What :func:`redact` produces: a value already redacted is never redacted again (no ``…(8 chars) chars)``).
_REDACTED_RE = re.compile(r"…\(\d+ chars\)")


def is_redacted(value: str) -> bool:
    """True if ``value`` already holds a :func:`redact` marker (so it must not be redacted a second time)."""
    return bool(_REDACTED_RE.search(value)) or value.startswith("…(")


def redact_assignments(text: str) -> str:
    """Redact ``token=VALUE``-style assignments in free text (log lines, command lines, JSON-ish text).
    Idempotent: a value that is already a redaction marker is left as it is."""
    def sub(m: re.Match[str]) -> str:
        value = m.group(2)
        rest = text[m.end(2):m.end(2) + 12]
        if is_redacted(value) or is_redacted(value + rest):
            return m.group(0)
        return m.group(1) + redact(value)

    return _ASSIGN_RE.sub(sub, text)
