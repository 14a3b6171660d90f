"""Checks CH: who can talk to the agent (DM/group policy, allowlists, sessions, chat commands) and what an
open channel can reach (compound exposure, as OpenClaw's own ``security.exposure.*`` checks).

Sources: guide P2.3, D1.2.2; OpenClaw ``docs/gateway/config-channels.md`` "DM and group access",
``docs/gateway/security/index.md`` "DM session isolation", ``docs/tools/slash-commands.md``,
``docs/tools/elevated.md``, ``src/security/audit-extra.sync.ts`` (exposure matrix), ``audit-channel.ts``.
Every channel and every ``channels.<p>.accounts.<id>`` is checked; defaults: dmPolicy ``pairing``, groupPolicy
``allowlist``, ``session.dmScope`` ``main``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clawfence.audit.checks._util import (
    CONTROL_PLANE_TOOLS,
    FS_TOOLS,
    FS_WRITE_TOOLS,
    PROFILE_TOOLS,
    RUNTIME_TOOLS,
    ChannelScope,
    agent_contexts,
    cfg,
    channel_scopes,
    key_in_version,
    latent,
    open_inbound,
)
from clawfence.audit.checks._util import where as _loc
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, failed, passed, warned


def _own(scope: ChannelScope, key: str | None) -> bool:
    """True if ``key`` is set in this scope itself (not inherited from the channel / defaults)."""
    return key is not None and key.startswith(scope.path + ".") and ".accounts." not in key[len(scope.path):]


def _list(value: Any) -> list[str]:
    return [str(v).strip() for v in value] if isinstance(value, list) else []


def _dm_allow(scope: ChannelScope) -> tuple[str, list[str]]:
    """(dotted key, entries) of the DM sender allowlist of a scope (``allowFrom`` or legacy ``dm.allowFrom``)."""
    if "allowFrom" in scope.section:
        return f"{scope.path}.allowFrom", _list(scope.section["allowFrom"])
    dm = scope.section.get("dm")
    if isinstance(dm, dict) and "allowFrom" in dm:
        return f"{scope.path}.dm.allowFrom", _list(dm["allowFrom"])
    return f"{scope.path}.allowFrom", []


@check(
    id="CH001",
    title="No channel accepts DMs from anyone (dmPolicy is pairing or allowlist)",
    title_zh="聊天渠道未开放私信(dmPolicy 为 pairing 或 allowlist)",
    severity=Severity.CRITICAL,
    guide=("D1.2.2", "P2.3"),
    remediation='Set channels.<channel>.dmPolicy (and every channels.<channel>.accounts.<id>.dmPolicy) to "pairing" '
                'or "allowlist"; never "open".',
    remediation_zh='将 channels.<渠道>.dmPolicy(以及每个 channels.<渠道>.accounts.<id>.dmPolicy)设为 "pairing"'
                   '(需验证码)或 "allowlist"(白名单),绝对禁止设置为 "open"。',
    fix="dm-policy-pairing",
    upstream=("channels.*.dm.open", "channels.*.dm.open_invalid"),
    cwe=("CWE-284",),
)
def dm_policy_not_open(facts: Facts) -> Iterator[Outcome]:
    """``dmPolicy: open`` lets any account on Telegram/Slack/Discord/... talk to an agent that can run tools:
    the guide says it "must never be set to open" (D1.2.2) and to allow only the owner or trusted people
    (P2.3). Checked per channel and per account, including the legacy ``dm.policy``. Default ``pairing``."""
    seen = False
    for s in channel_scopes(facts):
        if s.account is not None and not _own(s, s.dm_policy_key):
            continue
        seen = True
        key = s.dm_policy_key or f"{s.path}.dmPolicy"
        if s.dm_policy == "open":
            akey, allow = _dm_allow(s)
            note = "" if "*" in allow else f" ({akey} lacks \"*\": OpenClaw flags the config as inconsistent)"
            if s.enabled:
                yield failed(f"{key} is 'open': anyone can DM the bot{note}", key, _loc(facts, key))
            else:
                yield warned(f"{key} is 'open' (channel disabled for now)", key, _loc(facts, key), severity=Severity.LOW)
        else:
            dflt = "" if s.dm_policy_key else " (default)"
            yield passed(f"{key} is {s.dm_policy!r}{dflt}", key, _loc(facts, key))
    if not seen:
        yield passed("no chat channel is configured", "channels", _loc(facts, "channels"))


@check(
    id="CH002",
    title="Sender allowlists contain no \"*\" wildcard",
    title_zh="发送者白名单(allowFrom)中不含通配符 \"*\"",
    severity=Severity.HIGH,
    guide=("P2.3", "D1.2.2"),
    remediation='Replace "*" in channels.<channel>.allowFrom / groupAllowFrom / groups.<id>.allowFrom with the '
                "exact ids of the owner and trusted people.",
    remediation_zh='将 channels.<渠道>.allowFrom、groupAllowFrom、groups.<id>.allowFrom 中的 "*" 替换为本人及可信人员的确切 ID。',
    upstream=("channels.telegram.groups.allowFrom.wildcard", "security.trust_model.multi_user_heuristic"),
    cwe=("CWE-284",),
)
def allowlists_have_no_wildcard(facts: Facts) -> Iterator[Outcome]:
    """``"*"`` in an allowlist admits everyone, whatever the policy says: with dmPolicy ``allowlist`` it is an
    open inbox in disguise; in a group sender list it lets every member of every allowed group drive the
    agent. The guide asks to allow only the owner or authorised people (P2.3)."""
    seen = False
    for s in channel_scopes(facts):
        lists: list[tuple[str, list[str], bool]] = []
        akey, allow = _dm_allow(s)
        lists.append((akey, allow, True))
        if "groupAllowFrom" in s.section:
            lists.append((f"{s.path}.groupAllowFrom", _list(s.section["groupAllowFrom"]), False))
        groups = s.section.get("groups")
        for gid, g in (groups.items() if isinstance(groups, dict) else []):
            if isinstance(g, dict) and "allowFrom" in g:
                lists.append((f"{s.path}.groups.{gid}.allowFrom", _list(g["allowFrom"]), False))
        if isinstance(groups, dict) and "*" in groups:
            seen = True
            g = groups["*"] if isinstance(groups["*"], dict) else {}
            mention = g.get("requireMention") is True
            key = f"{s.path}.groups.*"
            yield warned(f"{key} admits every group (requireMention={mention}); group senders are limited only by "
                         "groupAllowFrom", key, _loc(facts, f"{s.path}.groups"),
                         severity=Severity.LOW if mention else Severity.MEDIUM)
        for key, entries, is_dm in lists:
            if not entries:
                continue
            seen = True
            if "*" in entries:
                hidden = is_dm and s.dm_policy not in ("open", "disabled")
                sev = Severity.CRITICAL if (hidden or not is_dm) else None
                why = f" (dmPolicy {s.dm_policy!r} is effectively open)" if hidden else ""
                yield failed(f"{key} contains '*': every sender is admitted{why}", key, _loc(facts, key), severity=sev)
            else:
                yield passed(f"{key} lists {len(entries)} explicit sender(s)", key, _loc(facts, key))
    if not seen:
        yield passed("no sender allowlist is configured (pairing approvals only)", "channels", _loc(facts, "channels"))


@check(
    id="CH003",
    title="No channel lets any group use the agent (groupPolicy is allowlist)",
    title_zh="聊天渠道未向任意群组开放(groupPolicy 为 allowlist)",
    severity=Severity.HIGH,
    guide=("P2.3", "D1.2.2"),
    remediation='Set channels.<channel>.groupPolicy, channels.<channel>.accounts.<id>.groupPolicy and '
                'channels.defaults.groupPolicy to "allowlist" (or "disabled") and list the allowed groups.',
    remediation_zh='将 channels.<渠道>.groupPolicy、channels.<渠道>.accounts.<id>.groupPolicy 及 '
                   'channels.defaults.groupPolicy 设为 "allowlist"(或 "disabled"),并列出允许的群组。',
    fix="group-policy-allowlist",
    upstream=("security.trust_model.multi_user_heuristic",),
    cwe=("CWE-284",),
)
def group_policy_not_open(facts: Facts) -> Iterator[Outcome]:
    """``groupPolicy: open`` makes the agent answer in any group it is added to: every member of any group is a
    prompt author, the widest prompt-injection surface. ``openclaw security audit --fix`` flips it to
    ``allowlist``. Default ``allowlist``; ``channels.defaults.groupPolicy`` applies to channels without one."""
    dflt = cfg(facts, "channels.defaults.groupPolicy")
    if dflt == "open":
        yield failed("channels.defaults.groupPolicy is 'open' (inherited by channels without groupPolicy)",
                     "channels.defaults.groupPolicy", _loc(facts, "channels.defaults.groupPolicy"))
    seen = dflt is not None
    for s in channel_scopes(facts):
        if s.account is not None and not _own(s, s.group_policy_key):
            continue
        seen = True
        own = _own(s, s.group_policy_key)
        key = s.group_policy_key if own and s.group_policy_key else f"{s.path}.groupPolicy"
        if s.group_policy == "open" and own:
            if s.enabled:
                yield failed(f"{key} is 'open': the bot answers in any group", key, _loc(facts, key))
            else:
                yield warned(f"{key} is 'open' (channel disabled for now)", key, _loc(facts, key),
                             severity=Severity.LOW)
        elif s.group_policy != "open":
            src = "" if s.group_policy_key else " (default)"
            yield passed(f"{key} is {s.group_policy!r}{src}", key, _loc(facts, key))
    if not seen:
        yield passed("no chat channel is configured", "channels", _loc(facts, "channels"))


@check(
    id="CH004",
    title="DMs from different people do not share one session",
    title_zh="不同用户的私信不共享同一会话上下文",
    severity=Severity.MEDIUM,
    guide=("P2.3", "E3.2", "P5.1"),
    remediation='Set session.dmScope to "per-channel-peer" (or "per-account-channel-peer" with several accounts) '
                'and session.groupScope to "per-group".',
    remediation_zh='将 session.dmScope 设为 "per-channel-peer"(多账号时用 "per-account-channel-peer"),'
                   'session.groupScope 设为 "per-group"。',
    upstream=("channels.*.dm.scope_main_multiuser", "channels.dm.session_collision.*",
              "security.trust_model.group_scope_main"),
    cwe=("CWE-200", "CWE-359"),
)
def dm_sessions_isolated(facts: Facts) -> Iterator[Outcome]:
    """With ``session.dmScope: main`` (the default) every DM lands in the agent's main session: the second person
    who writes sees the first one's conversation, files and tool output (cross-user context leak). Fine for a
    single owner; a leak as soon as DMs are open, wildcarded or list several senders. Senders approved through
    pairing (``facts.pairing_allow``: credentials/*-allowFrom.json or the SQLite pairing store) count too."""
    scope = cfg(facts, "session.dmScope", "main")
    loc = _loc(facts, "session.dmScope")
    senders: set[str] = set()
    wide: list[str] = []
    pairing: list[str] = []
    for s in channel_scopes(facts):
        if not s.enabled or s.dm_policy == "disabled":
            continue
        if s.dm_policy == "pairing":
            pairing.append(s.dm_policy_key or f"{s.path} (default dmPolicy 'pairing')")
        akey, allow = _dm_allow(s)
        if s.dm_policy == "open" or "*" in allow:
            wide.append(s.dm_policy_key if s.dm_policy == "open" and s.dm_policy_key else akey)
        senders.update(f"{s.channel}:{a}" for a in allow if a != "*")
    for key, pa in facts.pairing_allow.items():
        if pa.wildcard:
            wide.append(f"pairing store {key}")
        senders.update(f"{key}:paired#{i}" for i in range(pa.count))
    src = "" if facts.config and facts.config.has("session.dmScope") else " (default)"
    if scope != "main":
        yield passed(f"session.dmScope is {scope!r}", "session.dmScope", loc)
    elif wide:
        yield failed(f"session.dmScope is 'main'{src} while DMs are open to anyone at {', '.join(sorted(set(wide)))}",
                     "session.dmScope", loc, severity=Severity.HIGH)
    elif len(senders) > 1:
        yield failed(f"session.dmScope is 'main'{src} and {len(senders)} DM senders are allowed: they share one "
                     "session", "session.dmScope", loc)
    else:
        yield passed(f"session.dmScope is 'main'{src} with at most one allowed DM sender", "session.dmScope", loc)
        if pairing:
            yield latent(facts, "session.dmScope", f"session.dmScope is 'main'{src}: every DM sender shares the "
                         "agent's main session", f"a second sender is approved through pairing (at {', '.join(pairing)})")
    if cfg(facts, "session.groupScope") == "main":
        yield warned("session.groupScope is 'main': group rooms share the main session", "session.groupScope",
                     _loc(facts, "session.groupScope"))


@check(
    id="CH005",
    title="Channel access matches stable sender ids, no dangerous channel flags",
    title_zh="渠道授权基于稳定的发送者 ID,未启用危险渠道选项",
    severity=Severity.MEDIUM,
    guide=("P2.3", "D1.2.2"),
    remediation="Remove dangerouslyAllowNameMatching (and other dangerously* keys) from channels.<channel> and "
                "its accounts; list numeric/stable sender ids in allowFrom.",
    remediation_zh="从 channels.<渠道> 及其账号中删除 dangerouslyAllowNameMatching 等 dangerously* 选项,"
                   "allowFrom 中使用数字或稳定的发送者 ID。",
    upstream=("channels.*.allowFrom.dangerous_name_matching_enabled", "config.insecure_or_dangerous_flags"),
    cwe=("CWE-290",),
)
def channel_matching_stable(facts: Facts) -> Iterator[Outcome]:
    """``dangerouslyAllowNameMatching`` authorises senders by display name, e-mail or tag, which anyone can
    change or copy (Discord slug collisions, GHSA-4cqv-h74h-93j4). ``dangerouslyAllowPrivateNetwork`` and
    ``dangerouslyAllowInheritedWebhookPath`` are similar break-glass switches. Default false."""
    found = False
    for s in channel_scopes(facts):
        flags = [("dangerouslyAllowNameMatching", s.section.get("dangerouslyAllowNameMatching")),
                 ("dangerouslyAllowInheritedWebhookPath", s.section.get("dangerouslyAllowInheritedWebhookPath"))]
        net = s.section.get("network")
        if isinstance(net, dict):
            flags.append(("network.dangerouslyAllowPrivateNetwork", net.get("dangerouslyAllowPrivateNetwork")))
        for name, value in flags:
            if value is True:
                found = True
                key = f"{s.path}.{name}"
                yield warned(f"{key} is true", key, _loc(facts, key))
    if not found:
        yield passed("no channel sets a dangerously* flag", "channels", _loc(facts, "channels"))


@check(
    id="CH006",
    title="Chat commands cannot run host shell or rewrite the config",
    title_zh="聊天命令无法执行主机 Shell 或修改配置",
    severity=Severity.HIGH,
    guide=("P3.5", "D3.2", "E5.1"),
    remediation="Set commands.bash=false and commands.config=false (the defaults); keep commands.mcp/plugins off.",
    remediation_zh="将 commands.bash 与 commands.config 设为 false(默认值);保持 commands.mcp/plugins 关闭。",
    cwe=("CWE-78", "CWE-15"),
)
def chat_commands_safe(facts: Facts) -> Iterator[Outcome]:
    """``commands.bash`` (``/bash``, ``!``) runs host shell commands straight from chat, bypassing the agent's
    tool policy; ``commands.config`` (``/config set``) rewrites ``openclaw.json`` from chat: the guide forbids
    command execution without confirmation (P3.5) and modification of auth/permission config (D3.2).
    Default false each. Source: docs/tools/slash-commands.md."""
    opened = bool(open_inbound(facts))
    ok = True
    for key, what in (("commands.bash", "/bash and ! run host shell commands from chat"),
                      ("commands.config", "/config set rewrites openclaw.json from chat")):
        if cfg(facts, key) is True:
            ok = False
            yield failed(f"{key} is true: {what}", key, _loc(facts, key),
                         severity=Severity.CRITICAL if opened else None)
    for key in ("commands.mcp", "commands.plugins"):
        if cfg(facts, key) is True:
            ok = False
            yield warned(f"{key} is true: MCP servers / plugins can be managed from chat", key, _loc(facts, key),
                         severity=Severity.MEDIUM)
    if cfg(facts, "commands.useAccessGroups") is False and key_in_version(facts, "commands.useAccessGroups"):
        ok = False
        # Source: src/channels/command-gating.ts resolveCommandAuthorizedFromAuthorizers: with access groups off
        # the default mode is "allow" -- every sender that reaches the bot is authorised for control commands.
        groups = [s.path for s in channel_scopes(facts) if s.enabled and s.group_policy != "disabled"]
        yield warned("commands.useAccessGroups is false: control commands (/approve, /elevated, /model, /restart ...) "
                     "skip the owner/allowFrom check, so every sender that reaches the bot may run them"
                     + (f" (groups enabled at {', '.join(groups)})" if groups else ""), "commands.useAccessGroups",
                     _loc(facts, "commands.useAccessGroups"),
                     severity=Severity.HIGH if opened else Severity.MEDIUM if groups else Severity.LOW)
    if ok:
        yield passed("commands.bash and commands.config are off", "commands", _loc(facts, "commands"))


@check(
    id="CH007",
    title="Elevated mode is limited to named senders",
    title_zh="提权模式(elevated)仅限指定发送者使用",
    severity=Severity.CRITICAL,
    guide=("E3.3", "P3.5", "P2.3"),
    remediation='Set tools.elevated.enabled=false, or list exact sender ids in tools.elevated.allowFrom.<channel> '
                '(never "*").',
    remediation_zh='将 tools.elevated.enabled 设为 false,或在 tools.elevated.allowFrom.<渠道> 中列出确切的发送者 ID'
                   '(禁止使用 "*")。',
    fix="elevated-off",
    upstream=("tools.elevated.allowFrom.*.wildcard", "tools.elevated.allowFrom.*.large"),
    cwe=("CWE-269",),
)
def elevated_senders_limited(facts: Facts) -> Iterator[Outcome]:
    """Elevated mode (``/elevated on|full``) runs exec on the host outside the sandbox, and ``full`` skips exec
    approvals. ``tools.elevated.allowFrom.<channel>`` decides who may switch it on; ``"*"`` hands host
    execution to everyone on that channel. Elevated is effectively on unless ``enabled: false``."""
    loc = _loc(facts, "tools.elevated")
    if cfg(facts, "tools.elevated.enabled") is False:
        yield passed("tools.elevated.enabled is false", "tools.elevated", loc)
        return
    allow = cfg(facts, "tools.elevated.allowFrom")
    if not isinstance(allow, dict) or not allow:
        yield passed("tools.elevated is on but tools.elevated.allowFrom names no channel", "tools.elevated", loc)
        return
    for ch, entries in allow.items():
        key = f"tools.elevated.allowFrom.{ch}"
        ids = _list(entries)
        if "*" in ids:
            yield failed(f"{key} contains '*': anyone on {ch} may run host commands", key, _loc(facts, key))
        elif len(ids) > 25:
            yield warned(f"{key} has {len(ids)} entries", key, _loc(facts, key), severity=Severity.MEDIUM)
        else:
            yield passed(f"{key} lists {len(ids)} sender(s)", key, _loc(facts, key))


def _exec_denied(facts: Facts) -> bool:
    return bool(cfg(facts, "tools.exec.security") == "deny" or cfg(facts, "tools.exec.mode") == "deny")


@check(
    id="CH008",
    title="Open DMs or groups cannot reach exec, elevated, file or control-plane tools",
    title_zh="开放的私信或群组无法触达命令执行、提权、文件写入或控制面工具",
    severity=Severity.CRITICAL,
    guide=("P2.3", "D1.2.2", "D2.2.1", "D2.3.1", "E3.1"),
    remediation='Close the inbox (dmPolicy "pairing", groupPolicy "allowlist") or, for agents open channels '
                'reach: agents.defaults.sandbox.mode "all", tools.profile "messaging" or deny group:runtime, '
                'group:fs, group:automation, tools.fs.workspaceOnly=true, tools.elevated.enabled=false.',
    remediation_zh='关闭开放入口(dmPolicy 设为 "pairing",groupPolicy 设为 "allowlist");或对开放渠道可达的 Agent 设置 '
                   'agents.defaults.sandbox.mode "all"、tools.profile "messaging" 或拒绝 group:runtime、group:fs、'
                   'group:automation,并设 tools.fs.workspaceOnly=true、tools.elevated.enabled=false。',
    fix="sandbox-on",
    upstream=("security.exposure.open_groups_with_elevated", "security.exposure.open_groups_with_runtime_or_fs",
              "security.exposure.open_groups_with_control_plane_tools", "security.exposure.open_channels_with_exec",
              "security.trust_model.multi_user_heuristic"),
    cwe=("CWE-1427", "CWE-284"),
)
def open_channels_cannot_reach_dangerous_tools(facts: Facts) -> Iterator[Outcome]:
    """A message from anyone is a prompt; with open DMs/groups a prompt injection becomes command execution,
    file writes, scheduled jobs or gateway reconfiguration when those tools are reachable without
    ``sandbox.mode: all``. Mirrors OpenClaw's exposure matrix: effective tool policy per agent (profile,
    allow/alsoAllow/deny with group expansion, deny wins). Source: src/security/audit-extra.sync.ts."""
    opens = open_inbound(facts)
    loc = _loc(facts, "channels")
    if not opens:
        yield passed("no enabled channel has an open DM or group policy", "channels", loc)
        return
    where = ", ".join(opens)
    loc = _loc(facts, opens[0])
    ok = True
    if cfg(facts, "tools.elevated.enabled") is not False:
        ok = False
        yield failed(f"open inbound at {where} with tools.elevated enabled: chat can request host exec",
                     "exposure:elevated", _loc(facts, "tools.elevated"))
    ctxs = agent_contexts(facts)
    base = ctxs[0]
    for c in ctxs:
        if c is not base and (c.sandbox_mode, c.fs_workspace_only, c.policy) == (
                base.sandbox_mode, base.fs_workspace_only, base.policy):
            continue
        rt = [] if _exec_denied(facts) else c.policy.reachable(RUNTIME_TOOLS)
        fs = c.policy.reachable(FS_TOOLS)
        if rt and c.sandbox_mode != "all":
            ok = False
            yield failed(f"open inbound at {where} reaches {c.label} (sandbox={c.sandbox_mode}; runtime={rt})",
                         f"exposure:{c.label}:runtime", loc)
        if fs and c.sandbox_mode != "all" and not c.fs_workspace_only:
            ok = False
            writes = [t for t in fs if t in FS_WRITE_TOOLS]
            yield failed(f"open inbound at {where} reaches {c.label} file tools {fs} outside a sandbox, "
                         "tools.fs.workspaceOnly off", f"exposure:{c.label}:fs", loc,
                         severity=Severity.HIGH if writes else Severity.MEDIUM)
        cp = c.policy.reachable(CONTROL_PLANE_TOOLS)
        if cp:
            ok = False
            update_only = cp == ["gateway"] and c.policy.profile in PROFILE_TOOLS
            yield failed(f"open inbound at {where} reaches {c.label} control-plane tools {cp} "
                         f"(profile={c.policy.profile}{', gateway update only' if update_only else ''})",
                         f"exposure:{c.label}:control-plane", loc,
                         severity=Severity.MEDIUM if update_only else None)
    if ok:
        yield passed(f"open inbound at {where}, but no elevated, runtime, file or control-plane tool is reachable "
                     "unguarded", "channels", loc)
