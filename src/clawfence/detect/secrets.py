"""Secret formats and strength: provider key patterns, entropy, known-weak passwords.

Patterns follow the public formats of each provider (Anthropic ``sk-ant-``, OpenAI ``sk-``/``sk-proj-``,
AWS ``AKIA``, GitHub ``ghp_``/``github_pat_``, Slack ``xox?-``, Telegram bot tokens, Google ``AIza``,
PEM/OpenSSH private keys, JWTs). Used by the audit (E7.1), the guard (D3.2) and the trail (E7.2).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class SecretMatch:
    """A secret found in text: detector name, character span, matched value (never print it raw)."""

    kind: str
    start: int
    end: int
    value: str


#: (name, regex) in order of specificity.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # The whole PEM block when its END line is there (else the BEGIN line and what follows, bounded), so that
    # redacting the match never leaves the key body readable.
    ("private-key", re.compile(
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"
        r"(?:[\s\\nA-Za-z0-9+/=:,\-]{0,16384}?-----END [A-Z ]{0,40}-----|[\s\\nA-Za-z0-9+/=:,\-]{0,16384})")),
    ("anthropic-api-key", re.compile(r"\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_\-]{20,}")),
    ("openai-api-key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}")),
    ("openrouter-api-key", re.compile(r"\bsk-or-v1-[a-f0-9]{32,}")),
    ("aws-access-key-id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b")),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})")),
    ("gitlab-token", re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}")),
    ("slack-token", re.compile(r"\bxox[abposr]-[A-Za-z0-9\-]{10,}")),
    ("slack-webhook", re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9/]{20,}")),
    ("telegram-bot-token", re.compile(r"\b\d{8,10}:AA[A-Za-z0-9_\-]{30,}")),
    ("discord-bot-token", re.compile(r"\b[MNO][A-Za-z\d_\-]{23,25}\.[A-Za-z\d_\-]{6}\.[A-Za-z\d_\-]{27,}")),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    ("stripe-key", re.compile(r"\b(?:sk|rk)_live_[0-9a-zA-Z]{20,}")),
    ("huggingface-token", re.compile(r"\bhf_[A-Za-z0-9]{30,}")),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}")),
    # Credentials in HTTP headers and URLs (RFC 6750 Bearer, RFC 7617 Basic, RFC 3986 userinfo). The value is
    # group 1: only the credential is redacted, the scheme stays readable.
    ("http-authorization", re.compile(
        r"(?i)\bauthorization\s*[:=]\s*[\"']?(?:bearer|basic|token|digest|apikey)?\s*([A-Za-z0-9._~+/=\-]{8,})")),
    ("bearer-token", re.compile(r"(?i)\bbearer\s+([A-Za-z0-9._~+/\-]{12,}=*)")),
    ("basic-credentials", re.compile(r"(?i)\bbasic\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])")),
    ("api-key-header", re.compile(r"(?i)\b(?:x-api-key|x-auth-token|api-key|x-goog-api-key)\s*[:=]\s*[\"']?([^\s\"',;]{8,})")),
    ("url-password", re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://[^\s:/@'\"]+:([^\s@/'\"]{3,})@")),
)


def _basic_ok(value: str) -> bool:
    """A Basic credential is base64 of ``user:password`` (so prose like "basic authentication" is not one)."""
    import base64
    import binascii

    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in raw and all(32 <= c < 127 for c in raw)


def _bearer_ok(value: str) -> bool:
    """A bearer token has digits or mixed case (not a plain English word after "bearer")."""
    return any(c.isdigit() for c in value) or (any(c.isupper() for c in value) and any(c.islower() for c in value))


#: Extra judgement of a candidate value, per pattern name (False: not a secret).
_VALIDATORS = {"basic-credentials": _basic_ok, "bearer-token": _bearer_ok, "http-authorization": _bearer_ok}


#: Necessary condition for any match of the provider patterns known when this was written: a literal each
#: pattern's match must contain. The pattern scan runs only when it matches (36x faster on clean text); if
#: ``PATTERNS`` gains a pattern not in ``_PREFILTER_COVERS`` the prefilter is skipped.
_PREFILTER = re.compile(r"-----BEGIN|sk-|AKIA|ASIA|ABIA|ACCA|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|"
                        r"hooks\.slack\.com|:AA|AIza|_live_|hf_|eyJ|[MNO][A-Za-z\d_\-]{23,25}\.|"
                        r"(?i:bearer|basic|authorization|api-key|auth-token)|://[^\s:/@]+:[^\s@/]+@")
_PREFILTER_COVERS = frozenset({
    "private-key", "anthropic-api-key", "openai-api-key", "openrouter-api-key", "aws-access-key-id",
    "github-token", "gitlab-token", "slack-token", "slack-webhook", "telegram-bot-token", "discord-bot-token",
    "google-api-key", "stripe-key", "huggingface-token", "jwt", "http-authorization", "bearer-token",
    "basic-credentials", "api-key-header", "url-password"})


def find_secrets(text: str) -> list[SecretMatch]:
    """All provider-format secrets in ``text``, non-overlapping, in order of position.

    Clean text (no literal any pattern needs) returns at once; the prefilter disables itself when
    :data:`PATTERNS` holds a pattern it was not written for, so it can never hide a match."""
    if {name for name, _ in PATTERNS} <= _PREFILTER_COVERS and not _PREFILTER.search(text):
        return []
    found: list[SecretMatch] = []
    taken: list[tuple[int, int]] = []
    for name, rx in PATTERNS:
        ok = _VALIDATORS.get(name)
        for m in rx.finditer(text):
            g = 1 if rx.groups else 0
            start, end = m.start(g), m.end(g)
            if any(start < e and s < end for s, e in taken):
                continue
            value = m.group(g)
            if ok is not None and not ok(value):
                continue
            if _is_marker(text, start, end):
                continue
            taken.append((start, end))
            found.append(SecretMatch(name, start, end, value))
    return sorted(found, key=lambda s: s.start)


def _is_marker(text: str, start: int, end: int) -> bool:
    """True when the span is (part of) a redaction marker ``abcd…(40 chars)``: never redact twice."""
    return "…(" in text[start:end + 2]


def classify(value: str) -> str | None:
    """Provider format of a whole value, or None if it matches no known format."""
    for name, rx in PATTERNS:
        m = rx.search(value)
        if m and (m.end() - m.start()) >= len(value) * 0.8:
            return name
    return None


def entropy_bits(value: str) -> float:
    """Estimated entropy in bits: min of Shannon entropy x length and charset size bound."""
    if not value:
        return 0.0
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    shannon = -sum(c / n * math.log2(c / n) for c in counts.values()) * n
    charset = 0
    if re.search(r"[a-z]", value):
        charset += 26
    if re.search(r"[A-Z]", value):
        charset += 26
    if re.search(r"\d", value):
        charset += 10
    if re.search(r"[^A-Za-z0-9]", value):
        charset += 33
    return round(min(shannon, n * math.log2(max(charset, 2))), 1)


@lru_cache(maxsize=1)
def weak_passwords() -> frozenset[str]:
    """Known weak and leaked passwords (lower-cased), from ``data/weak-passwords.txt``."""
    text = resources.files("clawfence.data").joinpath("weak-passwords.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


_PLACEHOLDER_RE = re.compile(
    r"(?i)^(?:change[-_ ]?me|your[-_ ].*|replace[-_ ]?me|x{4,}|todo|placeholder|example|secret|token|password|<.*>)$"
)


def weakness(value: str, min_length: int = 24, min_bits: float = 96.0) -> str | None:
    """Why ``value`` is a weak shared secret, or None if it is strong.

    Weak means: a known weak/leaked password or placeholder, shorter than ``min_length`` characters
    (OpenClaw's own audit wants >= 24, ``gateway.token_too_short``), or below ``min_bits`` of entropy.
    """
    low = value.lower()
    if low in weak_passwords() or _PLACEHOLDER_RE.match(value):
        return "known weak or leaked password / placeholder"
    if len(value) < min_length:
        return f"shorter than {min_length} characters"
    if entropy_bits(value) < min_bits:
        return f"low entropy (~{entropy_bits(value):.0f} bits < {min_bits:.0f})"
    return None


#: Names of variables / options that carry a credential (environment variables, CLI flags, config keys):
#: ``OPENCLAW_GATEWAY_TOKEN``, ``OPENAI_API_KEY``, ``DB_PASSWORD``, ``CLAUDE_WEB_COOKIE``, ``--token``.
SECRET_NAME_RE = re.compile(
    r"(?i)(?:^|[_\-.])(?:token|secret|passw(?:or)?d|passphrase|pass|pwd|api[_\-]?key|access[_\-]?key|"
    r"private[_\-]?key|client[_\-]?secret|session[_\-]?key|cookie|credentials?|auth|bearer|key)(?:$|[_\-.])"
)
#: Names that match the pattern above yet never hold a secret (paths to one, public parts, switches).
_NOT_SECRET_NAME_RE = re.compile(r"(?i)(?:_(?:file|path|dir|url|id|type|mode|name|enabled|disabled|required|"
                                 r"ttl|length)$|^(?:auth_?mode|key_?id|public_?key)$)")


def is_secret_name(name: str) -> bool:
    """True when a variable or option named ``name`` carries a credential by its name (``*_TOKEN``,
    ``*_API_KEY``, ``*PASSWORD``, ``--token``), and is not merely a pointer to one (``*_FILE``, ``*_PATH``)."""
    bare = name.lstrip("-")
    return bool(SECRET_NAME_RE.search(bare)) and not _NOT_SECRET_NAME_RE.search(bare)
