"""Checks SB: tool sandbox: mode, scope, workspaceAccess and the Docker container it runs in.

Sources: guide D2.2 (tool sandbox; D2.2.1-D2.2.3), D2.3.2 (sensitive dirs mounted ``:ro``), P3.3;
OpenClaw ``docs/gateway/config-agents.md`` "agents.defaults.sandbox", ``src/agents/sandbox/validate-sandbox-security.ts``
(blocked bind sources, network and seccomp/apparmor rules), ``src/security/audit-extra.sync.ts`` (sandbox.* checkIds).
Per-agent overrides are read from both ``agents.list[]`` and ``agents.entries.<id>`` (reference/openclaw.md §2).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clawfence.audit.checks._util import agent_entries, all_tool_scopes, cfg, latent
from clawfence.audit.checks._util import where as _loc
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, failed, passed, skipped, warned

#: Host paths a sandbox must never mount writable (OpenClaw's blocked list plus the guide's examples).
BLOCKED_SOURCES = ("/etc", "/private/etc", "/proc", "/sys", "/dev", "/root", "/boot", "/run", "/var/run")
HOME_SECRETS = (".ssh", ".aws", ".gnupg", ".docker", ".config", ".netrc", ".npm", ".cargo", ".kube",
                ".openclaw", ".clawdbot")
DANGEROUS_DOCKER_FLAGS = ("dangerouslyAllowReservedContainerTargets", "dangerouslyAllowExternalBindSources",
                          "dangerouslyAllowContainerNamespaceJoin")


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def sandboxes(facts: Facts) -> list[tuple[str, str, dict[str, Any]]]:
    """``[(label, config key, effective sandbox block)]``: the defaults, then every agent whose block
    overrides ``sandbox`` (merged over the defaults, as OpenClaw resolves it)."""
    d = cfg(facts, "agents.defaults.sandbox", {})
    d = d if isinstance(d, dict) else {}
    out = [("defaults", "agents.defaults.sandbox", d)]
    for aid, prefix, block in agent_entries(facts):
        sb = block.get("sandbox")
        if isinstance(sb, dict):
            out.append((f"agent {aid}", f"{prefix}.sandbox", _merge(d, sb)))
    return out



@check(
    id="SB001",
    title="Agent tools run inside the sandbox",
    title_zh="智能体工具在沙箱中执行",
    severity=Severity.HIGH,
    guide=("D2.2", "D2.2.1", "D2.2.2", "E3.2"),
    remediation='Set agents.defaults.sandbox.mode to "all" (or at least "non-main") and remove per-agent '
                'sandbox.mode "off" overrides; run `openclaw sandbox explain` to confirm.',
    remediation_zh='将 agents.defaults.sandbox.mode 设为 "all"(至少 "non-main"),并删除各智能体的 '
                   'sandbox.mode "off" 覆盖;可用 `openclaw sandbox explain` 核对。',
    fix="sandbox-on",
    upstream=("sandbox.docker_config_mode_off", "security.exposure.open_groups_with_runtime_or_fs"),
    cwe=("CWE-653", "CWE-250"),
)
def tools_run_in_sandbox(facts: Facts) -> Iterator[Outcome]:
    """Sandboxing is opt-in (``mode`` default ``off``): without it exec, file and browser tools act directly
    on the gateway host with the gateway user's rights. ``non-main`` sandboxes every session except the
    owner's main session, which still runs on the host. The guide asks to run the gateway on the host but
    isolate tool execution in Docker (D2.2.1) via ``agents.defaults.sandbox`` (D2.2.2)."""
    for label, key, sb in sandboxes(facts):
        mode = sb.get("mode", "off")
        loc = _loc(facts, f"{key}.mode")
        if mode == "all":
            yield passed(f"{label}: {key}.mode is 'all'", f"{key}.mode", loc)
        elif mode == "non-main":
            yield warned(f"{label}: {key}.mode is 'non-main': the main session's tools still run on the host",
                         f"{key}.mode", loc, severity=Severity.MEDIUM)
        else:
            extra = " (docker settings are configured but have no effect)" if sb.get("docker") else ""
            shown = "unset (default 'off')" if "mode" not in sb else repr(mode)
            yield failed(f"{label}: {key}.mode is {shown}: tools run directly on the host{extra}",
                         f"{key}.mode", loc)


@check(
    id="SB002",
    title="Sandbox scope keeps sessions and agents apart",
    title_zh="沙箱作用域隔离不同会话与智能体",
    severity=Severity.MEDIUM,
    guide=("D2.2.2",),
    remediation='Set agents.defaults.sandbox.scope to "agent" (default) or "session"; never "shared".',
    remediation_zh='将 agents.defaults.sandbox.scope 设为 "agent"(默认)或 "session",不要使用 "shared"。',
    cwe=("CWE-668",),
)
def sandbox_scope_isolated(facts: Facts) -> Iterator[Outcome]:
    """``scope: shared`` puts every session of every agent in one container, so files and processes left by
    one conversation are visible to the next (cross-session leak). The guide recommends ``agent`` (default)
    or ``session`` (D2.2.2). Judged only where the sandbox is on."""
    for label, key, sb in sandboxes(facts):
        if sb.get("mode", "off") == "off":
            yield skipped(f"not applicable: {label} sandbox is off", f"{key}.scope")
            continue
        scope = sb.get("scope", "agent")
        loc = _loc(facts, f"{key}.scope")
        if scope == "shared":
            yield failed(f"{label}: {key}.scope is 'shared': all sessions share one sandbox", f"{key}.scope", loc)
        else:
            yield passed(f"{label}: {key}.scope is {scope!r}", f"{key}.scope", loc)


@check(
    id="SB003",
    title="Sandbox has no write access to the agent workspace",
    title_zh="沙箱对工作区无写权限",
    severity=Severity.MEDIUM,
    guide=("D2.2.3", "P3.3"),
    remediation='Set agents.defaults.sandbox.workspaceAccess to "none" (default) or "ro"; grant "rw" only to '
                'agents that must edit files.',
    remediation_zh='将 agents.defaults.sandbox.workspaceAccess 设为 "none"(默认)或 "ro",仅对必须改写文件的智能体授予 "rw"。',
    cwe=("CWE-732",),
)
def sandbox_workspace_not_writable(facts: Facts) -> Iterator[Outcome]:
    """``workspaceAccess`` decides what the container sees of the agent workspace: ``none`` (a private copy),
    ``ro`` (mounted read-only at ``/agent``) or ``rw`` (mounted writable at ``/workspace``). ``rw`` is the
    widest: a prompt-injected tool can rewrite AGENTS.md/SOUL.md and skills in the real workspace (D2.2.3)."""
    for label, key, sb in sandboxes(facts):
        if sb.get("mode", "off") == "off":
            yield skipped(f"not applicable: {label} sandbox is off", f"{key}.workspaceAccess")
            continue
        access = sb.get("workspaceAccess", "none")
        loc = _loc(facts, f"{key}.workspaceAccess")
        if access == "rw":
            yield warned(f"{label}: {key}.workspaceAccess is 'rw': sandboxed tools can modify the workspace",
                         f"{key}.workspaceAccess", loc)
        else:
            yield passed(f"{label}: {key}.workspaceAccess is {access!r}", f"{key}.workspaceAccess", loc)


def parse_bind(spec: str) -> tuple[str, str, bool]:
    """Docker bind ``src:dst[:opts]`` -> (source, target, read_only). ``opts`` may be ``ro``/``rw`` plus
    propagation flags separated by commas."""
    parts = spec.split(":")
    src = parts[0]
    dst = parts[1] if len(parts) > 1 else src
    opts = set(parts[2].split(",")) if len(parts) > 2 else set()
    return src, dst, "ro" in opts or "readonly" in opts


def _norm(path: str, home: str) -> str:
    p = path.replace("$HOME", "~").replace("${HOME}", "~")
    if home and (p == home or p.startswith(home.rstrip("/") + "/")):
        p = "~" + p[len(home.rstrip("/")):]
    return p.rstrip("/") or "/"


def sensitive_source(src: str, home: str, state_dir: str) -> str | None:
    """Why a bind source is sensitive, or None. ``home``/``state_dir`` are the audited installation's."""
    p = _norm(src, home)
    sd = _norm(state_dir, home) if state_dir else ""
    if p.endswith("docker.sock"):
        return "the Docker socket (root on the host)"
    if p == "/":
        return "the host root filesystem"
    if p in ("~", "/home", "/Users"):
        return "the home directory"
    if sd and (p == sd or p.startswith(sd + "/") or sd.startswith(p + "/")):
        return "the OpenClaw state dir (config, credentials)"
    for b in BLOCKED_SOURCES:
        if p == b or p.startswith(b + "/"):
            return f"system path {b}"
    for s in HOME_SECRETS:
        if p == f"~/{s}" or p.startswith(f"~/{s}/"):
            return f"~/{s} (credentials)"
    return None


@check(
    id="SB004",
    title="Sandbox mounts no sensitive host path writable",
    title_zh="沙箱未以可写方式挂载宿主机敏感路径",
    severity=Severity.CRITICAL,
    guide=("D2.3.2", "D2.2.1", "P3.4"),
    remediation="Remove binds of ~, ~/.ssh, ~/.aws, /, /etc, /root, the Docker socket and the OpenClaw state dir "
                "from agents.defaults.sandbox.docker.binds (and per-agent binds); mount project dirs with a "
                "`:ro` suffix.",
    remediation_zh="从 agents.defaults.sandbox.docker.binds(及各智能体 binds)中删除 ~、~/.ssh、~/.aws、/、/etc、"
                   "/root、Docker 套接字和 OpenClaw 状态目录的挂载;项目目录以 `:ro` 只读挂载。",
    upstream=("sandbox.dangerous_bind_mount", "sandbox.bind_mount_non_absolute"),
    cwe=("CWE-668", "CWE-732"),
)
def sandbox_binds_safe(facts: Facts) -> Iterator[Outcome]:
    """Docker ``binds`` punch holes through the sandbox. A writable mount of the home dir, ``~/.ssh``, ``/etc``
    or the state dir lets sandboxed code plant keys or rewrite the config; the Docker socket is host root
    even read-only. The guide wants sensitive directories mounted ``:ro`` (D2.3.2). OpenClaw validates the
    same list at runtime unless ``dangerouslyAllowExternalBindSources`` is set."""
    home = facts.home
    found = False
    for label, key, sb in sandboxes(facts):
        for sub in ("docker", "browser"):
            blk = sb.get(sub)
            binds = blk.get("binds") if isinstance(blk, dict) else None
            if not isinstance(binds, list):
                continue
            bkey = f"{key}.{sub}.binds"
            for spec in binds:
                if not isinstance(spec, str):
                    continue
                found = True
                src, _dst, ro = parse_bind(spec)
                why = sensitive_source(src, home, facts.state_dir)
                loc = _loc(facts, bkey)
                subj = f"{bkey}:{spec}"
                if not src.startswith(("/", "~", "$HOME", "${HOME}")):
                    yield warned(f"{label}: bind {spec!r} has a non-absolute source", subj, loc,
                                 severity=Severity.MEDIUM)
                elif why and "docker.sock" in src:
                    yield failed(f"{label}: bind {spec!r} exposes {why}", subj, loc)
                elif why and not ro:
                    yield failed(f"{label}: bind {spec!r} mounts {why} read-write", subj, loc)
                elif why:
                    sev = Severity.MEDIUM if "credentials" in why else Severity.LOW
                    yield warned(f"{label}: bind {spec!r} mounts {why} read-only (readable by sandboxed code)",
                                 subj, loc, severity=sev)
                else:
                    mode = "read-only" if ro else "read-write"
                    yield passed(f"{label}: bind {spec!r} ({mode}) targets no sensitive host path", subj, loc)
    if not found:
        yield passed("no sandbox bind mounts configured", "agents.defaults.sandbox.docker.binds")


@check(
    id="SB005",
    title="Sandbox container does not share the host or another container's network",
    title_zh="沙箱容器不共享宿主机或其他容器的网络",
    severity=Severity.CRITICAL,
    guide=("D2.2.1", "P3.6"),
    remediation='Set agents.defaults.sandbox.docker.network to "none" (default) or a dedicated bridge network; '
                'never "host" or "container:<id>"; give a bridged sandbox.browser a cdpSourceRange.',
    remediation_zh='将 agents.defaults.sandbox.docker.network 设为 "none"(默认)或专用 bridge 网络,'
                   '不要使用 "host" 或 "container:<id>";使用 bridge 的 sandbox.browser 需配置 cdpSourceRange。',
    upstream=("sandbox.dangerous_network_mode", "sandbox.browser_cdp_bridge_unrestricted"),
    cwe=("CWE-653",),
)
def sandbox_network_isolated(facts: Facts) -> Iterator[Outcome]:
    """``network: host`` gives sandboxed code the host's interfaces (loopback gateway, metadata services,
    the LAN); ``container:<id>`` joins another container's namespace. Both defeat the isolation D2.2.1 asks
    for. Default ``none``."""
    for label, key, sb in sandboxes(facts):
        for sub in ("docker", "browser"):
            blk = sb.get(sub)
            if not isinstance(blk, dict) or "network" not in blk:
                continue
            net = str(blk.get("network"))
            nkey = f"{key}.{sub}.network"
            loc = _loc(facts, nkey)
            if net == "host" or net.startswith("container:"):
                yield failed(f"{label}: {nkey} is {net!r}: the sandbox shares a network namespace", nkey, loc)
            elif sub == "browser" and net == "bridge" and not blk.get("cdpSourceRange"):
                yield warned(f"{label}: {nkey} is 'bridge' without cdpSourceRange: any container on the bridge "
                             "can drive the sandbox browser's CDP port", nkey, loc, severity=Severity.MEDIUM)
            else:
                yield passed(f"{label}: {nkey} is {net!r}", nkey, loc)
    if not any(isinstance(sb.get("docker"), dict) and "network" in sb["docker"] for _, _, sb in sandboxes(facts)):
        yield passed("sandbox docker network unset (default 'none')", "agents.defaults.sandbox.docker.network")


@check(
    id="SB006",
    title="Sandbox container keeps seccomp, AppArmor, read-only root and dropped caps",
    title_zh="沙箱容器保留 seccomp、AppArmor、只读根文件系统并丢弃全部能力",
    severity=Severity.HIGH,
    guide=("D2.2.1", "D2.3.2"),
    remediation="Remove seccompProfile/apparmorProfile \"unconfined\", keep agents.defaults.sandbox.docker."
                "readOnlyRoot true and capDrop [\"ALL\"] (the defaults).",
    remediation_zh="删除 seccompProfile/apparmorProfile 的 \"unconfined\" 设置,保持 agents.defaults.sandbox.docker."
                   "readOnlyRoot 为 true、capDrop 为 [\"ALL\"](默认值)。",
    upstream=("sandbox.dangerous_seccomp_profile", "sandbox.dangerous_apparmor_profile"),
    cwe=("CWE-250", "CWE-693"),
)
def sandbox_container_hardened(facts: Facts) -> Iterator[Outcome]:
    """OpenClaw's sandbox image runs with ``readOnlyRoot: true`` and ``capDrop: ["ALL"]`` and the runtime's
    default seccomp/AppArmor profiles. ``unconfined`` profiles re-open the kernel attack surface a container
    escape needs; a writable root or kept capabilities make persistence and escalation easier."""
    for label, key, sb in sandboxes(facts):
        dk = sb.get("docker")
        if not isinstance(dk, dict):
            if label == "defaults":
                yield passed("sandbox docker hardening at defaults (readOnlyRoot, capDrop ALL)", f"{key}.docker")
            continue
        bad = False
        for prof in ("seccompProfile", "apparmorProfile"):
            if str(dk.get(prof, "")).lower() == "unconfined":
                bad = True
                yield failed(f"{label}: {key}.docker.{prof} is 'unconfined'", f"{key}.docker.{prof}",
                             _loc(facts, f"{key}.docker.{prof}"), severity=Severity.CRITICAL)
        if dk.get("readOnlyRoot") is False:
            bad = True
            yield warned(f"{label}: {key}.docker.readOnlyRoot is false (writable container root)",
                         f"{key}.docker.readOnlyRoot", _loc(facts, f"{key}.docker.readOnlyRoot"),
                         severity=Severity.MEDIUM)
        caps = dk.get("capDrop")
        if isinstance(caps, list) and "ALL" not in [str(c).upper() for c in caps]:
            bad = True
            yield warned(f"{label}: {key}.docker.capDrop is {caps!r} (does not drop ALL)", f"{key}.docker.capDrop",
                         _loc(facts, f"{key}.docker.capDrop"), severity=Severity.MEDIUM)
        if not bad:
            yield passed(f"{label}: {key}.docker keeps default confinement", f"{key}.docker")


@check(
    id="SB007",
    title="No dangerouslyAllow* sandbox overrides are set",
    title_zh="未启用任何 dangerouslyAllow* 沙箱放行开关",
    severity=Severity.HIGH,
    guide=("D2.2", "D2.3.2"),
    remediation="Delete agents.defaults.sandbox.docker.dangerouslyAllowReservedContainerTargets, "
                "dangerouslyAllowExternalBindSources and dangerouslyAllowContainerNamespaceJoin (and per-agent copies).",
    remediation_zh="删除 agents.defaults.sandbox.docker 下的 dangerouslyAllowReservedContainerTargets、"
                   "dangerouslyAllowExternalBindSources、dangerouslyAllowContainerNamespaceJoin(及各智能体中的同名键)。",
    upstream=("config.insecure_or_dangerous_flags",),
    cwe=("CWE-693",),
)
def no_dangerous_sandbox_overrides(facts: Facts) -> Iterator[Outcome]:
    """These break-glass keys switch off OpenClaw's own sandbox validation: reserved container targets,
    bind sources outside the allowed roots (e.g. ``/etc``, ``~/.ssh``) and joining another container's
    namespaces. Source: ``src/agents/sandbox/validate-sandbox-security.ts``; reference/openclaw.md §2.5."""
    any_set = False
    for label, key, sb in sandboxes(facts):
        dk = sb.get("docker")
        if not isinstance(dk, dict):
            continue
        for flag in DANGEROUS_DOCKER_FLAGS:
            if dk.get(flag) is True:
                any_set = True
                fkey = f"{key}.docker.{flag}"
                yield failed(f"{label}: {fkey} is true", fkey, _loc(facts, fkey))
    if not any_set:
        yield passed("no dangerouslyAllow* sandbox key is enabled", "agents.defaults.sandbox.docker")


@check(
    id="SB008",
    title="Exec host 'sandbox' has a sandbox to run in",
    title_zh="exec 执行位置为 sandbox 时沙箱已启用",
    severity=Severity.MEDIUM,
    guide=("D2.2.1",),
    remediation='Enable agents.defaults.sandbox.mode ("non-main" or "all") or set tools.exec.host to "gateway" '
                "with approvals (tools.exec.security allowlist + ask on-miss).",
    remediation_zh='启用 agents.defaults.sandbox.mode("non-main" 或 "all"),或将 tools.exec.host 设为 "gateway" '
                   "并开启审批(tools.exec.security allowlist + ask on-miss)。",
    fix="sandbox-on",
    upstream=("tools.exec.host_sandbox_no_sandbox_defaults", "tools.exec.host_sandbox_no_sandbox_agents"),
    cwe=("CWE-1188",),
)
def exec_host_sandbox_consistent(facts: Facts) -> Iterator[Outcome]:
    """``tools.exec.host: sandbox`` with the sandbox off makes exec fail closed: the operator believes
    commands are isolated while the deployment has no sandbox at all (a sign D2.2.1 is not in place)."""
    ghost = cfg(facts, "tools.exec.host", "auto")
    agents = {aid: blk for aid, _, blk in agent_entries(facts)}
    for label, key, sb in sandboxes(facts):
        host = ghost
        if label.startswith("agent "):
            t = agents.get(label[6:], {}).get("tools")
            if isinstance(t, dict) and isinstance(t.get("exec"), dict):
                host = t["exec"].get("host", ghost)
        mode = sb.get("mode", "off")
        if host == "sandbox" and mode == "off":
            yield warned(f"{label}: tools.exec.host is 'sandbox' but {key}.mode is off (exec fails closed)",
                         f"{key}.mode", _loc(facts, "tools.exec.host"))
        else:
            yield passed(f"{label}: tools.exec.host {host!r} with sandbox mode {mode!r}", f"{key}.mode",
                         _loc(facts, "tools.exec.host"))


@check(
    id="SB009",
    title="The browser tool keeps Chromium's own sandbox",
    title_zh="浏览器工具保留 Chromium 自身的沙箱",
    severity=Severity.HIGH,
    guide=("D2.2.1", "P1.1", "D2.3.1"),
    remediation="Remove browser.noSandbox (or set it false); if the browser runs as root in a container, run it as a "
                "non-root user instead of disabling the sandbox.",
    remediation_zh="删除 browser.noSandbox(或设为 false);如浏览器在容器中以 root 运行,应改为非 root 用户运行,而不是关闭沙箱。",
    cwe=("CWE-693", "CWE-250"),
)
def browser_sandboxed(facts: Facts) -> Iterator[Outcome]:
    """``browser.noSandbox: true`` starts Chromium with ``--no-sandbox``: a renderer exploit on any page the
    agent visits (pages the model chooses, often attacker-supplied) then runs with the gateway user's full
    rights, outside every isolation the guide asks for (D2.2.1). Source: 2026.9.6 config schema
    ``browser.noSandbox``; off by default."""
    key = "browser.noSandbox"
    loc = _loc(facts, key)
    reachable = any("browser" in tools for _, _, tools in all_tool_scopes(facts))
    if cfg(facts, "browser.enabled") is False:
        yield passed("browser.enabled is false", "browser.enabled", _loc(facts, "browser.enabled"))
        if cfg(facts, key) is True:
            yield latent(facts, key, f"{key} is true: Chromium would run without its sandbox",
                         "browser.enabled is set to true")
    elif cfg(facts, key) is True and not reachable:
        yield passed("the browser tool is denied for every agent", "browser", _loc(facts, "browser"))
        yield latent(facts, key, f"{key} is true: Chromium would run without its sandbox",
                     "the browser tool is allowed again (tools.deny / tools.profile)")
    elif cfg(facts, key) is True:
        yield failed(f"{key} is true: Chromium runs without its sandbox", key, loc)
    else:
        yield passed(f"{key} is {cfg(facts, key, 'unset (false)')!s}", key, loc)
