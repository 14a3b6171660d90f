"""OpenClaw ``security.installPolicy.exec`` command: judge a staged skill/plugin before it is installed.

Protocol (OpenClaw 2026.9.6 ``docs/tools/skills-config.md`` "Operator Install Policy"): one JSON object on
stdin (``protocolVersion: 1``, ``targetType`` skill|plugin, ``targetName``, ``sourcePath``, ...); one JSON
object on stdout ``{"protocolVersion": 1, "decision": "allow|warn|block", "reason", "findings": [{ruleId,
message, severity info|warn|critical, file?, line?, evidence?}]}``. OpenClaw fails closed on anything else.

The staged files are scanned with the guard's own analysis (guide E6.4, D3.2 "prohibit blind execution of
one-click installation commands in files"): shell code in scripts and fenced code blocks of Markdown is run
through :class:`~clawfence.detect.classify.ShellAnalyzer`, every text file through
:func:`~clawfence.detect.privacy.scan_text`. destructive / download-exec / obfuscated / auth-change /
secrets -> ``block``; unapproved installs, egress, protected paths, privilege -> ``warn``; else ``allow``.
Evidence is redacted.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from clawfence.detect.calls import PathContext
from clawfence.detect.classify import ShellAnalyzer
from clawfence.detect.privacy import SECRET_KINDS, scan_text
from clawfence.guard.policy import builtin_policy, profile_policy

BLOCK = frozenset({"destructive", "download-exec", "obfuscated", "auth-change", "secret-out"})
WARN = frozenset({"unapproved-install", "skill-install", "egress-unlisted", "egress-internal", "protected-read",
                  "protected-write", "privilege", "mass-delete", "config-change", "financial"})
_FENCE_RE = re.compile(r"```(?:bash|sh|shell|zsh|console)?\s*\n(.*?)```", re.S)
_SCRIPT_EXT = (".sh", ".bash", ".zsh", ".command")
_TEXT_EXT = (".md", ".txt", ".json", ".yaml", ".yml", ".toml", ".js", ".mjs", ".cjs", ".ts", ".py", ".env", "")
MAX_FILES, MAX_BYTES = 500, 1 << 20


def _snippets(path: Path, text: str) -> list[tuple[int, str]]:
    if path.suffix in _SCRIPT_EXT or text.startswith("#!/bin/sh") or text.startswith("#!/usr/bin/env bash"):
        return [(1, text)]
    if path.suffix == ".md":
        return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _FENCE_RE.finditer(text)]
    return []


def judge(request: dict[str, Any]) -> dict[str, Any]:
    """Decision document for one install request (see module docstring). Never raises on bad input."""
    src = request.get("sourcePath")
    if not isinstance(src, str) or not src:
        return {"protocolVersion": 1, "decision": "block", "reason": "clawfence: request has no sourcePath"}
    root = Path(src)
    pol = builtin_policy()
    ctx = PathContext.default()
    ctx = PathContext(ctx.home, str(root), ctx.state_dir, str(root), resolve_symlinks=False)
    findings: list[dict[str, Any]] = []
    kinds: set[str] = set()
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    for f in files[:MAX_FILES]:
        if f.suffix not in _TEXT_EXT or f.stat().st_size > MAX_BYTES or "node_modules" in f.parts:
            continue
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        rel = str(f.relative_to(root)) if f != root else f.name
        for d in scan_text(text):
            if d.kind in SECRET_KINDS:
                kinds.add("secret-out")
                findings.append({"ruleId": "PG003", "message": f"embedded {d.kind} {d.detail}".strip(),
                                 "severity": "critical", "file": rel, "line": text.count("\n", 0, d.start) + 1,
                                 "evidence": d.redacted})
        for line, code in _snippets(f, text):
            for s in ShellAnalyzer(ctx, pol.settings).analyze(code):
                if s.kind not in BLOCK and s.kind not in WARN:
                    continue
                kinds.add(s.kind)
                findings.append({"ruleId": _rule_for(s.kind), "message": s.detail[:900],
                                 "severity": "critical" if s.kind in BLOCK else "warn", "file": rel, "line": line})
    findings = findings[:100]
    name = request.get("targetName", "?")
    if kinds & BLOCK:
        return {"protocolVersion": 1, "decision": "block", "findings": findings,
                "reason": f"clawfence: {name} contains {', '.join(sorted(kinds & BLOCK))} (guide D3.2, E6.4)"}
    if kinds & WARN:
        return {"protocolVersion": 1, "decision": "warn", "findings": findings,
                "reason": f"clawfence: {name} needs review: {', '.join(sorted(kinds & WARN))}"}
    return {"protocolVersion": 1, "decision": "allow", "findings": []}


_RULE_FOR = {"destructive": "PG001", "auth-change": "PG002", "secret-out": "PG003", "download-exec": "PG004",
             "obfuscated": "PG004", "protected-read": "PG005", "protected-write": "PG005", "egress-internal": "PG006",
             "mass-delete": "PG010", "unapproved-install": "PG012", "skill-install": "PG012",
             "egress-unlisted": "PG013", "privilege": "PG014", "config-change": "PG009", "financial": "PG008"}


def _rule_for(kind: str) -> str:
    """The guard rule id reported for signal ``kind``: the table above, else the first built-in rule naming the kind
    (standard, then strict profile), else PG027 (unresolved: ask a person). Every id returned is a declared rule."""
    if kind in _RULE_FOR:
        return _RULE_FOR[kind]
    for pol in (builtin_policy(), profile_policy("strict")):
        for r in pol.rules:
            if r.model.signals and kind in r.model.signals:
                return r.model.id
    return "PG027"


def run(stdin: str) -> str:
    """Read a request document, return the response JSON text (block on malformed input)."""
    try:
        req = json.loads(stdin)
    except ValueError:
        req = None
    if not isinstance(req, dict) or req.get("protocolVersion") != 1:
        out: dict[str, Any] = {"protocolVersion": 1, "decision": "block",
                               "reason": "clawfence: not an install-policy request (protocolVersion 1)"}
    else:
        try:
            out = judge(req)
        except OSError as exc:
            out = {"protocolVersion": 1, "decision": "block", "reason": f"clawfence: cannot read source: {exc}"}
    return json.dumps(out, ensure_ascii=False) + os.linesep
