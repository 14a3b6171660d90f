"""Redaction for every trail output, and the detector hook shared with the guard.

``scrub(text)`` replaces every secret the detectors find by ``redact()`` (first 4 chars + length) and redacts
``token=VALUE`` assignments. Detectors: ``clawfence.detect.secrets.find_secrets`` plus whatever is in
:data:`PRIVATE_DATA_DETECTORS` (hook: the guard's BIP-39 mnemonic / Luhn card / PRC resident-ID detectors in
``clawfence.detect.privacy``, the same ones the guard applies to outbound data; more can be added with
:func:`register_detector`). A detector is ``Callable[[str], list[SecretMatch]]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from clawfence.core.redact import redact, redact_assignments
from clawfence.detect import privacy
from clawfence.detect import secrets as _secrets
from clawfence.detect.secrets import SecretMatch

Detector = Callable[[str], list[SecretMatch]]

#: Provider-format secrets (the prefiltered shared detector; re-exported for trail modules).
find_secrets = _secrets.find_secrets


def find_private_data(text: str) -> list[SecretMatch]:
    """Bank cards (Luhn), BIP-39 mnemonics (checksum) and PRC resident IDs (GB 11643) via
    :mod:`clawfence.detect.privacy`, the detectors the guard uses on outbound data."""
    out = [SecretMatch("payment-card", s, e, text[s:e]) for s, e, _ in privacy.find_cards(text)]
    out += [SecretMatch("mnemonic", s, e, text[s:e]) for s, e in privacy.find_mnemonics(text)]
    out += [SecretMatch("prc-id", s, e, text[s:e]) for s, e in privacy.find_prc_ids(text)]
    return out


#: Private-data detectors (P5.1); more can be added with :func:`register_detector`.
PRIVATE_DATA_DETECTORS: list[Detector] = [find_private_data]


def register_detector(fn: Detector) -> None:
    """Add a private-data detector (idempotent)."""
    if fn not in PRIVATE_DATA_DETECTORS:
        PRIVATE_DATA_DETECTORS.append(fn)


def find_private(text: str) -> list[SecretMatch]:
    """Matches of every private-data detector."""
    out: list[SecretMatch] = []
    for det in PRIVATE_DATA_DETECTORS:
        out.extend(det(text))
    return out


#: Secret values configured in the installation being read (gateway token, bot tokens, .env, auth profiles):
#: redacted wherever they appear, whatever their format. Filled by :func:`add_known_secrets`.
_KNOWN: list[str] = []


def add_known_secrets(values: list[str]) -> None:
    """Redact these literal values from every trail output from now on (longest first; values under 6
    characters are ignored). Used with :func:`clawfence.audit.facts.known_secrets.configured_secrets`."""
    merged = set(_KNOWN) | {v for v in values if len(v) >= 6}
    _KNOWN[:] = sorted(merged, key=lambda v: (-len(v), v))


def find_known(text: str) -> list[SecretMatch]:
    """Occurrences of the configured secret values in ``text``."""
    out: list[SecretMatch] = []
    for v in _KNOWN:
        start = text.find(v)
        while start >= 0:
            out.append(SecretMatch("configured-secret", start, start + len(v), v))
            start = text.find(v, start + len(v))
    return out


def find_all(text: str) -> list[SecretMatch]:
    """Secrets (provider formats, HTTP credentials, configured values) and private data in ``text``."""
    return find_known(text) + find_secrets(text) + find_private(text)


def scrub(text: str) -> str:
    """``text`` with every secret / private datum redacted."""
    if not text:
        return text
    kept: list[SecretMatch] = []
    for m in sorted(find_all(text), key=lambda m: (m.start, -m.end)):
        if not kept or m.start >= kept[-1].end:
            kept.append(m)
    for m in reversed(kept):
        text = text[:m.start] + redact(m.value) + text[m.end:]
    return redact_assignments(text)


def scrub_obj(obj: Any) -> Any:
    """Deep copy of a JSON value with every string scrubbed (keys kept)."""
    if isinstance(obj, str):
        return scrub(obj)
    if isinstance(obj, dict):
        return {k: scrub_obj(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [scrub_obj(v) for v in obj]
    return obj
