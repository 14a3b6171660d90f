"""Which OpenClaw ports listen, on which addresses, by which process and user (psutil, read-only)."""

from __future__ import annotations

from clawfence.audit.facts.probe import PortListener
from clawfence.audit.probes.targets import port_role


def collect_listeners(configured_port: int | None = None) -> tuple[list[PortListener], bool]:
    """(listeners on watched ports, sockets_visible). Reads the current network namespace's sockets.

    ``sockets_visible`` is False when the OS refused the socket table (non-root on some systems); owners
    may be missing for other users' sockets.
    """
    import psutil

    try:
        conns = psutil.net_connections(kind="tcp")
    except (psutil.AccessDenied, OSError):
        return [], False
    procs: dict[int, tuple[str | None, str | None]] = {}
    out: list[PortListener] = []
    for c in conns:
        if c.status != psutil.CONN_LISTEN or not c.laddr:
            continue
        role = port_role(c.laddr.port, configured_port)
        if role is None:
            continue
        name = user = None
        if c.pid:
            if c.pid not in procs:
                try:
                    p = psutil.Process(c.pid)
                    procs[c.pid] = (p.name(), p.username())
                except psutil.Error:
                    procs[c.pid] = (None, None)
            name, user = procs[c.pid]
        out.append(PortListener(address=c.laddr.ip, port=c.laddr.port, role=role, pid=c.pid, process=name,
                                user=user))
    uniq = {(x.address, x.port): x for x in out}
    return sorted(uniq.values(), key=lambda x: (x.port, x.address)), True
