"""Which addresses the live probe may touch, and which OpenClaw ports it watches.

Safety rule (guide D2.4.2 asks for attacker-like probing; our rule bounds it): the probe talks only to
loopback addresses and to ``--target`` addresses the user named. Nothing else is ever contacted: no
scanning of ranges, no name found in a config, no address of a listener unless it is loopback.
"""

from __future__ import annotations

import ipaddress

from clawfence.core.errors import UsageError

#: Watched ports and their role (OpenClaw ``docs/gateway/configuration-reference.md``, ``docs/tools/browser.md``;
#: 19890 named by the guide, P2).
FIXED_PORTS: dict[int, str] = {18789: "gateway", 19890: "guide-19890", 18791: "browser-control",
                               18792: "relay", 19001: "dev-gateway"}
CDP_PORTS = range(18800, 18900)
#: Roles that speak the gateway protocol (HTTP + WebSocket); others are only listed.
GATEWAY_ROLES = frozenset({"gateway", "dev-gateway", "guide-19890", "configured-gateway"})


class TargetError(UsageError, ValueError):
    """A ``--target`` value is not ``HOST:PORT`` (one-line message; the CLI exits 2 on it)."""


def port_role(port: int, configured: int | None = None) -> str | None:
    """Role of a watched port, or None if the port is not one of OpenClaw's."""
    if port in FIXED_PORTS:
        return FIXED_PORTS[port]
    if port in CDP_PORTS:
        return "cdp"
    if configured is not None and port == configured:
        return "configured-gateway"
    return None


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8, ``::1`` and IPv4-mapped loopback."""
    h = host.strip("[]")
    if h == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def parse_target(text: str) -> tuple[str, int]:
    """``HOST:PORT`` / ``[V6]:PORT`` -> (host without brackets, port). Raises :class:`TargetError`."""
    t = text.strip()
    if t.startswith("["):
        host, sep, rest = t[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise TargetError(f"--target {text!r}: use [IPv6]:PORT")
        port_s = rest[1:]
    else:
        host, sep, port_s = t.rpartition(":")
        if not sep or not host or ":" in host:
            raise TargetError(f"--target {text!r}: use HOST:PORT (IPv6 as [addr]:PORT)")
    if not port_s.isdigit() or not 0 < int(port_s) < 65536:
        raise TargetError(f"--target {text!r}: port must be 1-65535")
    return host, int(port_s)


def fmt_target(host: str, port: int) -> str:
    """(host, port) -> ``host:port`` with IPv6 in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def url_host(host: str) -> str:
    """Host as it appears in a URL (IPv6 bracketed)."""
    return f"[{host}]" if ":" in host else host


def choose_targets(user_targets: list[str], loopback_listeners: list[tuple[str, int]],
                   configured_port: int) -> list[tuple[str, int]]:
    """The probe list: every ``--target`` (explicit consent), loopback gateway listeners, and
    ``127.0.0.1:<gateway.port>``. Deduplicated, order kept; non-loopback listeners are never added."""
    out: list[tuple[str, int]] = []
    for t in user_targets:
        out.append(parse_target(t))
    for host, port in loopback_listeners:
        if not is_loopback(host):
            continue
        out.append((host, port))
    out.append(("127.0.0.1", configured_port))
    seen: set[tuple[str, int]] = set()
    uniq = []
    for hp in out:
        if hp not in seen:
            seen.add(hp)
            uniq.append(hp)
    return uniq


def allowed(host: str, user_hosts: set[str]) -> bool:
    """The probe may contact ``host``: loopback, or named by the user with ``--target``."""
    return is_loopback(host) or host in user_hosts
