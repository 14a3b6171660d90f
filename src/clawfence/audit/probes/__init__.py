"""``audit --deep``: live exposure probing of the running system (the only network I/O of an audit).

:func:`collect_probe` adds :class:`~clawfence.audit.facts.probe.ProbeFacts` to a snapshot. It contacts only
loopback addresses and the ``--target`` addresses the user named (see :mod:`clawfence.audit.probes.targets`);
every probe is bounded in count and time, and none runs a tool on the gateway. Guide D2.4.2.
"""

from __future__ import annotations

import time
from pathlib import Path

from clawfence.audit.facts import Facts
from clawfence.audit.facts.probe import ProbeFacts, TargetProbe
from clawfence.audit.probes.gateway import probe_gateway
from clawfence.audit.probes.listeners import collect_listeners
from clawfence.audit.probes.targets import GATEWAY_ROLES, TargetError, allowed, choose_targets, fmt_target, parse_target
from clawfence.audit.probes.tunnels import collect_exposures

__all__ = ["TargetError", "collect_probe"]

DEFAULT_PORT = 18789


def configured_port(facts: Facts) -> int:
    """``gateway.port`` from the config when it is an int in range, else 18789."""
    port = facts.config.get("gateway.port") if facts.config else None
    return port if isinstance(port, int) and 0 < port < 65536 else DEFAULT_PORT


def collect_probe(facts: Facts, targets: list[str], with_tunnels: bool = True) -> Facts:
    """Probe and return ``facts`` with ``probe`` set.

    ``targets``: ``HOST:PORT`` strings from ``--target`` (explicit consent to probe those addresses).
    Raises :class:`TargetError` (a ``ValueError``) for a malformed target. Never raises for an unreachable
    target: that is recorded in the result.
    """
    t0 = time.monotonic()
    cport = configured_port(facts)
    user_hosts = {parse_target(t)[0] for t in targets}
    listeners, visible = collect_listeners(cport)
    loop: list[tuple[str, int]] = []
    seen: set[tuple[int | None, int]] = set()
    for x in sorted(listeners, key=lambda x: ":" in x.address):  # IPv4 first
        if x.role not in GATEWAY_ROLES or not (x.loopback or x.wildcard):
            continue
        key = (x.pid, x.port)
        if x.pid is not None and key in seen:  # one process on 127.0.0.1 and ::1: probe it once
            continue
        seen.add(key)
        loop.append(("127.0.0.1" if x.wildcard and ":" not in x.address else
                      "::1" if x.wildcard else x.address, x.port))
    chosen = choose_targets(targets, loop, cport)
    errors: list[str] = []
    results: dict[str, TargetProbe] = {}
    for host, port in chosen:
        if not allowed(host, user_hosts):  # defence in depth: choose_targets already filters
            errors.append(f"{fmt_target(host, port)}: not loopback and not a --target; not probed")
            continue
        try:
            res = probe_gateway(host, port)
        except Exception as exc:  # a probe bug must not abort the audit
            errors.append(f"{fmt_target(host, port)}: probe failed: {type(exc).__name__}: {exc}")
            continue
        results[res.target] = res
    exposures, tools = collect_exposures(Path(facts.home or Path.home())) if with_tunnels else ([], [])
    probe = ProbeFacts(targets=[fmt_target(h, p) for h, p in chosen], results=results, listeners=listeners,
                       sockets_visible=visible, exposures=exposures, tools=tools, errors=errors,
                       seconds=round(time.monotonic() - t0, 3))
    return facts.model_copy(update={"probe": probe})
