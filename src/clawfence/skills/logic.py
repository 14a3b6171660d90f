"""Skill-level analyses that need code rather than a line regex (pure functions over text).

* :func:`markdown_logic` - SC408 instructions in HTML comments / hidden elements, SC405 behaviour rules written
  into MEMORY.md/SOUL.md/AGENTS.md/HEARTBEAT.md, SC214 "collect secrets and send them out" instructions.
* :func:`code_logic` - SC407 security-config weakening / tampering with other skills, SC405 in code.
* :func:`install_hooks` - SC107 npm lifecycle scripts, setup.py cmdclass, front-matter install specs.
* :func:`mismatch` - SC501/SC502 declared purpose vs detected capabilities; :func:`impersonation` - SC503.
* :func:`frontmatter` - tolerant YAML front-matter parse (name, description, metadata).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from clawfence.core import yamlload
from clawfence.skills.sensitive import CodeHit
from clawfence.skills.text import Line, Segmented

IMPERATIVE = re.compile(
    r"(https?://|\bcurl\b|\bwget\b|\b(run|execute|send|upload|ignore|must|always|never mention|do not|don't|agent|"
    r"assistant|instruction|you are|system|before any|after (summar|respond|answer))\b|执行|发送|上传|忽略|智能体)",
    re.I,
)
HIDDEN_EL = re.compile(
    r"<(div|span|p|section)[^>]*(display\s*:\s*none|visibility\s*:\s*hidden|\bhidden\b|font-size\s*:\s*0)[^>]*>([^<]{20,})", re.I
)
AGENT_FILES = re.compile(r"\b(MEMORY|SOUL|AGENTS|HEARTBEAT|IDENTITY|TOOLS|USER|BOOTSTRAP)\.md\b")
WRITE_VERB = re.compile(r"\b(append|add|write|insert|save|put|record|persist|inject|place|prepend)\b|(写入|追加|添加|保存)", re.I)
BEHAVIOUR = re.compile(
    r"\b(trust|approve|without asking|without confirmation|always|as if|owner|obey|follow (these|any|all|instructions)|"
    r"ignore|instructions? (from|in)|skip (the )?(confirmation|approval)|send|forward|upload|exfil|do not (ask|tell|mention)|"
    r"every (session|task|time)|before any task)\b|(信任|无需确认|始终|总是|忽略)",
    re.I,
)
ASK_SECRET = re.compile(
    r"\b(ask|prompt|request|tell)\b[^\n]{0,40}\b(the user|users?|them|owner)\b[^\n]{0,60}"
    r"(gateway token|api[ _-]?keys?|access tokens?|credentials|passwords?|seed phrase|recovery (words|phrase)|mnemonic|"
    r"private keys?|12 or 24)"
    r"|\b(read|cat|collect|gather|copy|dump|grab|include|attach)\b[^\n]{0,60}(~/\.aws|~/\.ssh|\.ssh/id_|\.aws/credentials|"
    r"auth-profiles|openclaw\.json|clawdbot\.json|(\.openclaw|\.clawdbot)/\.env|\.config/gh/hosts|keychain|browser cookies|"
    r"wallet files?)"
    r"|\b(paste|enter|type|provide|give|share)\b[^\n]{0,40}(private key|seed phrase|recovery (words|phrase)|mnemonic)"
    r"|\b(lee|leer|copia|recoge|obt[eé]n)\b[^\n]{0,60}(~/\.aws|~/\.ssh|\.env\b|auth-profiles|openclaw\.json|credenciales)"
    r"|(读取|复制|收集)[^\n]{0,30}(~/\.aws|~/\.ssh|\.env\b|auth-profiles|openclaw\.json|凭据|密钥文件)"
    r"|(向用户)?(索取|询问|要求)[^\n]{0,20}(密钥|令牌|助记词|私钥|密码|凭据)",
    re.I,
)
SEND_OUT = re.compile(
    r"(\bcurl\b[^\n]*(\s-d\b|--data|\s-F\b|-X\s*POST)|\b(send|sent|submit|post|upload|forward|save a copy|store a copy|copy)\b"
    r"[^\n]{0,80}(https?://|\bto\b[^\n]{0,30}(endpoint|service|server|url|address|api))|(发送|上传|提交)[^\n]{0,30}https?://"
    r"|\b(env[ií]a|enviar|sube|subir|manda|mandar)\b[^\n]{0,80}https?://)",
    re.I,
)
SECRET_PLACEHOLDER = re.compile(r"<[A-Z0-9_ .]*(TOKEN|KEYS?|WORDS?\d?|SEED|PASSWORD|MNEMONIC|SECRET|PRIVATE)[A-Z0-9_ .]*>")
SECRET_TO_URL = re.compile(
    r"(api[ _-]?keys?|tokens?|passwords?|credentials|seed phrase|recovery words|private keys?|助记词|私钥|密钥)[^\n]{0,80}"
    r"\b(send|sent|sends|save|store|copy|upload|uploaded|post|posted|forward|forwarded|submit|submitted)\b[^\n]{0,60}https?://"
    r"|\b(send|upload|post|forward|exfiltrate|include|attach)\b[^\n]{0,40}(~/\.aws|~/\.ssh|\.ssh/id_|\.env\b|credentials|"
    r"private key|seed phrase|api keys?|tokens?)[^\n]{0,80}(https?://|request body|query string|payload)",
    re.I,
)
CONFIG_TAMPER = re.compile(
    r"([\"']security[\"']\s*\]?\s*[=:]\s*[\"']full[\"']|[\"']ask[\"']\s*\]?\s*[=:]\s*[\"']off[\"']|"
    r"sandbox[^\n]{0,80}[\"']mode[\"']\s*\]?\s*[=:]\s*[\"']off[\"']|"
    r"openclaw\s+config\s+set\s+(tools\.exec\.security\s+full|tools\.exec\.ask\s+off|agents\.defaults\.sandbox\.mode\s+off|"
    r"gateway\.auth\.mode\s+none|tools\.elevated))",
    re.I,
)
SKILL_TAMPER = re.compile(r"skills[\"'/, ]+\*[\"'/, ]+SKILL\.md|skills/\*/SKILL\.md|>>\s*\S*skills/\S*SKILL\.md", re.I)
CODE_AGENT_WRITE = re.compile(
    r"(>>\s*|open\([^\n]{0,80}[\"']a[\"']|appendFile|writeFile|write_text)[^\n]{0,80}(MEMORY|SOUL|AGENTS|HEARTBEAT)\.md"
    r"|(MEMORY|SOUL|AGENTS|HEARTBEAT)\.md[^\n]{0,80}(open\([^)]*[\"']a[\"']|>>|appendFile)",
    re.I,
)


ONLY_TO = re.compile(r"\bonly (to|with)\b|\bexclusively\b|\bas (an? )?(auth|authorization|bearer)\b|\bheader\b", re.I)


def frontmatter(text: str) -> dict[str, Any]:
    """YAML front matter of a SKILL.md as a dict ({} when absent or invalid)."""
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0 or end > 100_000:
        return {}
    if text.count("[", 3, end) + text.count("{", 3, end) > 500:  # pathological nesting: PyYAML is quadratic
        return _fm_fallback(text[3:end])
    try:
        doc = yamlload.safe_load(text[3:end])
    except (yaml.YAMLError, RecursionError, MemoryError):
        doc = None
    if isinstance(doc, dict):
        return doc
    return _fm_fallback(text[3:end])


def _fm_fallback(fm: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("name", "description"):
        m = re.search(rf"^{key}:\s*(.+)$", fm, re.M)
        if m:
            out[key] = m.group(1).strip().strip("\"'")[:500]
    return out


def markdown_logic(seg: Segmented) -> list[CodeHit]:
    """SC408 / SC405 / SC214 over a segmented Markdown file (lines are file line numbers)."""
    hits: list[CodeHit] = []
    for start, body in seg.comments:
        inner = body.replace("<!--", "").replace("-->", "").strip()
        if len(inner) > 20 and IMPERATIVE.search(inner):
            net = bool(
                re.search(
                    r"(curl|wget|fetch|upload|send|post|forward)\b[^\n]{0,200}https?://|https?://[^\n]{0,200}\b(upload|send|post)",
                    inner,
                    re.I | re.S,
                )
            )
            hits.append(
                CodeHit("SC408", start, inner.split("\n", 1)[0][:160] or inner[:160], "network command hidden" if net else "")
            )
    for ln in seg.lines:
        m = HIDDEN_EL.search(ln.text) if "<" in ln.text else None
        if m and IMPERATIVE.search(m.group(3)):
            hits.append(CodeHit("SC408", ln.no, ln.text.strip()[:160]))
    lines = seg.lines
    for i, ln in enumerate(lines):
        if ln.damped or ".md" not in ln.text or not AGENT_FILES.search(ln.text) or not WRITE_VERB.search(ln.text):
            continue
        if _negated(ln.text):
            continue
        window = [ln] + [x for x in lines[i + 1:i + 10]]
        for w in window:
            if BEHAVIOUR.search(w.text) and not _negated(w.text) and not w.damped:
                hits.append(CodeHit("SC405", ln.no, ln.text.strip()[:160], f"rule text at line {w.no}"))
                break
        else:
            continue
        break
    sections: dict[str, list[Line]] = {}
    for ln in lines:
        if not ln.damped:
            sections.setdefault(ln.heading, []).append(ln)
    for sec in sections.values():
        blob = "\n".join(x.text for x in sec)
        has_ask = bool(ASK_SECRET.search(blob))
        if not has_ask and ("http" not in blob or not SECRET_TO_URL.search(blob)):
            continue
        ask = [x for x in sec if has_ask and ASK_SECRET.search(x.text) and not _negated(x.text)]
        send = [x for x in sec if ask and SEND_OUT.search(x.text) and not _negated(x.text)]
        place = [x for x in sec if ask and x.ctx == "code" and SECRET_PLACEHOLDER.search(x.text)]
        direct = [x for x in sec if SECRET_TO_URL.search(x.text) and not _negated(x.text) and not ONLY_TO.search(x.text)]
        if ask and (send or place):
            hits.append(CodeHit("SC214", ask[0].no, ask[0].text.strip()[:160], f"sent at line {(send or place)[0].no}"))
        elif direct:
            hits.append(CodeHit("SC214", direct[0].no, direct[0].text.strip()[:160], "direct"))
    return hits


def secret_exfil_lines(text: str) -> list[CodeHit]:
    """SC214 in data/text files (tool manifests, JSON, YAML): one line both naming secrets and sending them out."""
    hits = []
    for no, ln in enumerate(text.split("\n"), 1):
        if len(ln) < 4000 and SECRET_TO_URL.search(ln) and not ONLY_TO.search(ln) and not _negated(ln):
            hits.append(CodeHit("SC214", no, ln.strip()[:160], "direct"))
    return hits[:3]


def _negated(text: str) -> bool:
    return bool(re.search(r"\b(never|do not|don't|must not|refuse|not)\b|不要|切勿|禁止", text, re.I))


CLIP_WRITE = re.compile(
    r"pbcopy|xclip\s+-selection|xsel\s+-b|clipboard\.(write|set|writeText|copy)|pyperclip\.copy|Set-Clipboard|wl-copy", re.I
)
CRYPTO_ADDR_RX = re.compile(
    r"0x\[a-fA-F0-9\]\{40\}|0x\[0-9a-fA-F\]\{40\}|\[13\]\[a-km-zA-HJ-NP-Z1-9\]|bc1\[|\[1-9A-HJ-NP-Za-km-z\]\{3[2-4]"
)


def code_logic(text: str) -> list[CodeHit]:
    """SC407 (config weakening / skill tampering), SC405 (agent file writes) and SC409 (clipboard address swap)
    in any code text."""
    hits: list[CodeHit] = []
    low = text.lower()
    cw = CLIP_WRITE.search(text) if any(k in low for k in ("clip", "pbcopy", "xsel", "wl-copy")) else None
    if cw and CRYPTO_ADDR_RX.search(text):
        line = text.count("\n", 0, cw.start()) + 1
        hits.append(CodeHit("SC414", line, "clipboard rewritten where a crypto-address pattern is matched (address swap)"))
    for rx, rule, keys in (
        (CONFIG_TAMPER, "SC407", ("security", "ask", "sandbox", "openclaw config")),
        (SKILL_TAMPER, "SC411", ("skill.md",)),
        (CODE_AGENT_WRITE, "SC405", (".md",)),
    ):
        if not any(k in low for k in keys):
            continue
        m = rx.search(text)
        if m:
            line = text.count("\n", 0, m.start()) + 1
            hits.append(CodeHit(rule, line, text.split("\n")[line - 1].strip()[:160]))
    return hits


def install_hooks(rel: str, text: str, fm: dict[str, Any]) -> tuple[list[CodeHit], list[str]]:
    """SC107 hits plus command strings to rescan as shell (from package.json scripts / install specs)."""
    hits: list[CodeHit] = []
    cmds: list[str] = []
    base = rel.rsplit("/", 1)[-1]
    if base == "package.json":
        try:
            doc = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            doc = None
        scripts = doc.get("scripts") if isinstance(doc, dict) else None
        if isinstance(scripts, dict):
            for k in ("preinstall", "install", "postinstall", "prepare", "prepublish", "preuninstall"):
                v = scripts.get(k)
                if isinstance(v, str):
                    line = _line_of(text, f'"{k}"')
                    hits.append(CodeHit("SC107", line, f'"{k}": "{v[:120]}"'))
                    cmds.append(v)
    elif base == "setup.py" and re.search(r"cmdclass\s*=", text):
        hits.append(CodeHit("SC107", _line_of(text, "cmdclass"), "setup.py cmdclass runs code at install"))
    if base.lower() == "skill.md" and fm:
        meta = fm.get("metadata")
        if isinstance(meta, str):
            try:
                meta = json.loads(meta)
            except json.JSONDecodeError:
                meta = None
        specs: Any = []
        if isinstance(meta, dict):
            for k in ("openclaw", "clawdbot", "moltbot"):
                sub = meta.get(k)
                if isinstance(sub, dict) and isinstance(sub.get("install"), list):
                    specs = sub["install"]
        if isinstance(fm.get("install"), list):
            specs = list(specs) + list(fm["install"])
        for s in specs if isinstance(specs, list) else []:
            if not isinstance(s, dict):
                continue
            kind = str(s.get("kind", ""))
            cmd = " ".join(str(s.get(k, "")) for k in ("command", "script", "url", "run") if s.get(k))
            if kind in ("shell", "script", "download", "exec", "command") or cmd:
                hits.append(CodeHit("SC107", _line_of(text, "install"), f"install spec kind={kind}: {cmd[:120]}"))
                if cmd:
                    cmds.append(cmd)
    return hits, cmds


def _line_of(text: str, needle: str) -> int:
    i = text.find(needle)
    return text.count("\n", 0, i) + 1 if i >= 0 else 1


PURPOSE = {
    "credential-access": r"ssh|credential|secret|key|password|token|auth|vault|keychain|login|env|config|backup|migrat|"
    r"security|redact",
    "wallet-access": r"wallet|crypto|solana|ethereum|bitcoin|metamask|phantom|keystore|seed",
    "persistence": r"schedul|cron|daily|weekly|nightly|hourly|recurring|daemon|background|monitor|remind|startup|launch|"
    r"service|automat|periodic",
    "reverse-shell": r"remote (shell|access|support)|ssh server|reverse",
    "exfiltration": r"upload|sync|backup|export|send|share|report|telemetry|webhook|notify|post",
    "destructive": r"delete|clean|remov|wipe|purge|uninstall|prune",
}
OFFLINE_CLAIM = re.compile(
    r"\b(offline|no (data|network|internet)|never leave|read-only|local only|nothing (else )?is sent|"
    r"stays on (your|the) machine|no api key needed)\b",
    re.I,
)


NO_KEY = re.compile(
    r"\b(no|without( an?)?|never needs?( an?)?)\s+(api\s+)?(key|token|account|login|credentials?)s?(\s+(needed|required))?", re.I
)
CRED_WORDS = re.compile(r"\b(api[ _-]?key|key|token|auth\w*|credential|login|account|secret|password|oauth|config\w*)", re.I)


def declares_credentials(description: str, fm: dict[str, Any]) -> bool:
    """True when the skill says it needs credentials: ``requires.env`` / ``primaryEnv`` in metadata, or key/token
    words in its description (negated phrases such as "no API key needed" removed first)."""
    meta = fm.get("metadata")
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except json.JSONDecodeError:
            meta = None
    if isinstance(meta, dict):
        for sub in meta.values():
            if isinstance(sub, dict) and (
                sub.get("primaryEnv") or (isinstance(sub.get("requires"), dict) and sub["requires"].get("env"))
            ):
                return True
    return bool(CRED_WORDS.search(NO_KEY.sub(" ", description)))


def mismatch(name: str, description: str, caps: set[str]) -> list[CodeHit]:
    """SC501 when a risky capability is not implied by name+description; SC502 offline claim vs network send."""
    declared = f"{name} {description}".lower()
    hits: list[CodeHit] = []
    for cap, vocab in PURPOSE.items():
        if cap in caps and not re.search(vocab, declared):
            hits.append(CodeHit("SC501", 0, f"capability {cap!r} not implied by: {description[:100]!r}"))
    if OFFLINE_CLAIM.search(description) and caps & {"exfiltration"}:
        hits.append(CodeHit("SC502", 0, f"claims {OFFLINE_CLAIM.search(description).group(0)!r} but sends data"))  # type: ignore[union-attr]
    return hits


POPULAR = (
    "clawhub",
    "openclaw",
    "github",
    "gog",
    "notion",
    "slack",
    "weather",
    "summarize",
    "obsidian",
    "himalaya",
    "trello",
    "discord",
    "telegram",
    "whatsapp",
    "spotify",
    "youtube",
    "twitter",
    "polymarket",
    "bird",
)


def _lev1(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1 or any(
            a[:i] + a[i + 1] + a[i] + a[i + 2 :] == b for i in range(len(a) - 1)
        )
    s, t = (a, b) if len(a) < len(b) else (b, a)
    return any(t[:i] + t[i + 1 :] == s for i in range(len(t)))


def impersonation(folder: str, name: str, description: str) -> list[CodeHit]:
    """SC503: folder/name near-miss of a popular slug, name/folder disagreement around a brand, "official" claims."""
    hits: list[CodeHit] = []
    for cand in {folder.lower(), name.lower()}:
        stem = re.sub(r"[-_](cli|app|tool|pro|plus)$", "", cand)
        for p in POPULAR:
            if _lev1(stem, p) or re.fullmatch(rf"{p}\d+", stem):
                hits.append(CodeHit("SC503", 0, f"{cand!r} is a near-miss of {p!r}"))
    if re.search(r"\bofficial\b|官方", description, re.I) and re.search(
        r"openclaw|clawhub|anthropic|openai", f"{name} {description}", re.I
    ):
        hits.append(CodeHit("SC503", 0, f"claims to be official: {description[:100]!r}"))
    return hits[:2]
