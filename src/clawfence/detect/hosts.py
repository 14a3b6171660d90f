"""Network and configuration primitives of the guard: analysis settings, egress host judgement, and
which OpenClaw config keys are authentication/permission keys (guide P3.6, D3.2; key names from
``reference/openclaw.md`` §3 and the 2026.9.6 config schema)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from ipaddress import ip_address
from urllib.parse import urlsplit

from clawfence.detect.calls import Signal

#: config key prefixes whose change is an authentication/permission change (D3.2)
AUTH_KEYS = (
    "gateway.auth", "gateway.trustedProxies", "gateway.controlUi", "gateway.tailscale", "gateway.bind",
    "tools.exec.security", "tools.exec.ask", "tools.exec.mode", "tools.elevated", "tools.profile", "tools.allow",
    "tools.deny", "tools.fs", "commands.ownerAllowFrom", "session.dmScope", "security.", "plugins.allow",
    "agents.defaults.sandbox", "hooks.token",
)
CHANNEL_AUTH_RE = re.compile(r"^channels\.[^.]+\.(?:.*\.)?(dmPolicy|allowFrom|groupPolicy|groupAllowFrom|token|botToken)")
METADATA_HOSTS = frozenset({"169.254.169.254", "metadata.google.internal", "100.100.100.200", "fd00:ec2::254",
                            "metadata.azure.com", "169.254.170.2"})
FINANCIAL_CMDS = (
    re.compile(r"^(?:bitcoin-cli|litecoin-cli|electrum)$"), re.compile(r"^(?:solana|spl-token)$"),
    re.compile(r"^(?:cast)$"), re.compile(r"^(?:stripe)$"),
)
FIN_ARGS = frozenset({"sendtoaddress", "sendmany", "transfer", "send", "payto", "payouts", "charges", "pay"})
URL_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)[^\s]+$", re.I)
HOSTISH_RE = re.compile(r"^(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:/\S*)?$")



@dataclass(frozen=True)
class Settings:
    """Analysis knobs from the policy's ``settings``: egress allowlist (host globs), approved packages per
    ecosystem (pip, npm, ...), whether ``pip install -r <file in workspace>`` is allowed."""

    egress_allowlist: tuple[str, ...] = ()
    approved_packages: tuple[tuple[str, frozenset[str]], ...] = ()
    allow_workspace_requirements: bool = True

    def approved(self, eco: str) -> frozenset[str]:
        """Approved package names for ecosystem ``eco`` (lower-case)."""
        for k, v in self.approved_packages:
            if k == eco:
                return v
        return frozenset()


def host_signal(url_or_host: str, settings: Settings, how: str) -> Signal | None:
    """egress-internal / egress-unlisted signal for a URL or host, or None when allowed/loopback."""
    host = url_or_host
    if "://" in url_or_host:
        try:
            host = urlsplit(url_or_host).hostname or ""
        except ValueError:
            return Signal("egress-unlisted", f"{how}: unparsable URL")
    else:
        host = re.split(r"[/:]", url_or_host.split("@")[-1], maxsplit=1)[0]
    host = host.strip("[]").lower().rstrip(".")
    if not host:
        return None
    if host in METADATA_HOSTS:
        return Signal("egress-internal", f"{how}: cloud metadata endpoint {host}")
    try:
        ip = ip_address(host)
        if ip.is_loopback:
            return None
        if ip.is_link_local:
            return Signal("egress-internal", f"{how}: link-local address {host}")
    except ValueError:
        if host == "localhost" or host.endswith(".localhost"):
            return None
    if any(fnmatchcase(host, pat.lower()) for pat in settings.egress_allowlist):
        return None
    return Signal("egress-unlisted", f"{how}: host {host} is not in the egress allowlist")


def config_key_signal(key: str, how: str) -> Signal:
    """auth-change for authentication/permission keys, else config-change."""
    if key.startswith(AUTH_KEYS) or CHANNEL_AUTH_RE.match(key):
        return Signal("auth-change", f"{how} changes authentication/permission key {key}")
    return Signal("config-change", f"{how} changes core config key {key}")
