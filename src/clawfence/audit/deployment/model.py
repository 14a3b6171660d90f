"""Typed, format-neutral view of a deployment: the workloads (containers, units) and the network policy facts
that the deployment checks (``DP0xx``) read.

Every parser (compose, Kubernetes manifests / Helm output, Dockerfile, systemd unit) fills the same
:class:`Workload` shape; a field is ``None`` when the format cannot express it (a Dockerfile has no
read-only-root setting), so a check can say "not applicable" instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["compose", "kubernetes", "systemd", "dockerfile"]


@dataclass(frozen=True, slots=True)
class Port:
    """A port reachable from outside the workload.

    ``host_ip`` is the address it is published on (``None``: every interface); ``how`` says by what
    (``compose ports``, ``k8s hostPort``, ``k8s Service LoadBalancer``, ``k8s Ingress``, ``--bind lan``).
    """

    container_port: str
    host_port: str | None
    host_ip: str | None
    how: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Mount:
    """A host path (or named volume, ``host=False``) mounted into the workload."""

    source: str
    target: str
    read_only: bool
    host: bool
    line: int | None = None


@dataclass(frozen=True, slots=True)
class EnvVar:
    """An environment variable of the workload.

    ``value`` is the literal text written in the file (``None`` when the value comes from elsewhere);
    ``ref`` names where else it comes from: ``interpolated:NAME`` (compose ``${NAME}``), ``secretKeyRef:s/k``,
    ``configMapKeyRef:c/k``, ``fieldRef``.
    """

    name: str
    value: str | None
    ref: str | None
    line: int | None = None


@dataclass(slots=True)
class Workload:
    """One container or unit of the deployment and its security-relevant settings.

    Tri-state fields: ``True``/``False`` when the file says (or the format's default decides), ``None`` when
    the format has no such setting. ``limits`` maps ``memory``/``cpu``/``pids`` to the configured value.
    """

    kind: Kind
    name: str
    path: str
    line: int | None = None
    image: str | None = None
    command: list[str] = field(default_factory=list)
    user: str | None = None
    root: bool | None = True
    read_only_root: bool | None = None
    cap_drop_all: bool | None = None
    cap_add: list[str] = field(default_factory=list)
    privileged: bool = False
    no_new_privileges: bool | None = None
    host_namespaces: list[str] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)
    env: list[EnvVar] = field(default_factory=list)
    limits: dict[str, str] = field(default_factory=dict)
    seccomp: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    namespace: str = "default"
    #: egress: ``"internal"`` (no route out), ``"open"``, ``"filtered"`` (see ``egress_detail``), None unknown
    egress: str | None = None
    egress_detail: str = ""
    #: Kubernetes: does a NetworkPolicy select this pod for ingress / egress
    ingress_policy: bool | None = None
    #: the deployment's declared plumbing role (label ``clawfence.role``: ``egress-proxy`` or
    #: ``ingress-forwarder``): it runs fixed code the agent does not control
    role: str | None = None
    #: systemd: every ``Key=value`` of ``[Service]`` (last value wins; lists joined by spaces)
    properties: dict[str, str] = field(default_factory=dict)
    #: host devices mapped in (compose ``devices``, k8s has none without privileged)
    devices: list[str] = field(default_factory=list)
    #: AppArmor: ``unconfined`` when switched off explicitly, else None
    apparmor: str | None = None
    #: Kubernetes: is a service-account token mounted, and what decided it
    sa_token: bool | None = None
    sa_token_detail: str = ""
    #: secret-bearing command-line options seen in ``command`` (``--token``/``--password`` values)
    notes: list[str] = field(default_factory=list)

    @property
    def runs_openclaw(self) -> bool:
        """True when the image or the program run (the first two words: ``node dist/index.js``,
        ``/usr/bin/openclaw``) names OpenClaw, Clawdbot or Moltbot; an argument naming its state dir does not count."""
        text = " ".join([self.image or "", *self.command[:2]]).lower()
        return any(n in text for n in ("openclaw", "clawdbot", "moltbot"))


@dataclass(slots=True)
class Deployment:
    """Everything read from one ``--deployment`` path: its workloads and the files they came from.

    ``errors`` lists files that could not be read as any known format (each ``path: reason``); the audit
    reports them instead of treating them as safe.
    """

    root: str
    workloads: list[Workload] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Kubernetes NetworkPolicies seen (count), so "no policy" is told from "not Kubernetes"
    network_policies: int = 0
    kinds: set[str] = field(default_factory=set)
    #: Kubernetes objects that are not workloads (``policies``, ``services``, ``ingresses``), applied to the
    #: pods they select once every file is read
    k8s_objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
