"""Checks MD: the models the agents run on.

Sources: guide C3.4 (protect model invocation: only registered, current models) and C3.3 (detection of emerging
AI risks); OpenClaw 2026.9.6 native audit ``models.legacy`` / ``models.weak_tier`` (legacy families and tiers
below GPT-5 / Claude 4.5 are more susceptible to prompt injection and tool misuse; ``docs/gateway/security/
audit-checks.md``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from clawfence.audit.checks._util import agent_entries, cfg, where
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, passed, skipped, warned

LEGACY = ((re.compile(r"\bgpt-3\.5\b", re.I), "GPT-3.5 family"),
          (re.compile(r"\bclaude-(?:instant|2)\b", re.I), "Claude 2 / Instant family"),
          (re.compile(r"\bgpt-4-(?:0314|0613)\b", re.I), "legacy GPT-4 snapshot"))
_GPT = re.compile(r"\bgpt-(\d+)", re.I)
_CLAUDE_VER = re.compile(r"\bclaude-(?:[a-z]+-)?(\d+)(?:[.-](\d{1,2}))?(?:\b|[.-])", re.I)
_CLAUDE_VER_SUFFIX = re.compile(r"\bclaude-[a-z]+-(\d+)(?:[.-](\d{1,2}))?\b", re.I)


def _model_refs(facts: Facts) -> list[tuple[str, str]]:
    """(model id, config key) for every primary/fallback model of the defaults and of each agent."""
    out: list[tuple[str, str]] = []

    def add(block: Any, key: str) -> None:
        if isinstance(block, str):
            out.append((block, key))
        elif isinstance(block, dict):
            if isinstance(block.get("primary"), str):
                out.append((block["primary"], f"{key}.primary"))
            for i, fb in enumerate(block.get("fallbacks") or []):
                if isinstance(fb, str):
                    out.append((fb, f"{key}.fallbacks.{i}"))

    add(cfg(facts, "agents.defaults.model"), "agents.defaults.model")
    for _, prefix, blk in agent_entries(facts):
        add(blk.get("model"), f"{prefix}.model")
    return out


def weakness(model: str) -> str | None:
    """Why ``model`` is a legacy or weak-tier model, or None (pure)."""
    for rx, label in LEGACY:
        if rx.search(model):
            return f"legacy: {label}"
    if re.search(r"\bhaiku\b", model, re.I):
        return "weak tier: Haiku (smaller model)"
    m = _GPT.search(model)
    if m and int(m.group(1)) < 5:
        return "weak tier: below GPT-5"
    if re.search(r"\bclaude-", model, re.I):
        m = _CLAUDE_VER_SUFFIX.search(model) or _CLAUDE_VER.search(model)
        if m:
            major, minor = int(m.group(1)), int(m.group(2) or 0)
            if major < 10 and (major, minor) < (4, 5):
                return "weak tier: below Claude 4.5"
    return None


def _remote_http(url: str) -> str | None:
    """The host of a plain ``http://`` URL that is not loopback, else None."""
    try:
        u = urlsplit(url.strip())
    except ValueError:
        return None
    host = (u.hostname or "").lower()
    if u.scheme.lower() != "http" or not host or host == "localhost" or host.endswith(".localhost"):
        return None
    try:
        return None if ipaddress.ip_address(host).is_loopback else host
    except ValueError:
        return host


def _plaintext_endpoints(facts: Facts) -> Iterator[Outcome]:
    """``models.providers.<id>.baseUrl`` over plain http to another host sends the provider key and every prompt,
    file and tool result of the conversation in clear over the network (and lets anyone on the path answer as
    the model: a prompt-injection channel). Loopback (a local Ollama/vLLM) is fine. MEDIUM warn at the key."""
    provs = cfg(facts, "models.providers", {}) or {}
    if not isinstance(provs, dict):
        return
    for pid, blk in provs.items():
        url = blk.get("baseUrl") if isinstance(blk, dict) else None
        host = _remote_http(url) if isinstance(url, str) else None
        if host:
            key = f"models.providers.{pid}.baseUrl"
            yield warned(f"{key} is plain http to {host}: the API key and the whole conversation cross the network "
                         "unencrypted", key, where(facts, key), severity=Severity.MEDIUM)


@check(
    id="MD001",
    title="Agents run on current, robust model tiers",
    title_zh="智能体使用当前的高鲁棒性模型",
    severity=Severity.MEDIUM,
    guide=("C3.4", "C3.3"),
    remediation="Set agents.defaults.model.primary (and fallbacks, per-agent models) to a current model tier "
                "(e.g. Claude 4.5+ or GPT-5+); remove legacy GPT-3.5 / Claude 2 entries.",
    remediation_zh="将 agents.defaults.model.primary(及备用、各智能体模型)设为当前主流模型(如 Claude 4.5+ 或 GPT-5+),"
                   "移除 GPT-3.5 / Claude 2 等旧模型。",
    upstream=("models.legacy", "models.weak_tier"),
    cwe=("CWE-1039",),
)
def models_current_tier(facts: Facts) -> Iterator[Outcome]:
    """Older and smaller models follow injected instructions in web pages, messages and skill files more readily
    and misuse tools more often; with exec or file tools reachable that is a direct path to compromise. The guide
    asks cloud interfaces to allow only registered, protected models (C3.4)."""
    yield from _plaintext_endpoints(facts)
    refs = _model_refs(facts)
    if not refs:
        yield skipped("not applicable: no model configured (OpenClaw's default applies)", "agents.defaults.model")
        return
    for model, key in refs:
        why = weakness(model)
        if why:
            yield warned(f"{key} is {model!r} ({why})", key, where(facts, key))
        else:
            yield passed(f"{key} is {model!r}", key, where(facts, key))
