"""OpenClaw advisory data in the OSV shape: the bundled set, air-gapped updates, and version matching.

Data: ``data/advisories/osv.json``, built by ``scripts/build_advisories.py`` from public records (GitHub
Advisory Database / repository advisories of openclaw/openclaw as tracked by jgamblin/OpenClawCVEs, CVE
records, reference/openclaw.md §6); each record cites its sources in ``database_specific.sources``. The file
is ``{"data_as_of": "YYYY-MM-DD", "sources": [...], "advisories": [OSV records]}``.

Matching: an OSV ``affected`` entry for npm ``openclaw`` (early releases ``clawdbot``/``moltbot``) whose ranges
have ``introduced``/``fixed``/``last_affected`` events; ``V`` is affected when ``introduced <= V < fixed`` (or
``<= last_affected``) under :class:`clawfence.core.calver.CalVer` order (``-beta.N`` before, ``-N`` re-publishes
after the base date). A record without any range states no fixed version: it is listed, never matched.

Updates (``clawfence advisories update --from FILE|DIR``) are validated OSV JSON stored in
``clawfence_home()/advisories/osv.json``. They can only ADD: a record of the update never removes or narrows a
bundled record (the agent may be able to write the user's clawfence home; a forged file must not hide a known
advisory). Ranges of the same id are united.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from clawfence.core.atomic import atomic_write_text
from clawfence.core.calver import CalVer, VersionError
from clawfence.core.calver import parse as parse_calver
from clawfence.core.model import Severity
from clawfence.core.paths import clawfence_home

#: npm package names OpenClaw was published under
PACKAGES = frozenset({"openclaw", "clawdbot", "moltbot"})
#: largest advisory file read (bytes); a larger one is refused, never read whole
MAX_FILE = 64 * 1024 * 1024
#: most ``*.json`` files read from one update directory (osv.dev's npm export holds a few thousand)
MAX_FILES = 50_000
#: data older than this many days is reported as stale (issue 13)
STALE_DAYS = 90
_SEV = {"critical": Severity.CRITICAL, "high": Severity.HIGH, "moderate": Severity.MEDIUM,
        "medium": Severity.MEDIUM, "low": Severity.LOW}
_RANK = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3, Severity.INFO: 4}


class AdvisoryDataError(ValueError):
    """Advisory data that is not valid OSV for OpenClaw; the message is one line naming the record."""


@dataclass(frozen=True, slots=True)
class Range:
    """One affected range: ``introduced`` ("0" = from the first release), ``fixed`` and/or ``last_affected``."""

    introduced: str = "0"
    fixed: str | None = None
    last_affected: str | None = None
    # parsed CalVer keys, computed once (matching runs for every audit)
    _keys: tuple[tuple[int, ...] | None, tuple[int, ...] | None, tuple[int, ...] | None] = field(
        default=(None, None, None), init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        keys = (None if self.introduced == "0" else CalVer(self.introduced).key,
                CalVer(self.fixed).key if self.fixed is not None else None,
                CalVer(self.last_affected).key if self.last_affected is not None else None)
        object.__setattr__(self, "_keys", keys)

    def contains(self, v: CalVer) -> bool:
        """True when ``v`` lies in this range."""
        lo, fixed, last = self._keys
        if lo is not None and v.key < lo:
            return False
        if fixed is not None:
            return v.key < fixed
        if last is not None:
            return v.key <= last
        return True

    def text(self) -> str:
        """Human form, e.g. ``>= 2026.2.22-2, < 2026.2.23``."""
        parts = [] if self.introduced == "0" else [f">= {self.introduced}"]
        if self.fixed is not None:
            parts.append(f"< {self.fixed}")
        elif self.last_affected is not None:
            parts.append(f"<= {self.last_affected}")
        return ", ".join(parts) or "all versions"


@dataclass(frozen=True, slots=True)
class Advisory:
    """One advisory: ``id`` (GHSA, CVE or a named id), ``aliases``, ``title`` (OSV ``summary``), ``severity``,
    ``ranges`` (empty: no fixed version stated, never matched), ``references`` (URLs), ``published`` /
    ``modified`` (ISO dates), ``cvss`` (base score or None), ``sources`` (where the record came from)."""

    id: str
    aliases: tuple[str, ...]
    title: str
    severity: Severity
    ranges: tuple[Range, ...]
    references: tuple[str, ...]
    published: str | None = None
    modified: str | None = None
    cvss: float | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)

    @property
    def fixed(self) -> str | None:
        """The (highest) first fixed version stated, or None."""
        fixes = [r.fixed for r in self.ranges if r.fixed]
        return max(fixes, key=CalVer) if fixes else None

    @property
    def affected(self) -> str:
        """Human form of the ranges (``"fixed version not stated"`` when there is none)."""
        return "; ".join(r.text() for r in self.ranges) or "fixed version not stated"

    def ids(self) -> tuple[str, ...]:
        """``id`` and every alias."""
        return (self.id, *self.aliases)

    def affects(self, version: CalVer) -> bool | None:
        """True/False for ``version``; None when no range is stated (cannot judge)."""
        if not self.ranges:
            return None
        return any(r.contains(version) for r in self.ranges)

    def to_osv(self) -> dict[str, Any]:
        """This record as an OSV 1.6 object (package npm ``openclaw``)."""
        events: list[list[dict[str, str]]] = []
        for r in self.ranges:
            ev = [{"introduced": r.introduced}]
            if r.fixed is not None:
                ev.append({"fixed": r.fixed})
            elif r.last_affected is not None:
                ev.append({"last_affected": r.last_affected})
            events.append(ev)
        affected: dict[str, Any] = {"package": {"ecosystem": "npm", "name": "openclaw"},
                                    "ranges": [{"type": "ECOSYSTEM", "events": e} for e in events]}
        out: dict[str, Any] = {"schema_version": "1.6.0", "id": self.id, "aliases": list(self.aliases),
                               "summary": self.title}
        if self.published:
            out["published"] = self.published
        if self.modified:
            out["modified"] = self.modified
        out["affected"] = [affected]
        out["references"] = [{"type": "ADVISORY" if "/advisories/" in u else "WEB", "url": u} for u in self.references]
        ds: dict[str, Any] = {"severity": self.severity.value.upper()}
        if self.cvss is not None:
            ds["cvss_score"] = self.cvss
        if self.sources:
            ds["sources"] = list(self.sources)
        out["database_specific"] = ds
        return out


@dataclass(frozen=True, slots=True)
class AdvisoryData:
    """Loaded advisory data: ``data_as_of`` (ISO date of the newest source), the records, and ``origin`` (the
    bundled file, plus the update file when one was merged)."""

    data_as_of: str
    advisories: tuple[Advisory, ...]
    origin: tuple[str, ...]
    sources: tuple[Mapping[str, Any], ...] = ()


def _calver(value: Any, rid: str) -> str:
    text = str(value).strip()
    if text == "0":
        return text
    try:
        CalVer(text)
    except VersionError as exc:
        raise AdvisoryDataError(f"{rid}: range version {text!r} is not an OpenClaw version") from exc
    return text.removeprefix("v")


def _date(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    return value[:10] if value[4] == "-" and value[7] == "-" else None


def _severity(rec: Mapping[str, Any]) -> tuple[Severity, float | None]:
    ds = rec.get("database_specific")
    cvss: float | None = None
    sev: Severity | None = None
    if isinstance(ds, dict):
        raw = ds.get("severity")
        if isinstance(raw, str):
            sev = _SEV.get(raw.strip().lower())
        score = ds.get("cvss_score")
        if isinstance(score, (int, float)) and 0 <= score <= 10:
            cvss = float(score)
    for s in rec.get("severity") or ():
        if isinstance(s, dict) and isinstance(s.get("score"), (int, float)):
            cvss = float(s["score"])
    if sev is None and cvss is not None:
        sev = (Severity.CRITICAL if cvss >= 9 else Severity.HIGH if cvss >= 7 else Severity.MEDIUM if cvss >= 4
               else Severity.LOW)
    # unknown is not safe: a record that states no severity counts as high
    return sev or Severity.HIGH, cvss


def parse_osv(rec: Any) -> Advisory | None:
    """One OSV record -> :class:`Advisory`; None when it does not concern npm ``openclaw``/``clawdbot``/
    ``moltbot``. Raises :class:`AdvisoryDataError` (one line, naming the id) when it is malformed."""
    if not isinstance(rec, dict):
        raise AdvisoryDataError("OSV record is not a JSON object")
    rid = rec.get("id")
    if not isinstance(rid, str) or not rid.strip() or len(rid) > 100:
        raise AdvisoryDataError("OSV record without a valid 'id'")
    affected = rec.get("affected")
    if not isinstance(affected, list):
        raise AdvisoryDataError(f"{rid}: 'affected' must be a list")
    ranges: list[Range] = []
    ours = False
    for a in affected:
        if not isinstance(a, dict):
            raise AdvisoryDataError(f"{rid}: 'affected' entry is not an object")
        pkg = a.get("package") or {}
        if not isinstance(pkg, dict) or str(pkg.get("ecosystem", "")).lower() != "npm" \
                or pkg.get("name") not in PACKAGES:
            continue
        ours = True
        for r in a.get("ranges") or ():
            if not isinstance(r, dict) or not isinstance(r.get("events"), list):
                raise AdvisoryDataError(f"{rid}: range without 'events'")
            if r.get("type") not in ("ECOSYSTEM", "SEMVER"):
                raise AdvisoryDataError(f"{rid}: range type {r.get('type')!r} is not ECOSYSTEM or SEMVER")
            intro: str | None = None
            for ev in r["events"]:
                if not isinstance(ev, dict) or len(ev) != 1:
                    raise AdvisoryDataError(f"{rid}: range event must have exactly one key")
                ((kind, val),) = ev.items()
                if kind == "introduced":
                    if intro is not None:
                        ranges.append(Range(intro))
                    # a non-CalVer lower bound (e.g. SEMVER "0.0.0") widens to "0": unknown is not safe
                    intro = _calver(val, rid) if parse_calver(str(val)) is not None else "0"
                elif kind in ("fixed", "last_affected", "limit"):
                    if intro is None:
                        raise AdvisoryDataError(f"{rid}: {kind} event before any introduced event")
                    if kind == "limit":
                        continue
                    v = _calver(val, rid)
                    ranges.append(Range(intro, fixed=v) if kind == "fixed" else Range(intro, last_affected=v))
                    intro = None
                else:
                    raise AdvisoryDataError(f"{rid}: unknown range event {kind!r}")
            if intro is not None:
                ranges.append(Range(intro))
        for ver in a.get("versions") or ():
            if parse_calver(str(ver)) is None:  # enumerated pre-CalVer releases cannot be an OpenClaw build
                continue
            v = _calver(ver, rid)
            ranges.append(Range(v, last_affected=v))
    if not ours:
        return None
    aliases = tuple(str(x) for x in rec.get("aliases") or () if isinstance(x, str) and x != rid)
    refs = tuple(str(r["url"]) for r in rec.get("references") or ()
                 if isinstance(r, dict) and isinstance(r.get("url"), str))
    title = rec.get("summary") or rec.get("details") or rid
    sev, cvss = _severity(rec)
    ds = rec.get("database_specific")
    sources = tuple(str(s) for s in (ds.get("sources") or ()) if isinstance(s, str)) if isinstance(ds, dict) else ()
    return Advisory(id=rid.strip(), aliases=aliases, title=str(title).strip().splitlines()[0][:300], severity=sev,
                    ranges=tuple(dict.fromkeys(ranges)), references=refs, published=_date(rec.get("published")),
                    modified=_date(rec.get("modified")), cvss=cvss, sources=sources)


def parse_document(doc: Any) -> tuple[list[Advisory], str | None]:
    """A bundle ``{"data_as_of", "advisories": [...]}``, one OSV record, or a list of records -> (advisories
    concerning OpenClaw, the stated or derived ``data_as_of``). Raises :class:`AdvisoryDataError`."""
    as_of: str | None = None
    if isinstance(doc, dict) and "advisories" in doc:
        as_of = _date(doc.get("data_as_of"))
        if as_of is None:
            raise AdvisoryDataError("advisory bundle without a valid 'data_as_of' (YYYY-MM-DD)")
        records = doc["advisories"]
    elif isinstance(doc, list):
        records = doc
    else:
        records = [doc]
    if not isinstance(records, list):
        raise AdvisoryDataError("'advisories' must be a list of OSV records")
    out = [a for a in (parse_osv(r) for r in records) if a is not None]
    if as_of is None:
        dates = [d for a in out for d in (a.modified, a.published) if d]
        as_of = max(dates) if dates else None
    return out, as_of


def read_json(path: Path) -> Any:
    """Read one JSON file with limits: a regular file of at most :data:`MAX_FILE` bytes, nesting checked by the
    parser. Raises :class:`AdvisoryDataError` with a one-line reason."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise AdvisoryDataError(f"{path}: {exc.strerror or exc}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise AdvisoryDataError(f"{path}: not a regular file")
        if st.st_size > MAX_FILE:
            raise AdvisoryDataError(f"{path}: larger than {MAX_FILE // (1024 * 1024)} MiB")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_FILE + 1)
    finally:
        os.close(fd)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise AdvisoryDataError(f"{path}: not valid JSON ({str(exc).splitlines()[0][:120]})") from exc


def merge(base: Iterable[Advisory], extra: Iterable[Advisory]) -> tuple[Advisory, ...]:
    """``base`` plus ``extra``: a new id (matched by id or alias) is added; for a known one the ranges, aliases,
    references and sources are united, the worse severity kept. Nothing of ``base`` is ever removed."""
    out: dict[str, Advisory] = {}
    index: dict[str, str] = {}
    for a in (*base, *extra):
        key = next((index[i] for i in a.ids() if i in index), None)
        if key is None:
            out[a.id] = a
            for i in a.ids():
                index.setdefault(i, a.id)
            continue
        old = out[key]
        sev = min((old.severity, a.severity), key=lambda s: _RANK[s])
        merged = Advisory(
            id=old.id, aliases=tuple(dict.fromkeys(x for x in (*old.aliases, *a.ids()) if x != old.id)),
            title=old.title, severity=sev, ranges=tuple(dict.fromkeys((*old.ranges, *a.ranges))),
            references=tuple(dict.fromkeys((*old.references, *a.references))),
            published=old.published or a.published, modified=max(filter(None, (old.modified, a.modified)),
                                                                  default=None),
            cvss=old.cvss if old.cvss is not None else a.cvss, sources=tuple(dict.fromkeys((*old.sources,
                                                                                            *a.sources))))
        out[key] = merged
        for i in a.ids():
            index.setdefault(i, key)
    return tuple(out.values())


def update_path() -> Path:
    """Where ``advisories update`` stores its data: ``clawfence_home()/advisories/osv.json``."""
    return clawfence_home() / "advisories" / "osv.json"


#: compiled twin of the bundled ``osv.json`` (written by ``scripts/build_advisories.py``)
TWIN = "osv.compiled.json"


def _bundled() -> tuple[list[Advisory], str, tuple[Mapping[str, Any], ...]]:
    root = resources.files("clawfence.data").joinpath("advisories")
    raw = root.joinpath("osv.json").read_bytes()
    twin = root.joinpath(TWIN)
    if twin.is_file():
        got = _from_twin(twin.read_bytes(), hashlib.sha256(raw).hexdigest())
        if got is not None:
            return got
    doc = json.loads(raw)
    advs, as_of = parse_document(doc)
    assert as_of is not None
    return advs, as_of, tuple(doc.get("sources") or ())


def _row(a: Advisory) -> list[Any]:
    return [a.id, list(a.aliases), a.title, a.severity.value, [[r.introduced, r.fixed, r.last_affected] for r in a.ranges],
            list(a.references), a.published, a.modified, a.cvss, list(a.sources)]


def compile_bundle(raw: bytes) -> str:
    """The compiled twin of bundle bytes ``raw``: ``{"source_sha256", "data_as_of", "sources", "rows"}`` with one
    row per advisory as :func:`parse_document` reads it (so loading skips validation and OSV walking). Raises
    :class:`AdvisoryDataError` when ``raw`` is not a valid bundle."""
    doc = json.loads(raw)
    advs, as_of = parse_document(doc)
    twin = {"source_sha256": hashlib.sha256(raw).hexdigest(), "data_as_of": as_of,
            "sources": list(doc.get("sources") or ()), "rows": [_row(a) for a in advs]}
    return json.dumps(twin, ensure_ascii=False, separators=(",", ":")) + "\n"


def _from_twin(blob: bytes, sha256: str) -> tuple[list[Advisory], str, tuple[Mapping[str, Any], ...]] | None:
    """Advisories from a compiled twin whose ``source_sha256`` is ``sha256``; None when the twin is stale or not
    what :func:`compile_bundle` writes (the caller then parses the bundle itself: always correct, only slower)."""
    try:
        doc = json.loads(blob)
        if not isinstance(doc, dict) or doc.get("source_sha256") != sha256 or not isinstance(doc.get("data_as_of"), str):
            return None
        advs = [Advisory(id=i, aliases=tuple(al), title=t, severity=Severity(sv),
                         ranges=tuple(Range(lo, fixed=fx, last_affected=la) for lo, fx, la in rg),
                         references=tuple(rf), published=pu, modified=mo, cvss=cv, sources=tuple(so))
                    for i, al, t, sv, rg, rf, pu, mo, cv, so in doc["rows"]]
        return advs, doc["data_as_of"], tuple(doc.get("sources") or ())
    except (ValueError, TypeError, KeyError, VersionError):
        return None


@lru_cache(maxsize=4)
def load_data(update: str | None = "default") -> AdvisoryData:
    """The bundled data merged with the update file (``update``: a path, ``"default"`` for
    :func:`update_path`, None for bundled only). An unreadable or invalid update file is ignored (bundled data
    is never weakened by it); raises :class:`AdvisoryDataError` only if the bundled file is broken."""
    advs, as_of, sources = _bundled()
    origin = ["bundled data/advisories/osv.json"]
    path = update_path() if update == "default" else Path(update) if update else None
    if path is not None and path.exists():
        try:
            extra, extra_as_of = parse_document(read_json(path))
        except AdvisoryDataError:
            extra, extra_as_of = [], None
        if extra:
            advs = list(merge(advs, extra))
            today = datetime.now(UTC).date().isoformat()
            # a date in the future is not believed (it would only silence the staleness warning)
            if extra_as_of and extra_as_of <= today:
                as_of = max(as_of, extra_as_of)
            origin.append(str(path))
    return AdvisoryData(data_as_of=as_of, advisories=tuple(advs), origin=tuple(origin), sources=sources)


def load() -> tuple[Advisory, ...]:
    """All advisories (bundled + update), in file order."""
    return load_data().advisories


def worst_first(advs: Iterable[Advisory]) -> list[Advisory]:
    """Sorted by severity, then CVSS (highest first), then id."""
    return sorted(advs, key=lambda a: (_RANK[a.severity], -(a.cvss or 0.0), a.id))


def affecting(version: str, data: AdvisoryData | None = None) -> list[Advisory]:
    """Advisories affecting ``version``, worst first (raises :class:`clawfence.core.calver.VersionError` if the
    version is unparsable). Records without a stated range are not included."""
    v = CalVer(version)
    return worst_first(a for a in (data or load_data()).advisories if a.affects(v))


def version_date(version: str) -> str | None:
    """The release date a CalVer encodes (``2026.9.6`` -> ``2026-09-06``), None if unparsable."""
    try:
        y, m, d = CalVer(version).key[:3]
    except VersionError:
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def write_update(advs: Sequence[Advisory], as_of: str, dest: Path | None = None) -> Path:
    """Store ``advs`` as an OSV bundle at ``dest`` (default :func:`update_path`), atomically, mode 0600."""
    dest = dest or update_path()
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    doc = {"data_as_of": as_of, "sources": [{"name": "clawfence advisories update", "records": len(advs)}],
           "advisories": [a.to_osv() for a in advs]}
    atomic_write_text(dest, json.dumps(doc, indent=1, ensure_ascii=False) + "\n", mode=0o600)
    load_data.cache_clear()
    return dest


def collect_update(src: Path) -> tuple[list[Advisory], str, int]:
    """Read OSV JSON from a file or every ``*.json`` of a directory (not recursive) -> (OpenClaw advisories,
    data_as_of, records ignored as not about OpenClaw). Raises :class:`AdvisoryDataError` on any invalid file or
    when nothing about OpenClaw was found."""
    if src.is_dir():
        files = sorted(p for p in src.iterdir() if p.suffix == ".json")
        if len(files) > MAX_FILES:
            raise AdvisoryDataError(f"{src}: {len(files)} *.json files, more than {MAX_FILES}")
        if not files:
            raise AdvisoryDataError(f"{src}: no *.json files")
    elif src.exists() or src.is_symlink():
        files = [src]
    else:
        raise AdvisoryDataError(f"{src}: no such file or directory")
    found: list[Advisory] = []
    dates: list[str] = []
    ignored = 0
    for f in files:
        doc = read_json(f)
        advs, as_of = parse_document(doc)
        n = len(doc["advisories"]) if isinstance(doc, dict) and "advisories" in doc else \
            len(doc) if isinstance(doc, list) else 1
        ignored += n - len(advs)
        found.extend(advs)
        if as_of:
            dates.append(as_of)
    if not found:
        raise AdvisoryDataError(f"{src}: no OSV record for npm openclaw/clawdbot/moltbot")
    return list(merge((), found)), max(dates) if dates else "1970-01-01", ignored
