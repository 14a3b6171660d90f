"""Checks HO: the host around the installation: privileges of the gateway process and isolation.

Sources: guide P1 (dedicated device/VM/container), P3 / P3.1 (no administrator or root), D2.1 (full
Docker/VM operation), E3.1 (least privilege for service accounts), C1.4; host facts from
``clawfence.audit.facts.host`` (gateway process uid by its own cmdline, container/VM detection).
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Location, Outcome, Severity, failed, passed, warned


@check(
    id="HO001",
    title="Gateway runs as an unprivileged user, not root",
    title_zh="网关以非特权用户运行,而非 root",
    severity=Severity.HIGH,
    guide=("P3", "P3.1", "E3.1"),
    requires=("host",),
    remediation="Create a dedicated low-privilege account (e.g. `useradd -m openclaw`), chown its ~/.openclaw to "
                "it and run the gateway as that user (`openclaw gateway install` under that account; systemd "
                "User=openclaw).",
    remediation_zh="创建专用低权限账户(如 `useradd -m openclaw`),将其 ~/.openclaw 归属该账户,并以该账户运行网关"
                   "(在该账户下执行 `openclaw gateway install`;systemd 中设置 User=openclaw)。",
    cwe=("CWE-250",),
)
def gateway_not_root(facts: Facts) -> Iterator[Outcome]:
    """A gateway running as root hands root to every tool call, plugin and prompt injection that reaches
    exec, and to anyone who steals the gateway token. The guide forbids administrator/super-user
    operation (P3) and asks for a dedicated low-privilege account (P3.1, E3.1). When no gateway runs,
    the owner of the state dir is who would run it."""
    assert facts.host is not None
    gws = facts.host.gateway_processes
    if gws:
        for p in gws:
            subj = f"pid:{p.pid}"
            who = f"uid {p.uid}{f' ({p.user})' if p.user else ''}"
            if p.uid == 0:
                yield failed(f"gateway process {p.pid} runs as {who}", subj, evidence=p.cmdline[:120])
            else:
                yield passed(f"gateway process {p.pid} runs as {who}", subj)
        return
    sd = facts.files.first("state_dir") if facts.files else None
    if sd is not None and sd.kind != "missing" and sd.uid >= 0:
        loc = Location(path=sd.path)
        if sd.uid == 0:
            yield warned(f"no gateway running; state dir {sd.path} is owned by root, so the gateway would run as root",
                         "state-dir-owner", loc, severity=Severity.MEDIUM)
        else:
            yield passed(f"no gateway running; state dir owned by uid {sd.uid}{f' ({sd.owner})' if sd.owner else ''}",
                         "state-dir-owner", loc)
        return
    if facts.host.auditor_uid == 0:
        yield warned("no gateway running and no state dir owner known; the audit runs as root",
                     "auditor-uid", severity=Severity.LOW)
    else:
        yield passed(f"no gateway running; audit runs as uid {facts.host.auditor_uid}", "auditor-uid")


@check(
    id="HO002",
    title="OpenClaw runs isolated in a container or virtual machine",
    title_zh="OpenClaw 运行在隔离的容器或虚拟机中",
    severity=Severity.MEDIUM,
    guide=("P1", "P1.2", "D2.1", "C1.4"),
    requires=("host",),
    remediation="Run the gateway in a dedicated VM (VMware/VirtualBox/cloud instance) or a Docker/Podman container "
                "(official image, state dir as a volume), not directly on a daily-use computer.",
    remediation_zh="在专用虚拟机(VMware/VirtualBox/云主机)或 Docker/Podman 容器(官方镜像,状态目录挂载为卷)中运行网关,"
                   "不要直接装在日常使用的电脑上。",
    cwe=("CWE-653",),
)
def runs_isolated(facts: Facts) -> Iterator[Outcome]:
    """Agent tools act with the rights of the account that runs OpenClaw. Installed directly on a host, a
    compromised gateway reaches that host's files, browsers and networks; inside a container or VM the
    damage stays in the guest (P1.2, D2.1: "attackers are trapped in the container"). Whether the machine is
    a dedicated device (P1.1) cannot be detected and is left to manual evidence."""
    assert facts.host is not None
    h = facts.host
    if h.container:
        yield passed(f"running inside a container ({h.container})", "isolation")
    elif h.vm:
        yield passed(f"running inside a virtual machine ({h.vm})", "isolation")
    else:
        yield warned("installed on a host directly (no container or VM detected): use a dedicated device, VM or "
                     "container", "isolation")
