"""Check CH009: Telegram group commands need a sender allowlist. Found by extracting every ``openclaw security audit``
checkId from the 2026.9.6 dist (``scripts/parity.py --catalogue``): native ``channels.telegram.groups.allowFrom.missing``
(critical; dist ``security-audit-*.mjs``, ``collectTelegramSecurityAuditFindings``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clawfence.audit.checks._util import cfg, channel_scopes, where
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, failed, passed, warned


def _list(section: dict[str, Any], base: dict[str, Any], key: str) -> list[Any]:
    value = section.get(key, base.get(key))
    return value if isinstance(value, list) else []


def _group_overrides(groups: Any) -> bool:
    """Any ``groups.<id>.allowFrom`` or ``groups.<id>.topics.<id>.allowFrom`` entry."""
    if not isinstance(groups, dict):
        return False
    for g in groups.values():
        if not isinstance(g, dict):
            continue
        if isinstance(g.get("allowFrom"), list) and g["allowFrom"]:
            return True
        topics = g.get("topics")
        if isinstance(topics, dict) and any(isinstance(t, dict) and isinstance(t.get("allowFrom"), list)
                                            and t["allowFrom"] for t in topics.values()):
            return True
    return False


@check(
    id="CH009",
    title="Telegram group commands are limited to named senders",
    title_zh="Telegram 群组命令仅限指定发送者",
    severity=Severity.CRITICAL,
    guide=("P2.3", "D1.2.2", "D3.2"),
    upstream=("channels.telegram.groups.allowFrom.missing",),
    remediation="Set channels.telegram.groupAllowFrom (or groups.<id>.allowFrom) to numeric Telegram user ids, or "
                "approve yourself through pairing (`openclaw pairing approve telegram <code>`).",
    remediation_zh="将 channels.telegram.groupAllowFrom(或 groups.<id>.allowFrom)设为数字形式的 Telegram 用户 ID,"
                   "或通过配对批准自己(`openclaw pairing approve telegram <code>`)。",
    references=("https://docs.openclaw.ai/channels/telegram",),
    cwe=("CWE-862",),
)
def telegram_group_senders(facts: Facts) -> Iterator[Outcome]:
    """When a Telegram account accepts groups (``groupPolicy: open``, or ``allowlist`` with groups listed) and
    no sender allowlist exists anywhere (pairing store, ``groupAllowFrom``, per-group or per-topic ``allowFrom``),
    every member of those groups can run ``/`` commands and control directives, skill commands included. A
    stranger added to an allowed group drives the agent. With ``commands.text: false`` text commands are off and
    the check passes. A ``*`` sender is CH002's finding. ``groupPolicy: open`` fails (critical); allowlisted groups
    without senders warn (medium) although native rates both critical: the group list is the owner's explicit
    choice and the pairing store, filled once the owner pairs, counts as a sender allowlist. Source: OpenClaw
    2026.9.6 dist, Telegram security audit."""
    if cfg(facts, "commands.text") is False:
        yield passed("text commands are disabled (commands.text: false)", "commands.text")
        return
    base = cfg(facts, "channels.telegram", {})
    base = base if isinstance(base, dict) else {}
    seen = False
    for s in channel_scopes(facts):
        if s.channel != "telegram" or not s.enabled:
            continue
        sec = s.section if s.account else {}
        raw_groups = sec.get("groups", base.get("groups"))
        groups: dict[str, Any] = raw_groups if isinstance(raw_groups, dict) else {}
        listed = bool(groups)
        if not (s.group_policy == "open" or (s.group_policy == "allowlist" and listed)):
            continue
        seen = True
        acc = s.account or "default"
        store = [facts.pairing_allow.get(k) for k in (f"telegram:{acc}", "telegram" if acc == "default" else "")]
        senders = (any(p is not None and (p.count or p.wildcard) for p in store)
                   or bool(_list(sec, base, "groupAllowFrom")) or _group_overrides(groups))
        how = "groupPolicy is open" if s.group_policy == "open" else f"{len(groups)} allowlisted group(s)"
        key = s.group_policy_key if s.group_policy == "open" and s.group_policy_key else f"{s.path}.groups"
        if senders:
            yield passed(f"{s.path}: {how}, with a sender allowlist", s.path)
        elif s.group_policy == "open":
            yield failed(f"{s.path}: {how} and no sender allowlist (pairing store, groupAllowFrom, groups.<id>."
                         "allowFrom): every member of any group can run / commands", s.path, where(facts, key))
        else:
            # native rates this critical too; clawfence warns: the group list is an explicit owner decision and
            # the pairing store (usually filled once the owner pairs) counts as a sender allowlist
            wild = " (including '*': any group)" if "*" in groups else ""
            yield warned(f"{s.path}: {how}{wild} and no sender allowlist (pairing store, groupAllowFrom, groups.<id>."
                         "allowFrom): every member of those groups can run / commands", s.path, where(facts, key),
                         severity=Severity.MEDIUM)
    if not seen:
        yield passed("no Telegram account accepts group messages", "channels.telegram")
