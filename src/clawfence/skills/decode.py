"""Encoded-payload decoding and hidden-Unicode analysis (pure functions over text).

:func:`find_payloads` yields decodable blobs (base64 incl. zlib/gzip and UTF-16LE PowerShell, hex, ``\\xNN``
escapes, decimal char-code arrays, reversed and concatenated string literals) with their decoded text when it is
mostly printable. :func:`unicode_issues` finds Unicode TAG characters (decoded to ASCII), bidi controls and
zero-width characters inside words (emoji joiners and Arabic-script ZWNJ excluded).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

B64 = re.compile(r"(?<![A-Za-z0-9+/=_\-])([A-Za-z0-9+/_\-]{20,}={0,2})(?![A-Za-z0-9+/=_\-])")
HEX = re.compile(r"(?<![0-9A-Fa-f])((?:[0-9a-fA-F]{2}){12,})(?![0-9A-Fa-f])")
XESC = re.compile(r"((?:\\x[0-9a-fA-F]{2}){6,})")
UESC = re.compile(r"((?:\\u00[0-9a-fA-F]{2}){6,})")
CHARCODES = re.compile(r"((?:\d{2,3}\s*,\s*){8,}\d{2,3})")
LITERAL = re.compile(r"([\"'])([^\"'\n\\]{8,400})\1")
CONCAT = re.compile(r"([\"'])([^\"'\n]{0,80})\1(?:\s*\+\s*([\"'])([^\"'\n]{0,80})\3){2,}")
JOINLIST = re.compile(r"join\(\s*\[([^\[\]]{10,800})\]|\[([^\[\]]{10,800})\]\s*\.join\(")
OCTESC = re.compile(r"((?:\\[0-3][0-7]{2}){6,})")
SUSPICIOUS_PLAIN = re.compile(
    r"(https?://|\b(curl|wget|bash|sh\s+-c|/bin/(ba)?sh|eval|exec|import\s|require\(|powershell|"
    r"/dev/tcp|nc\s+-|urlopen|fetch\(|socket|base64|iex|invoke-|\.ssh|\.env|webhook|chmod)\b)",
    re.I,
)
REVERSER = re.compile(r"\[::-1\]|reverse\(|\brev\b|Reverse\(|strrev|reversed\(")
MAX_BLOBS = 200


@dataclass(frozen=True, slots=True)
class Payload:
    """A decoded blob: encoding name, offset of the blob in the source text, the raw blob, decoded text."""

    encoding: str
    offset: int
    raw: str
    decoded: str


def _printable(s: str) -> bool:
    if len(s) < 8:
        return False
    good = sum(1 for c in s if c.isprintable() or c in "\n\r\t")
    return good / len(s) >= 0.9


def _bytes_text(b: bytes) -> str | None:
    for head, fn in ((b"\x78", zlib.decompress), (b"\x1f\x8b", lambda d: zlib.decompress(d, 47))):
        if b.startswith(head):
            with contextlib.suppress(zlib.error):
                b = fn(b)[:200_000]
            break
    if len(b) >= 8 and b[1:2] == b"\x00" and b[3:4] == b"\x00":
        try:
            s = b.decode("utf-16-le")
            return s if _printable(s) else None
        except UnicodeDecodeError:
            pass
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return s if _printable(s) else None


def _b64(raw: str) -> bytes | None:
    s = raw.rstrip("=")
    if len(s) % 4 == 1:
        return None
    pad = "=" * (-len(s) % 4)
    try:
        if "-" in s or "_" in s:
            return base64.urlsafe_b64decode(s + pad)
        return base64.b64decode(s + pad, validate=True)
    except (binascii.Error, ValueError):
        return None


def _looks_b64(raw: str) -> bool:
    if raw.isdigit() or (raw.isalpha() and (raw.islower() or raw.isupper())):
        return False
    has_low = any(c.islower() for c in raw)
    has_up = any(c.isupper() for c in raw)
    return has_low and has_up and not re.fullmatch(r"[A-Za-z_\-]+", raw)


def find_payloads(text: str) -> Iterator[Payload]:
    """Decodable blobs in ``text`` whose decoded form is mostly printable text (bounded count)."""
    n = 0
    for m in B64.finditer(text):
        raw = m.group(1)
        if not _looks_b64(raw):
            continue
        b = _b64(raw)
        s = _bytes_text(b) if b else None
        if s:
            n += 1
            yield Payload("base64", m.start(1), raw, s)
            if n > MAX_BLOBS:
                return
    for m in HEX.finditer(text):
        raw = m.group(1)
        try:
            s = _bytes_text(bytes.fromhex(raw))
        except ValueError:
            s = None
        if s:
            n += 1
            yield Payload("hex", m.start(1), raw, s)
    for rx, enc in ((XESC, "hex-escape"), (UESC, "unicode-escape")):
        if ("\\x" if enc == "hex-escape" else "\\u00") not in text:
            continue
        for m in rx.finditer(text):
            raw = m.group(1)
            step = 4 if enc == "hex-escape" else 6
            try:
                s = "".join(chr(int(raw[i + step - 2 : i + step], 16)) for i in range(0, len(raw), step))
            except ValueError:
                continue
            if _printable(s):
                yield Payload(enc, m.start(1), raw, s)
    for m in CHARCODES.finditer(text) if "," in text else ():
        nums = [int(x) for x in re.findall(r"\d+", m.group(1))]
        if all(9 <= v <= 126 for v in nums):
            s = "".join(chr(v) for v in nums)
            if _printable(s):
                yield Payload("char-codes", m.start(1), m.group(1)[:60], s)
    for m in LITERAL.finditer(text) if REVERSER.search(text) else ():
        lit = m.group(2)
        rev = lit[::-1]
        if SUSPICIOUS_PLAIN.search(rev) and not SUSPICIOUS_PLAIN.search(lit):
            yield Payload("reversed", m.start(2), lit, rev)
    for m in CONCAT.finditer(text) if "+" in text else ():
        parts = re.findall(r"([\"'])([^\"'\n]{0,80})\1", m.group(0))
        joined = "".join(p[1] for p in parts)
        if SUSPICIOUS_PLAIN.search(joined) and not any(SUSPICIOUS_PLAIN.search(p[1]) for p in parts):
            yield Payload("concatenation", m.start(), m.group(0)[:60], joined)
    for m in OCTESC.finditer(text) if "\\" in text else ():
        raw = m.group(1)
        s = "".join(chr(int(raw[i + 1:i + 4], 8)) for i in range(0, len(raw), 4))
        if _printable(s):
            yield Payload("octal-escape", m.start(1), raw, s)
    for m in JOINLIST.finditer(text) if "join(" in text else ():
        parts = re.findall(r"([\"'])([^\"'\n]{0,40})\1", m.group(1) or m.group(2))
        joined = "".join(p[1] for p in parts)
        if len(parts) >= 3 and SUSPICIOUS_PLAIN.search(joined) and not any(SUSPICIOUS_PLAIN.search(p[1]) for p in parts):
            yield Payload("split-join", m.start(), m.group(0)[:60], joined)


def is_suspicious_plain(s: str) -> bool:
    """True when decoded text contains a command, interpreter, URL or secret path."""
    return bool(SUSPICIOUS_PLAIN.search(s))


# ------------------------------------------------------------------ hidden unicode
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = set("\u200b\u200c\u200d\u2060\ufeff\u180e")


def _is_emoji(c: str) -> bool:
    o = ord(c)
    return o >= 0x1F000 or 0x2600 <= o <= 0x27BF or o in (0xFE0F, 0x2640, 0x2642) or 0x1F3FB <= o <= 0x1F3FF


def _is_arabic_script(c: str) -> bool:
    o = ord(c)
    return (
        0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F or 0xFB50 <= o <= 0xFEFF or 0x0590 <= o <= 0x05FF or 0x0900 <= o <= 0x0DFF
    )


@dataclass(frozen=True, slots=True)
class UnicodeIssue:
    """Hidden Unicode on a line: kind tag|bidi|zero-width, 1-based line, count, decoded TAG text."""

    kind: str
    line: int
    count: int
    decoded: str = ""


def unicode_issues(text: str) -> list[UnicodeIssue]:
    """TAG runs (decoded), bidi controls and zero-width characters between letters, per line."""
    out: list[UnicodeIssue] = []
    if text.isascii():
        return out
    for no, ln in enumerate(text.split("\n"), 1):
        if ln.isascii():
            continue
        tags = [c for c in ln if 0xE0000 <= ord(c) <= 0xE007F]
        if tags and "\U0001f3f4" in ln and re.fullmatch(r"([a-z]{2,7}\x7f?)+", "".join(chr(ord(c) - 0xE0000) for c in tags)):
            tags = []  # emoji flag tag sequences (black flag + region tags + cancel tag)
        if tags:
            dec = "".join(chr(ord(c) - 0xE0000) for c in tags if 0x20 <= ord(c) - 0xE0000 < 0x7F)
            out.append(UnicodeIssue("tag", no, len(tags), dec))
        bidi = sum(1 for c in ln if c in BIDI)
        if bidi:
            out.append(UnicodeIssue("bidi", no, bidi))
        zw = 0
        for i, c in enumerate(ln):
            if c not in ZERO_WIDTH:
                continue
            prev = ln[i - 1] if i else " "
            nxt = ln[i + 1] if i + 1 < len(ln) else " "
            if c == "\u200d" and (_is_emoji(prev) or _is_emoji(nxt)):
                continue
            if c in "\u200c\u200d" and (_is_arabic_script(prev) or _is_arabic_script(nxt)):
                continue
            if c == "\ufeff" and i == 0 and no == 1:
                continue
            if prev.isalnum() and nxt.isalnum():
                zw += 1
        if zw:
            out.append(UnicodeIssue("zero-width", no, zw))
    return out
