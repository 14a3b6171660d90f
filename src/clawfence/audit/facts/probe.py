"""Live exposure probe results (``audit --deep``; filled by :mod:`clawfence.audit.probes`).

What an attacker without credentials sees: which OpenClaw ports listen where, what the gateway answers on
HTTP and on the WebSocket handshake with no / wrong token and a foreign ``Origin``, whether a burst of wrong
tokens is slowed or locked out, whether a non-loopback listener speaks TLS, and which tunnels or port
mappings publish the gateway. Sources: guide D2.4.2, P2.1, D1.3.1, D1.3.2, E2.1, C1.3; OpenClaw
``src/gateway/auth-rate-limit.ts``, ``src/gateway/server/ws-connection/connect-policy.ts``,
``docs/gateway/tools-invoke-http-api.md``; transcripts in ``reference/realclaw/gateway/``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class PortListener(BaseModel, frozen=True):
    """A listening TCP socket on a watched OpenClaw port: ``address`` (``0.0.0.0``/``::`` = every interface),
    ``port``, owning ``pid``/``process``/``user`` when visible, and its ``role`` (gateway, browser-control,
    relay, cdp, dev, guide-19890)."""

    address: str
    port: int
    role: str
    pid: int | None = None
    process: str | None = None
    user: str | None = None

    @property
    def loopback(self) -> bool:
        """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback."""
        a = self.address.removeprefix("::ffff:")
        return a.startswith("127.") or a in ("::1", "localhost")

    @property
    def wildcard(self) -> bool:
        """True for an all-interfaces bind (``0.0.0.0`` or ``::``)."""
        return self.address in ("0.0.0.0", "::", "*", "")


class HttpResult(BaseModel, frozen=True):
    """One unauthenticated HTTP request: ``method`` ``path`` -> ``status`` (0 = no answer), content type,
    body size, and whether the body is the OpenClaw Control UI or an OpenClaw health document."""

    method: str = "GET"
    path: str
    status: int = 0
    content_type: str = ""
    size: int = 0
    control_ui: bool = False
    openclaw_health: bool = False
    error: str | None = None


class WsResult(BaseModel, frozen=True):
    """One WebSocket handshake attempt. ``case``: ``no-token`` | ``wrong-token`` | ``foreign-origin``.

    ``outcome``: ``refused`` (the connect request got an error), ``accepted`` (hello-ok: the probe closes at
    once and calls nothing), ``upgrade-refused`` (HTTP refused the upgrade), ``no-challenge`` (not an
    OpenClaw gateway), ``error`` (network). ``code`` is the gateway's error code (``NOT_PAIRED``,
    ``INVALID_REQUEST``), ``detail_code`` its ``details.code`` (``DEVICE_IDENTITY_REQUIRED``,
    ``AUTH_TOKEN_MISMATCH``, ``CONTROL_UI_ORIGIN_NOT_ALLOWED``, ``AUTH_RATE_LIMITED``), ``ms`` the latency.
    """

    case: str
    outcome: str
    code: str | None = None
    detail_code: str | None = None
    http_status: int | None = None
    close_code: int | None = None
    ms: float = 0.0
    error: str | None = None

    @property
    def auth_rejected(self) -> bool:
        """The gateway checked the credential and refused it (``AUTH_*``)."""
        return self.outcome == "refused" and (self.detail_code or "").startswith("AUTH_")


class BruteForceResult(BaseModel, frozen=True):
    """A bounded burst of wrong bearer tokens to ``POST /tools/invoke`` with body ``{}`` (never runs a tool).

    ``statuses``: HTTP status per attempt; ``ms``: latency per attempt; ``limited_at``: 1-based attempt
    that got 429 (None = never); ``verdict``: ``locked-out`` (429), ``throttled`` (latency escalates, the
    loopback failure delay of ``auth-rate-limit.ts``), ``unlimited``, ``no-auth`` (every attempt 2xx/400:
    no credential is checked) or ``inconclusive``.
    """

    attempts: int = 0
    statuses: list[int] = Field(default_factory=list)
    ms: list[float] = Field(default_factory=list)
    limited_at: int | None = None
    verdict: str = "inconclusive"
    budget_exhausted: bool = False


class TargetProbe(BaseModel, frozen=True):
    """Everything probed on one ``host:port``. ``loopback``: the host is a loopback address;
    ``reachable``: a TCP connection succeeded; ``tls``: the port completed a TLS handshake (None = not
    tried); ``tools_invoke_status``: status of ``POST /tools/invoke`` with ``{}`` and no credential
    (401 = auth enforced, 400/2xx = open); ``openclaw``: the answers identify an OpenClaw gateway."""

    target: str
    host: str
    port: int
    loopback: bool
    reachable: bool = False
    tls: bool | None = None
    openclaw: bool = False
    http: list[HttpResult] = Field(default_factory=list)
    tools_invoke_status: int | None = None
    ws: list[WsResult] = Field(default_factory=list)
    bruteforce: BruteForceResult | None = None
    error: str | None = None
    seconds: float = 0.0

    def ws_case(self, case: str) -> WsResult | None:
        """The WebSocket result for ``case``, or None."""
        return next((w for w in self.ws if w.case == case), None)


class Exposure(BaseModel, frozen=True):
    """A tunnel or port mapping found on the host. ``kind``: ``tailscale-serve``, ``tailscale-funnel``,
    ``wireguard``, ``cloudflared``, ``ngrok``, ``frp``, ``docker-publish``, ``dnat``; ``target``: what it
    forwards to (``127.0.0.1:18789``) when known; ``public``: reachable from the internet by design
    (funnel, cloudflared/ngrok tunnels, a 0.0.0.0 publish); ``gateway``: it forwards to a watched port;
    ``source``: where it was seen (command, file path)."""

    kind: str
    detail: str
    source: str
    target: str | None = None
    public: bool = False
    gateway: bool = False


class ProbeFacts(BaseModel, frozen=True):
    """What the live probes observed.

    ``targets``: the ``host:port`` list probed (loopback listeners, the configured gateway port on
    127.0.0.1, and ``--target`` values); ``results``: target -> :class:`TargetProbe`; ``listeners``:
    watched ports listening; ``sockets_visible``: socket owners could be read; ``exposures``: tunnels and
    port mappings; ``tools``: which host tools were available (tailscale, docker, iptables, nft);
    ``errors``: probes that could not run (one line each); ``seconds``: wall time of the whole probe.
    """

    targets: list[str] = Field(default_factory=list)
    results: dict[str, TargetProbe] = Field(default_factory=dict)
    listeners: list[PortListener] = Field(default_factory=list)
    sockets_visible: bool = True
    exposures: list[Exposure] = Field(default_factory=list)
    tools: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    seconds: float = 0.0
