"""Checks RG: runtime controls wired into OpenClaw itself: a tool-call policy guard and an install policy.

Sources: guide E5.1 (second confirmation / multi-level approval for high-risk operations), E8.2 (no "one-sentence
authorization" of high-risk operations), D3.2 (prohibit dangerous commands and auth-config changes), P3.5,
E6.2 / C3.2 / D3.1 (skills pass a security check before deployment); OpenClaw plugin hook ``before_tool_call``
(``docs/plugins``) and ``security.installPolicy`` (``docs/tools/skills-config.md``, 2026.9+).
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.checks._util import cfg, key_in_version, where
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Outcome, Severity, failed, passed, skipped, warned

GUARD_PLUGIN = "clawfence-guard"
LOOPBACK_PREFIXES = ("http://127.", "http://localhost", "http://[::1]")


@check(
    id="RG001",
    title="A runtime guard checks every tool call before it runs",
    title_zh="运行时防护在每次工具调用执行前进行检查",
    severity=Severity.MEDIUM,
    guide=("E5.1", "E8.2", "D3.2", "P3.5", "E3.3"),
    remediation="Run `clawfence guard install` (plugin clawfence-guard with a before_tool_call hook) and "
                "`clawfence guard serve`; keep plugins.entries.clawfence-guard enabled.",
    remediation_zh="运行 `clawfence guard install`(安装带 before_tool_call 钩子的 clawfence-guard 插件)并启动 "
                   "`clawfence guard serve`;保持 plugins.entries.clawfence-guard 为启用状态。",
    cwe=("CWE-862",),
)
def runtime_guard_installed(facts: Facts) -> Iterator[Outcome]:
    """Tool policy and exec approvals decide which tools exist, not what a call does: without an interceptor an
    allowed exec can still run ``rm -rf /``, send the gateway token out or rewrite ``gateway.auth``. The guide
    asks to prohibit those and to require confirmation for high-risk operations (D3.2, E5.1); the clawfence
    guard plugin does that deterministically and fails closed."""
    key = f"plugins.entries.{GUARD_PLUGIN}"
    entry = cfg(facts, key)
    loc = where(facts, key)
    if not isinstance(entry, dict):
        yield warned("no runtime tool-call guard is configured (plugins.entries.clawfence-guard absent)", key, loc)
        return
    allow = cfg(facts, "plugins.allow")
    problems = []
    if cfg(facts, "plugins.enabled") is False:
        problems.append("plugins.enabled is false")
    if entry.get("enabled") is False:
        problems.append(f"{key}.enabled is false")
    if isinstance(allow, list) and allow and GUARD_PLUGIN not in allow:
        problems.append(f"plugins.allow does not list {GUARD_PLUGIN}")
    if isinstance(cfg(facts, "plugins.deny"), list) and GUARD_PLUGIN in cfg(facts, "plugins.deny"):
        problems.append(f"plugins.deny lists {GUARD_PLUGIN}")
    url = (entry.get("config") or {}).get("url") if isinstance(entry.get("config"), dict) else None
    if isinstance(url, str) and not url.startswith(LOOPBACK_PREFIXES):
        problems.append(f"guard service url {url!r} is not on loopback")
    if problems:
        yield failed(f"the runtime guard is configured but not effective: {'; '.join(problems)}", key, loc)
    else:
        yield passed(f"{key} is configured and enabled", key, loc)


@check(
    id="RG002",
    title="Skill and plugin installs pass a security check first",
    title_zh="技能与插件安装前须通过安全检查",
    severity=Severity.MEDIUM,
    guide=("E6.2", "C3.2", "D3.1"),
    remediation="Set security.installPolicy to {enabled: true, exec: {command: <clawfence> , args: [guard, "
                "install-policy]}} (`clawfence guard install --install-policy`).",
    remediation_zh="将 security.installPolicy 设为启用并指向 `clawfence guard install-policy`"
                   "(`clawfence guard install --install-policy`)。",
    cwe=("CWE-829",),
)
def install_policy_enabled(facts: Facts) -> Iterator[Outcome]:
    """ClawHub hosted hundreds of malicious skills (ClawHavoc). ``security.installPolicy`` makes OpenClaw run an
    operator-chosen executable on every skill or plugin install and refuse what it blocks; without it, anything
    the agent or a user installs goes live unreviewed (E6.2: newly introduced skills must pass a security check)."""
    key = "security.installPolicy"
    if not key_in_version(facts, f"{key}.enabled"):
        yield skipped("not applicable: this OpenClaw version has no security.installPolicy", key)
        return
    pol = cfg(facts, key)
    loc = where(facts, key)
    if not isinstance(pol, dict) or pol.get("enabled") is not True:
        yield warned("security.installPolicy is not enabled: skill and plugin installs are not checked", key, loc)
        return
    cmd = (pol.get("exec") or {}).get("command") if isinstance(pol.get("exec"), dict) else None
    if not isinstance(cmd, str) or not cmd:
        yield failed("security.installPolicy is enabled without exec.command", key, loc)
        return
    yield passed(f"security.installPolicy runs {cmd!r} on installs", key, loc)
