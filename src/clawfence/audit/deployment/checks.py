"""Deployment checks ``DP0xx``: how a compose file, Kubernetes manifests, a Dockerfile or a systemd unit runs
OpenClaw, judged against the guide's isolation, exposure, privilege, network and credential points.

Each check is a pure function over one :class:`Deployment` yielding :class:`Outcome` s, declared with the same
metadata as host checks (``@deployment_check``). Fixtures: ``tests/fixtures/deployment/<ID>/pass-*`` and
``fail-*`` (a file or a directory of files); ``tests/deploy/test_deployment_checks.py`` runs them all.

Sources: guide P1.2, P2.1, P3.1, P3.6, E2.1, E3.1, E3.2, E7.1, C1.3, C1.4, C2.2, D2.1, D2.3; OpenClaw's
``docker-compose.yml`` (binds ``lan``, publishes 18789/18790 on every interface, passes the gateway token and
provider keys as environment) and ``src/daemon/systemd-unit.ts`` (no User, no sandboxing, secrets as
``Environment=``); CIS Docker Benchmark 5.x; Kubernetes Pod Security Standards (restricted).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from clawfence.audit.checks.sandbox import sensitive_source
from clawfence.audit.deployment.model import Deployment, Workload
from clawfence.core.model import Location, Outcome, Severity, failed, passed, skipped, warned
from clawfence.core.redact import redact
from clawfence.detect.secrets import classify, find_secrets, is_secret_name

DeploymentFn = Callable[[Deployment], Iterator[Outcome]]


@dataclass(frozen=True, slots=True)
class DeploymentCheck:
    """A declared deployment check: the metadata of :class:`clawfence.audit.registry.Check` over a
    :class:`Deployment` instead of host facts."""

    id: str
    title: str
    title_zh: str
    severity: Severity
    guide: tuple[str, ...]
    remediation: str
    remediation_zh: str
    references: tuple[str, ...]
    cwe: tuple[str, ...]
    fn: DeploymentFn

    @property
    def rationale(self) -> str:
        """The docstring: why it matters and where the rule comes from."""
        return (self.fn.__doc__ or "").strip()


def deployment_check(*, id: str, title: str, title_zh: str, severity: Severity, guide: tuple[str, ...],
                     remediation: str, remediation_zh: str, references: tuple[str, ...] = (),
                     cwe: tuple[str, ...] = ()) -> Callable[[DeploymentFn], DeploymentCheck]:
    """Declare a deployment check (decorator)."""

    def wrap(fn: DeploymentFn) -> DeploymentCheck:
        return DeploymentCheck(id, title, title_zh, severity, guide, remediation, remediation_zh, references, cwe, fn)

    return wrap


def _loc(w: Workload, line: int | None = None) -> Location:
    return Location(path=w.path, key=w.name, line=line or w.line)


def _na(w: Workload, why: str) -> Outcome:
    return skipped(f"not applicable: {why}", w.name)


@deployment_check(
    id="DP001", title="Gateway ports are published beyond loopback", title_zh="网关端口发布到了回环地址之外",
    severity=Severity.CRITICAL, guide=("P2.1", "E2.1", "C1.1"),
    remediation="Publish on 127.0.0.1 only (`127.0.0.1:18789:18789`), use ClusterIP Services without Ingress, "
                "and `--bind loopback` on the host network; reach it remotely through a VPN or SSH tunnel.",
    remediation_zh="仅在 127.0.0.1 上发布端口（`127.0.0.1:18789:18789`），Kubernetes 使用 ClusterIP 且不配置 Ingress，"
                   "宿主网络下使用 `--bind loopback`；远程访问请通过 VPN 或 SSH 隧道。",
    references=("https://docs.docker.com/engine/network/packet-filtering-firewalls/",), cwe=("CWE-668",))
def ports_on_loopback_only(dep: Deployment) -> Iterator[Outcome]:
    """A port published on every interface (compose ``"18789:18789"``, the upstream default), a hostPort, a
    NodePort/LoadBalancer Service or Ingress, or ``--bind lan`` on the host's own network puts the gateway on the
    network. Docker-published ports also bypass host firewalls (DOCKER chain). Guide P2.1 asks for 127.0.0.1
    only and no port mapping to public addresses; E2.1 and C1.1 for no direct exposure."""
    for w in dep.workloads:
        if w.kind == "dockerfile":
            yield _na(w, "a Dockerfile publishes nothing (EXPOSE is documentation)")
            continue
        bad = []
        for p in w.ports:
            ip = (p.host_ip or "").strip("[]")
            try:
                loop = bool(ip) and ipaddress.ip_address(ip).is_loopback
            except ValueError:
                loop = ip == "localhost"
            if not loop:
                bad.append((p, ip or "every interface"))
        if bad:
            p, where = bad[0]
            more = f" (+{len(bad) - 1} more)" if len(bad) > 1 else ""
            yield failed(f"port {p.host_port or p.container_port} reachable on {where} via {p.how}{more}", w.name,
                         _loc(w, p.line))
        else:
            yield passed("no port published beyond loopback", w.name, _loc(w))


@deployment_check(
    id="DP002", title="Runs as root", title_zh="以 root 身份运行", severity=Severity.HIGH,
    guide=("P3.1", "E3.1", "D2.3"),
    remediation="Run as a dedicated unprivileged user: compose `user: \"1000:1000\"`, Kubernetes "
                "`runAsNonRoot: true` + `runAsUser`, Dockerfile `USER node`, systemd `User=openclaw` or "
                "`DynamicUser=yes`.",
    remediation_zh="使用专用低权限账户运行：compose `user: \"1000:1000\"`，Kubernetes `runAsNonRoot: true` 与 "
                   "`runAsUser`，Dockerfile `USER node`，systemd `User=openclaw` 或 `DynamicUser=yes`。",
    cwe=("CWE-250",))
def runs_as_unprivileged_user(dep: Deployment) -> Iterator[Outcome]:
    """Guide P3 / P3.1: never run OpenClaw as administrator; a dedicated low-privilege account. An agent with a
    shell as root owns the container (and, with any escape, the host); systemd units without ``User=`` run as
    root. A compose service without ``user:`` inherits the image's USER, which the file does not show: reported
    as a warning unless the image is the upstream one (USER node)."""
    for w in dep.workloads:
        if not w.root:
            yield passed(f"runs as {w.user or 'a dynamic user'}", w.name, _loc(w))
        elif w.kind == "compose" and w.user is None:
            yield warned("no `user:`: runs as whatever USER the image sets (root unless the image says otherwise)",
                         w.name, _loc(w), Severity.MEDIUM)
        else:
            yield failed(f"runs as root ({'User=' + w.user if w.user else 'no user set'})", w.name, _loc(w))


@deployment_check(
    id="DP003", title="Root file system is writable", title_zh="根文件系统可写", severity=Severity.MEDIUM,
    guide=("P1.2", "D2.1", "D2.3"),
    remediation="compose `read_only: true` (+ tmpfs for /tmp), Kubernetes `readOnlyRootFilesystem: true`, systemd "
                "`ProtectSystem=strict` with `ReadWritePaths=` for the state dir only.",
    remediation_zh="compose 设置 `read_only: true`（/tmp 使用 tmpfs），Kubernetes 设置 `readOnlyRootFilesystem: true`，"
                   "systemd 设置 `ProtectSystem=strict` 并仅用 `ReadWritePaths=` 放行状态目录。",
    cwe=("CWE-732",))
def root_filesystem_read_only(dep: Deployment) -> Iterator[Outcome]:
    """A writable root lets a compromised agent plant binaries, alter node modules or its own code and persist
    across restarts of the process; read-only root confines writes to the state dir (guide D2.1 full container
    operation, D2.3 least privilege)."""
    for w in dep.workloads:
        if w.read_only_root is None:
            yield _na(w, "set where the image is run (compose, Kubernetes, systemd)")
        elif w.read_only_root:
            yield passed("read-only root file system", w.name, _loc(w))
        else:
            yield failed("root file system writable", w.name, _loc(w))


_DANGEROUS_CAPS = {"SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "DAC_READ_SEARCH", "DAC_OVERRIDE",
                   "SYS_RAWIO", "BPF", "PERFMON", "NET_RAW", "SETUID", "SETGID", "CHOWN", "FOWNER", "ALL",
                   "SYS_CHROOT", "MKNOD", "AUDIT_CONTROL", "SYS_BOOT", "SYS_TIME", "LINUX_IMMUTABLE"}


@deployment_check(
    id="DP004", title="Capabilities not dropped", title_zh="未丢弃 Linux 能力", severity=Severity.HIGH,
    guide=("E3.1", "D2.3"),
    remediation="compose `cap_drop: [ALL]`, Kubernetes `capabilities: {drop: [ALL]}`, systemd "
                "`CapabilityBoundingSet=` (empty) and no `AmbientCapabilities=`; add back only what is proven needed "
                "(the gateway needs none).",
    remediation_zh="compose 设置 `cap_drop: [ALL]`，Kubernetes 设置 `capabilities: {drop: [ALL]}`，systemd 设置空的 "
                   "`CapabilityBoundingSet=` 且不设 `AmbientCapabilities=`；网关不需要任何能力。",
    cwe=("CWE-250",))
def capabilities_dropped(dep: Deployment) -> Iterator[Outcome]:
    """Docker keeps 14 capabilities by default (CHOWN, DAC_OVERRIDE, SETUID, NET_RAW, ...); an agent can use them
    for raw sockets, ownership changes and, with SYS_ADMIN/SYS_PTRACE, container escape. OpenClaw's gateway
    binds an unprivileged port and needs none (E3.1, D2.3 least privilege)."""
    for w in dep.workloads:
        if w.cap_drop_all is None:
            yield _na(w, "set where the image is run")
            continue
        risky = [c for c in w.cap_add if c in _DANGEROUS_CAPS]
        if risky == ["DAC_READ_SEARCH"] and w.cap_drop_all and w.egress == "internal" and w.read_only_root \
                and not w.runs_openclaw:
            yield warned("keeps only DAC_READ_SEARCH (reads any file) with no network and a read-only system: "
                         "acceptable for an auditor, never for the agent", w.name, _loc(w), Severity.LOW)
        elif risky:
            yield failed(f"adds dangerous capabilities: {', '.join(risky)}", w.name, _loc(w), Severity.CRITICAL
                         if {"SYS_ADMIN", "ALL", "SYS_MODULE", "SYS_PTRACE"} & set(risky) else None)
        elif not w.cap_drop_all:
            yield failed("default capabilities kept (no drop of ALL)", w.name, _loc(w))
        else:
            extra = f" (adds {', '.join(w.cap_add)})" if w.cap_add else ""
            yield passed(f"all capabilities dropped{extra}", w.name, _loc(w))


@deployment_check(
    id="DP005", title="Privileged container or host namespaces", title_zh="特权容器或共享宿主命名空间",
    severity=Severity.CRITICAL, guide=("P1.2", "D2.1"),
    remediation="Remove `privileged: true`, `devices:`, `apparmor:unconfined`, `network_mode: host`, `pid: host`, "
                "`ipc: host`, `hostNetwork`, `hostPID`, `hostIPC`.",
    remediation_zh="移除 `privileged: true`、`devices:`、`apparmor:unconfined`、`network_mode: host`、`pid: host`、"
                   "`ipc: host`、`hostNetwork`、`hostPID`、`hostIPC`。",
    cwe=("CWE-250", "CWE-653"))
def not_privileged_nor_host_namespaces(dep: Deployment) -> Iterator[Outcome]:
    """A privileged container is root on the host; mapped host devices (disks, /dev/mem, /dev/kvm) and an
    unconfined AppArmor profile hand over the kernel interfaces isolation relies on; sharing the host's network,
    PID or IPC namespace removes the isolation guide P1.2 asks for (the agent sees host services on loopback,
    other processes and their environment)."""
    for w in dep.workloads:
        if w.kind in ("dockerfile", "systemd"):
            yield _na(w, "container runtime settings")
            continue
        if w.privileged:
            yield failed("privileged container (all devices, all capabilities)", w.name, _loc(w))
        elif w.devices:
            yield failed(f"host devices mapped in: {', '.join(w.devices[:4])}", w.name, _loc(w), Severity.HIGH)
        elif w.apparmor == "unconfined":
            yield failed("AppArmor unconfined", w.name, _loc(w), Severity.HIGH)
        elif w.host_namespaces:
            yield failed(f"shares the host's {', '.join(w.host_namespaces)} namespace", w.name, _loc(w),
                         Severity.HIGH)
        else:
            yield passed("unprivileged, own namespaces", w.name, _loc(w))


@deployment_check(
    id="DP006", title="Privilege escalation allowed (no-new-privileges unset)", title_zh="允许提权（未设置 no-new-privileges）",
    severity=Severity.MEDIUM, guide=("E3.1", "D2.3"),
    remediation="compose `security_opt: [\"no-new-privileges:true\"]`, Kubernetes `allowPrivilegeEscalation: "
                "false`, systemd `NoNewPrivileges=yes`.",
    remediation_zh="compose 设置 `security_opt: [\"no-new-privileges:true\"]`，Kubernetes 设置 "
                   "`allowPrivilegeEscalation: false`，systemd 设置 `NoNewPrivileges=yes`。",
    cwe=("CWE-269",))
def no_new_privileges(dep: Deployment) -> Iterator[Outcome]:
    """Without no-new-privileges a setuid binary in the image (su, sudo, mount, ping) turns the agent's shell
    into root again, undoing the non-root user (guide D2.3)."""
    for w in dep.workloads:
        if w.no_new_privileges is None:
            yield _na(w, "set where the image is run")
        elif w.no_new_privileges:
            yield passed("no-new-privileges set", w.name, _loc(w))
        else:
            yield failed("setuid binaries can raise privileges", w.name, _loc(w))


_HOME_RE = re.compile(r"^(/home/[^/]+|/Users/[^/]+|/root)(?=/|$)")


def _sensitive_mount(source: str, target: str) -> str | None:
    """Why mounting host ``source`` at ``target`` is dangerous, or None. The OpenClaw state dir mounted as the
    container's own state dir (target ``.../.openclaw``) is the gateway's working data, not a leak; any other
    home directory, credential dir, system path or runtime socket is (vocabulary: ``sensitive_source``)."""
    src = source.rstrip("/") or "/"
    if src.endswith("docker.sock"):
        return sensitive_source(src, "", "")
    if src.endswith(".sock") and not src.endswith(("exec-approvals.sock",)):
        return "a container runtime / service socket"
    tgt = target.rstrip("/")
    if re.search(r"/\.(openclaw|clawdbot)(?:-[^/]+)?(?:/|$)", tgt) and re.search(r"\.(openclaw|clawdbot)", src):
        return None
    m = _HOME_RE.match(src)
    return sensitive_source(src, m.group(1) if m else "", "")


@deployment_check(
    id="DP007", title="Docker socket or sensitive host path mounted", title_zh="挂载了 Docker 套接字或敏感宿主路径",
    severity=Severity.CRITICAL, guide=("P1.2", "P3.3", "D2.1"),
    remediation="Mount only the OpenClaw state dir and workspace; never /var/run/docker.sock, /, /etc, /root, "
                "home directories or ~/.ssh.",
    remediation_zh="只挂载 OpenClaw 状态目录和工作区；切勿挂载 /var/run/docker.sock、/、/etc、/root、家目录或 ~/.ssh。",
    cwe=("CWE-668",))
def no_sensitive_host_mounts(dep: Deployment) -> Iterator[Outcome]:
    """The Docker socket is root on the host (start a privileged container, mount /); host system paths and home
    directories hand the agent credentials and configuration beyond its state dir (guide P3.3 restrict access
    to dedicated directories, P1.2 isolation). The path vocabulary is the sandbox check's (SB0xx)."""
    for w in dep.workloads:
        if w.kind in ("dockerfile", "systemd"):
            yield _na(w, "no mounts")
            continue
        hits = [(m, why) for m in w.mounts if m.host and (why := _sensitive_mount(m.source, m.target))]
        if hits:
            m, why = hits[0]
            rw = "read-only" if m.read_only else "read-write"
            sev = Severity.HIGH if m.read_only and "docker.sock" not in m.source else None
            yield failed(f"mounts {m.source} ({why}) {rw} at {m.target}", w.name, _loc(w, m.line), sev)
        else:
            yield passed("no sensitive host path mounted", w.name, _loc(w))


def _secret_value(value: str) -> str | None:
    kind = classify(value)
    if kind:
        return kind
    found = find_secrets(value)
    return found[0].kind if found else None


@deployment_check(
    id="DP008", title="Secrets written into the deployment or passed as plain environment",
    title_zh="密钥写在部署文件中或以明文环境变量传递", severity=Severity.HIGH, guide=("E7.1", "C1.3"),
    remediation="Use compose `secrets:` / Kubernetes Secret volumes / systemd `LoadCredential=` and point OpenClaw "
                "at the file (`OPENCLAW_GATEWAY_TOKEN_FILE`-style SecretRefs, `${file:...}`); generate the gateway "
                "token at first start (`clawfence deploy render`).",
    remediation_zh="使用 compose `secrets:`、Kubernetes Secret 卷或 systemd `LoadCredential=`，让 OpenClaw 从文件读取；"
                   "网关令牌在首次启动时随机生成（`clawfence deploy render`）。",
    cwe=("CWE-798", "CWE-526"))
def secrets_not_in_env(dep: Deployment) -> Iterator[Outcome]:
    """Guide E7.1: no plaintext credentials in code or configuration files. A literal secret in a compose file,
    manifest, Dockerfile ENV/ARG or unit ``Environment=`` is in version control and image layers; a secret
    passed as environment (``${OPENCLAW_GATEWAY_TOKEN}``, upstream's compose) is readable by every process of
    the container via /proc/*/environ, by ``docker inspect`` and in crash dumps, so an agent with a shell reads
    it with ``env``. C1.3: the gateway token must be unique and random, not a value shared through a file."""
    for w in dep.workloads:
        literal, passed_env = [], []
        for e in w.env:
            if e.value is not None and e.value.strip():
                kind = _secret_value(e.value)
                if kind or is_secret_name(e.name):
                    literal.append((e, kind or "by name"))
            elif e.ref and is_secret_name(e.name) and e.ref.startswith(("interpolated:", "build-arg:")):
                passed_env.append(e)
        for opt in ("--token", "--password"):
            for i, a in enumerate(w.command):
                val = w.command[i + 1] if a == opt and i + 1 < len(w.command) else (
                    a.split("=", 1)[1] if a.startswith(opt + "=") else None)
                if val and not val.startswith("$"):
                    yield failed(f"gateway {opt} {redact(val)} on the command line (visible in ps, unit files)",
                                 w.name, _loc(w), Severity.CRITICAL)
        if literal:
            e, kind = literal[0]
            assert e.value is not None
            sev = Severity.CRITICAL if kind != "by name" else None
            yield failed(f"{e.name}={redact(e.value)} written in the file ({kind})"
                         + (f" (+{len(literal) - 1} more)" if len(literal) > 1 else ""), w.name, _loc(w, e.line), sev,
                         evidence=f"{e.name}={redact(e.value)}")
        elif passed_env:
            names = ", ".join(e.name for e in passed_env[:6])
            yield failed(f"secrets passed as process environment: {names}", w.name, _loc(w, passed_env[0].line),
                         Severity.MEDIUM)
        elif any(n.startswith(("env_file", "EnvironmentFile")) for n in w.notes):
            note = next(n for n in w.notes if n.startswith(("env_file", "EnvironmentFile")))
            yield warned(note, w.name, _loc(w), Severity.LOW)
        else:
            yield passed("no secret in the file or in plain environment", w.name, _loc(w))


@deployment_check(
    id="DP009", title="No resource limits", title_zh="未设置资源限制", severity=Severity.MEDIUM,
    guide=("D2.1", "C2.2"),
    remediation="Set memory, CPU and process limits: compose `mem_limit`/`cpus`/`pids_limit` (or "
                "deploy.resources.limits), Kubernetes `resources.limits`, systemd `MemoryMax=`, `CPUQuota=`, "
                "`TasksMax=`. Size `NODE_OPTIONS=--max-old-space-size` below the memory cap.",
    remediation_zh="设置内存、CPU 与进程数限制：compose `mem_limit`/`cpus`/`pids_limit`，Kubernetes "
                   "`resources.limits`，systemd `MemoryMax=`、`CPUQuota=`、`TasksMax=`。",
    cwe=("CWE-770",))
def resource_limits_set(dep: Deployment) -> Iterator[Outcome]:
    """A runaway or hostile agent (fork bomb, crypto-miner, memory exhaustion from a huge tool output) takes the
    host down with it unless memory, CPU and PIDs are capped (D2.1 isolation, C2.2 basic protection)."""
    for w in dep.workloads:
        if w.kind == "dockerfile":
            yield _na(w, "set where the image is run")
            continue
        missing = [k for k in ("memory", "cpu", "pids") if k not in w.limits]
        if not missing:
            yield passed("memory, CPU and process limits set", w.name, _loc(w))
        elif "memory" in missing or "pids" in missing:
            yield failed(f"no {', '.join(missing)} limit", w.name, _loc(w))
        else:
            yield warned(f"no {', '.join(missing)} limit", w.name, _loc(w), Severity.LOW)


@deployment_check(
    id="DP010", title="Cloud metadata address reachable (egress unrestricted)", title_zh="可访问云元数据地址（出站不受限）",
    severity=Severity.HIGH, guide=("P3.6", "E3.2", "C1.4"),
    remediation="Put the gateway on an internal network and reach the model provider through an egress proxy "
                "(compose), add an egress NetworkPolicy that excepts 169.254.0.0/16 and 100.100.100.200/32 "
                "(Kubernetes), or `IPAddressDeny=link-local 100.100.100.200` (systemd).",
    remediation_zh="网关仅接入 internal 网络并通过出站代理访问模型服务（compose），添加排除 169.254.0.0/16 与 "
                   "100.100.100.200/32 的出站 NetworkPolicy（Kubernetes），或设置 `IPAddressDeny=link-local "
                   "100.100.100.200`（systemd）。",
    references=("https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html",),
    cwe=("CWE-918",))
def metadata_unreachable(dep: Deployment) -> Iterator[Outcome]:
    """An agent with a shell or web fetch that can reach the instance metadata service (169.254.169.254 on AWS,
    GCP, Azure, Huawei, Tencent's 169.254.0.23; Alibaba's 100.100.100.200; AWS IPv6 fd00:ec2::254) reads the
    instance role's cloud credentials: the classic SSRF-to-cloud-takeover path. Guide P3.6 restricts network
    access to the AI services needed, E3.2 boundary control on network domains, C1.4 VPC isolation. Addresses:
    ``clawfence.detect.hosts.METADATA_HOSTS``."""
    for w in dep.workloads:
        if w.kind == "dockerfile":
            yield _na(w, "network is set where the image is run")
        elif w.role:
            yield passed(f"declared {w.role} (label clawfence.role): runs fixed code, not the agent's", w.name,
                         _loc(w))
        elif w.egress in ("internal", "filtered"):
            yield passed(w.egress_detail, w.name, _loc(w))
        else:
            yield failed(f"metadata address reachable: {w.egress_detail}", w.name, _loc(w))


@deployment_check(
    id="DP011", title="No NetworkPolicy isolates the pod", title_zh="没有 NetworkPolicy 隔离该 Pod",
    severity=Severity.HIGH, guide=("E2.1", "E3.2", "C1.4"),
    remediation="Add a NetworkPolicy selecting the OpenClaw pods with policyTypes [Ingress, Egress]: ingress only "
                "from the namespaces that need the gateway, egress to DNS and the model provider.",
    remediation_zh="添加选中 OpenClaw Pod 的 NetworkPolicy（policyTypes 含 Ingress 与 Egress）：入站仅允许需要访问网关的"
                   "命名空间，出站仅允许 DNS 与模型服务。",
    cwe=("CWE-923",))
def network_policy_applies(dep: Deployment) -> Iterator[Outcome]:
    """Kubernetes pods accept traffic from every pod in the cluster unless a NetworkPolicy selects them; any
    compromised workload can then reach the gateway's WebSocket and HTTP API (E2.1 only necessary ports to
    trusted networks, C1.4 isolation)."""
    for w in dep.workloads:
        if w.kind != "kubernetes":
            yield _na(w, "Kubernetes only")
        elif w.ingress_policy:
            yield passed("an ingress NetworkPolicy selects this pod", w.name, _loc(w))
        else:
            why = "no NetworkPolicy in the manifests" if not dep.network_policies else \
                "no NetworkPolicy with Ingress selects this pod"
            yield failed(why, w.name, _loc(w))


@deployment_check(
    id="DP012", title="Seccomp disabled or unset", title_zh="未启用 seccomp", severity=Severity.MEDIUM,
    guide=("D2.1", "D2.3"),
    remediation="Keep the runtime's default seccomp profile (never `seccomp:unconfined`), set Kubernetes "
                "`seccompProfile: {type: RuntimeDefault}`, systemd `SystemCallFilter=@system-service`.",
    remediation_zh="保留运行时默认 seccomp（勿设 `seccomp:unconfined`），Kubernetes 设置 `seccompProfile: {type: "
                   "RuntimeDefault}`，systemd 设置 `SystemCallFilter=@system-service`。",
    cwe=("CWE-693",))
def seccomp_enforced(dep: Deployment) -> Iterator[Outcome]:
    """Seccomp removes the kernel interfaces most container escapes use (keyctl, unshare, mount, bpf, ptrace);
    Kubernetes runs pods Unconfined unless told otherwise; systemd units have no filter by default."""
    for w in dep.workloads:
        if w.kind == "dockerfile":
            yield _na(w, "set where the image is run")
        elif w.seccomp in ("runtime-default", "profile"):
            yield passed(f"seccomp {w.seccomp}", w.name, _loc(w))
        elif w.seccomp == "unconfined":
            yield failed("seccomp explicitly unconfined", w.name, _loc(w), Severity.HIGH)
        else:
            yield failed("no seccomp profile", w.name, _loc(w))


@deployment_check(
    id="DP014", title="Kubernetes API token mounted into the pod", title_zh="Pod 中挂载了 Kubernetes API 令牌",
    severity=Severity.HIGH, guide=("E3.1", "D2.3", "C1.4"),
    remediation="Set `automountServiceAccountToken: false` on the pod (or its ServiceAccount); OpenClaw never "
                "talks to the Kubernetes API.",
    remediation_zh="在 Pod（或其 ServiceAccount）上设置 `automountServiceAccountToken: false`；OpenClaw 不需要访问 "
                   "Kubernetes API。",
    cwe=("CWE-250", "CWE-522"))
def no_service_account_token(dep: Deployment) -> Iterator[Outcome]:
    """Kubernetes mounts a service-account token at /var/run/secrets/kubernetes.io/serviceaccount unless told
    not to; an agent with a shell (or a file-read tool) then holds cluster credentials: list secrets, create
    pods, move laterally, as far as RBAC lets it (E3.1 least privilege for service accounts)."""
    for w in dep.workloads:
        if w.kind != "kubernetes":
            yield _na(w, "Kubernetes only")
        elif w.sa_token:
            yield failed(f"service-account token mounted ({w.sa_token_detail})", w.name, _loc(w))
        else:
            yield passed(f"no service-account token ({w.sa_token_detail})", w.name, _loc(w))


_HOME_PROTECTED = ("yes", "true", "read-only", "tmpfs", "1", "on")


@deployment_check(
    id="DP015", title="Home directories visible to the service", title_zh="服务可访问家目录",
    severity=Severity.HIGH, guide=("P3.3", "P1.2", "E3.2"),
    remediation="`ProtectHome=yes` (or `tmpfs`) and a `StateDirectory=` for OpenClaw's own data; never run the "
                "gateway from a person's home directory.",
    remediation_zh="设置 `ProtectHome=yes`（或 `tmpfs`），用 `StateDirectory=` 存放 OpenClaw 自己的数据；不要从个人家目录"
                   "运行网关。",
    cwe=("CWE-552",))
def home_directories_hidden(dep: Deployment) -> Iterator[Outcome]:
    """Guide P3.3: restrict access to dedicated working directories; prohibit Desktop, Documents, Downloads and
    password-manager directories. A unit without ProtectHome lets the agent read every home directory its user
    can (SSH keys, browser profiles, cloud credentials); OpenClaw's generated unit runs from the user's home."""
    for w in dep.workloads:
        if w.kind != "systemd":
            yield _na(w, "containers see only what is mounted (DP007)")
            continue
        value = w.properties.get("ProtectHome", "").lower()
        home = next((e.value for e in w.env if e.name == "HOME" and e.value), None)
        if value in _HOME_PROTECTED and value != "read-only":
            yield passed(f"ProtectHome={value}", w.name, _loc(w))
        elif value == "read-only":
            yield failed("ProtectHome=read-only: every home directory is still readable", w.name, _loc(w),
                         Severity.MEDIUM)
        else:
            where = f" (HOME={home})" if home else ""
            yield failed(f"no ProtectHome: home directories are readable{where}", w.name, _loc(w))


@deployment_check(
    id="DP013", title="Files that could not be analysed", title_zh="无法分析的文件", severity=Severity.MEDIUM,
    guide=("D2.4",),
    remediation="Fix the file's syntax or point `--deployment` at compose files, Kubernetes manifests (or "
                "`helm template` output), Dockerfiles or systemd units.",
    remediation_zh="修正文件语法，或让 `--deployment` 指向 compose 文件、Kubernetes 清单（或 `helm template` 输出）、"
                   "Dockerfile 或 systemd 单元。")
def everything_analysed(dep: Deployment) -> Iterator[Outcome]:
    """Unknown is not safe: a file in the deployment that does not parse (or is too large) is reported, not
    skipped silently, so a broken manifest cannot hide a privileged pod."""
    if not dep.errors:
        yield passed(f"{len(dep.files)} file(s) analysed", dep.root)
    for e in dep.errors:
        path = e.split(": ", 1)[0]
        yield warned(e, path, Location(path=path))


ALL: tuple[DeploymentCheck, ...] = tuple(sorted(
    (v for v in dict(globals()).values() if isinstance(v, DeploymentCheck)), key=lambda c: c.id))


def by_id(ident: str) -> DeploymentCheck | None:
    """The deployment check ``ident`` (case-insensitive), or None."""
    return next((c for c in ALL if c.id == ident.upper()), None)
