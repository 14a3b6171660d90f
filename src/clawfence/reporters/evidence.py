"""Localised finding details (evidence): the Chinese rendering of the English details checks write.

Rules are data (``evidence_zh.yaml``): clause patterns and whole-phrase translations. Keys, values, paths and
redacted secrets pass through unchanged; an unmatched clause stays in English. Pure, cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from clawfence.core import yamlload


@dataclass(frozen=True, slots=True)
class _Rules:
    clauses: tuple[tuple[re.Pattern[str], str], ...]
    phrases: dict[str, str]


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    doc = yamlload.safe_load(resources.files("clawfence.reporters").joinpath("evidence_zh.yaml").read_text(encoding="utf-8"))
    clauses = tuple((re.compile(c["re"]), str(c["zh"])) for c in doc.get("clauses", []))
    return _Rules(clauses, {str(k): str(v) for k, v in (doc.get("phrases") or {}).items()})


def _clause(text: str, depth: int = 0) -> tuple[str, bool]:
    """(translation, fully matched) of one clause."""
    r = _rules()
    stripped = text.strip()
    if stripped in r.phrases:
        return r.phrases[stripped], True
    for rx, zh in r.clauses:
        m = rx.match(stripped)
        if m:
            groups = {k: (v or "") for k, v in m.groupdict().items()}
            if depth < 3:  # nested clauses: "defaults: <clause>", "(<why>; want 0600)"
                for k in ("r", "why", "rest"):
                    if groups.get(k):
                        groups[k] = translate(groups[k], depth + 1)[0]
            return zh.format(**groups), True
    return text, False


def _split(text: str) -> list[str]:
    """``text`` split on ``"; "`` outside parentheses and quotes."""
    parts: list[str] = []
    depth, quote, start = 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == ";" and depth == 0 and text.startswith("; ", i):
            parts.append(text[start:i])
            start = i + 2
    parts.append(text[start:])
    return parts


def translate(detail: str, depth: int = 0) -> tuple[str, float]:
    """``detail`` in Chinese as far as the rules go, and the share of its clauses that were translated (0-1).
    Clauses are split on ``; `` and on ``: `` when the part before it is not itself a known clause."""
    parts = _split(detail)
    out: list[str] = []
    hits = 0
    for part in parts:
        zh, ok = _clause(part, depth)
        if not ok and ": " in part:
            head, _, tail = part.partition(": ")
            zh_h, ok_h = _clause(head, depth)
            zh_t, ok_t = _clause(tail, depth)
            if ok_h or ok_t:
                zh, ok = f"{zh_h}:{zh_t}", ok_h and ok_t
        out.append(zh)
        hits += ok
    return ";".join(out), hits / len(parts) if parts else 1.0


def detail(text: str, lang: str) -> str:
    """The detail to show in ``lang`` (``zh``: translated clauses; other languages: as written)."""
    return translate(text)[0] if lang == "zh" and text else text
