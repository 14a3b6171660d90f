"""Per-tool analysis of an OpenClaw tool call into signals (the input of the policy rules).

Tools (OpenClaw core tool names): ``exec``/``bash`` (shell, :mod:`clawfence.detect.classify`), ``nodes``
(``run`` with a command), file tools ``read``/``write``/``edit``/``apply_patch`` (paths via
:mod:`clawfence.detect.paths`; ``apply_patch`` targets from the patch text and ``event.derivedPaths``),
``web_fetch``/``browser`` (egress host), ``gateway`` (``config.apply``/``config.patch``), and outbound
content of every non-file tool scanned by :func:`clawfence.detect.privacy.scan_text`
(guide D3.2, P5.1, C3.4).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import replace
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from clawfence.detect import paths as P
from clawfence.detect import selfprotect
from clawfence.detect.calls import PathContext, Signal, ToolCall
from clawfence.detect.classify import ShellAnalyzer, config_key_signal, host_signal
from clawfence.detect.privacy import PERSONAL_KINDS, SECRET_KINDS, SecretHashes, scan_text

if TYPE_CHECKING:
    from clawfence.guard.policy import Policy

EXEC_TOOLS = frozenset({"exec", "bash", "shell", "system.run", "run_command"})
FILE_READ = frozenset({"read", "read_file"})
FILE_WRITE = frozenset({"write", "edit", "write_file", "edit_file", "multi_edit"})
PATCH_TOOLS = frozenset({"apply_patch"})
URL_TOOLS = frozenset({"web_fetch", "browser", "fetch"})
_PATCH_FILE_RE = re.compile(r"^\*\*\* (?:Add|Update|Delete) File: (.+)$|^\*\*\* Move to: (.+)$", re.M)
_AUTHISH_RE = re.compile(r"\bauth\b|\"token\"|\btoken\s*:|dmPolicy|allowFrom|\"security\"|\belevated\b|"
                         r"trustedProxies|ownerAllowFrom|dangerously", re.I)


def _str(params: dict[str, Any], *keys: str) -> str | None:
    for k in keys:
        v = params.get(k)
        if isinstance(v, str) and v:
            return v
    return None


def analyze_call(call: ToolCall, policy: Policy, ctx: PathContext, hashes: SecretHashes | None = None) -> list[Signal]:
    """All signals of ``call`` (deduplicated, in discovery order)."""
    out: list[Signal] = []
    tool = call.tool
    params = call.params
    settings = policy.settings
    if tool in EXEC_TOOLS or (tool in ("nodes", "process") and params.get("command")):
        cmd = params.get("command", params.get("cmd"))
        if isinstance(cmd, list):
            cmd = shlex.join(str(x) for x in cmd)
        if isinstance(cmd, str) and cmd.strip():
            wd = _str(params, "workdir", "cwd")
            c = ctx
            if wd:
                w = P.normalise(wd, ctx)
                if w:
                    c = replace(ctx, cwd=w)
            out.extend(ShellAnalyzer(c, settings).analyze(cmd))
    if tool in FILE_READ or tool in FILE_WRITE or tool in PATCH_TOOLS:
        out.extend(_file_signals(call, ctx))
    if tool in URL_TOOLS:
        url = _str(params, "url", "targetUrl", "href")
        if url:
            s = host_signal(url, settings, tool)
            if s:
                out.append(s)
            out.extend(selfprotect.url_signals(url, tool))
    if tool == "gateway":
        action = str(params.get("action", ""))
        if action in ("config.apply", "config.patch", "update.run", "config.set"):
            body = " ".join(str(params.get(k, "")) for k in ("raw", "patch", "path", "key", "value"))
            key = _str(params, "path", "key")
            out.extend(selfprotect.config_key_signals([key] if key else [], f"gateway {action}"))
            if not key and (selfprotect.PLUGIN_ID in body or re.search(r"timeoutMs|\$include|\"?plugins\"?\s*:", body)):
                out.append(Signal("guard-config", f"gateway {action} touches plugin/hook settings"))
            if key:
                out.append(config_key_signal(key, f"gateway {action}"))
            elif _AUTHISH_RE.search(body):
                out.append(Signal("auth-change", f"gateway {action} touches authentication/permission settings"))
            else:
                out.append(Signal("config-change", f"gateway {action} changes the core configuration"))
    fin = policy.model.settings.financial_tools
    if fin and any(fnmatchcase(tool, p) for p in fin):
        out.append(Signal("financial", f"tool {tool} is a financial-transaction tool"))
    if tool not in FILE_READ and tool not in FILE_WRITE and tool not in PATCH_TOOLS:
        text = call.text()
        if text:
            for d in scan_text(text, hashes):
                label = d.kind if not d.detail else f"{d.kind}/{d.detail}"
                if d.kind in SECRET_KINDS:
                    out.append(Signal("secret-out", f"outbound {label} {d.redacted}"))
                elif d.kind in PERSONAL_KINDS:
                    out.append(Signal("personal-data-out", f"outbound {label} {d.redacted}"))
    seen: set[Signal] = set()
    uniq = []
    for s in out:
        if s not in seen:
            seen.add(s)
            uniq.append(s)
    return uniq


def _file_signals(call: ToolCall, ctx: PathContext) -> list[Signal]:
    params = call.params
    tool = call.tool
    write = tool not in FILE_READ
    raws: list[str] = []
    p = _str(params, "path", "file_path", "filePath", "file")
    if p:
        raws.append(p)
    if tool in PATCH_TOOLS:
        patch = _str(params, "input", "patch") or ""
        raws.extend((m.group(1) or m.group(2)).strip() for m in _PATCH_FILE_RE.finditer(patch))
        raws.extend(call.derived_paths)
    content = " ".join(str(params.get(k, "")) for k in ("content", "newText", "new_string", "oldText", "old_string",
                                                       "input", "edits"))
    out: list[Signal] = []
    for raw in raws:
        norm = P.normalise(raw, ctx)
        if norm is None:
            out.append(Signal("protected-write" if write else "protected-read",
                              f"{tool} path depends on an unknown variable ({raw})"))
            continue
        cat = P.protected_category(norm, ctx)
        if cat is None:
            continue
        if not write:
            out.append(Signal("protected-read", f"{tool} reads {cat} ({raw})"))
        elif cat in P.AUTH_CATEGORIES or (cat == "ssh" and norm.endswith("authorized_keys")):
            out.append(Signal("auth-change", f"{tool} modifies {cat} ({raw})"))
        elif cat == "openclaw-config":
            if _AUTHISH_RE.search(content):
                out.append(Signal("auth-change", f"{tool} edits authentication/permission settings in the OpenClaw config"))
            else:
                out.append(Signal("config-change", f"{tool} edits the OpenClaw config ({raw})"))
        else:
            out.append(Signal("protected-write", f"{tool} writes {cat} ({raw})"))
    out.extend(selfprotect.file_signals(raws, write, tool, ctx, content))
    return out
