"""Aggregate many hosts' audit results into one fleet view and find the cross-host risks (pure).

Per host: score (the report's 0-100), OpenClaw version, worst findings, guard and baseline state, comparable
gateway-credential fingerprints. Across hosts: the worst findings of the fleet (by check id, with the hosts
affected) and the rules of ``rules.yaml``: FL001 shared gateway credential (by salted fingerprint, guide C1.3),
FL002 versions with advisories (``clawfence.audit.advisories``, passed in by the caller as ``affecting`` so this
layer does not import the audit engine), FL003 version spread / unknown versions, FL004 no effective guard
(RG001), FL005 no baseline or drift (BL001), FL006 credentials not comparable, FL007 host without a usable result.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

from clawfence import __version__
from clawfence.audit.facts import Facts
from clawfence.audit.facts.fleet import FleetCredential, FleetFacts
from clawfence.core import yamlload
from clawfence.core.calver import CalVer
from clawfence.core.model import Severity
from clawfence.fleet.load import HostInput

#: problem statuses, worst first
_STATUS_ORDER = {"fail": 0, "error": 1, "warn": 2}
WORST_PER_HOST = 5
WORST_FLEET = 20


class AdvisoryLike(Protocol):
    """What the aggregator needs of an advisory (``clawfence.audit.advisories.Advisory`` fits)."""

    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def fixed(self) -> str | None: ...


#: version string -> advisories affecting it; raises ValueError (e.g. CalVer's VersionError) when unparsable
Affecting = Callable[[str], Sequence[AdvisoryLike]]


@dataclass(frozen=True)
class Rule:
    """One fleet rule of ``rules.yaml`` (fields as COMMON rule declarations; ``status`` fail|warn)."""

    id: str
    title: str
    title_zh: str
    severity: Severity
    status: str
    guide: tuple[str, ...]
    remediation: str
    remediation_zh: str
    references: tuple[str, ...]
    examples: Mapping[str, Any]


@lru_cache(maxsize=1)
def rules() -> dict[str, Rule]:
    """All fleet rules by id, in file order."""
    text = resources.files("clawfence.fleet").joinpath("rules.yaml").read_text(encoding="utf-8")
    out: dict[str, Rule] = {}
    for r in yamlload.safe_load(text):
        out[r["id"]] = Rule(id=r["id"], title=r["title"], title_zh=r["title_zh"], severity=Severity(r["severity"]),
                            status=r["status"], guide=tuple(r["guide"]), remediation=r["remediation"],
                            remediation_zh=r["remediation_zh"], references=tuple(r.get("references") or ()),
                            examples=r.get("examples") or {})
    return out


@dataclass(frozen=True)
class HostResult:
    """One host's summary. ``ok``: a usable report was read; ``guard``/``baseline``: the status of its RG001 /
    BL001 finding (``pass``, ``warn``, ``fail``, ``skip``, ``error``) or ``none`` when the report has none;
    ``problems``: counts of unsuppressed fail/warn findings by severity; ``worst``: up to 5 worst findings
    (``{id, status, severity, title, subject}``)."""

    name: str
    ok: bool
    score: int | None
    version: str | None
    finished: str | None
    problems: Mapping[str, int]
    worst: tuple[Mapping[str, str], ...]
    guard: str
    baseline: str
    fleet: FleetFacts | None
    has_facts: bool
    errors: tuple[str, ...]


@dataclass(frozen=True)
class FleetFinding:
    """A cross-host risk: ``rule`` and the ``hosts`` concerned; ``subject`` is stable across runs (e.g.
    ``fingerprint:<hex>``), ``detail`` the human sentence (never a secret), ``severity`` may exceed the rule's
    default (FL002 takes the worst advisory's)."""

    rule: Rule
    hosts: tuple[str, ...]
    subject: str
    detail: str
    severity: Severity
    evidence: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WorstFinding:
    """A check failing somewhere in the fleet: worst status/severity seen and every host where it is a problem."""

    id: str
    title: str
    severity: Severity
    status: str
    guide: tuple[str, ...]
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class FleetReport:
    """The aggregate. ``versions``: OpenClaw version -> hosts (``unknown`` for hosts without one)."""

    generated: str
    tool_version: str
    hosts: tuple[HostResult, ...]
    risks: tuple[FleetFinding, ...]
    worst: tuple[WorstFinding, ...]
    versions: Mapping[str, tuple[str, ...]]

    @property
    def score(self) -> int | None:
        """The fleet's score: the lowest host score (a fleet is as safe as its weakest host); None if none."""
        scores = [h.score for h in self.hosts if h.score is not None]
        return min(scores) if scores else None


def _sev(value: object) -> Severity:
    try:
        return Severity(str(value))
    except ValueError:
        return Severity.INFO


def _problems(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [f for f in report.get("findings", []) if f.get("status") in _STATUS_ORDER and not f.get("suppressed")]


def _sort_key(f: Mapping[str, Any]) -> tuple[int, int, str]:
    return (-_sev(f.get("severity")).rank, _STATUS_ORDER.get(str(f.get("status")), 9), str(f.get("id")))


def _check_status(report: Mapping[str, Any], check_id: str) -> str:
    """Worst status of ``check_id`` in the report (``none`` when the report has no such finding)."""
    order = ["fail", "error", "warn", "skip", "pass"]
    seen = [str(f.get("status")) for f in report.get("findings", []) if f.get("id") == check_id]
    return min(seen, key=lambda s: order.index(s) if s in order else 0) if seen else "none"


def summarise_host(h: HostInput) -> HostResult:
    """One host's :class:`HostResult` (pure)."""
    rep = h.report
    facts: Facts | None = h.facts
    if rep is None:
        return HostResult(name=h.name, ok=False, score=None, version=None, finished=None, problems={}, worst=(),
                          guard="none", baseline="none", fleet=facts.fleet if facts else None,
                          has_facts=facts is not None, errors=h.errors)
    summary = rep.get("summary") or {}
    score = summary.get("score")
    target = rep.get("target") or {}
    version = target.get("openclaw_version") if isinstance(target, dict) else None
    if not version and facts is not None:
        version = facts.version.version
    probs = sorted(_problems(rep), key=_sort_key)
    counts: dict[str, int] = defaultdict(int)
    for f in probs:
        counts[_sev(f.get("severity")).value] += 1
    worst = tuple({"id": str(f.get("id")), "status": str(f.get("status")), "severity": _sev(f.get("severity")).value,
                   "title": str(f.get("title", "")), "subject": str(f.get("subject", ""))}
                  for f in probs[:WORST_PER_HOST])
    baseline = _check_status(rep, "BL001")
    if baseline in ("none", "skip") and facts is not None and facts.drift is not None and facts.drift.baseline is None:
        baseline = "warn"
    return HostResult(
        name=h.name, ok=True, score=score if isinstance(score, int) and 0 <= score <= 100 else None,
        version=version if isinstance(version, str) and version else None,
        finished=str(rep.get("finished")) if rep.get("finished") else None, problems=dict(counts), worst=worst,
        guard=_check_status(rep, "RG001"), baseline=baseline, fleet=facts.fleet if facts else None,
        has_facts=facts is not None, errors=h.errors)


def _fl001_fl006(results: Sequence[HostResult], rs: Mapping[str, Rule]) -> list[FleetFinding]:
    out: list[FleetFinding] = []
    ok = [r for r in results if r.ok or r.fleet is not None]
    salts: dict[str, list[str]] = defaultdict(list)
    for r in ok:
        if r.fleet is not None:
            salts[r.fleet.salt_id].append(r.name)
    # credentials compare only under one salt; the largest group of hosts sharing a salt is "the fleet's"
    groups: dict[tuple[str, str], list[tuple[str, FleetCredential]]] = defaultdict(list)
    for r in ok:
        if r.fleet is None:
            continue
        for c in r.fleet.credentials:
            groups[(r.fleet.salt_id, c.fingerprint)].append((r.name, c))
    for (_salt, fp), members in sorted(groups.items(), key=lambda kv: kv[0][1]):
        hosts = tuple(sorted({h for h, _ in members}))
        if len(hosts) < 2:
            continue
        keys = sorted({c.key for _, c in members})
        where = ", ".join(f"{h} ({c.key}, from {c.source})" for h, c in sorted(members, key=lambda m: m[0]))
        out.append(FleetFinding(
            rule=rs["FL001"], hosts=hosts, subject=f"fingerprint:{fp}", severity=rs["FL001"].severity,
            detail=f"{' / '.join(keys)} {members[0][1].redacted} (fingerprint {fp}) is the same on {len(hosts)} "
                   f"hosts: {where}",
            evidence={"fingerprint": fp, "redacted": members[0][1].redacted, "keys": keys}))
    reasons: list[str] = []
    not_cmp: set[str] = set()
    if len(salts) > 1:
        main = max(salts.items(), key=lambda kv: (len(kv[1]), kv[0]))[0]
        for sid, hs in sorted(salts.items()):
            if sid != main:
                reasons.append(f"{', '.join(sorted(hs))}: audited with a different fleet salt (id {sid}, fleet {main})")
                not_cmp.update(hs)
    for r in ok:
        if r.fleet is None:
            reasons.append(f"{r.name}: no fleet fingerprints (audited without CLAWFENCE_FLEET_SALT"
                           f"{'' if r.has_facts else ', or no facts file'})")
            not_cmp.add(r.name)
        else:
            for u in r.fleet.unresolved:
                reasons.append(f"{r.name}: {u}")
                not_cmp.add(r.name)
    if reasons:
        out.append(FleetFinding(rule=rs["FL006"], hosts=tuple(sorted(not_cmp)), subject="credentials",
                                severity=rs["FL006"].severity, detail="; ".join(reasons)))
    return out


def _calver_key(v: str) -> tuple[int, CalVer | None, str]:
    try:
        return (1, CalVer(v), v)
    except ValueError:
        return (0, None, v)


def _versions(results: Sequence[HostResult], rs: Mapping[str, Rule],
              affecting: Affecting) -> tuple[list[FleetFinding], dict[str, tuple[str, ...]]]:
    out: list[FleetFinding] = []
    by_ver: dict[str, list[str]] = defaultdict(list)
    for r in results:
        if r.ok:
            by_ver[r.version or "unknown"].append(r.name)
    unknown = list(by_ver.get("unknown", []))
    unknown_vers: set[str] = set()
    for ver, hosts in sorted(by_ver.items()):
        if ver == "unknown":
            continue
        try:
            advs = list(affecting(ver))
        except ValueError:
            unknown += hosts
            unknown_vers.add(ver)
            continue
        if not advs:
            continue
        worst = max((a.severity for a in advs), key=lambda s: s.rank)
        fixed = sorted({a.fixed for a in advs if a.fixed}, key=_calver_key)
        ids = [a.id for a in sorted(advs, key=lambda a: -a.severity.rank)]
        shown = ", ".join(ids[:8]) + (f" (+{len(ids) - 8} more)" if len(ids) > 8 else "")
        out.append(FleetFinding(
            rule=rs["FL002"], hosts=tuple(sorted(hosts)), subject=f"openclaw@{ver}", severity=worst,
            detail=f"OpenClaw {ver} on {', '.join(sorted(hosts))} is affected by {len(advs)} advisories ({shown}); "
                   + (f"all fixed by {fixed[-1]}" if fixed else "no fixed version stated"),
            evidence={"version": ver, "advisories": ids}))
    known = sorted(v for v in by_ver if v != "unknown" and v not in unknown_vers)
    parts = []
    if len(known) > 1:
        parts.append("versions: " + "; ".join(f"{v}: {', '.join(sorted(by_ver[v]))}" for v in known))
    if unknown:
        parts.append(f"version unknown on {', '.join(sorted(set(unknown)))} (not checked against advisories)")
    if parts:
        hosts = sorted({h for v in known for h in by_ver[v]} | set(unknown)) if len(known) > 1 else sorted(set(unknown))
        out.append(FleetFinding(rule=rs["FL003"], hosts=tuple(hosts), subject="versions",
                                severity=rs["FL003"].severity, detail="; ".join(parts),
                                evidence={"versions": {v: sorted(h) for v, h in by_ver.items()}}))
    return out, {v: tuple(sorted(h)) for v, h in sorted(by_ver.items())}


def _state_rule(results: Sequence[HostResult], rule: Rule, attr: str, what: str) -> list[FleetFinding]:
    words = {"warn": "absent", "fail": "not effective or failing", "none": "not reported (unknown)",
             "skip": "not checked (unknown)", "error": "check errored (unknown)"}
    bad = [(r.name, getattr(r, attr)) for r in results if r.ok and getattr(r, attr) != "pass"]
    if not bad:
        return []
    detail = f"{what}: " + "; ".join(f"{h}: {words.get(s, s)}" for h, s in bad)
    return [FleetFinding(rule=rule, hosts=tuple(h for h, _ in bad), subject=attr, severity=rule.severity,
                         detail=detail, evidence={h: s for h, s in bad})]


def aggregate(hosts: Sequence[HostInput], affecting: Affecting, now: datetime | None = None) -> FleetReport:
    """The fleet report of ``hosts`` (pure given ``affecting``; ``now`` stamps ``generated``)."""
    rs = rules()
    results = tuple(summarise_host(h) for h in hosts)
    risks: list[FleetFinding] = []
    risks += _fl001_fl006(results, rs)
    ver_risks, versions = _versions(results, rs, affecting)
    risks += ver_risks
    risks += _state_rule(results, rs["FL004"], "guard", "runtime guard (RG001)")
    risks += _state_rule(results, rs["FL005"], "baseline", "configuration baseline (BL001)")
    broken = [r for r in results if not r.ok]
    if broken:
        risks.append(FleetFinding(rule=rs["FL007"], hosts=tuple(r.name for r in broken), subject="results",
                                  severity=rs["FL007"].severity,
                                  detail="; ".join(f"{r.name}: {', '.join(r.errors) or 'no report'}" for r in broken)))
    risks.sort(key=lambda f: (-f.severity.rank, f.rule.id, f.subject))
    worst: dict[str, dict[str, Any]] = {}
    for h in hosts:
        if h.report is None:
            continue
        for f in _problems(h.report):
            w = worst.setdefault(str(f["id"]), {"title": str(f.get("title", "")), "sev": _sev(f.get("severity")),
                                                "status": str(f["status"]), "guide": tuple(f.get("guide") or ()),
                                                "hosts": set()})
            w["hosts"].add(h.name)
            if _sev(f.get("severity")).rank > w["sev"].rank:
                w["sev"] = _sev(f.get("severity"))
            if _STATUS_ORDER[str(f["status"])] < _STATUS_ORDER[w["status"]]:
                w["status"] = str(f["status"])
    ranked = sorted(worst.items(), key=lambda kv: (-kv[1]["sev"].rank, _STATUS_ORDER[kv[1]["status"]],
                                                   -len(kv[1]["hosts"]), kv[0]))
    top = tuple(WorstFinding(id=k, title=v["title"], severity=v["sev"], status=v["status"],
                             guide=tuple(str(g) for g in v["guide"]), hosts=tuple(sorted(v["hosts"])))
                for k, v in ranked[:WORST_FLEET])
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return FleetReport(generated=stamp, tool_version=__version__, hosts=results, risks=tuple(risks), worst=top,
                       versions=versions)


def hosts_from_example(doc: Mapping[str, Mapping[str, Any]]) -> list[HostInput]:
    """Synthetic hosts from a rule example of ``rules.yaml`` (see the file's header for the keys); used by the
    tests running every example."""
    out: list[HostInput] = []
    for name, spec in doc.items():
        if spec.get("broken"):
            out.append(HostInput(name=name, errors=("report.json: not JSON",)))
            continue
        findings = [{"id": cid, "status": spec.get(key, "pass"), "severity": "medium", "title": cid, "subject": key}
                    for cid, key in (("RG001", "guard"), ("BL001", "baseline")) if spec.get(key, "pass") != "none"]
        report = {"schema": 1, "kind": "audit", "target": {"openclaw_version": spec.get("version")},
                  "summary": {"score": spec.get("score", 80)}, "findings": findings, "finished": "2026-12-01T00:00:00+00:00"}
        salt = spec.get("salt", "s1")
        fleet = None if salt == "none" else FleetFacts(
            salt_id=str(salt), unresolved=list(spec.get("unresolved") or []),
            credentials=[FleetCredential(key="gateway.auth.token", source="config", fingerprint=str(fp),
                                         redacted="…(8 chars)") for fp in spec.get("creds") or []])
        out.append(HostInput(name=name, report=report, facts=Facts(fleet=fleet)))
    return out
