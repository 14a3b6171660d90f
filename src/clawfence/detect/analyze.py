"""Per-tool analysis of an OpenClaw tool call into signals (the input of the policy rules).

Tools (OpenClaw core tool names): ``exec``/``bash`` (shell, :mod:`clawfence.detect.classify`), ``nodes``
(``run`` with a command), file tools ``read``/``write``/``edit``/``apply_patch`` (paths via
:mod:`clawfence.detect.paths`; ``apply_patch`` targets from the patch text and ``event.derivedPaths``),
``web_fetch``/``browser`` (egress host), ``gateway`` (``config.apply``/``config.patch``), and outbound
content of every non-file tool scanned by :func:`clawfence.detect.privacy.scan_text`
(guide D3.2, P5.1, C3.4).
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import replace
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from clawfence.detect import effects as E
from clawfence.detect import paths as P
from clawfence.detect import selfprotect
from clawfence.detect.calls import PathContext, Signal, ToolCall
from clawfence.detect.classify import (
    _PUBLIC_SSH,
    _RUNS_ENV,
    ShellAnalyzer,
    config_key_signal,
    env_effects,
    host_signal,
    see_category,
    see_path,
)
from clawfence.detect.hosts import URL_RE
from clawfence.detect.privacy import MAX_MNEMONIC_SCAN, PERSONAL_KINDS, SECRET_KINDS, SecretHashes, scan_text

if TYPE_CHECKING:
    from clawfence.detect.policyview import PolicyView as Policy

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


class SessionMemory:
    """What earlier calls of one session left behind (issue 10 item 3): files written with known content and files
    downloaded, by normalised path. Bounded: at most ``max_files`` files and ``max_bytes`` of content (oldest
    forgotten first); a forgotten file that is run later is judged as unknown content."""

    def __init__(self, max_files: int = 256, max_bytes: int = 1 << 20) -> None:
        self.written: dict[str, str] = {}
        self.downloaded: set[str] = set()
        self.max_files = max_files
        self.max_bytes = max_bytes

    def trim(self) -> None:
        """Enforce the bounds."""
        while len(self.written) > self.max_files or sum(len(v) for v in self.written.values()) > self.max_bytes:
            self.written.pop(next(iter(self.written)))
        while len(self.downloaded) > self.max_files:
            self.downloaded.pop()


#: OpenClaw core tools (docs/tools/index.md tool groups) the strict profile knows how to judge
KNOWN_TOOLS = frozenset({"exec", "bash", "process", "code_execution", "read", "write", "edit", "apply_patch",
                         "web_search", "x_search", "web_fetch", "browser", "canvas", "message", "sessions_list",
                         "sessions_history", "sessions_send", "sessions_spawn", "session_status", "memory_search",
                         "memory_get", "image", "tts", "nodes", "cron", "gateway", "agents_list"})
PROCESS_INPUT_ACTIONS = frozenset({"write", "paste", "submit", "send-keys", "send_keys", "sendKeys", "type", "input",
                                   "send"})
DELEGATION_TOOLS = frozenset({"sessions_spawn", "sessions_send", "subagents", "agents_send", "session_send",
                              "sessions_run", "agent_send", "spawn_agent", "delegate"})
_KEY_NAMES = {"enter": "\n", "return": "\n", "space": " ", "tab": "\t", "c-m": "\n", "kpenter": "\n"}
_FILE_PARAM_KEYS = ("media", "filePath", "file_path", "path", "file", "attachment", "attachments", "files", "mediaUrl",
                    "image", "document", "paths", "source")
_EXFIL_HOSTS = ("webhook.site", "pastebin.com", "transfer.sh", "0x0.st", "requestbin.net", "pipedream.net",
                "hookbin.com", "ngrok.io", "ngrok-free.app", "interact.sh", "oast.fun", "oast.pro", "oast.me",
                "burpcollaborator.net", "requestcatcher.com", "beeceptor.com", "ptpb.pw", "termbin.com", "paste.ee",
                "hastebin.com", "dpaste.org", "ghostbin.co", "file.io", "catbox.moe", "temp.sh", "bashupload.com",
                "canarytokens.com", "dnslog.cn", "ceye.io", "trycloudflare.com", "serveo.net", "localhost.run")
_DATA_TOKEN = re.compile(r"[A-Za-z0-9+/_=%-]{24,}")
_COMMAND_START = re.compile(
    r"(?:^|[`:\n]|\b(?:run|execute|exec|type|paste|do|command|shell|terminal)\b\s*(?:this|the command|:)?\s*)"
    r"\s*\$?\s*((?:sudo\s+)?(?:rm|curl|wget|bash|sh|zsh|nc|ncat|socat|python3?|node|perl|ruby|php|cat|find|dd|"
    r"mkfs[\w.]*|shred|chmod|chown|openclaw|clawfence|psql|mysql|kubectl|terraform|git|gh|aws|echo|printf|crontab|"
    r"systemctl|useradd|usermod|kill|pkill|scp|rsync|tar|base64|eval|source|history|iptables|truncate|tee|sed|"
    r"ssh|docker|npm|npx|pip3?|env|printenv)\b[^`\n]*)", re.I)
_PATHISH = re.compile(r"(?<![\w/])(~/[^\s`'\",;)]+|/(?:etc|root|home|proc|var|Users)/[^\s`'\",;)]+)")
_MONEY_PARAM = re.compile(r"^(amount|value|sum|total|price|quantity_usd|amount_cents|lamports|wei)$", re.I)
_PAYEE_PARAM = re.compile(r"^(to|recipient|receiver|payee\w*|destination|dest|iban|to_iban|account|address|"
                          r"wallet|beneficiary|to_address|card)$", re.I)
_MONEY_TOOL = re.compile(r"pay|transfer|send_?money|withdraw|payout|remit|wire|purchase|checkout|trade|swap|"
                         r"order|refund|charge|invoice|coinbase|stripe|paypal|alipay|wechat_?pay|bank", re.I)
_MONEY_URL = re.compile(r"api\.stripe\.com/v1/(payouts|transfers|charges|payment_intents|refunds|topups)|"
                        r"paypal\.com/v\d/(payments|checkout)|api\.coinbase\.com/v2/accounts/[^/]+/transactions|"
                        r"openapi\.alipay\.com|api\.mch\.weixin\.qq\.com|/v\d/(payouts|transfers|withdrawals)\b", re.I)
_MONEY_CLICK = re.compile(r"\b(confirm|approve|authori[sz]e|complete|submit)\b[^\n]{0,40}\b(payment|transfer|"
                          r"purchase|order|withdrawal|payout|transaction)\b|\b(pay|send|transfer)\s+[$€£¥]\s?\d|"
                          r"确认(支付|付款|转账)|立即(支付|付款)", re.I)


def analyze_call(call: ToolCall, policy: Policy, ctx: PathContext, hashes: SecretHashes | None = None,
                 session: SessionMemory | None = None) -> list[Signal]:
    """All signals of ``call`` (deduplicated, in discovery order). ``session``: memory of the earlier calls of
    the same session (files written/downloaded), updated by this call."""
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
                w = see_path(wd, ctx)
                if w:
                    c = replace(ctx, cwd=w)
                else:
                    out.append(Signal("unresolved", f"exec workdir depends on an unknown variable ({wd[:60]})"))
            env = _env_param(params, out, c, settings)
            out.extend(_shell(cmd, c, settings, session, env))
    if tool == "process" and str(params.get("action", "")) in PROCESS_INPUT_ACTIONS:
        text = _process_text(params)
        if text.strip():
            out.extend(Signal(g.kind, f"process input: {g.detail}")
                       for g in _shell(text, ctx, settings, session, None) if g.kind != "parse-error")
    if tool in DELEGATION_TOOLS or (tool.startswith("sessions_") and tool not in ("sessions_list", "sessions_history")):
        out.extend(_delegation(call, ctx, settings))
    if tool == "cron" and str(params.get("action", "add")) in ("add", "update", "edit", "create", "run"):
        out.extend(_delegation(call, ctx, settings, _leaves(params), "cron job"))
    if tool in FILE_READ or tool in FILE_WRITE or tool in PATCH_TOOLS:
        out.extend(_file_signals(call, ctx))
        if tool in FILE_WRITE or tool in PATCH_TOOLS:
            out.extend(_script_signals(call, ctx, settings))
        if session is not None and tool not in FILE_READ:
            _remember_file(call, ctx, session)
    elif tool not in EXEC_TOOLS:
        out.extend(_sent_files(call, ctx))
    if tool in URL_TOOLS:
        url = _str(params, "url", "targetUrl", "href")
        if url:
            s = host_signal(url, settings, tool, agent_tool=True)
            if s:
                out.append(s)
            out.extend(_url_data(url, settings, tool))
            out.extend(selfprotect.url_signals(url, tool))
    out.extend(_funds(call))
    if settings.allowlist_mode and tool not in KNOWN_TOOLS:
        out.append(Signal("unknown-tool", f"tool {tool} is not in the known tool set (strict profile)"))
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
    if session is not None:
        session.trim()
    fin = policy.model.settings.financial_tools
    if fin and any(fnmatchcase(tool, p) for p in fin):
        out.append(Signal("financial", f"tool {tool} is a financial-transaction tool"))
    if tool not in FILE_READ and tool not in FILE_WRITE and tool not in PATCH_TOOLS:
        text = call.text()
        if len(text) > MAX_MNEMONIC_SCAN:
            out.append(Signal("unresolved", f"outbound content of {len(text)} characters is too large to scan fully"))
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
        norm = see_path(raw, ctx)
        if norm is None:
            out.append(Signal("protected-write" if write else "protected-read",
                              f"{tool} path depends on an unknown variable ({raw})"))
            continue
        if write:
            out.extend(Signal(k, f"{tool} {d}") for k, d in E.written_file_effects(norm))
        cat = P.protected_category(norm, ctx) or see_category(norm)
        if cat is None or (not write and cat == "ssh" and _PUBLIC_SSH.search(norm)) or (write and cat == "dotenv"):
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
    try:
        out.extend(selfprotect.file_signals(raws, write, tool, ctx, content))
    except (OSError, ValueError) as exc:  # e.g. /proc/1/root/... unreadable while resolving symlinks
        out.append(Signal("unresolved", f"{tool} path cannot be resolved ({type(exc).__name__})"))
    return out


_SCRIPT_KINDS = frozenset({"download-exec", "reverse-shell", "obfuscated"})
_SHELL_SCRIPT = re.compile(r"\.(sh|bash|zsh|ksh|command)$")
_CODE_SCRIPT = {".py": "python3", ".js": "node", ".mjs": "node", ".cjs": "node", ".pl": "perl", ".rb": "ruby",
                ".php": "php"}


def _script_signals(call: ToolCall, ctx: PathContext, settings: Any) -> list[Signal]:
    """A script written by ``write``/``edit``/``apply_patch`` is judged by what it would do when run by anything
    (cron, a hook, a later call, the user): a shell script (``.sh`` or a shell ``#!``) as shell, a Python/JS/Perl/
    Ruby/PHP file as inline code. Only the effects that have no everyday reason to be saved in a script are kept
    (download-and-run, reverse shell, decoded hidden code); the rest is judged when the script is run."""
    params = call.params
    path = _str(params, "path", "file_path", "filePath", "file") or ""
    content = "\n".join(str(params.get(k)) for k in ("content", "newText", "new_string", "input")
                        if isinstance(params.get(k), str))
    if not content.strip() or len(content) > 200_000:
        return []
    first = content.lstrip()[:80].split("\n", 1)[0]
    ext = posixpath.splitext(path)[1].lower()
    if _SHELL_SCRIPT.search(path) or re.match(r"#!\s*\S*/(env\s+)?(ba|z|k|da)?sh\b", first):
        cmd = content
    elif ext in _CODE_SCRIPT or re.match(r"#!\s*\S*/(env\s+)?(python3?|node|perl|ruby|php)\b", first):
        m = re.match(r"#!\s*\S*/(?:env\s+)?(python3?|node|perl|ruby|php)\b", first)
        lang = m.group(1) if m else _CODE_SCRIPT[ext]
        flag = {"node": "-e", "php": "-r"}.get(lang, "-e" if lang in ("perl", "ruby") else "-c")
        cmd = shlex.join([lang, flag, content])
    else:
        return []
    return [Signal(g.kind, f"{call.tool} saves a script that {g.detail}")
            for g in ShellAnalyzer(ctx, settings).analyze(cmd) if g.kind in _SCRIPT_KINDS]


def _shell(cmd: str, ctx: PathContext, settings: Any, session: SessionMemory | None,
           env: dict[str, str] | None) -> list[Signal]:
    a = ShellAnalyzer(ctx, settings, env=env, written=session.written if session else None,
                      downloaded=session.downloaded if session else None)
    return a.analyze(cmd)


def _env_param(params: dict[str, Any], out: list[Signal], ctx: PathContext, settings: Any) -> dict[str, str] | None:
    """The exec ``env`` parameter: effects of each variable (library preloading, code run by git/ssh/pagers) and
    the values as shell variables for the command."""
    env = params.get("env")
    if not isinstance(env, dict) or not env:
        return None
    vals: dict[str, str] = {}
    for k, v in list(env.items())[:200]:
        if not isinstance(k, str):
            continue
        sv = v if isinstance(v, str) else str(v)
        vals[k] = sv
        out.extend(Signal(kind, f"exec env {detail}") for kind, detail in env_effects(k, sv))
        if k in _RUNS_ENV and sv.strip():
            out.extend(Signal(g.kind, f"exec env {k}: {g.detail}") for g in ShellAnalyzer(ctx, settings).analyze(sv)
                       if g.kind != "parse-error")
    return vals


def _process_text(params: dict[str, Any]) -> str:
    """What a ``process`` write/paste/send-keys puts into the session's terminal, as text."""
    parts: list[str] = []
    for k in ("data", "text", "input", "content", "line"):
        v = params.get(k)
        if isinstance(v, str):
            parts.append(v)
    keys = params.get("keys")
    if isinstance(keys, str):
        keys = [keys]
    if isinstance(keys, list):
        buf = []
        for key in keys[:10000]:
            ks = str(key)
            buf.append(_KEY_NAMES.get(ks.lower(), ks if len(ks) == 1 else (" " if ks.lower() == "space" else "")))
        parts.append("".join(buf))
    return "\n".join(parts)


def _leaves(obj: Any, limit: int = 64) -> str:
    """The string leaves of a nested JSON value (at most ``limit``, depth 8), one per line: the text a cron job
    or a structured task carries wherever its payload puts it."""
    out: list[str] = []

    def walk(o: Any, depth: int) -> None:
        if len(out) >= limit or depth > 8:
            return
        if isinstance(o, str):
            out.append(o)
        elif isinstance(o, dict):
            for v in o.values():
                walk(v, depth + 1)
        elif isinstance(o, list):
            for v in o:
                walk(v, depth + 1)

    walk(obj, 0)
    return "\n".join(out)


def _delegation(call: ToolCall, ctx: PathContext, settings: Any, text: str | None = None,
                via: str = "delegated task") -> list[Signal]:
    """A task or message handed to another agent session, or the payload of a scheduled (cron) job: the commands
    and paths it names are analysed as if this agent ran them (delegation and scheduling must not launder an
    attack, guide P3.5). ``text``: the text to analyse (default: the task/message parameters)."""
    if text is None:
        text = "\n".join(str(call.params.get(k, "")) for k in ("task", "message", "prompt", "text", "instructions",
                                                               "input") if isinstance(call.params.get(k), str))
    if not text.strip():
        return []
    out: list[Signal] = []
    snippets = re.findall(r"`([^`]+)`", text)
    snippets += [m.group(1).strip().rstrip(".") for m in _COMMAND_START.finditer(text)]
    for snip in snippets[:32]:
        for g in ShellAnalyzer(ctx, settings).analyze(snip):
            if g.kind not in ("parse-error", "egress-unlisted"):
                out.append(Signal(g.kind, f"{via}: {g.detail}"))
    for raw in _PATHISH.findall(text)[:32]:
        p = see_path(raw.rstrip(".:"), ctx)
        if p:
            cat = P.protected_category(p, ctx) or see_category(p)
            if cat and not (cat == "ssh" and _PUBLIC_SSH.search(p)):
                out.append(Signal("protected-read", f"{via} names {cat} ({raw})"))
    return out


def _remember_file(call: ToolCall, ctx: PathContext, session: SessionMemory) -> None:
    params = call.params
    p = _str(params, "path", "file_path", "filePath", "file")
    if call.tool in PATCH_TOOLS:
        patch = _str(params, "input", "patch") or ""
        for m in re.finditer(r"^\*\*\* (?:Add|Update) File: (.+)$((?:\n(?!\*\*\* ).*)*)", patch, re.M):
            n = see_path(m.group(1).strip(), ctx)
            if n:
                added = "\n".join(ln[1:] for ln in m.group(2).splitlines() if ln.startswith("+"))
                session.written[n] = session.written.get(n, "") + "\n" + added
        return
    if not p:
        return
    n = see_path(p, ctx)
    if not n:
        return
    if call.tool in ("write", "write_file"):
        c = params.get("content")
        session.written[n] = c if isinstance(c, str) else ""
    else:
        new = " ".join(str(params.get(k, "")) for k in ("newText", "new_string", "edits"))
        session.written[n] = session.written.get(n, "") + "\n" + new


def _sent_files(call: ToolCall, ctx: PathContext) -> list[Signal]:
    """Files a non-file tool sends out (message attachments, uploads): a protected file sent is exfiltration."""
    out: list[Signal] = []
    vals: list[str] = []
    for k in _FILE_PARAM_KEYS:
        v = call.params.get(k)
        if isinstance(v, str):
            vals.append(v)
        elif isinstance(v, list):
            vals.extend(x for x in v[:50] if isinstance(x, str))
    for v in vals:
        if URL_RE.match(v) and not v.startswith("file://"):
            continue
        raw = v[7:] if v.startswith("file://") else v
        if not raw.startswith(("/", "~", ".", "$")) and "/" not in raw:
            continue
        p = see_path(raw, ctx)
        if p is None:
            out.append(Signal("unresolved", f"{call.tool} sends a file whose path depends on a variable ({raw[:60]})"))
            continue
        cat = P.protected_category(p, ctx) or see_category(p)
        if cat and not (cat == "ssh" and _PUBLIC_SSH.search(p)):
            out.append(Signal("exfil", f"{call.tool} sends {cat} ({raw[:60]})"))
        elif selfprotect.file_signals([raw], False, call.tool, ctx, ""):
            out.append(Signal("exfil", f"{call.tool} sends clawfence state ({raw[:60]})"))
    return out


def _url_data(url: str, settings: Any, tool: str) -> list[Signal]:
    """Data carried out in a URL by the agent's web tools: a long opaque token in the query or path to a host
    outside the allowlist, or any data to a known capture/paste service."""
    try:
        u = urlsplit(url)
        host = (u.hostname or "").lower()
    except ValueError:
        return []
    if not host or any(fnmatchcase(host, pat.lower()) for pat in settings.egress_allowlist):
        return []
    capture = any(host == h or host.endswith("." + h) for h in _EXFIL_HOSTS)
    data = u.query + ("/" + u.path if capture else "")
    if capture and (u.query or len(u.path) > 1):
        return [Signal("exfil", f"{tool} sends data to capture/paste service {host}")]
    if _DATA_TOKEN.search(unquote(data)) or len(u.query) > 200:
        return [Signal("exfil", f"{tool} carries an opaque data blob to {host} in the URL")]
    return []


def _funds(call: ToolCall) -> list[Signal]:
    """Money moved, judged by what the call does: a tool whose arguments carry an amount and a payee, a payment
    API endpoint fetched, a browser click confirming a payment (guide E5.1)."""
    params = call.params
    keys = list(params.keys())
    if any(_MONEY_PARAM.match(k) for k in keys) and (any(_PAYEE_PARAM.match(k) for k in keys) or
                                                     _MONEY_TOOL.search(call.tool)):
        return [Signal("financial", f"{call.tool} moves money (amount and payee in its arguments)")]
    if call.tool in URL_TOOLS:
        url = _str(params, "url", "targetUrl", "href") or ""
        if _MONEY_URL.search(url):
            return [Signal("financial", f"{call.tool} calls a payment API ({url[:60]})")]
        if call.tool == "browser" and _MONEY_CLICK.search(call.text()):
            return [Signal("financial", "browser action confirms a payment or transfer")]
    if call.tool in EXEC_TOOLS:
        cmd = str(params.get("command", ""))
        if _MONEY_URL.search(cmd) and re.search(r"-X\s*POST|--data|-d\s|--request\s+POST", cmd):
            return [Signal("financial", "command posts to a payment API")]
    return []
