"""Host facts: who runs the gateway, isolation (container/VM), listening sockets, tunnels, version.

Sources: OpenClaw ports (``docs/gateway/configuration-reference.md``, ``docs/tools/browser.md``: 18789 gateway,
18791 browser control, 18792 relay, 18800-18899 CDP, 19001 dev; 19890 named by the guide), installed version
(``reference/openclaw.md`` §1.10). The gateway process is found by its own cmdline
(``openclaw`` + ``gateway``), never by our own argv.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from clawfence.core.calver import extract

WATCHED_PORTS = frozenset({18789, 18790, 18791, 18792, 18793, 19001, 19890, *range(18800, 18900)})
TUNNEL_BINARIES = ("tailscale", "tailscaled", "cloudflared", "ngrok", "frpc", "frps", "wg", "wg-quick",
                   "zrok", "bore", "localtunnel", "lt")
TUNNEL_PROCESSES = ("tailscaled", "cloudflared", "ngrok", "frpc", "frps", "zrok", "bore", "localtunnel")


class ProcessInfo(BaseModel, frozen=True):
    """A process of interest: pid, effective uid and user name, name, cmdline (secrets redacted)."""

    pid: int
    uid: int
    user: str | None = None
    name: str
    cmdline: str


class Listener(BaseModel, frozen=True):
    """A listening TCP socket on a watched port: address, port, owning pid (if visible)."""

    address: str
    port: int
    pid: int | None = None
    process: str | None = None

    @property
    def loopback(self) -> bool:
        """True for 127.0.0.0/8 and ::1."""
        return self.address.startswith("127.") or self.address in ("::1", "localhost")


class HostFacts(BaseModel, frozen=True):
    """What the host looks like around the installation.

    ``auditor_uid``: the uid clawfence runs as; ``gateway_processes``: running OpenClaw gateways;
    ``container``: docker/podman/kubernetes/lxc or None; ``vm``: hypervisor name or None;
    ``listeners``: sockets on watched ports; ``tunnels``: tunnel software found (binary or process);
    ``wireguard_interfaces``: interface names.
    """

    os: str = ""
    auditor_uid: int = -1
    gateway_processes: list[ProcessInfo] = Field(default_factory=list)
    container: str | None = None
    vm: str | None = None
    listeners: list[Listener] = Field(default_factory=list)
    tunnels: list[str] = Field(default_factory=list)
    tunnel_processes: list[ProcessInfo] = Field(default_factory=list)
    wireguard_interfaces: list[str] = Field(default_factory=list)
    sockets_visible: bool = True


class VersionFacts(BaseModel, frozen=True):
    """Installed OpenClaw version and where it was read (``package.json``, ``openclaw --version``,
    ``meta.lastTouchedVersion`` hint, or ``--openclaw-version``)."""

    version: str | None = None
    source: str | None = None
    cli_path: str | None = None
    hint: str | None = None


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def detect_container() -> str | None:
    """Container runtime we are inside, or None (``/.dockerenv``, ``/run/.containerenv``, cgroups)."""
    if os.path.exists("/.dockerenv"):
        return "docker"
    if os.path.exists("/run/.containerenv"):
        return "podman"
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return "kubernetes"
    cg = _read("/proc/1/cgroup")
    for name in ("kubepods", "docker", "containerd", "lxc", "libpod"):
        if name in cg:
            return name
    env1 = _read("/proc/1/environ")
    if "container=" in env1:
        m = re.search(r"container=([a-z-]+)", env1)
        return m.group(1) if m else "container"
    return None


def detect_vm() -> str | None:
    """Hypervisor vendor from DMI / cpuinfo, or None on bare metal or when unknown."""
    product = (_read("/sys/class/dmi/id/product_name") + _read("/sys/class/dmi/id/sys_vendor")).lower()
    for needle, name in (("vmware", "vmware"), ("virtualbox", "virtualbox"), ("kvm", "kvm"), ("qemu", "qemu"),
                         ("hyper-v", "hyper-v"), ("xen", "xen"), ("amazon ec2", "aws"), ("google", "gce"),
                         ("alibaba", "aliyun"), ("tencent", "tencent-cloud"), ("firecracker", "firecracker")):
        if needle in product:
            return name
    if " hypervisor" in _read("/proc/cpuinfo")[:20000]:
        return "hypervisor"
    return None


def _redact_cmd(cmd: str) -> str:
    return re.sub(r"(?i)(--(?:token|password)[= ])(\S+)", lambda m: m.group(1) + "«redacted»", cmd)


#: byte strings one of which a process's /proc cmdline or comm must contain to be looked at by
#: :func:`collect_processes` (a superset of its gateway and tunnel tests: those need "openclaw"/"clawdbot" in the
#: command line, or a name in :data:`TUNNEL_PROCESSES`)
_PROCESS_KEYS = (b"openclaw", b"clawdbot", *(t.encode() for t in TUNNEL_PROCESSES))


def _candidate_pids(proc: str = "/proc") -> list[int] | None:
    """Pids that :func:`collect_processes` must look at: those whose ``cmdline`` or ``comm`` contains one of
    :data:`_PROCESS_KEYS`, or that could not be read (psutil decides); None when ``proc`` cannot be listed
    (then every process is looked at). Only a pre-filter: the tests themselves stay psutil's."""
    try:
        names = os.listdir(proc)
    except OSError:
        return None
    out: list[int] = []
    for n in names:
        if not n.isdigit():
            continue
        try:
            with open(f"{proc}/{n}/cmdline", "rb") as fh:
                blob = fh.read()
            with open(f"{proc}/{n}/comm", "rb") as fh:
                blob += b"\0" + fh.read()
        except OSError:
            out.append(int(n))
            continue
        if any(k in blob for k in _PROCESS_KEYS):
            out.append(int(n))
    return sorted(out)


def _processes(pids: list[int]) -> Iterator[Any]:
    """psutil processes for ``pids`` with ``.info`` filled as ``process_iter(["pid", "name", "cmdline"])``
    does (None for a field access is denied to); vanished pids are skipped."""
    import psutil

    for pid in pids:
        try:
            p = psutil.Process(pid)
            p.info = p.as_dict(["pid", "name", "cmdline"], ad_value=None)
        except psutil.NoSuchProcess:
            continue
        except psutil.Error:
            continue
        yield p


def _proc_listening_ports(proc_net: str = "/proc/net") -> set[int] | None:
    """TCP ports with a listening socket per ``/proc/net/tcp`` and ``tcp6`` (what psutil reads); None when the
    tables cannot be read or parsed (then psutil looks)."""
    ports: set[int] = set()
    for name in ("tcp", "tcp6"):
        try:
            with open(f"{proc_net}/{name}", encoding="ascii", errors="replace") as fh:
                lines = fh.read().splitlines()[1:]
        except FileNotFoundError:
            if name == "tcp6":
                continue  # no IPv6: psutil skips it too
            return None
        except OSError:
            return None
        for line in lines:
            fields = line.split()
            if len(fields) < 4:
                return None
            if fields[3] != "0A":  # TCP_LISTEN
                continue
            try:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
            except (IndexError, ValueError):
                return None
    return ports


#: netlink sock_diag constants (linux/netlink.h, linux/sock_diag.h, linux/inet_diag.h)
_NETLINK_SOCK_DIAG, _SOCK_DIAG_BY_FAMILY, _NLMSG_ERROR, _NLMSG_DONE = 4, 20, 2, 3
_NLM_F_REQUEST, _NLM_F_DUMP, _TCP_LISTEN = 0x1, 0x300, 10


def _netlink_listening_ports() -> set[int] | None:
    """TCP ports with a listening socket (IPv4 and IPv6), asked of the kernel over netlink ``sock_diag`` (what
    ``ss -lt`` does: the kernel walks only the listening table, where ``/proc/net/tcp`` walks every hash bucket,
    ~4 ms per read); None when netlink is unavailable or answers anything unexpected."""
    import socket
    import struct

    if not hasattr(socket, "AF_NETLINK"):
        return None
    ports: set[int] = set()
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, _NETLINK_SOCK_DIAG) as sk:
            sk.settimeout(2.0)
            for seq, family in enumerate((socket.AF_INET, socket.AF_INET6), 1):
                req = struct.pack("=BBBxI", family, socket.IPPROTO_TCP, 0, 1 << _TCP_LISTEN) + bytes(48)
                sk.sendto(struct.pack("=LHHLL", 16 + len(req), _SOCK_DIAG_BY_FAMILY, _NLM_F_REQUEST | _NLM_F_DUMP,
                                      seq, 0) + req, (0, 0))
                done = False
                while not done:
                    data, (pid, _groups) = sk.recvfrom(1 << 16)
                    if pid != 0:  # only the kernel answers sock_diag
                        return None
                    off = 0
                    while off + 16 <= len(data):
                        mlen, mtype, _flags, mseq, _pid = struct.unpack_from("=LHHLL", data, off)
                        if mlen < 16 or off + mlen > len(data) or mseq != seq:
                            return None
                        if mtype == _NLMSG_DONE:
                            done = True
                            break
                        if mtype == _NLMSG_ERROR or mtype != _SOCK_DIAG_BY_FAMILY or mlen < 16 + 72:
                            return None
                        state = data[off + 17]
                        if state != _TCP_LISTEN:
                            return None
                        ports.add(struct.unpack_from(">H", data, off + 16 + 4)[0])
                        off += (mlen + 3) & ~3
    except (OSError, ValueError, struct.error):
        return None
    return ports


def _on_path(names: tuple[str, ...]) -> list[str]:
    """Those of ``names`` that are entries of some ``$PATH`` directory (a superset of what ``shutil.which``
    finds, from one listing per directory instead of a stat per name and directory)."""
    entries: set[str] = set()
    path = os.environ.get("PATH")
    if path is None:  # shutil.which then searches CS_PATH (or os.defpath): search both
        path = os.pathsep.join([_cs_path(), os.defpath])
    for d in path.split(os.pathsep):
        try:
            entries.update(os.listdir(d or "."))
        except OSError:
            continue
    return [n for n in names if n in entries]


def _cs_path() -> str:
    try:
        return os.confstr("CS_PATH") or ""
    except (AttributeError, ValueError, OSError):
        return ""


def collect_processes() -> tuple[list[ProcessInfo], list[ProcessInfo]]:
    """(gateway processes, tunnel processes). Excludes this process and its parent."""
    me = {os.getpid(), os.getppid()}
    gws: list[ProcessInfo] = []
    tunnels: list[ProcessInfo] = []
    pids = _candidate_pids()
    if pids is not None:
        pids = [p for p in pids if p not in me]
        if not pids:  # nothing to look at: psutil is not even imported
            return gws, tunnels
    import psutil

    procs = psutil.process_iter(["pid", "name", "cmdline"]) if pids is None else _processes(pids)
    for p in procs:
        try:
            info = p.info
            if info["pid"] in me:
                continue
            cmdline = info.get("cmdline") or []
            cmd = " ".join(cmdline)
            name = info.get("name") or ""
            exe0 = os.path.basename(cmdline[0]) if cmdline else name
            is_gateway = ("openclaw" in cmd or "clawdbot" in cmd) and "gateway" in cmd and (
                exe0.startswith(("node", "openclaw", "clawdbot", "bun")) or name.startswith(("openclaw", "node")))
            is_gateway = is_gateway and "clawfence" not in exe0
            if not is_gateway and name not in TUNNEL_PROCESSES and exe0 not in TUNNEL_PROCESSES:
                continue
            uids = p.uids()
            pi = ProcessInfo(pid=info["pid"], uid=uids.effective if uids else -1, user=p.username(), name=name,
                             cmdline=_redact_cmd(cmd)[:300])
            (gws if is_gateway else tunnels).append(pi)
        except (psutil.Error, KeyError, TypeError):
            continue
    return gws, tunnels


def collect_listeners() -> tuple[list[Listener], bool]:
    """Listening TCP sockets on :data:`WATCHED_PORTS` (and whether socket owners were visible)."""
    out: list[Listener] = []
    ports = _netlink_listening_ports()
    if ports is None:
        ports = _proc_listening_ports()
    if ports is not None and not ports & WATCHED_PORTS:  # the common case, without psutil's scan of every
        return out, True                                  # process's open files
    import psutil

    try:
        conns = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return out, False
    names: dict[int, str] = {}
    for c in conns:
        if c.status != psutil.CONN_LISTEN or not c.laddr or c.laddr.port not in WATCHED_PORTS:
            continue
        pname = None
        if c.pid:
            if c.pid not in names:
                try:
                    names[c.pid] = psutil.Process(c.pid).name()
                except psutil.Error:
                    names[c.pid] = "?"
            pname = names[c.pid]
        out.append(Listener(address=c.laddr.ip, port=c.laddr.port, pid=c.pid, process=pname))
    return sorted(out, key=lambda x: (x.port, x.address)), True


def wireguard_interfaces() -> list[str]:
    """Names of WireGuard interfaces (``/sys/class/net/<if>/type`` 65534 with a wireguard uevent)."""
    out = []
    base = Path("/sys/class/net")
    if base.is_dir():
        for iface in base.iterdir():
            if "DEVTYPE=wireguard" in _read(str(iface / "uevent")) or iface.name.startswith("wg"):
                out.append(iface.name)
    return sorted(out)


def collect_host() -> HostFacts:
    """Gather :class:`HostFacts` (I/O: /proc, /sys, psutil). Never raises for missing permissions."""
    gws, tproc = collect_processes()
    listeners, visible = collect_listeners()
    tunnels = sorted({b for b in _on_path(TUNNEL_BINARIES) if shutil.which(b)} | {p.name for p in tproc})
    return HostFacts(
        os=f"{platform.system()} {platform.release()}",
        auditor_uid=os.geteuid() if hasattr(os, "geteuid") else -1,
        gateway_processes=gws,
        container=detect_container(),
        vm=detect_vm(),
        listeners=listeners,
        tunnels=tunnels,
        tunnel_processes=tproc,
        wireguard_interfaces=wireguard_interfaces(),
        sockets_visible=visible,
    )


def _package_version(cli: str) -> str | None:
    """Version from the npm package.json next to the resolved ``openclaw`` entry point."""
    real = Path(os.path.realpath(cli))
    for parent in list(real.parents)[:4]:
        pj = parent / "package.json"
        if pj.is_file():
            try:
                data = json.loads(pj.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            if data.get("name") in ("openclaw", "clawdbot"):
                v = data.get("version")
                return str(v) if v else None
    return None


def collect_version(state_dir: Path, hint: str | None, override: str | None = None) -> VersionFacts:
    """Installed version: ``override`` > npm package.json of ``openclaw`` on PATH (or the installer prefix
    ``<state>/lib/node_modules``) > ``openclaw --version`` (5 s timeout) > config hint."""
    if override:
        return VersionFacts(version=override, source="--openclaw-version", hint=hint)
    cli = shutil.which("openclaw") or shutil.which("clawdbot")
    candidates = [cli] if cli else []
    for prefix in (state_dir / "lib/node_modules", Path("/usr/local/lib/node_modules"), Path("/usr/lib/node_modules")):
        for pkg in ("openclaw", "clawdbot"):
            if (prefix / pkg / "package.json").is_file():
                candidates.append(str(prefix / pkg / "package.json"))
    for c in candidates:
        v = _package_version(c)
        if v:
            return VersionFacts(version=v, source=f"package.json ({os.path.realpath(c)})", cli_path=cli, hint=hint)
    if cli:
        try:
            out = subprocess.run([cli, "--version"], capture_output=True, text=True, timeout=5,
                                 stdin=subprocess.DEVNULL)
            v = extract(out.stdout + out.stderr)
            if v:
                return VersionFacts(version=v, source=f"{cli} --version", cli_path=cli, hint=hint)
        except (OSError, subprocess.SubprocessError):
            pass
    if hint:
        return VersionFacts(version=hint, source="meta.lastTouchedVersion (hint)", cli_path=cli, hint=hint)
    return VersionFacts(cli_path=cli, hint=hint)
