"""Offline IOC feed for skills: packaged ``data/ioc-clawhub.tsv`` plus an optional user feed.

TSV columns: ``type  value  context  confidence  source`` (header line first). Types matched: ipv4, ipv4:port,
url, url-path, domain, github-repo, base64, decoy-string (substring, case-insensitive), sha256 (file content),
fake-dependency (comma/space separated names, whole word), clawhub-account (``_meta.json`` owner). Confidence
``high`` -> SC601 (critical), else SC602. :func:`update_feed` validates a new TSV and installs it atomically.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from clawfence.core.atomic import atomic_write_text

TYPES = {
    "ipv4",
    "ipv4:port",
    "url",
    "url-path",
    "domain",
    "github-repo",
    "base64",
    "decoy-string",
    "sha256",
    "fake-dependency",
    "clawhub-account",
    "zip-password",
    "slug-pattern",
}
OFFICIAL_SLUGS = {"clawhub", "openclaw"}
HEADER = ["type", "value", "context", "confidence", "source"]


class IocError(Exception):
    """A feed file is malformed (message names the line)."""


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator: type, value, high confidence?, context text."""

    type: str
    value: str
    high: bool
    context: str


def user_feed_path() -> Path:
    """Where ``ioc-update`` installs a feed: ``$CLAWFENCE_DATA_DIR`` or ``~/.local/share/clawfence``."""
    base = os.environ.get("CLAWFENCE_DATA_DIR") or os.path.join(os.path.expanduser("~"), ".local", "share", "clawfence")
    return Path(base) / "ioc-clawhub.tsv"


def parse_feed(text: str, source: str = "feed") -> list[Indicator]:
    """Parse TSV text; raises :class:`IocError` on a bad header, column count or type."""
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines or lines[0].split("\t")[:2] != HEADER[:2]:
        raise IocError(f"{source}: first line must be the header {chr(9).join(HEADER)}")
    out: list[Indicator] = []
    for no, ln in enumerate(lines[1:], 2):
        cols = ln.split("\t")
        if len(cols) < 4:
            raise IocError(f"{source}:{no}: expected at least 4 tab-separated columns, got {len(cols)}")
        typ, value, ctx, conf = cols[0].strip(), cols[1].strip(), cols[2], cols[3]
        if typ not in TYPES:
            raise IocError(f"{source}:{no}: unknown indicator type {typ!r}")
        if not value:
            raise IocError(f"{source}:{no}: empty value")
        out.append(Indicator(typ, value, conf.strip().lower().startswith("high"), ctx[:200]))
    return out


@lru_cache(maxsize=4)
def _load(user: str, mtime: float) -> tuple[Indicator, ...]:
    text = resources.files("clawfence.data").joinpath("ioc-clawhub.tsv").read_text(encoding="utf-8")
    inds = parse_feed(text, "ioc-clawhub.tsv")
    if user:
        with contextlib.suppress(OSError, IocError):
            inds += parse_feed(Path(user).read_text(encoding="utf-8"), user)
    return tuple(inds)


def load_feed() -> tuple[Indicator, ...]:
    """Packaged indicators plus the user feed if present (cached by mtime)."""
    p = user_feed_path()
    try:
        return _load(str(p), p.stat().st_mtime)
    except OSError:
        return _load("", 0.0)


def update_feed(src: Path) -> int:
    """Validate ``src`` and install it as the user feed (atomic). Returns the number of indicators."""
    try:
        text = src.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IocError(f"cannot read {src}: {exc}") from exc
    n = len(parse_feed(text, str(src)))
    dest = user_feed_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(dest, text, mode=0o644)
    return n


@lru_cache(maxsize=4)
def _matchers(
    inds: tuple[Indicator, ...],
) -> tuple[list[tuple[Indicator, re.Pattern[str], str]], dict[str, Indicator], dict[str, Indicator]]:
    text_m: list[tuple[Indicator, re.Pattern[str], str]] = []
    hashes: dict[str, Indicator] = {}
    accounts: dict[str, Indicator] = {}
    for i in inds:
        if i.type == "sha256":
            hashes[i.value.lower()] = i
        elif i.type == "clawhub-account":
            accounts[i.value.lower()] = i
        elif i.type == "fake-dependency":
            for name in re.split(r"[,\s]+", i.value):
                name = re.sub(r"\(.*\)", "", name).strip()
                if len(name) >= 6:
                    text_m.append((i, re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.I), name.lower()))
        elif i.type == "slug-pattern":
            for name in re.split(r"[,\s]+", i.value):
                if name and "<" not in name and name.lower() not in OFFICIAL_SLUGS:
                    accounts["slug:" + name.lower()] = Indicator(i.type, name, False, i.context)
        elif i.type == "zip-password":
            continue
        elif i.type in ("ipv4", "ipv4:port"):
            text_m.append((i, re.compile(rf"(?<![\d.]){re.escape(i.value)}(?![\d])"), i.value.lower()))
        elif i.type == "url-path":
            text_m.append((i, re.compile(re.escape(i.value) + r"\b"), i.value.lower()))
        else:
            lit = i.value.rstrip("…").strip()
            text_m.append((i, re.compile(re.escape(lit), re.I), lit.lower()))
    return text_m, hashes, accounts


def match_text(text: str, inds: tuple[Indicator, ...]) -> list[tuple[Indicator, int]]:
    """(indicator, offset) for every text indicator found in ``text`` (first occurrence each)."""
    out = []
    low = text.lower()
    for ind, rx, needle in _matchers(inds)[0]:
        if needle not in low:
            continue
        m = rx.search(text)
        if m:
            out.append((ind, m.start()))
    return out


def match_hash(sha: str, inds: tuple[Indicator, ...]) -> Indicator | None:
    """Indicator for a file's sha256 hex, if listed."""
    return _matchers(inds)[1].get(sha.lower())


def match_slug(slug: str, inds: tuple[Indicator, ...]) -> Indicator | None:
    """Indicator for a typosquat slug (exact folder name), if listed (never the official slugs)."""
    return _matchers(inds)[2].get("slug:" + slug.lower())


def match_account(owner: str, inds: tuple[Indicator, ...]) -> Indicator | None:
    """Indicator for a ClawHub publisher account, if listed."""
    return _matchers(inds)[2].get(owner.lower())
