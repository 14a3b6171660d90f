"""Detections over a trail -> audit-model :class:`~clawfence.core.model.Finding` objects (ids ``TR0NN``).

Rules are declared as data in ``trail/rules.yaml`` (:mod:`clawfence.trail.rules`: metadata, EN/ZH text, examples).
Every tool call of a transcript goes through the SAME analysis the guard decides on,
:func:`clawfence.detect.analyze.analyze_call` (shell parsing and command effects, protected paths, hosts, secrets,
the tool catalogue with aliases such as ``system.run``/``terminal``); each kernel signal raises the trail rule that
claims it. Text records are scanned with :mod:`clawfence.detect.secrets` / :mod:`clawfence.detect.privacy`;
bursts, spikes and working hours are computed here.

| id | what | guide |
|----|------|-------|
| TR001 | dangerous command ran (kernel: destructive, download-exec, obfuscated, reverse-shell, persistence, ...) | D3.2, E4.4 |
| TR002 | protected file read or written (kernel path vocabulary: ~/.ssh, ~/.netrc, openclaw.json, ...) | D3.2, D3.3 |
| TR003 | provider secret in a transcript in clear | E7.2 |
| TR004 | private data (payment card, mnemonic, ID number) in a transcript | P5.1 |
| TR005 | outbound request to a new domain or an internal address | E4.1, D3.2 |
| TR006 | mass deletion (kernel mass-delete, or many deletes in 5 min) | D3.2, E4.1 |
| TR007 | change to OpenClaw config, auth or approvals by the agent | D3.2, D3.3 |
| TR008 | activity outside working hours | E4.1 |
| TR009 | sudden tool-use spike (> N calls per minute) | E4.1 |
| TR010 | secret in a gateway log line in clear | E7.2 |
| TR011 | money moved by the agent (payment API, amount + payee) | E5.1 |
Evidence is always scrubbed. Details never contain a secret.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from clawfence.core.model import Finding, Location, Severity, Status
from clawfence.detect.analyze import EXEC_TOOLS, URL_TOOLS, SessionMemory, analyze_call
from clawfence.detect.calls import PathContext, Signal, ToolCall
from clawfence.detect.deletes import delete_commands
from clawfence.detect.hosts import hosts_in_text
from clawfence.detect.policyview import KernelPolicy
from clawfence.detect.privacy import SECRET_KINDS
from clawfence.detect.tools import DELETE_TOOLS, canonical_tool
from clawfence.trail.events import SessionMeta, SessionTimeline, TrailEvent
from clawfence.trail.render import summary
from clawfence.trail.rules import TrailRule, rule_for_signal, rules
from clawfence.trail.scrub import find_private, find_secrets
from clawfence.trail.timeline import Trail

_HOME_RE = re.compile(r"(?<![\w.])(/home/[^/\s'\"]+|/Users/[^/\s'\"]+|/root)(?=/|\s|$)")
#: Kernel signals every trail rule leaves aside: already reported by the text scans (TR003/TR004), or not about
#: what the agent did (a tool outside the strict profile's set).
_TEXT_SIGNALS = frozenset({"secret-out", "personal-data-out"})


@dataclass(frozen=True)
class Options:
    """Tunables: working hours (local to ``tz_offset_hours``), spike threshold, known domains, delete burst."""

    work_start: int = 8
    work_end: int = 20
    weekdays_only: bool = True
    tz_offset_hours: int = 0
    spike_per_minute: int = 30
    delete_burst: int = 10
    known_domains: frozenset[str] = frozenset()
    #: the agent host's home and OpenClaw state dir; None: inferred per call from the paths it names
    #: (``/home/<user>``, ``/Users/<user>``, ``/root``), else ``/root`` and ``<home>/.openclaw``
    home: str | None = None
    state_dir: str | None = None
    policy: KernelPolicy = field(default_factory=KernelPolicy)


def _cmd(ev: TrailEvent) -> str:
    for k in ("command", "cmd", "script", "input"):
        v = ev.args.get(k)
        if isinstance(v, str):
            return v
        if isinstance(v, list):
            return " ".join(map(str, v))
    return ""


def _context(ev: TrailEvent, o: Options) -> PathContext:
    """Where ``~`` and relative paths of ``ev`` point on the agent's host (no symlink resolution: the trail
    describes another time and often another machine)."""
    home = o.home
    if home is None:
        m = _HOME_RE.search(" ".join(str(v) for v in ev.args.values()))
        home = m.group(1) if m else "/root"
    state = o.state_dir or f"{home}/.openclaw"
    ws = f"{state}/workspace"
    return PathContext(home=home, workspace=ws, state_dir=state, cwd=ws, resolve_symlinks=False)


def kernel_signals(ev: TrailEvent, o: Options | None = None, session: SessionMemory | None = None) -> list[Signal]:
    """The shared kernel's signals for tool-call event ``ev`` (empty for other kinds): the analysis the guard
    decides on, with the tool name mapped through the kernel's alias catalogue. A call the analysis cannot take
    apart gives an ``unresolved`` signal, never silence."""
    if ev.kind != "tool_call" or not ev.tool:
        return []
    opts = o or Options()
    call = ToolCall(canonical_tool(ev.tool), dict(ev.args), derived_paths=())
    try:
        return analyze_call(call, opts.policy, _context(ev, opts), session=session)
    except (ValueError, TypeError, RecursionError, OSError) as exc:
        return [Signal("unresolved", f"analysis failed ({type(exc).__name__})")]


def _finding(rule: TrailRule, ev: TrailEvent, detail: str, subject: str, *, title: str | None = None,
             severity: Severity | None = None) -> Finding:
    src = ev.source
    path, line = src, None
    if src.startswith(("jsonl:", "log:")):
        path, _, ln = src.split(":", 1)[1].rpartition(":")
        line = int(ln) if ln.isdigit() else None
    return Finding(id=rule.id, title=title or rule.title, severity=severity or rule.severity, status=Status.FAIL,
                   detail=detail, subject=subject, location=Location(path=path, line=line), guide=rule.guide,
                   remediation=rule.remediation, cwe=rule.cwe,
                   evidence=summary(ev, 300), observed_at=ev.ts.isoformat() if ev.ts else None)


def _subject(ev: TrailEvent) -> str:
    return f"{ev.agent}:{ev.session_key or ev.session_id}:{ev.tool_call_id or (ev.ts.isoformat() if ev.ts else '')}"


def detect_session(tl: SessionTimeline, opts: Options | None = None) -> list[Finding]:
    """Detections over one session timeline (for streaming use)."""
    o = opts or Options()
    results = {e.tool_call_id: e for e in tl.events if e.kind == "tool_result" and e.tool_call_id}
    sigs: dict[int, list[Signal]] = {}
    return (_per_call(tl.events, results, o, sigs) + _per_text(tl.events) + _bursts(tl.events, o, sigs)
            + _off_hours(tl.events, o))


def detect_other(audit: list[TrailEvent], logs: list[TrailEvent], opts: Options | None = None) -> list[Finding]:
    """Detections over the audit ledger (off-hours) and gateway logs (secrets in clear)."""
    return _per_text(logs, log=True) + _off_hours(audit, opts or Options())


def detect(trail: Trail, opts: Options | None = None) -> list[Finding]:
    """Run every detection over ``trail``; findings in session/time order."""
    out: list[Finding] = []
    for tl in trail.sessions:
        out += detect_session(tl, opts)
    return dedupe(out + detect_other(trail.audit, trail.logs, opts))


def dedupe(findings: Iterable[Finding], seen: set[str] | None = None) -> list[Finding]:
    """Drop findings whose fingerprint (id + subject) was already seen (``seen`` is updated in place)."""
    seen = set() if seen is None else seen
    out = []
    for f in findings:
        if f.fingerprint not in seen:
            seen.add(f.fingerprint)
            out.append(f)
    return out


def _ran(call: TrailEvent, results: dict[str, TrailEvent]) -> str:
    r = results.get(call.tool_call_id)
    if r is None:
        return "requested (no result recorded)"
    return "ran and failed" if r.is_error or (r.exit_code not in (None, 0)) else "ran"


def _hosts(ev: TrailEvent, tool: str) -> list[str]:
    text = " ".join(str(ev.args.get(k)) for k in ("url", "targetUrl", "href") if tool in URL_TOOLS and ev.args.get(k))
    if tool in EXEC_TOOLS or tool in ("process", "nodes"):
        text += " " + _cmd(ev)
    return hosts_in_text(text)


def _per_call(events: Iterable[TrailEvent], results: dict[str, TrailEvent], o: Options,
              memo: dict[int, list[Signal]] | None = None) -> list[Finding]:
    """Kernel findings per tool call; ``memo`` receives each call's signals by ``id(event)``."""
    out: list[Finding] = []
    seen_domains = set(o.known_domains)
    session = SessionMemory()
    rs = rules()
    for ev in events:
        if ev.kind != "tool_call":
            continue
        sigs = kernel_signals(ev, o, session)
        if memo is not None:
            memo[id(ev)] = sigs
        ran = _ran(ev, results)
        by_rule: dict[str, list[Signal]] = {}
        for sg in sigs:
            r = rule_for_signal(sg.kind)
            if r is not None and sg.kind not in _TEXT_SIGNALS:
                by_rule.setdefault(r.id, []).append(sg)
        tool = canonical_tool(ev.tool)
        for rid, group in by_rule.items():
            r = rs[rid]
            sev = max((r.severity_by_signal.get(g.kind, r.severity) for g in group), key=_SEV_ORDER.index)
            kinds = ", ".join(dict.fromkeys(g.kind for g in group))
            detail = f"{ev.tool} call {ev.tool_call_id} {ran}; kernel: " + "; ".join(
                f"{g.kind}: {g.detail}" for g in group[:3])
            if rid == "TR005":
                hosts = [h for h in _hosts(ev, tool) if h not in seen_domains]
                seen_domains.update(hosts)
                for h in hosts:
                    out.append(_finding(r, ev, f"first request to {h} via {ev.tool} ({kinds})", f"{ev.agent}:{h}",
                                        severity=sev))
                if not hosts and "egress-internal" in kinds:
                    out.append(_finding(r, ev, detail, _subject(ev), severity=sev))
                continue
            title = f"Dangerous command {ran}: {kinds}" if rid == "TR001" else None
            out.append(_finding(r, ev, detail, _subject(ev), title=title, severity=sev))
        if "TR005" not in by_rule:  # a URL the kernel has no objection to is still a new domain to report
            hosts = [h for h in _hosts(ev, tool) if h not in seen_domains]
            seen_domains.update(hosts)
            for h in hosts:
                out.append(_finding(rs["TR005"], ev, f"first request to {h} via {ev.tool}", f"{ev.agent}:{h}"))
        if not any(s.kind in _TEXT_SIGNALS for s in sigs) or find_secrets(_blob(ev)) or find_private(_blob(ev)):
            continue
        for sg in sigs:  # the kernel found a secret/personal data the text scans missed (e.g. a known hash)
            if sg.kind in _TEXT_SIGNALS:
                r = rule_for_signal(sg.kind)
                if r is not None:
                    out.append(_finding(r, ev, f"{ev.tool} call: {sg.detail}", _subject(ev) + ":" + sg.kind))
    return out


_SEV_ORDER = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]


def _blob(ev: TrailEvent) -> str:
    texts = [ev.text] + ([str(v) for v in ev.args.values()] if ev.args else [])
    return "\n".join(t for t in texts if t)


def _per_text(events: Iterable[TrailEvent], log: bool = False) -> list[Finding]:
    out: list[Finding] = []
    rs = rules()
    for ev in events:
        blob = _blob(ev)
        if not blob:
            continue
        found_private = find_private(blob)
        # the kernel's split (detect.privacy SECRET_KINDS): a wallet mnemonic is a secret (TR003, as the guard's
        # PG003 sees it), bank cards and ID numbers are personal data (TR004)
        secrets = find_secrets(blob) + [m for m in found_private if m.kind in SECRET_KINDS]
        if secrets:
            kinds = ", ".join(sorted({s.kind for s in secrets}))
            out.append(_finding(rs["TR010" if log else "TR003"], ev,
                                f"{len(secrets)} secret(s) of kind {kinds} in a {ev.kind} record",
                                _subject(ev) + ":" + kinds))
        private = [m for m in found_private if m.kind not in SECRET_KINDS]
        if private:
            kinds = ", ".join(sorted({s.kind for s in private}))
            out.append(_finding(rs["TR004"], ev, f"{len(private)} item(s) of kind {kinds} in a {ev.kind} record",
                                _subject(ev) + ":" + kinds))
    return out


def _deletes(ev: TrailEvent, sigs: list[Signal]) -> tuple[bool, bool, bool]:
    """(deletes at all, recursive/bulk delete, the kernel calls it dangerous) for tool call ``ev`` with kernel
    signals ``sigs``."""
    tool = canonical_tool(ev.tool)
    danger = any(s.kind == "mass-delete" for s in sigs)
    dels = delete_commands(_cmd(ev)) if tool in EXEC_TOOLS or tool in ("process", "nodes") else []
    one = tool in DELETE_TOOLS or bool(dels)
    return one or danger, danger or any(bulk for _, bulk in dels), danger


def _bursts(events: list[TrailEvent], o: Options, memo: dict[int, list[Signal]] | None = None) -> list[Finding]:
    out: list[Finding] = []
    rs = rules()
    calls = [e for e in events if e.kind == "tool_call" and e.ts]
    per_min = Counter(e.ts.replace(second=0, microsecond=0) for e in calls if e.ts)
    for minute, n in sorted(per_min.items()):
        if n > o.spike_per_minute:
            ev = next(e for e in calls if e.ts and e.ts.replace(second=0, microsecond=0) == minute)
            out.append(_finding(rs["TR009"], ev, f"{n} tool calls in the minute starting {minute.isoformat()} "
                                f"(threshold {o.spike_per_minute})",
                                f"{ev.agent}:{ev.session_key or ev.session_id}:{minute.isoformat()}"))
    deletes = []
    flagged = set()
    for e in calls:
        sg = memo[id(e)] if memo is not None and id(e) in memo else kernel_signals(e, o)
        is_delete, bulk, danger = _deletes(e, sg)
        if is_delete:
            deletes.append(e)
        if bulk:
            flagged.add(id(e))
            if not danger:  # dangerous ones were reported per call with the kernel's reason
                out.append(_finding(rs["TR006"], e, f"recursive/bulk delete via {e.tool} (a place the guard "
                                    "allows deleting, e.g. the workspace or /tmp)", _subject(e),
                                    severity=Severity.MEDIUM))
    j = 0
    for i, e in enumerate(deletes):  # sliding 5-minute window, O(n)
        j = max(j, i)
        while j + 1 < len(deletes):
            t0, t1 = e.ts, deletes[j + 1].ts
            if t0 is None or t1 is None or t1 - t0 > timedelta(minutes=5):
                break
            j += 1
        if j - i + 1 >= o.delete_burst and id(e) not in flagged:
            out.append(_finding(rs["TR006"], e, f"{j - i + 1} delete calls within 5 minutes", _subject(e)))
            break
    return out


def _off_hours(events: list[TrailEvent], o: Options) -> list[Finding]:
    """One finding per session with activity outside working hours."""
    out: list[Finding] = []
    done: set[str] = set()
    for ev in events:
        if ev.ts is None or ev.kind in ("log", "session", "model_change"):
            continue
        local = ev.ts + timedelta(hours=o.tz_offset_hours)
        off = not (o.work_start <= local.hour < o.work_end) or (o.weekdays_only and local.weekday() >= 5)
        key = f"{ev.agent}:{ev.session_key or ev.session_id}"
        if off and key not in done:
            done.add(key)
            out.append(_finding(rules()["TR008"], ev,
                                f"{ev.kind} at {local.strftime('%a %H:%M')} (UTC{o.tz_offset_hours:+d}); working "
                                f"hours {o.work_start}:00-{o.work_end}:00", key))
    return out


_EXAMPLE_TS = "2026-11-18T10:00:00+00:00"  # a Wednesday, inside default working hours


def example_events(example: list[dict[str, Any]]) -> tuple[list[TrailEvent], list[TrailEvent]]:
    """A rule example (``trail/rules.yaml``) as (session events, gateway log events): each item is a tool call
    ``{tool, args}`` or a record ``{kind, text}``, with optional ``ts`` and ``repeat`` (copies one second apart).
    Raises ValueError on a malformed example."""
    session: list[TrailEvent] = []
    logs: list[TrailEvent] = []
    n = 0
    for item in example:
        if not isinstance(item, dict):
            raise ValueError(f"example item is not a mapping: {item!r}")
        t0 = datetime.fromisoformat(str(item.get("ts", _EXAMPLE_TS)).replace("Z", "+00:00"))
        for i in range(int(item.get("repeat", 1))):
            n += 1
            ts = t0 + timedelta(seconds=i)
            if "tool" in item:
                ev = TrailEvent(ts, "tool_call", agent="main", session_id="ex", tool=str(item["tool"]),
                                tool_call_id=f"c{n}", args=dict(item.get("args") or {}), source="example")
            else:
                ev = TrailEvent(ts, str(item.get("kind", "inbound")), agent="main", session_id="ex",
                                text=str(item.get("text", "")), source="example")
            (logs if ev.kind == "log" else session).append(ev)
    return session, logs


def evaluate_example(example: list[dict[str, Any]], opts: Options | None = None) -> list[Finding]:
    """Every finding the trail raises for a rule example (see :func:`example_events`)."""
    session, logs = example_events(example)
    tl = SessionTimeline(SessionMeta(agent="main", session_id="ex"), session)
    return dedupe(detect_session(tl, opts) + detect_other([], logs, opts))
