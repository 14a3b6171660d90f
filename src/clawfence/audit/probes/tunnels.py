"""Tunnels and port mappings that may publish the gateway (read-only; each tool bounded to 3 s).

Looks at: ``tailscale serve status --json`` / ``tailscale funnel status --json``; WireGuard interfaces
(``/sys/class/net``); cloudflared / ngrok / frp processes and their config files; ``docker ps`` port
publishing; ``iptables-save -t nat`` and ``nft list ruleset`` DNAT/REDIRECT rules. Guide D1.3.2, P2.1, E2.1.
UPnP is out of scope. Nothing is changed and nothing on the network is contacted.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from clawfence.audit.facts.host import wireguard_interfaces
from clawfence.audit.facts.probe import Exposure
from clawfence.audit.probes.targets import port_role

TOOL_TIMEOUT = 3.0
TUNNEL_NAMES = {"cloudflared": "cloudflared", "ngrok": "ngrok", "frpc": "frp", "frps": "frp"}
CONFIG_FILES = {
    "cloudflared": ("~/.cloudflared/config.yml", "~/.cloudflared/config.yaml", "/etc/cloudflared/config.yml",
                    "/etc/cloudflared/config.yaml"),
    "ngrok": ("~/.config/ngrok/ngrok.yml", "~/.ngrok2/ngrok.yml", "~/Library/Application Support/ngrok/ngrok.yml"),
    "frp": ("/etc/frp/frpc.ini", "/etc/frp/frpc.toml", "~/.config/frp/frpc.toml", "~/frpc.ini", "~/frpc.toml"),
}
PORT_RE = re.compile(r"(?<![\d.])(1878[9]|1879[0-3]|1880\d|188[1-9]\d|19001|19890)(?!\d)")


def _run(argv: list[str]) -> str | None:
    """stdout of a read-only command, or None if missing, failing or slow."""
    if shutil.which(argv[0]) is None:
        return None
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=TOOL_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def watched_port_in(text: str) -> int | None:
    """The first OpenClaw port number mentioned in ``text`` (as a port, not inside a longer number)."""
    m = PORT_RE.search(text)
    return int(m.group(1)) if m and port_role(int(m.group(1))) else None


def parse_tailscale(doc: Any, source: str) -> list[Exposure]:
    """Exposures from a Tailscale ServeConfig JSON (``Web.<host:port>.Handlers.<path>.Proxy``,
    ``TCP.<port>.TCPForward``, ``AllowFunnel.<host:port>``)."""
    out: list[Exposure] = []
    if not isinstance(doc, dict):
        return out
    funnel = {k for k, v in (doc.get("AllowFunnel") or {}).items() if v}
    for hostport, web in (doc.get("Web") or {}).items():
        for path, h in ((web or {}).get("Handlers") or {}).items():
            proxy = str((h or {}).get("Proxy") or "")
            public = hostport in funnel
            out.append(Exposure(kind="tailscale-funnel" if public else "tailscale-serve",
                                detail=f"https://{hostport}{path} -> {proxy or 'static'}", source=source,
                                target=proxy or None, public=public, gateway=watched_port_in(proxy) is not None))
    for port, tcp in (doc.get("TCP") or {}).items():
        fwd = str((tcp or {}).get("TCPForward") or "")
        if fwd:
            public = any(k.endswith(f":{port}") for k in funnel)
            out.append(Exposure(kind="tailscale-funnel" if public else "tailscale-serve",
                                detail=f"tcp {port} -> {fwd}", source=source, target=fwd, public=public,
                                gateway=watched_port_in(fwd) is not None))
    return out


def parse_docker_ps(lines: str) -> list[Exposure]:
    """Exposures from ``docker ps --format '{{json .}}'``: a watched container port published on the host."""
    out: list[Exposure] = []
    for line in lines.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        for spec in str(row.get("Ports", "")).split(","):
            spec = spec.strip()
            m = re.match(r"^(?P<ip>[\d.:\[\]]*?):(?P<hport>\d+)->(?P<cport>\d+)/tcp$", spec)
            if not m or (port_role(int(m.group("cport"))) is None and port_role(int(m.group("hport"))) is None):
                continue
            ip = m.group("ip").strip("[]")
            public = ip in ("0.0.0.0", "::", "")
            out.append(Exposure(kind="docker-publish", detail=f"container {row.get('Names', '?')} publishes {spec}",
                                source="docker ps", target=f"{ip or '0.0.0.0'}:{m.group('hport')}", public=public,
                                gateway=True))
    return out


def parse_nat_rules(text: str, source: str) -> list[Exposure]:
    """DNAT / REDIRECT rules (iptables-save or nft syntax) that send traffic to a watched port."""
    out: list[Exposure] = []
    for line in text.splitlines():
        low = line.lower()
        if not any(w in low for w in ("dnat", "redirect")):
            continue
        port = watched_port_in(line)
        if port is None:
            continue
        out.append(Exposure(kind="dnat", detail=line.strip()[:200], source=source, target=str(port), gateway=True))
    return out


def _processes() -> list[Exposure]:
    import psutil

    out: list[Exposure] = []
    for p in psutil.process_iter(["pid", "name", "cmdline"]):
        try:
            name = p.info.get("name") or ""
            kind = TUNNEL_NAMES.get(name)
            if kind is None:
                continue
            cmd = " ".join(p.info.get("cmdline") or [])
            cmd = re.sub(r"(?i)(--(?:token|authtoken|cred\w*)[= ])\S+", r"\1«redacted»", cmd)[:200]
            port = watched_port_in(cmd)
            out.append(Exposure(kind=kind, detail=f"process {p.info['pid']}: {cmd}", source="process",
                                target=str(port) if port else None, public=kind in ("cloudflared", "ngrok"),
                                gateway=port is not None))
        except (psutil.Error, KeyError, TypeError):
            continue
    return out


def _config_files(home: Path) -> list[Exposure]:
    out: list[Exposure] = []
    for kind, paths in CONFIG_FILES.items():
        for raw in paths:
            p = Path(raw.replace("~", str(home), 1))
            try:
                if not p.is_file() or p.stat().st_size > 1_000_000:
                    continue
                text = p.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for i, line in enumerate(text.splitlines(), 1):
                port = watched_port_in(line)
                if port is not None and not line.lstrip().startswith("#"):
                    out.append(Exposure(kind=kind, detail=f"{p}:{i}: {line.strip()[:120]}", source=str(p),
                                        target=str(port), public=kind in ("cloudflared", "ngrok"), gateway=True))
    return out


def collect_exposures(home: Path) -> tuple[list[Exposure], list[str]]:
    """(exposures, names of the host tools that answered)."""
    out: list[Exposure] = []
    tools: list[str] = []
    for sub in ("serve", "funnel"):
        text = _run(["tailscale", sub, "status", "--json"])
        if text is not None:
            tools.append(f"tailscale {sub}")
            with contextlib.suppress(ValueError):
                out += parse_tailscale(json.loads(text or "{}"), f"tailscale {sub} status")
    out = list({(e.kind, e.detail): e for e in out}.values())  # serve and funnel status overlap
    for wg in wireguard_interfaces():
        out.append(Exposure(kind="wireguard", detail=f"WireGuard interface {wg}", source="/sys/class/net"))
    out += _processes()
    out += _config_files(home)
    text = _run(["docker", "ps", "--format", "{{json .}}"])
    if text is not None:
        tools.append("docker")
        out += parse_docker_ps(text)
    for argv, src in ((["iptables-save", "-t", "nat"], "iptables-save -t nat"),
                      (["ip6tables-save", "-t", "nat"], "ip6tables-save -t nat"),
                      (["nft", "list", "ruleset"], "nft list ruleset")):
        text = _run(argv)
        if text is not None:
            tools.append(argv[0])
            out += parse_nat_rules(text, src)
    return out, tools
