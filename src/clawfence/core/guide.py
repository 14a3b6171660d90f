"""The CNCERT "OpenClaw Secure Usage Practice Guide" catalogue (items P1..D3, points like D1.3.3).

Loaded from the packaged copy of ``shared/guide/items.yaml`` (``data/guide-cncert.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from clawfence.core import yamlload


@dataclass(frozen=True, slots=True)
class Point:
    """One guide point. ``parent`` is the enclosing point id for sub-points (D1.2.1 -> D1.2)."""

    id: str
    item: str
    en: str
    zh: str
    parent: str | None
    children: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Item:
    """One guide item (P1..D3) with its audience and titles in both languages."""

    id: str
    section: str
    audience: str
    title_en: str
    title_zh: str
    points: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Guide:
    """The whole catalogue: items in guide order and points by id (76 points)."""

    source: str
    items: tuple[Item, ...]
    points: dict[str, Point]
    audiences: dict[str, dict[str, str]]

    @property
    def ids(self) -> frozenset[str]:
        """Every item and point id."""
        return frozenset(self.points) | frozenset(i.id for i in self.items)


def _flatten(raw: list[dict[str, object]], item: str, parent: str | None) -> list[tuple[dict[str, object], str | None]]:
    out: list[tuple[dict[str, object], str | None]] = []
    for p in raw:
        out.append((p, parent))
        sub = p.get("sub")
        if isinstance(sub, list):
            out.extend(_flatten(sub, item, str(p["id"])))
    return out


@lru_cache(maxsize=1)
def load() -> Guide:
    """Parse the packaged catalogue. Raises ``yaml.YAMLError`` only if the package is corrupt."""
    data = yamlload.packaged("clawfence.data", "guide-cncert.yaml")
    items: list[Item] = []
    points: dict[str, Point] = {}
    for it in data["items"]:
        flat = _flatten(it.get("points", []), it["id"], None)
        zh = list(it.get("text_zh", []))
        if len(zh) == len(flat) - 1:  # the first point's Chinese text is part of the item title
            zh = [it["title_zh"], *zh]
        if len(zh) != len(flat):
            zh = [it["title_zh"]] * len(flat)
        for (p, parent), text_zh in zip(flat, zh, strict=True):
            sub = p.get("sub")
            kids = tuple(str(s["id"]) for s in sub) if isinstance(sub, list) else ()
            points[str(p["id"])] = Point(str(p["id"]), it["id"], str(p["en"]), text_zh, parent, kids)
        items.append(
            Item(
                it["id"], it["section"], it["audience"], it["title_en"], it["title_zh"],
                tuple(str(p["id"]) for p, _ in flat),
            )
        )
    return Guide(str(data.get("source", "")), tuple(items), points, dict(data.get("audiences", {})))
