#!/usr/bin/env python3
"""Build ``src/clawfence/data/advisories/osv.json`` (OSV records for npm ``openclaw``) from public records.

Inputs (every record keeps the list of sources it came from in ``database_specific.sources``):

* ``scripts/advisory_sources/*.tsv``: tables transcribed from public trackers of the GitHub Advisory Database /
  openclaw/openclaw repository advisories / cvelistV5 (each file's ``# source:`` header names the URL and
  commit read; columns ``ghsa cve severity fixed published title [cvss introduced]``);
* ``scripts/advisory_sources/curated-reference.yaml``: the curated table of reference/openclaw.md §6 (cites
  advisory pages, CHANGELOG sections and write-ups per record);
* ``scripts/advisory_sources/komlock-*.tsv``: the ``vulnerabilities`` list of ``data/vulnerability-db.json`` of
  github.com/Komlock-lab/openclaw-security (a public mirror of openclaw/openclaw advisories with ``fixedIn``),
  transcribed, merged last; ``--komlock PATH`` (optional) reads such a JSON file where you fetched it instead.

Merge: records are joined by any shared id (GHSA or CVE). The primary id is the GHSA id when known (OSV
convention for npm). Per field the first source in priority order wins (GitHub Advisory Database tracker
tables, then the CVE table, the curated reference, Komlock); a disagreement on the fixed version is recorded in
``database_specific.conflicts`` and the LATER fixed version is kept (unknown is not safe). Nothing is invented:
a record whose sources state no fixed version gets no range and is listed but never matched.

Usage: ``python scripts/build_advisories.py [--komlock PATH] [--check]`` (every input is in the repository; a build
without arguments is reproducible) (``--check``: exit 1 if the bundled
file differs from what the sources build).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SRC_DIR = ROOT / "scripts" / "advisory_sources"
OUT = ROOT / "src" / "clawfence" / "data" / "advisories" / "osv.json"
sys.path.insert(0, str(ROOT / "src"))

from clawfence.audit.advisories import TWIN, compile_bundle, parse_document  # noqa: E402
from clawfence.core.calver import CalVer  # noqa: E402

GHSA = re.compile(r"^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$")
CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
SEV = {"critical", "high", "medium", "low"}
KOMLOCK = {"name": "Komlock-lab/openclaw-security data/vulnerability-db.json",
           "url": "https://github.com/Komlock-lab/openclaw-security/blob/406211f0d353f8b303fed6e8ffbceb9a8fe04e28/"
                  "data/vulnerability-db.json"}


@dataclass
class Rec:
    """A record being merged: ids, fields with the source rank that set them."""

    ids: list[str]
    title: str = ""
    severity: str = ""
    fixed: list[tuple[int, str, str]] = field(default_factory=list)  # (rank, version, source)
    introduced: str = "0"
    last_affected: str | None = None
    published: str | None = None
    cvss: float | None = None
    refs: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    rank: int = 99

    def primary(self) -> str:
        """GHSA id if any, else the first id."""
        return next((i for i in self.ids if i.startswith("GHSA-")), self.ids[0])


def _check_id(i: str, where: str) -> str:
    if not (GHSA.match(i) or CVE.match(i) or re.match(r"^[A-Z][A-Z0-9]+-\d{4}-\d{2}$", i)):
        raise SystemExit(f"{where}: malformed advisory id {i!r}")
    return i


def _version(v: str, where: str) -> str:
    CalVer(v)  # raises on anything that is not an OpenClaw version
    return v


def read_tsv(path: Path, rank: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Rows of one transcribed table and its ``# key: value`` header."""
    meta: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    header: list[str] | None = None
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#"):
            m = re.match(r"#\s*(\w+):\s*(.*)", line)
            if m and m.group(1) in ("source", "source_title", "source_updated"):
                meta[m.group(1)] = m.group(2).strip()
            continue
        if not line.strip():
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            continue
        row: dict[str, Any] = dict(zip(header, cells, strict=False))
        where = f"{path.name}:{n}"
        if len(cells) != len(header):
            raise SystemExit(f"{where}: {len(cells)} cells, header has {len(header)}")
        if row["severity"] not in SEV:
            raise SystemExit(f"{where}: severity {row['severity']!r}")
        _check_id(row["ghsa"], where)
        if row["cve"] != "-":
            _check_id(row["cve"], where)
        if row["fixed"] != "-":
            _version(row["fixed"], where)
        if row.get("introduced", "-") != "-":
            _version(row["introduced"], where)
        row["rank"] = rank
        rows.append(row)
    for k in ("source", "source_updated"):
        if k not in meta:
            raise SystemExit(f"{path.name}: missing '# {k}:' header")
    return rows, meta


class Merger:
    """Joins records by any shared id."""

    def __init__(self) -> None:
        self.recs: list[Rec] = []
        self.index: dict[str, Rec] = {}

    def get(self, ids: list[str]) -> Rec:
        """The record holding any of ``ids`` (merging two if they meet), or a new one."""
        found: list[Rec] = []
        for i in ids:
            r = self.index.get(i)
            if r is not None and r not in found:
                found.append(r)
        if not found:
            rec = Rec(ids=list(ids))
            self.recs.append(rec)
        else:
            rec = found[0]
            for other in found[1:]:  # two records met through a shared alias
                rec.ids += [i for i in other.ids if i not in rec.ids]
                rec.fixed += other.fixed
                rec.refs += other.refs
                rec.sources += other.sources
                self.recs.remove(other)
            rec.ids += [i for i in ids if i not in rec.ids]
        for i in rec.ids:
            self.index[i] = rec
        return rec

    def add(self, ids: list[str], rank: int, source: str, *, title: str, severity: str, fixed: str | None,
            published: str | None = None, cvss: float | None = None, refs: list[str] | None = None,
            introduced: str | None = None, last_affected: str | None = None) -> None:
        """Merge one source's view of an advisory."""
        rec = self.get(ids)
        better = rank < rec.rank
        if better or not rec.title:
            rec.title = title or rec.title
        if better or not rec.severity:
            rec.severity = severity or rec.severity
        if better:
            rec.rank = rank
        if fixed:
            rec.fixed.append((rank, fixed, source))
        if introduced and introduced != "0":
            rec.introduced = introduced
        if last_affected:
            rec.last_affected = last_affected
        if published and (rec.published is None or better):
            rec.published = published
        if cvss is not None and rec.cvss is None:
            rec.cvss = cvss
        rec.refs += [r for r in refs or () if r not in rec.refs]
        if source not in rec.sources:
            rec.sources.append(source)


def gh_refs(ghsa: str, cve: str | None) -> list[str]:
    """The canonical advisory URLs of an id pair."""
    out = [f"https://github.com/openclaw/openclaw/security/advisories/{ghsa}"] if ghsa.startswith("GHSA-") else []
    if ghsa.startswith("GHSA-"):
        out.append(f"https://github.com/advisories/{ghsa}")
    if cve:
        out.append(f"https://nvd.nist.gov/vuln/detail/{cve}")
    return out


def build(komlock: Path | None) -> dict[str, Any]:
    """All sources -> the bundle document."""
    m = Merger()
    sources: list[dict[str, Any]] = []
    tsvs = sorted(p for p in SRC_DIR.glob("*.tsv") if not p.name.startswith("komlock-"))
    # priority: GitHub Advisory Database tables (newest first), then the CVE table
    ordered = sorted((p for p in tsvs if "readme" not in p.name), reverse=True) + sorted(p for p in tsvs
                                                                                         if "readme" in p.name)
    for rank, path in enumerate(ordered):
        rows, meta = read_tsv(path, rank)
        sources.append({"name": path.name, "url": meta["source"], "as_of": meta["source_updated"],
                        "title": meta.get("source_title", ""), "records": len(rows)})
        for r in rows:
            cve = r["cve"] if r["cve"] != "-" else None
            m.add([r["ghsa"], *([cve] if cve else [])], rank, meta["source"], title=r["title"],
                  severity=r["severity"], fixed=r["fixed"] if r["fixed"] != "-" else None,
                  published=r["published"] if r["published"] != "-" else None,
                  cvss=float(r["cvss"]) if r.get("cvss", "-") not in ("-", "") else None,
                  refs=gh_refs(r["ghsa"], cve), introduced=r.get("introduced") if r.get("introduced") != "-" else None)
    cur = yaml.safe_load((SRC_DIR / "curated-reference.yaml").read_text(encoding="utf-8"))
    rank = len(ordered)
    cur_src = "reference/openclaw.md §6 (curated; per-record references)"
    sources.append({"name": "curated-reference.yaml", "url": "reference/openclaw.md §6", "as_of": None,
                    "title": "clawfence curated advisory table", "records": len(cur)})
    for raw in cur:
        ids = [_check_id(str(raw["id"]), "curated")] + [_check_id(str(a), "curated") for a in raw.get("aliases") or ()]
        fixed = str(raw["fixed"]) if raw.get("fixed") else None
        m.add(ids, rank, cur_src, title=str(raw["title"]), severity=str(raw["severity"]),
              fixed=_version(fixed, str(raw["id"])) if fixed else None,
              last_affected=str(raw["last_affected"]) if raw.get("last_affected") else None,
              refs=[str(u) for u in raw.get("references") or ()])
    for path in sorted(SRC_DIR.glob("komlock-*.tsv")):  # the Komlock mirror, transcribed: lowest priority
        rows, meta = read_tsv(path, rank + 1)
        sources.append({"name": path.name, "url": meta["source"], "as_of": meta["source_updated"],
                        "title": meta.get("source_title", ""), "records": len(rows)})
        for r in rows:
            cve = r["cve"] if r["cve"] != "-" else None
            m.add([r["ghsa"], *([cve] if cve else [])], rank + 1, meta["source"], title=r["title"],
                  severity=r["severity"], fixed=r["fixed"] if r["fixed"] != "-" else None,
                  refs=gh_refs(r["ghsa"], cve))
    if komlock is not None:
        doc = json.loads(komlock.read_text(encoding="utf-8"))
        vulns = doc["vulnerabilities"]
        sources.append({**KOMLOCK, "as_of": doc["metadata"]["lastUpdated"],
                        "title": "OpenClaw vulnerability DB (mirror of openclaw/openclaw security advisories)",
                        "records": len(vulns)})
        for v in vulns:
            ids = [_check_id(v["id"], "komlock")] + ([_check_id(v["cve"], "komlock")] if v.get("cve") else [])
            m.add(ids, rank + 1, KOMLOCK["url"], title=v["summary"], severity=v["severity"],
                  fixed=_version(v["fixedIn"], v["id"]) if v.get("fixedIn") else None,
                  refs=[v["url"]] if v.get("url") else [])
    advisories: list[dict[str, Any]] = []
    for rec in m.recs:
        pid = rec.primary()
        fixes = sorted({f for _, f, _ in rec.fixed}, key=CalVer)
        events: list[dict[str, str]] = [{"introduced": rec.introduced}]
        ds: dict[str, Any] = {"severity": rec.severity.upper(), "sources": rec.sources}
        if fixes:
            events.append({"fixed": fixes[-1]})
            if len(fixes) > 1:
                ds["conflicts"] = {"fixed": [f"{f} ({s})" for _, f, s in sorted(rec.fixed)]}
        if rec.last_affected:
            ds["last_affected"] = rec.last_affected
        if rec.cvss is not None:
            ds["cvss_score"] = rec.cvss
        aff: dict[str, Any] = {"package": {"ecosystem": "npm", "name": "openclaw"}}
        if fixes:
            aff["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
        else:
            aff["versions"] = []
            ds["fixed_version_stated"] = False
        osv: dict[str, Any] = {"schema_version": "1.6.0", "id": pid, "aliases": [i for i in rec.ids if i != pid],
                               "summary": rec.title}
        if rec.published:
            osv["published"] = f"{rec.published}T00:00:00Z"
        osv["affected"] = [aff]
        osv["references"] = [{"type": "ADVISORY" if "/advisories/" in u else "WEB", "url": u} for u in rec.refs]
        osv["database_specific"] = ds
        advisories.append(osv)
    advisories.sort(key=lambda a: (a.get("published", ""), a["id"]), reverse=True)
    as_of = max(s["as_of"] for s in sources if s["as_of"])
    return {"data_as_of": as_of, "generated_by": "scripts/build_advisories.py", "sources": sources,
            "advisories": advisories}


def main() -> int:
    """CLI entry."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--komlock", type=Path, help="Komlock-lab/openclaw-security data/vulnerability-db.json")
    ap.add_argument("--check", action="store_true", help="exit 1 if the bundled file is not what the sources build")
    ns = ap.parse_args()
    doc = build(ns.komlock)
    advs, _ = parse_document(doc)  # the loader must accept what we bundle
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if ns.check:
        twin = OUT.parent / TWIN
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text and twin.exists() \
            and twin.read_text(encoding="utf-8") == compile_bundle(text.encode())
        print("advisories: up to date" if same else "advisories: osv.json differs from the sources")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    (OUT.parent / TWIN).write_text(compile_bundle(text.encode()), encoding="utf-8")  # what an audit loads
    ranged = sum(1 for a in advs if a.ranges)
    print(f"{len(advs)} advisories ({ranged} with a fixed version) as of {doc['data_as_of']} -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
