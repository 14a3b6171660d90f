"""Network and configuration primitives of the guard: analysis settings, egress host judgement, and
which OpenClaw config keys are authentication/permission keys (guide P3.6, D3.2; key names from
``reference/openclaw.md`` §3 and the 2026.9.6 config schema)."""

from __future__ import annotations

import fnmatch
import re
import socket
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, ip_address
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
FIN_ARGS = frozenset({"sendtoaddress", "sendmany", "transfer", "transfers", "send", "payto", "payouts", "charges",
                      "pay", "payment_intents", "refunds", "topups", "withdraw", "withdrawals"})
URL_RE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)[^\s]+$", re.I)
HOSTISH_RE = re.compile(r"^(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?(?:/\S*)?$")
#: URLs anywhere in free text (a command line, a message): scheme://host..., up to a quote/space/bracket.
URL_IN_TEXT_RE = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>)`]+", re.I)


def hosts_in_text(text: str) -> list[str]:
    """Lower-case host names of the URLs in ``text``, first-seen order, without duplicates."""
    out: list[str] = []
    for u in URL_IN_TEXT_RE.findall(text):
        try:
            h = (urlsplit(u).hostname or "").lower()
        except ValueError:
            continue
        if h and h not in out:
            out.append(h)
    return out



@dataclass(frozen=True)
class Settings:
    """Analysis knobs from the policy's ``settings``: egress allowlist (host globs), approved packages per
    ecosystem (pip, npm, ...), whether ``pip install -r <file in workspace>`` is allowed."""

    egress_allowlist: tuple[str, ...] = ()
    approved_packages: tuple[tuple[str, frozenset[str]], ...] = ()
    allow_workspace_requirements: bool = True
    allowlist_mode: bool = False

    def approved(self, eco: str) -> frozenset[str]:
        """Approved package names for ecosystem ``eco`` (lower-case)."""
        for k, v in self.approved_packages:
            if k == eco:
                return v
        return frozenset()


#: names that resolve to loopback by design (wildcard DNS used for rebinding and SSRF filter bypasses)
LOOPBACK_NAMES = ("localhost", "localtest.me", "lvh.me", "vcap.me", "lacolhost.com", "localhost.direct",
                  "fuf.me", "yoogle.com", "ulh.us")
#: wildcard DNS services that answer any embedded address (``10.0.0.1.nip.io``, ``7f000001.nip.io``)
WILDCARD_DNS = ("nip.io", "sslip.io", "xip.io", "traefik.me", "localdomain.pw", "backname.io", "1u.ms",
                "rebind.it", "rbndr.us", "lock.cmpxchg8b.com")
#: the OpenClaw gateway's default port (its HTTP API can run tools without the plugin hook: D3.2, P3.6)
GATEWAY_PORTS = frozenset({18789})
INTERNAL_SCHEMES = frozenset({"file", "gopher", "dict", "ldap", "tftp", "jar", "netdoc", "sftp", "smb"})
_NUMERIC_HOST_RE = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$", re.I)
_EMBEDDED_V4_RE = re.compile(r"(?:^|[.-])(\d{1,3}[.-]\d{1,3}[.-]\d{1,3}[.-]\d{1,3})(?:$|[.-])")
_EMBEDDED_HEX_RE = re.compile(r"(?:^|[.-])([0-9a-f]{8})(?:$|[.-])", re.I)


def parse_address(host: str) -> tuple[IPv4Address | IPv6Address | None, bool]:
    """The IP address ``host`` denotes, and whether it is spelt in a non-canonical way.

    Accepts what ``inet_aton`` and URL parsers accept: dotted quads, decimal (``2130706433``), hex
    (``0x7f000001``, ``0x7f.0.0.1``), octal (``0177.0.0.1``), short forms (``127.1``), IPv6 incl.
    IPv4-mapped (``::ffff:169.254.169.254``, ``::ffff:a9fe:a9fe``) and names of wildcard DNS services
    (``10.0.0.1.nip.io``, ``7f000001.nip.io``) and loopback-by-design names (``localtest.me``).
    ``(None, False)`` for an ordinary host name."""
    h = host.strip("[]").lower().rstrip(".")
    if "%" in h:
        h = h.split("%", 1)[0]
    try:
        ip = ip_address(h)
    except ValueError:
        ip = None
    if ip is not None:
        odd = False
        if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
            return ip.ipv4_mapped, True
        if isinstance(ip, IPv4Address):
            odd = str(ip) != h
        return ip, odd
    if _NUMERIC_HOST_RE.match(h):
        try:
            return IPv4Address(socket.inet_aton(h)), True
        except (OSError, ValueError):
            return None, False
    if any(h == n or h.endswith("." + n) for n in LOOPBACK_NAMES):
        return IPv4Address("127.0.0.1"), h not in ("localhost",) and not h.endswith(".localhost")
    for w in WILDCARD_DNS:
        if h == w or h.endswith("." + w):
            sub = h[: -len(w)].rstrip(".")
            m = _EMBEDDED_V4_RE.search(sub)
            if m:
                try:
                    return IPv4Address(m.group(1).replace("-", ".")), True
                except ValueError:
                    pass
            m2 = _EMBEDDED_HEX_RE.search(sub)
            if m2:
                return IPv4Address(int(m2.group(1), 16)), True
            return None, True
    return None, False


def is_internal(ip: IPv4Address | IPv6Address) -> bool:
    """Loopback, private (RFC 1918, ULA), CGNAT, link-local, unspecified, reserved or multicast."""
    if isinstance(ip, IPv4Address) and ip in _CGNAT:
        return True
    if isinstance(ip, IPv6Address) and ip.is_site_local:
        return True
    return bool(ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified or ip.is_reserved
                or ip.is_multicast)


_CGNAT = IPv4Network("100.64.0.0/10")


def host_signal(url_or_host: str, settings: Settings, how: str, agent_tool: bool = False) -> Signal | None:
    """egress-internal / egress-unlisted signal for a URL or host, or None when allowed.

    ``agent_tool``: the request is made by the agent's own web tool (``web_fetch``/``browser``), where any
    internal address is server-side request forgery (P3.6); from the shell, plainly spelt loopback is a
    developer's local server and stays allowed, private ranges ask, and metadata endpoints, the gateway
    port, odd spellings of internal addresses (decimal/hex/octal/IPv4-mapped/wildcard DNS) and
    ``file:``/``gopher:`` URLs are internal.

    Pure (no name resolution), so answers are cached per (URL or host, settings, how, agent_tool)."""
    return _host_signal(url_or_host, settings, how, agent_tool)


@lru_cache(maxsize=4096)
def _host_signal(url_or_host: str, settings: Settings, how: str, agent_tool: bool) -> Signal | None:
    """:func:`host_signal` (uncached)."""
    port: int | None = None
    if "://" in url_or_host:
        try:
            u = urlsplit(url_or_host)
            host = u.hostname or ""
            try:
                port = u.port
            except ValueError:
                port = None
            scheme = u.scheme.lower()
        except ValueError:
            return Signal("egress-unlisted", f"{how}: unparsable URL")
        if scheme in INTERNAL_SCHEMES:
            return Signal("egress-internal", f"{how}: {scheme}: URL reaches local files or internal services")
    else:
        hp = url_or_host.split("@")[-1].split("/", 1)[0]
        if hp.startswith("["):
            host = hp[1:].split("]", 1)[0]
        else:
            host, _, p = hp.partition(":")
            port = int(p) if p.isdigit() else None
    host = host.strip("[]").lower().rstrip(".")
    if not host:
        return Signal("egress-internal", f"{how}: URL without a host") if agent_tool else None
    if host in METADATA_HOSTS or host.startswith("metadata.") or host == "metadata":
        return Signal("egress-internal", f"{how}: cloud metadata endpoint {host}")
    ip, odd = parse_address(host)
    if ip is not None:
        if str(ip) in METADATA_HOSTS:
            return Signal("egress-internal", f"{how}: cloud metadata endpoint {host} ({ip})")
        if is_internal(ip):
            if port in GATEWAY_PORTS:
                return Signal("egress-internal", f"{how}: OpenClaw gateway port {port} on {host}")
            if agent_tool:
                return Signal("egress-internal", f"{how}: internal address {host} ({ip}) from the agent's web tool")
            if odd:
                return Signal("egress-internal", f"{how}: internal address spelt to evade filters: {host} -> {ip}")
            if ip.is_loopback:
                return None
            return Signal("egress-unlisted", f"{how}: private network address {host}")
    elif odd:
        return Signal("egress-internal", f"{how}: wildcard DNS name {host} (DNS rebinding)")
    elif host.endswith(".localhost") or host == "localhost":
        return Signal("egress-internal", f"{how}: loopback name {host} from the agent's web tool") if agent_tool else None
    if _allow_rx(settings.egress_allowlist).match(host):  # any(fnmatchcase(host, pat.lower()) for pat in ...)
        return None
    return Signal("egress-unlisted", f"{how}: host {host} is not in the egress allowlist")


@lru_cache(maxsize=64)
def _allow_rx(allowlist: tuple[str, ...]) -> re.Pattern[str]:
    """The egress allowlist (host globs, lower-cased) as one regex: matches a host when any glob matches it whole."""
    if not allowlist:
        return re.compile(r"(?!)")
    return re.compile("|".join("(?:" + fnmatch.translate(p.lower()) + ")" for p in allowlist))


def config_key_signal(key: str, how: str) -> Signal:
    """auth-change for authentication/permission keys, else config-change."""
    if key.startswith(AUTH_KEYS) or CHANNEL_AUTH_RE.match(key):
        return Signal("auth-change", f"{how} changes authentication/permission key {key}")
    return Signal("config-change", f"{how} changes core config key {key}")
