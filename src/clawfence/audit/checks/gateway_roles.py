"""Checks RL001-RL004: ``gateway.roles``, the per-person operator roles of OpenClaw 2026.9.6 team Gateways.

A role is the ceiling for every authenticated person it governs: ``scopes`` (closed list of operator scopes),
``sessions.others`` (access to other people's sessions), ``agents`` (``"*"`` or ids the person may run) and
``sandbox`` (``"required"`` forces a per-person sandbox even when the agent's sandbox is off). ``default`` applies
to every authenticated profile without an assignment, i.e. to anyone the identity provider lets in.

Source (read, not copied): OpenClaw 2026.9.6 config schema ``gateway.roles`` (saved in
``data/openclaw-2026.9.6.config-schema.json.gz``), ``docs/gateway/operator-scopes.md`` "Named operator roles",
``docs/gateway/config-gateway.md``, ``docs/web/control-ui/settings.md`` (with roles configured, token/password
connections receive the owner profile), ``docs/start/why-openclaw.md`` ("define gateway.roles with a deny-all
default").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clawfence.audit.checks._util import agent_contexts, auth_mode, cfg, where
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, failed, passed, skipped, warned

KEY = "gateway.roles"
REFS = ("https://docs.openclaw.ai/gateway/operator-scopes#named-operator-roles",
        "https://docs.openclaw.ai/gateway/config-gateway")
#: scopes that make a person an administrator of the Gateway (config, users.setRole, every session)
ADMIN = "operator.admin"
#: scopes that hand out durable access or secrets beyond the person's own sessions
WIDE = ("operator.pairing", "operator.approvals", "operator.talk.secrets")
#: scopes that let a person start agent runs (chat.send and friends need write)
RUN = ("operator.write", "operator.sessions.write", ADMIN)


def _roles(facts: Facts) -> tuple[str | None, dict[str, dict[str, Any]]]:
    roles = cfg(facts, KEY)
    if not isinstance(roles, dict):
        return None, {}
    defs = roles.get("definitions")
    out = {str(k): v for k, v in defs.items() if isinstance(v, dict)} if isinstance(defs, dict) else {}
    dflt = roles.get("default")
    return (dflt if isinstance(dflt, str) else None), out


def _scopes(role: dict[str, Any]) -> list[str]:
    s = role.get("scopes")
    return [str(x) for x in s] if isinstance(s, list) else []


def _host_agents(facts: Facts, role: dict[str, Any]) -> list[str]:
    """Agents this role may run whose tools execute on the host: sandbox mode ``off`` (``non-main`` keeps the
    main session on the host too) and ``exec`` allowed; ``[]`` when the role requires a sandbox or cannot run."""
    if role.get("sandbox") == "required" or not any(s in RUN for s in _scopes(role)):
        return []
    allowed = role.get("agents")
    ctxs = {c.label.removeprefix("agents."): c for c in agent_contexts(facts)}
    dflt = ctxs.get("defaults")
    if allowed == "*":
        names = [n for n in ctxs if n != "defaults"] or ["main"]
    elif isinstance(allowed, list):
        names = [str(a) for a in allowed]
    else:
        return []
    out = []
    for n in names:
        c = ctxs.get(n, dflt)
        if c is not None and c.sandbox_mode in ("off", "non-main") and c.policy.allows("exec"):
            out.append(n)
    return out


@check(
    id="RL001",
    title="The default operator role is least-privilege",
    title_zh="默认操作员角色遵循最小权限",
    severity=Severity.HIGH,
    guide=("E3.1", "E3.3", "C1.3"),
    upstream=(),
    remediation="Make gateway.roles.default a deny-all role: sessions.others \"none\", agents [] (or named agents with "
                "sandbox \"required\"), scopes [\"operator.read\"]; assign wider roles per person with users.setRole.",
    remediation_zh="将 gateway.roles.default 设为拒绝一切的角色:sessions.others 为 \"none\",agents 为 [](或指定智能体并设 "
                   "sandbox \"required\"),scopes 为 [\"operator.read\"];更宽的角色用 users.setRole 逐人分配。",
    references=REFS,
    cwe=("CWE-276", "CWE-269"),
)
def default_role_least_privilege(facts: Facts) -> Iterator[Outcome]:
    """The default role governs every authenticated person without an assignment: a new identity at the proxy
    or on the tailnet gets it at once. ``operator.admin`` there makes everyone an administrator (config edits,
    ``users.setRole``, every session: CRITICAL); pairing/approvals/talk secrets or ``sessions.others: "write"``
    let anyone approve devices and exec requests or act in other people's sessions (HIGH). A default that names
    no definition is skipped: the real CLI refuses that config (CF001). Passes without ``gateway.roles``."""
    dflt, defs = _roles(facts)
    if cfg(facts, KEY) is None:
        yield passed("gateway.roles not configured (solo or shared-secret gateway)", KEY)
        return
    if dflt is None or dflt not in defs:  # the real 2026.9.6 rejects this config ("must name a configured role")
        yield skipped(f"gateway.roles.default {dflt!r} names no role definition: OpenClaw refuses this config "
                      "(CF001 reports it)", f"{KEY}.default")
        return
    role = defs[dflt]
    key = f"{KEY}.definitions.{dflt}"
    scopes = _scopes(role)
    if ADMIN in scopes:
        yield failed(f"default role {dflt!r} grants operator.admin: every authenticated person administers the "
                     "Gateway", f"{key}.scopes", where(facts, f"{key}.scopes"), severity=Severity.CRITICAL)
        return
    wide = [s for s in scopes if s in WIDE]
    others = (role.get("sessions") or {}).get("others") if isinstance(role.get("sessions"), dict) else None
    if wide or others == "write":
        what = ", ".join(wide + (['sessions.others "write"'] if others == "write" else []))
        yield failed(f"default role {dflt!r} grants {what} to every unassigned person", key, where(facts, key))
        return
    yield passed(f"default role {dflt!r} grants no admin, pairing, approvals or write access to others' sessions",
                 key, where(facts, key))


@check(
    id="RL002",
    title="Roles that let people run agents keep them off the host",
    title_zh="允许运行智能体的角色不让其在宿主机上执行",
    severity=Severity.MEDIUM,
    guide=("D2.2.1", "E3.1", "P3.5"),
    upstream=(),
    remediation="Set sandbox: \"required\" on every role that is not the owner's, or limit its agents to agents "
                "whose sandbox mode is \"all\" or that deny exec.",
    remediation_zh="对所有非属主角色设置 sandbox: \"required\",或将其 agents 限定为沙箱模式为 \"all\" 或禁止 exec 的智能体。",
    references=REFS,
    cwe=("CWE-250",),
)
def roles_no_host_exec(facts: Facts) -> Iterator[Outcome]:
    """A role with a run scope (``operator.write``, ``operator.sessions.write`` or admin) and ``sandbox``
    ``inherit`` runs its people's sessions with the agent's own sandbox mode: on an agent whose mode is ``off``
    (or ``non-main``, whose main session runs on the host) and whose tools allow ``exec``, every person with
    that role executes commands on the Gateway host. ``sandbox: "required"`` gives each person their own
    sandbox and cannot be bypassed by ``/elevated`` or host overrides (operator-scopes.md)."""
    dflt, defs = _roles(facts)
    if not defs:
        yield passed("no gateway.roles definitions", KEY)
        return
    bad = False
    for name, role in sorted(defs.items()):
        host = _host_agents(facts, role)
        key = f"{KEY}.definitions.{name}"
        if host:
            bad = True
            yield warned(f"role {name!r} may run agent(s) {', '.join(host)} on the host (sandbox off, exec allowed) "
                         "without sandbox \"required\"" + (" (the default role: every unassigned person)"
                                                            if name == dflt else ""), key, where(facts, key),
                         severity=Severity.HIGH if name == dflt else Severity.MEDIUM)
    if not bad:
        yield passed("no role runs agents with host execution outside a sandbox", KEY, where(facts, KEY))


@check(
    id="RL003",
    title="Roles name only configured agents and plugins",
    title_zh="角色只引用已配置的智能体与插件",
    severity=Severity.LOW,
    guide=("E3.1", "E1.2"),
    upstream=(),
    remediation="Remove agent ids that are not in agents.entries (or add the agents); make each "
                "accessPolicyPlugin name an installed, enabled plugin.",
    remediation_zh="删除 agents.entries 中不存在的智能体 id(或补充这些智能体);accessPolicyPlugin 须指向已安装且启用的插件。",
    references=REFS,
    cwe=("CWE-1188",),
)
def roles_known_references(facts: Facts) -> Iterator[Outcome]:
    """A role's ``agents`` list naming an agent that does not exist grants access to whatever agent is later
    created under that id (a stale grant waiting to be filled); an ``accessPolicyPlugin`` that is not
    configured makes the Gateway deny the role entirely (fails closed: people lose access, and operators tend
    to "fix" that by dropping the binding). Agent ids are compared after OpenClaw's lower-casing."""
    _, defs = _roles(facts)
    if not defs:
        yield passed("no gateway.roles definitions", KEY)
        return
    known = {c.label.removeprefix("agents.").lower() for c in agent_contexts(facts)} | {"main"}
    entries = cfg(facts, "plugins.entries")
    plugins = {str(k) for k, v in entries.items() if isinstance(v, dict) and v.get("enabled") is not False} \
        if isinstance(entries, dict) else set()
    problems = []
    for name, role in sorted(defs.items()):
        agents = role.get("agents")
        if isinstance(agents, list):
            unknown = [str(a) for a in agents if str(a).lower() not in known]
            if unknown:
                problems.append((name, f"agents {', '.join(unknown)} not configured"))
        plug = role.get("accessPolicyPlugin")
        if isinstance(plug, str) and plug not in plugins:
            problems.append((name, f"accessPolicyPlugin {plug!r} is not a configured, enabled plugin"))
    for name, why in problems:
        key = f"{KEY}.definitions.{name}"
        yield warned(f"role {name!r}: {why}", key, where(facts, key))
    if not problems:
        yield passed("every role names configured agents and plugins", KEY, where(facts, KEY))


@check(
    id="RL004",
    title="Per-person roles are not bypassed by a shared gateway secret",
    title_zh="按人分配的角色不会被共享网关密钥绕过",
    severity=Severity.MEDIUM,
    guide=("D1.2.1", "E3.3", "C1.3"),
    upstream=(),
    remediation="Authenticate people through gateway.auth.mode \"trusted-proxy\" (or Tailscale identity) and keep "
                "the shared token/password for the owner alone; rotate it if team members ever had it.",
    remediation_zh="通过 gateway.auth.mode \"trusted-proxy\"(或 Tailscale 身份)认证人员,共享令牌/密码只留给属主;"
                   "若团队成员曾持有,须轮换。",
    references=(*REFS, "https://docs.openclaw.ai/web/control-ui/settings"),
    cwe=("CWE-287", "CWE-269"),
)
def roles_not_bypassed(facts: Facts) -> Iterator[Outcome]:
    """Roles bind verified identities only: with ``gateway.roles`` configured, token and password connections
    receive the durable owner profile (Control UI settings), which no role constrains. A team Gateway that
    keeps ``token``/``password`` auth therefore makes every holder of the shared secret an owner, and the role
    ceilings hold only for people who never learn it. Passes for ``trusted-proxy`` and without roles; with
    Tailscale identity (``gateway.auth.allowTailscale``) next to a shared secret it still warns, at LOW."""
    if cfg(facts, KEY) is None:
        yield passed("gateway.roles not configured", KEY)
        return
    mode = auth_mode(facts)
    if mode == "none":
        yield warned("gateway.roles is configured but gateway.auth.mode is 'none': nobody is identified, so no "
                     "role applies", "gateway.auth.mode", where(facts, "gateway.auth.mode"), severity=Severity.HIGH)
        return
    if mode in ("token", "password"):
        ts = cfg(facts, "gateway.auth.allowTailscale") is True
        yield warned(f"gateway.roles is configured but gateway.auth.mode is {mode!r}: every holder of the shared "
                     f"{mode} connects as the owner, outside any role"
                     + ("; Tailscale identities do get roles" if ts else ""), "gateway.auth.mode",
                     where(facts, "gateway.auth.mode"), severity=Severity.LOW if ts else Severity.MEDIUM)
        return
    yield passed(f"gateway.auth.mode is {mode!r}: people reach the Gateway through verified identities", KEY,
                 where(facts, "gateway.auth.mode"))
