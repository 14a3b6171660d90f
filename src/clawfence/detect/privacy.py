"""Outbound-content detectors: secrets, BIP-39 mnemonics, bank cards, PRC resident IDs, user secrets by hash.

The one entry point for other modules (guard, trail) is :func:`scan_text`, which returns
:class:`Detection` records carrying only a *redacted* form of what was found (``clawfence.core.redact.redact``),
never the value itself. Sources: guide D3.2 ("prohibit sending tokens, private keys and mnemonic phrases
to external networks"), P5.1 (bank cards, ID cards), C3.4 (privacy leakage).

* Provider secrets: ``clawfence.detect.secrets.PATTERNS`` (provider formats, PEM/OpenSSH keys, JWTs).
* BIP-39 mnemonics: runs of 12/15/18/21/24 words of the English wordlist (``mnemonic`` package) whose
  checksum validates (so ordinary English prose does not match).
* Bank card numbers: 13-19 digits (spaces/dashes allowed between groups) passing the Luhn check with a
  known issuer prefix (2-6).
* PRC resident identity numbers: 18 characters, valid date of birth, GB 11643-1999 ISO 7064 MOD 11-2
  check digit.
* Known secrets: the gateway token and the user's own secrets, matched by salted SHA-256 of candidate
  tokens (:class:`SecretHashes`); the clear values are never kept.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from clawfence.core.redact import redact
from clawfence.detect.secrets import _PREFILTER, _PREFILTER_COVERS, PATTERNS

#: the secrets prefilter covers every pattern (checked once at import: a new pattern switches the prefilter off)
_PREFILTER_OK = {name for name, _ in PATTERNS} <= _PREFILTER_COVERS

#: Detection kinds that are credentials (D3.2: never sent out) vs personal data (P5.1: ask a person).
SECRET_KINDS = frozenset({"secret", "mnemonic", "gateway-token", "user-secret"})
PERSONAL_KINDS = frozenset({"bank-card", "prc-id"})


@dataclass(frozen=True, slots=True)
class Detection:
    """One finding in scanned text: ``kind`` (secret|mnemonic|bank-card|prc-id|gateway-token|user-secret),
    ``detail`` (e.g. the provider format ``openai-api-key``), character span ``[start, end)`` and the
    ``redacted`` value (first 4 chars + length)."""

    kind: str
    start: int
    end: int
    redacted: str
    detail: str = ""


@dataclass(frozen=True)
class SecretHashes:
    """Salted SHA-256 digests of secrets to recognise (the gateway token, the user's own secrets).

    Build with :meth:`from_values` (the clear values are hashed and dropped) or from stored digests.
    ``min_length`` is the shortest secret tracked; candidate tokens shorter than it are not hashed.
    """

    salt: bytes = field(default_factory=lambda: os.urandom(16))
    gateway: frozenset[str] = frozenset()
    user: frozenset[str] = frozenset()
    min_length: int = 8

    @staticmethod
    def digest(salt: bytes, value: str) -> str:
        """Hex HMAC-SHA256 of ``value`` under ``salt``."""
        return hmac.new(salt, value.encode("utf-8"), hashlib.sha256).hexdigest()

    @classmethod
    def from_values(
        cls, gateway: Iterable[str] = (), user: Iterable[str] = (), salt: bytes | None = None
    ) -> SecretHashes:
        """Hash ``gateway`` token(s) and ``user`` secrets (values shorter than 8 chars are ignored)."""
        s = salt if salt is not None else os.urandom(16)
        g = [v for v in gateway if v and len(v) >= 8]
        u = [v for v in user if v and len(v) >= 8]
        lengths = [len(v) for v in (*g, *u)]
        return cls(
            salt=s,
            gateway=frozenset(cls.digest(s, v) for v in g),
            user=frozenset(cls.digest(s, v) for v in u),
            min_length=min(lengths) if lengths else 8,
        )

    def __bool__(self) -> bool:
        return bool(self.gateway or self.user)


@lru_cache(maxsize=1)
def _bip39() -> tuple[dict[str, int], object]:
    from mnemonic import Mnemonic

    m = Mnemonic("english")
    return {w: i for i, w in enumerate(m.wordlist)}, m


_WORD_RE = re.compile(r"[a-z]+")
_MNEMONIC_LENGTHS = (24, 21, 18, 15, 12)


def _checksum_ok(indices: list[int]) -> bool:
    """BIP-39 checksum: entropy bits + SHA-256 prefix of len/33 bits."""
    bits = "".join(f"{i:011b}" for i in indices)
    cs_len = len(bits) // 33
    ent_bits, cs = bits[: len(bits) - cs_len], bits[len(bits) - cs_len :]
    entropy = int(ent_bits, 2).to_bytes(len(ent_bits) // 8, "big")
    h = hashlib.sha256(entropy).digest()
    return f"{int.from_bytes(h, 'big'):0256b}"[:cs_len] == cs


#: mnemonic search covers this many leading characters of a text (bounded work on huge outbound texts; callers
#: treat longer texts as not fully analysed)
MAX_MNEMONIC_SCAN = 256 * 1024


def find_mnemonics(text: str) -> list[tuple[int, int]]:
    """Spans of BIP-39 English mnemonics (12-24 wordlist words, checksum valid) in ``text`` (its first
    :data:`MAX_MNEMONIC_SCAN` characters)."""
    text = text[:MAX_MNEMONIC_SCAN]
    index, _ = _bip39()
    low = text.lower()
    if len(low) < _min_mnemonic_chars():
        return []  # too short for 12 wordlist words with a separator between each
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD_RE.finditer(low)]
    return _checksum_runs(words, index)


@lru_cache(maxsize=1)
def _min_mnemonic_chars() -> int:
    """Shortest text that can hold an English mnemonic: 12 of the shortest wordlist words and 11 separators."""
    index, _ = _bip39()
    return 12 * min(len(w) for w in index) + 11


def _checksum_runs(toks: list[tuple[int, int, str]], index: dict[str, int]) -> list[tuple[int, int]]:
    """Spans (start, end) of checksum-valid mnemonics inside runs of consecutive wordlist tokens: ``toks`` are
    (start, end, normalised word), ``index`` maps a word of one BIP-39 list to its number. Longest match first at
    each position; a match is skipped over whole."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        if toks[i][2] not in index:
            i += 1
            continue
        j = i
        while j < len(toks) and toks[j][2] in index:
            j += 1
        run = toks[i:j]
        k = 0
        while k + 12 <= len(run):
            for n in _MNEMONIC_LENGTHS:
                if k + n <= len(run) and _checksum_ok([index[t[2]] for t in run[k : k + n]]):
                    spans.append((run[k][0], run[k + n - 1][1]))
                    k += n
                    break
            else:
                k += 1
        i = j
    return spans


_CARD_RE = re.compile(r"(?<![\d.])(?:\d[ .-]?){12,18}\d(?![\d])")


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) check of a digit string."""
    total = 0
    for pos, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if pos % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def find_cards(text: str) -> list[tuple[int, int, str]]:
    """Spans and digit strings of bank card numbers (13-19 digits, issuer prefix 2-6, Luhn valid)."""
    out: list[tuple[int, int, str]] = []
    for m in _CARD_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and digits[0] in "23456" and len(set(digits)) > 1 and luhn_ok(digits):
            out.append((m.start(), m.end(), digits))
    return out


_PRC_RE = re.compile(r"(?<![0-9A-Za-z])[1-8]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[0-9Xx](?![0-9A-Za-z])")
_PRC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_PRC_CHECK = "10X98765432"


def prc_id_ok(value: str) -> bool:
    """GB 11643-1999 check: valid birth date and ISO 7064 MOD 11-2 check character."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    s = sum(int(c) * w for c, w in zip(value[:17], _PRC_WEIGHTS, strict=True))
    return _PRC_CHECK[s % 11] == value[17].upper()


_PRC_SEP_RE = re.compile(r"(?<![0-9A-Za-z])[1-8](?:\d[ .-]?){16}[0-9Xx](?![0-9A-Za-z])")


def find_prc_ids(text: str) -> list[tuple[int, int]]:
    """Spans of valid PRC resident identity numbers in ``text`` (also written in groups with spaces, dots or
    dashes: ``110105 19820217 5423``)."""
    out = [(m.start(), m.end()) for m in _PRC_RE.finditer(text) if prc_id_ok(m.group(0))]
    for m in _PRC_SEP_RE.finditer(text):
        v = re.sub(r"[ .-]", "", m.group(0))
        if v != m.group(0) and prc_id_ok(v) and not any(s <= m.start() < e for s, e in out):
            out.append((m.start(), m.end()))
    return out


#: invisible characters used to split a secret so that pattern matching misses it
_INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                       "\u2060\u2061\u2062\u2063\u2064\ufeff")


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` with invisible characters removed and compatibility forms folded (NFKC: full-width digits and
    letters become ASCII), and for each character of the result the index of the original character it came
    from (so spans found in the folded text map back)."""
    if text.isascii():
        return text, []
    out: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(text):
        if ch in _INVISIBLE:
            continue
        n = unicodedata.normalize("NFKC", ch) if not ch.isascii() else ch
        if n == "\u3000" or (len(n) == 1 and unicodedata.category(n) == "Zs"):
            n = " "
        out.append(n)
        idx.extend([i] * len(n))
    return "".join(out), idx


@lru_cache(maxsize=1)
def _bip39_all() -> dict[str, dict[str, int]]:
    """language -> {folded word: index} for every official BIP-39 wordlist."""
    from mnemonic import Mnemonic

    out: dict[str, dict[str, int]] = {}
    for lang in Mnemonic.list_languages():
        if lang == "english":
            continue
        try:
            wl = Mnemonic(lang).wordlist
        except Exception:  # a broken wordlist file must not break scanning
            continue
        out[lang] = {_wkey(lang, w): i for i, w in enumerate(wl)}
    return out


_LATIN_LISTS = frozenset({"spanish", "french", "italian", "czech", "portuguese", "turkish"})


def _wkey(lang: str, w: str) -> str:
    """Comparison form of a word: accents dropped for Latin-script lists (BIP-39 lists are unique without
    them), NFKD otherwise."""
    return _strip_accents(w) if lang in _LATIN_LISTS else unicodedata.normalize("NFKD", w.lower())


def _strip_accents(w: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", w.lower()) if not unicodedata.combining(c))


_LETTERS_RE = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f\u3099\u309a])+")
_CJK_RE = re.compile(r"[\u3400-\u9fff]")


def find_mnemonics_any(text: str, max_tokens: int = 20000) -> list[tuple[int, int, str]]:
    """Spans and languages of BIP-39 mnemonics in the non-English official wordlists (Chinese simplified and
    traditional, Japanese, Korean, Spanish, French, Italian, Czech, Portuguese, ...): 12-24 consecutive
    words of one list with a valid checksum. Chinese words are single characters, with or without spaces."""
    text = text[:MAX_MNEMONIC_SCAN]
    if text.count(" ") + text.count("\n") + text.count(",") < 11 and len(_CJK_RE.findall(text[:4096])) < 12:
        return []
    raw: list[tuple[int, int, str]] = []
    for m in _LETTERS_RE.finditer(text):
        w = m.group(0)
        if _CJK_RE.search(w):
            raw.extend((m.start() + k, m.start() + k + 1, c) for k, c in enumerate(w))
        else:
            raw.append((m.start(), m.end(), w))
        if len(raw) > max_tokens:
            break
    if len(raw) < 12:
        return []
    latin = [(a, b, _strip_accents(w)) for a, b, w in raw]
    other = [(a, b, unicodedata.normalize("NFKD", w.lower())) for a, b, w in raw]
    out: list[tuple[int, int, str]] = []
    for lang, index in _bip39_all().items():
        toks = latin if lang in _LATIN_LISTS else other
        out.extend((a, b, lang) for a, b in _checksum_runs(toks, index))
    return out


_HEX_KEY_RE = re.compile(r"(?<![0-9A-Za-z])(0x)?([0-9a-fA-F]{64})(?![0-9A-Za-z])")
_KEY_CONTEXT = re.compile(r"(priv|secret|seed|key|wallet|mnemonic|私钥|密钥|助记词|钱包)", re.I)
_HASH_CONTEXT = re.compile(r"(sha-?256|sha|hash|digest|checksum|commit|etag|sum|fingerprint|id)\W{0,3}$", re.I)
_URL_PW_RE = re.compile(r"\b[a-z][a-z0-9+.-]{1,15}://([^\s:/@?#]{1,64}):([^\s@/?#]{3,128})@[\w.-]+", re.I)
_PW_PLACEHOLDER = re.compile(r"^(\$\{?\w+\}?|<[^>]*>|\*+|x+|\.\.\.|password|passwd|pass|secret|changeme|"
                             r"your[_-]?password|\{\{.*\}\})$", re.I)
_KV_SECRET_RE = re.compile(
    r"""["']?\b(token|secret|password|passwd|api[_-]?key|apikey|access[_-]?key|client[_-]?secret|private[_-]?key|"""
    r"""auth[_-]?token|AccountKey|SharedAccessKey)\b["']?\s*[:=]\s*["']?([A-Za-z0-9+/=_\-.~]{16,})""", re.I)


#: shortest text any form of :func:`find_extra_secrets` can match: a password in a URL (``ab://u:pwd@h``, 12
#: characters; a secret-named key needs 22, a raw key 64 hex digits). Prefilters; tests set them to 0.
_EXTRA_MIN_CHARS = 12
_HEX_MIN_CHARS = 64


def find_extra_secrets(text: str) -> list[tuple[int, int, str]]:
    """Secrets without a provider format: 64-hex private keys (``0x`` prefix or a key word nearby, or the whole
    text), passwords inside URLs (``scheme://user:pass@host``), and long values of secret-named keys
    (``"token": "..."``, ``AccountKey=...``)."""
    out: list[tuple[int, int, str]] = []
    if len(text) < _EXTRA_MIN_CHARS:
        return out
    stripped = text.strip()
    for m in _HEX_KEY_RE.finditer(text) if len(text) >= _HEX_MIN_CHARS else ():
        before = text[max(0, m.start() - 40): m.start()]
        if m.group(1) or stripped == m.group(0) or (_KEY_CONTEXT.search(before) and not _HASH_CONTEXT.search(before)):
            out.append((m.start(), m.end(), "raw-hex-private-key"))
    for m in _URL_PW_RE.finditer(text) if "://" in text else ():
        if not _PW_PLACEHOLDER.match(m.group(2)):
            out.append((m.start(2), m.end(2), "password-in-url"))
    for m in _KV_SECRET_RE.finditer(text):
        v = m.group(2)
        if len(set(v)) >= 8 and not _PW_PLACEHOLDER.match(v) and not v.startswith("$"):
            out.append((m.start(2), m.end(2), f"{m.group(1).lower()}-value"))
    return out


_TOKEN_RE = re.compile(r"[A-Za-z0-9_\-+/=.~:@!#$%^&*]+")


def find_known(text: str, hashes: SecretHashes) -> list[tuple[int, int, str]]:
    """Spans of tokens whose salted hash is a known gateway token or user secret; kind per span."""
    out: list[tuple[int, int, str]] = []
    if not hashes:
        return out
    for m in _TOKEN_RE.finditer(text):
        tok = m.group(0)
        if len(tok) < hashes.min_length:
            continue
        # also try the token stripped of common delimiters (``token=VALUE``, ``"VALUE",``)
        for cand, off in _candidates(tok):
            d = SecretHashes.digest(hashes.salt, cand)
            if d in hashes.gateway or d in hashes.user:
                kind = "gateway-token" if d in hashes.gateway else "user-secret"
                out.append((m.start() + off, m.start() + off + len(cand), kind))
                break
    return out


def _candidates(tok: str) -> list[tuple[str, int]]:
    cands = [(tok, 0)]
    for sep in ("=", ":"):
        if sep in tok:
            i = tok.rindex(sep) + 1
            cands.append((tok[i:], i))
    stripped = tok.rstrip(".,;:!")
    if stripped != tok:
        cands.append((stripped, 0))
    return cands


#: a bank card has 13-19 digits, a PRC id 17 digits and a check character (prefilter of both finders)
_MIN_ID_DIGITS = 13
_DIGIT_RE = re.compile(r"\d")
_ASCII_DIGITS = "0123456789"


def _digits_at_least(text: str, n: int) -> bool:
    """Whether ``text`` has at least ``n`` characters that ``\\d`` matches (the card and PRC-id patterns' digits,
    which include non-ASCII decimal digits)."""
    if text.isascii():
        return sum(text.count(d) for d in _ASCII_DIGITS) >= n
    return len(_DIGIT_RE.findall(text)) >= n


def may_hold_secret(text: str) -> bool:
    """Cheap prefilter of the provider-format secret patterns: False only when no pattern of
    :data:`clawfence.detect.secrets.PATTERNS` can match ``text`` (the literal each pattern needs is absent; see
    ``clawfence.detect.secrets._PREFILTER``). When ``PATTERNS`` holds a pattern the prefilter was not written for,
    it answers True (never hides a match)."""
    return not _PREFILTER_OK or _PREFILTER.search(text) is not None


def scan_text(text: str, hashes: SecretHashes | None = None) -> list[Detection]:
    """Every detection in ``text``, sorted by start; overlapping findings keep the first (most specific).

    Order of precedence: known secrets (gateway token, user secrets), provider-format secrets,
    mnemonics, PRC IDs, bank cards. Never raises on any ``str`` input.
    """
    found: list[Detection] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int, detail: str = "") -> None:
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append(Detection(kind, start, end, redact(text[start:end]), detail))

    folded, idx = fold(text)

    def back(s: int, e: int) -> tuple[int, int]:
        if not idx:
            return s, e
        return idx[s], (idx[e - 1] + 1 if e - 1 < len(idx) else len(text))

    def addf(kind: str, start: int, end: int, detail: str = "") -> None:
        s0, e0 = back(start, end)
        if any(s0 < e and s < e0 for s, e in taken):
            return
        taken.append((s0, e0))
        found.append(Detection(kind, s0, e0, redact(folded[start:end]), detail))

    if hashes:
        for s, e, kind in find_known(text, hashes):
            add(kind, s, e)
    if may_hold_secret(text):
        for name, rx in PATTERNS:
            for m in rx.finditer(text):
                add("secret", m.start(), m.end(), name)
    if idx and may_hold_secret(folded):
        for name, rx in PATTERNS:
            for m in rx.finditer(folded):
                addf("secret", m.start(), m.end(), name + " (hidden by invisible or full-width characters)")
    for s, e in find_mnemonics(folded):
        addf("mnemonic", s, e, "bip39-english")
    for s, e, lang in find_mnemonics_any(folded):
        addf("mnemonic", s, e, f"bip39-{lang}")
    for s, e, what in find_extra_secrets(folded):
        addf("secret", s, e, what)
    if _digits_at_least(folded, _MIN_ID_DIGITS):
        for s, e in find_prc_ids(folded):
            addf("prc-id", s, e, "gb11643")
        for s, e, _digits in find_cards(folded):
            addf("bank-card", s, e, "luhn")
    return sorted(found, key=lambda d: d.start)
