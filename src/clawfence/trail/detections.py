"""Detections over a trail -> audit-model :class:`~clawfence.core.model.Finding` objects (ids ``TR0NN``).

| id | what | guide |
|----|------|-------|
| TR001 | dangerous command ran (rm -rf /, curl|sh, chmod 777, mkfs, dd to a device, reverse shell, ...) | D3.2, E4.4 |
| TR002 | read of a protected file (~/.ssh, /etc/shadow, openclaw.json, auth-profiles, credentials/, .env) | D3.2, D3.3 |
| TR003 | provider secret in a transcript in clear | E7.2 |
| TR004 | private data (payment card, mnemonic, ID number — detector hook) in a transcript | P5.1 |
| TR005 | outbound request to a domain not seen/allowed before | E4.1, D3.2 |
| TR006 | mass deletion (recursive delete, find -delete, many deletes in 5 min) | D3.2, E4.1 |
| TR007 | change to OpenClaw config, auth or approvals by the agent | D3.2, D3.3 |
| TR008 | activity outside working hours | E4.1 |
| TR009 | sudden tool-use spike (> N calls per minute) | E4.1 |
| TR010 | secret in a gateway log line in clear | E7.2 |
Evidence is always scrubbed. Details never contain a secret.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlparse

from clawfence.core.model import Finding, Location, Severity, Status
from clawfence.trail.events import SessionTimeline, TrailEvent
from clawfence.trail.render import summary
from clawfence.trail.scrub import find_private, find_secrets
from clawfence.trail.timeline import Trail

DANGEROUS: tuple[tuple[str, re.Pattern[str], Severity], ...] = (
    ("recursive delete of / or ~",
     re.compile(r"\brm\s+(-[a-zA-Z]*[rR][a-zA-Z]*\s+)+(--no-preserve-root\s+)?(/|~|\$HOME)(\s|$|/\*)"),
     Severity.CRITICAL),
    ("pipe from network to a shell", re.compile(r"\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(ba|z|da)?sh\b"), Severity.HIGH),
    ("decode-and-execute", re.compile(r"base64\s+(-d|--decode)[^|]*\|\s*(ba)?sh\b"), Severity.HIGH),
    ("world-writable permissions", re.compile(r"\bchmod\s+(-R\s+)?0?777\b"), Severity.MEDIUM),
    ("filesystem format / raw device write", re.compile(r"\bmkfs(\.\w+)?\b|\bdd\b[^;|&]*\bof=/dev/"), Severity.CRITICAL),
    ("reverse shell", re.compile(r"\bnc(at)?\b[^;|&]*\s-e\s|/dev/tcp/|\bsocat\b[^;|&]*exec:"), Severity.CRITICAL),
    ("privilege escalation via sudo", re.compile(r"(^|[;&|]\s*)sudo\s"), Severity.MEDIUM),
    ("persistence via crontab / shell rc",
     re.compile(r"\bcrontab\s+-|>>?\s*~?/?[\w/.]*\.(bashrc|profile|zshrc)\b"), Severity.HIGH),
    ("fork bomb", re.compile(r":\(\)\s*\{\s*:\|:&\s*\};:"), Severity.HIGH),
)
PROTECTED = re.compile(
    r"(~|/home/[^/\s]+|/root)/\.ssh/|/etc/shadow\b|/etc/sudoers|\bid_(rsa|ed25519|ecdsa)\b|\.aws/credentials|"
    r"\.gnupg/|openclaw\.json\b|auth-profiles\.json|/credentials/|(^|/)\.env\b|\.kube/config|wallet\.dat|"
    r"\.openclaw/identity/|exec-approvals\.json")
CONFIG_CHANGE = re.compile(
    r"\bopenclaw\s+(config\s+(set|unset|apply|patch)|configure|onboard|pairing\s+approve|devices\s+approve)\b|"
    r"openclaw\.json|exec-approvals\.json|auth-profiles\.json")
DELETE = re.compile(r"\brm\s+(-[a-zA-Z]*[rR]|--recursive)|\bfind\b[^;|&]*\s-delete\b|\bshred\b|\bgit\s+clean\s+-[a-z]*f")
READ_CMD = re.compile(r"\b(cat|less|more|head|tail|cp|scp|rsync|base64|xxd|grep|strings|tar|zip)\b")
URL = re.compile(r"\bhttps?://[^\s'\"<>)]+", re.I)
READ_TOOLS = {"read", "read_file", "view", "cat", "file_read"}
EXEC_TOOLS = {"exec", "bash", "shell", "process", "run", "terminal"}
WRITE_TOOLS = {"write", "edit", "apply_patch", "write_file", "multi_edit"}
DELETE_TOOLS = {"delete", "delete_file", "rm", "remove"}
FETCH_TOOLS = {"web_fetch", "fetch", "browser", "http_request", "web_search"}


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


def _cmd(ev: TrailEvent) -> str:
    for k in ("command", "cmd", "script", "input"):
        v = ev.args.get(k)
        if isinstance(v, str):
            return v
        if isinstance(v, list):
            return " ".join(map(str, v))
    return ""


def _path(ev: TrailEvent) -> str:
    for k in ("path", "file_path", "filePath", "file", "target"):
        v = ev.args.get(k)
        if isinstance(v, str):
            return v
    return ""


def _finding(id_: str, title: str, sev: Severity, ev: TrailEvent, detail: str, guide: tuple[str, ...],
             remediation: str, subject: str, cwe: tuple[str, ...] = ()) -> Finding:
    src = ev.source
    path, line = src, None
    if src.startswith(("jsonl:", "log:")):
        path, _, ln = src.split(":", 1)[1].rpartition(":")
        line = int(ln) if ln.isdigit() else None
    return Finding(id=id_, title=title, severity=sev, status=Status.FAIL, detail=detail, subject=subject,
                   location=Location(path=path, line=line), guide=guide, remediation=remediation, cwe=cwe,
                   evidence=summary(ev, 300), observed_at=ev.ts.isoformat() if ev.ts else None)


def _subject(ev: TrailEvent) -> str:
    return f"{ev.agent}:{ev.session_key or ev.session_id}:{ev.tool_call_id or (ev.ts.isoformat() if ev.ts else '')}"


def detect_session(tl: SessionTimeline, opts: Options | None = None) -> list[Finding]:
    """Detections over one session timeline (for streaming use)."""
    o = opts or Options()
    results = {e.tool_call_id: e for e in tl.events if e.kind == "tool_result" and e.tool_call_id}
    return _per_call(tl.events, results, o) + _per_text(tl.events) + _bursts(tl.events, o) + _off_hours(tl.events, o)


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


def _per_call(events: Iterable[TrailEvent], results: dict[str, TrailEvent], o: Options) -> list[Finding]:
    out: list[Finding] = []
    seen_domains = set(o.known_domains)
    for ev in events:
        if ev.kind != "tool_call":
            continue
        tool, cmd, path = ev.tool.lower(), _cmd(ev), _path(ev)
        if tool in EXEC_TOOLS and cmd:
            for name, rx, sev in DANGEROUS:
                if rx.search(cmd):
                    out.append(_finding("TR001", f"Dangerous command {_ran(ev, results)}: {name}", sev, ev,
                                        f"{ev.tool} call {ev.tool_call_id} {_ran(ev, results)}; matched '{name}'",
                                        ("D3.2", "E4.4"), "Deny this command in the guard policy / exec approvals "
                                        "and review what it changed.", _subject(ev), ("CWE-78",)))
                    break
        target = path if tool in READ_TOOLS else (cmd if tool in EXEC_TOOLS else "")
        pure_config_write = tool in EXEC_TOOLS and CONFIG_CHANGE.search(cmd) and not READ_CMD.search(cmd)
        if target and PROTECTED.search(target) and not pure_config_write:
            out.append(_finding("TR002", "Protected file read by the agent", Severity.HIGH, ev,
                                f"{ev.tool} touched a protected path ({_ran(ev, results)})", ("D3.2", "D3.3"),
                                "Deny reads of credential and config files (sandbox workspaceAccess, guard policy); "
                                "rotate any credential that was read.", _subject(ev), ("CWE-552",)))
        wtarget = path if tool in WRITE_TOOLS else (cmd if tool in EXEC_TOOLS else "")
        if (tool == "gateway" and str(ev.args.get("action", "")).startswith("config")) or \
                (wtarget and CONFIG_CHANGE.search(wtarget) and (tool in WRITE_TOOLS or re.search(
                    r"\bopenclaw\s+config|>|\bsed\s+-i|\btee\b|\bmv\b|\bcp\b", cmd))):
            out.append(_finding("TR007", "OpenClaw configuration changed by the agent", Severity.HIGH, ev,
                                f"{ev.tool} call changes config/auth/approvals ({_ran(ev, results)})",
                                ("D3.2", "D3.3"), "Revert the change (clawfence baseline verify shows it); forbid "
                                "the agent from writing its own config.", _subject(ev), ("CWE-15",)))
        urls = [str(ev.args.get("url", ""))] if tool in FETCH_TOOLS and ev.args.get("url") else []
        urls += URL.findall(cmd) if tool in EXEC_TOOLS else []
        for u in urls:
            host = (urlparse(u).hostname or "").lower()
            if host and host not in seen_domains:
                seen_domains.add(host)
                out.append(_finding("TR005", "Outbound request to a new domain", Severity.MEDIUM, ev,
                                    f"first request to {host} via {ev.tool}", ("E4.1", "D3.2"),
                                    "Confirm the domain is expected; restrict egress to an allowlist.",
                                    f"{ev.agent}:{host}", ("CWE-918",)))
    return out


def _per_text(events: Iterable[TrailEvent], log: bool = False) -> list[Finding]:
    out: list[Finding] = []
    for ev in events:
        texts = [ev.text] + ([str(v) for v in ev.args.values()] if ev.args else [])
        blob = "\n".join(t for t in texts if t)
        if not blob:
            continue
        secrets = find_secrets(blob)
        if secrets:
            kinds = ", ".join(sorted({s.kind for s in secrets}))
            out.append(_finding("TR010" if log else "TR003",
                                "Secret in the gateway log in clear" if log else "Secret in a transcript in clear",
                                Severity.HIGH, ev, f"{len(secrets)} secret(s) of kind {kinds} in a {ev.kind} record",
                                ("E7.2",), "Rotate the credential; purge it from transcripts/logs; keep secrets "
                                "out of prompts and tool output (SecretRef, redaction).", _subject(ev) + ":" + kinds,
                                ("CWE-532",)))
        private = find_private(blob)
        if private:
            kinds = ", ".join(sorted({s.kind for s in private}))
            out.append(_finding("TR004", "Private data processed by the agent", Severity.MEDIUM, ev,
                                f"{len(private)} item(s) of kind {kinds} in a {ev.kind} record", ("P5.1",),
                                "Do not process bank cards, ID numbers, passwords or mnemonics with OpenClaw; "
                                "purge the transcript.", _subject(ev) + ":" + kinds, ("CWE-359",)))
    return out


def _bursts(events: list[TrailEvent], o: Options) -> list[Finding]:
    out: list[Finding] = []
    calls = [e for e in events if e.kind == "tool_call" and e.ts]
    per_min = Counter(e.ts.replace(second=0, microsecond=0) for e in calls if e.ts)
    for minute, n in sorted(per_min.items()):
        if n > o.spike_per_minute:
            ev = next(e for e in calls if e.ts and e.ts.replace(second=0, microsecond=0) == minute)
            out.append(_finding("TR009", "Tool-use spike", Severity.MEDIUM, ev,
                                f"{n} tool calls in the minute starting {minute.isoformat()} "
                                f"(threshold {o.spike_per_minute})", ("E4.1",),
                                "Check for a loop or a prompt-injected task; set tool rate limits.",
                                f"{ev.agent}:{ev.session_key or ev.session_id}:{minute.isoformat()}"))
    deletes = [e for e in calls if e.tool.lower() in DELETE_TOOLS or (e.tool.lower() in EXEC_TOOLS and
                                                                       re.search(r"\brm\b", _cmd(e)))]
    flagged = set()
    for e in calls:
        if e.tool.lower() in EXEC_TOOLS and DELETE.search(_cmd(e)):
            flagged.add(id(e))
            out.append(_finding("TR006", "Mass deletion", Severity.HIGH, e, f"recursive/bulk delete via {e.tool}",
                                ("D3.2", "E4.1"), "Check what was deleted and restore from backup; require "
                                "approval for deletes.", _subject(e)))
    j = 0
    for i, e in enumerate(deletes):  # sliding 5-minute window, O(n)
        j = max(j, i)
        while j + 1 < len(deletes):
            t0, t1 = e.ts, deletes[j + 1].ts
            if t0 is None or t1 is None or t1 - t0 > timedelta(minutes=5):
                break
            j += 1
        if j - i + 1 >= o.delete_burst and id(e) not in flagged:
            out.append(_finding("TR006", "Mass deletion", Severity.HIGH, e,
                                f"{j - i + 1} delete calls within 5 minutes", ("D3.2", "E4.1"),
                                "Check what was deleted and restore from backup.", _subject(e)))
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
            out.append(_finding("TR008", "Agent activity outside working hours", Severity.LOW, ev,
                                f"{ev.kind} at {local.strftime('%a %H:%M')} (UTC{o.tz_offset_hours:+d}); working "
                                f"hours {o.work_start}:00-{o.work_end}:00", ("E4.1",),
                                "Confirm the activity was expected; schedule or pause unattended agents.", key))
    return out
