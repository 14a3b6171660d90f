"""``clawfence deploy render systemd|compose|helm``: hardened deployment files for OpenClaw from packaged
templates (``clawfence/deploy/templates/<target>/``).

Templates are plain files with ``@@NAME@@`` placeholders; a line starting with ``@guard@`` is kept (without the
prefix) only with ``--with-guard``, as is a word inside a line prefixed ``@guard@``; the files in
:data:`GUARD_ONLY` are rendered only with it. The
OpenClaw config each target seeds (``openclaw.json``) is generated here as data: loopback or container bind, token
auth from a file SecretRef (``secrets.providers.gateway-token``, mode ``singleValue``), the guard plugin wired in.

What each target enforces, with guide ids: ``docs/deploy.md``. Outputs are checked by ``audit --deployment`` and
real validators in ``tests/deploy/``.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from clawfence import __version__
from clawfence.core.atomic import atomic_write_text

TARGETS = ("systemd", "compose", "helm")
#: metadata services (AWS/GCP/Azure/Huawei/Tencent link-local, Alibaba, AWS IPv6) and private ranges, excepted
#: from the Kubernetes egress rule
EGRESS_EXCEPT_V4 = ("169.254.0.0/16", "100.100.100.200/32", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                    "127.0.0.0/8")
EGRESS_EXCEPT_V6 = ("fd00:ec2::254/128", "fc00::/7", "fe80::/10", "::1/128")
FILES: dict[str, tuple[str, ...]] = {
    "systemd": ("openclaw-gateway.service", "clawfence-guard.service", "clawfence-audit.service",
                "clawfence-audit.timer", "sysusers-clawfence.conf", "install.sh"),
    "compose": ("compose.yaml", "Dockerfile", "Dockerfile.guard", "squid.conf"),
    "helm": ("Chart.yaml", "values.yaml", "templates/gateway-token.yaml", "templates/manifests.yaml"),
}
GUARD_ONLY = {"clawfence-guard.service", "Dockerfile.guard"}


class RenderError(ValueError):
    """Bad render options (one-line message)."""


@dataclass(frozen=True, slots=True)
class Options:
    """Render options. Sizes: ``memory_mb`` (MiB, the gateway's cap; the Node heap is 75 % of it), ``cpus``
    (cores), ``audit_hours`` (audit timer period). Hosts in ``egress_hosts`` are what the compose egress proxy
    lets the agent reach (the model provider)."""

    with_guard: bool = False
    openclaw_version: str = "2026.9.6"
    port: int = 18789
    guard_port: int = 18795
    memory_mb: int = 2048
    cpus: float = 2.0
    audit_hours: int = 6
    namespace: str = "openclaw"
    image: str = "openclaw-hardened:2026.9.6"
    guard_image: str = "clawfence:" + __version__
    openclaw_bin: str = "/usr/bin/openclaw"
    clawfence_bin: str = "/usr/local/bin/clawfence"
    egress_hosts: tuple[str, ...] = field(default=("api.anthropic.com", "api.openai.com"))


def _check(opts: Options) -> None:
    for name, port in (("--port", opts.port), ("--guard-port", opts.guard_port)):
        if not 1024 <= port <= 65535:
            raise RenderError(f"{name} must be 1024-65535 (an unprivileged port), got {port}")
    if opts.port == opts.guard_port:
        raise RenderError("--port and --guard-port must differ")
    if not 256 <= opts.memory_mb <= 262144:
        raise RenderError(f"--memory-mb must be 256-262144, got {opts.memory_mb}")
    if not 0.1 <= opts.cpus <= 256:
        raise RenderError(f"--cpus must be 0.1-256, got {opts.cpus}")
    if not 1 <= opts.audit_hours <= 168:
        raise RenderError(f"--audit-hours must be 1-168, got {opts.audit_hours}")
    for name, img in (("--image", opts.image), ("--guard-image", opts.guard_image)):
        if not img or any(c.isspace() or c in "\"'`$;{}" for c in img):
            raise RenderError(f"{name} {img!r} is not an image reference")
    if not opts.namespace.replace("-", "").isalnum() or not opts.namespace.islower() or len(opts.namespace) > 63:
        raise RenderError(f"--namespace {opts.namespace!r} is not a Kubernetes namespace name")
    for host in opts.egress_hosts:
        if not host or any(c in host for c in " \t\n\"'#;") or host.startswith("-"):
            raise RenderError(f"--egress-host {host!r} is not a host name")


def openclaw_config(target: str, opts: Options) -> dict[str, object]:
    """The ``openclaw.json`` the target seeds: token auth from a file written at first start, loopback bind on the
    host (``lan`` inside a container, where publishing and NetworkPolicy decide reachability), guard plugin."""
    token_path = "/var/lib/openclaw/gateway-token" if target == "systemd" else "/run/openclaw-secrets/gateway-token"
    cfg: dict[str, object] = {
        "gateway": {"mode": "local", "bind": "loopback" if target == "systemd" else "lan", "port": opts.port,
                    "auth": {"mode": "token",
                             "token": {"source": "file", "provider": "gateway-token", "id": "value"}}},
        "secrets": {"providers": {"gateway-token": {"source": "file", "path": token_path, "mode": "singleValue"}}},
    }
    if opts.with_guard:
        plugin_dir = "/usr/share/clawfence/guard-plugin" if target == "systemd" else "/opt/clawfence/guard-plugin"
        cfg["plugins"] = {
            "load": {"paths": [plugin_dir]},
            "entries": {"clawfence-guard": {
                "enabled": True,
                # the plugin checks every answer's Ed25519 signature with the service's public key, pinned in a
                # root-owned file (guard/plugin/index.js); systemd: over the service's Unix socket
                "config": ({"transport": "unix", "socketPath": "/run/clawfence-guard/guard.sock"} if target == "systemd"
                           else {"transport": "http", "url": f"http://127.0.0.1:{opts.guard_port}",
                                 "tokenFile": "/run/clawfence-guard/token"})
                | {"publicKeyFile": "/etc/clawfence/trust/guard-decision.pub", "timeoutMs": 2000, "approvalWaitMs": 0},
                "hooks": {"timeoutMs": 5000}}},
        }
    return cfg


def _values(target: str, opts: Options) -> dict[str, str]:
    mem = opts.memory_mb
    config = json.dumps(openclaw_config(target, opts), indent=2)
    v4 = "\n".join(f"            - {e}" for e in EGRESS_EXCEPT_V4)
    v6 = "\n".join(f"            - {e}" for e in EGRESS_EXCEPT_V6)
    blocks = (f"        - ipBlock:\n            cidr: 0.0.0.0/0\n            except:\n{v4}\n"
              f"        - ipBlock:\n            cidr: ::/0\n            except:\n{v6}")
    return {
        "CLAWFENCE_VERSION": __version__, "OPENCLAW_VERSION": opts.openclaw_version, "PORT": str(opts.port),
        "GUARD_PORT": str(opts.guard_port), "MEMORY_MAX": f"{mem}M", "MEMORY_MAX_K8S": f"{mem}Mi",
        "NODE_HEAP_MB": str(mem * 3 // 4), "CPU_QUOTA": f"{round(opts.cpus * 100)}%", "CPUS": str(float(opts.cpus)),
        "AUDIT_INTERVAL": f"{opts.audit_hours}h", "AUDIT_CRON": f"17 */{opts.audit_hours} * * *"
        if opts.audit_hours < 24 else "17 3 * * *", "NAMESPACE": opts.namespace, "IMAGE": opts.image,
        "GUARD_IMAGE": opts.guard_image, "OPENCLAW_BIN": opts.openclaw_bin, "CLAWFENCE_BIN": opts.clawfence_bin,
        "SOCAT_IMAGE": "alpine/socat:1.8.0.3", "PROXY_IMAGE": "ubuntu/squid:6.10-24.10_beta",
        "EXTRA_DENY": "", "CONFIG_JSON_INDENTED": "\n".join("    " + line for line in config.splitlines()),
        "EGRESS_BLOCKS": blocks,
    }


def _apply(text: str, values: dict[str, str], with_guard: bool) -> str:
    """Keep or drop ``@guard@`` lines, then fill ``@@NAME@@`` placeholders; runs of blank lines collapse."""
    lines = []
    for line in text.splitlines():
        if line.startswith("@guard@"):
            if not with_guard:
                continue
            line = line[len("@guard@"):]
        lines.append(line.replace("@guard@", "") if with_guard else re.sub(r"\s*@guard@\S+", "", line))
    out = "\n".join(lines)
    for key, val in values.items():
        out = out.replace(f"@@{key}@@", val)
    while "\n\n\n" in out:
        out = out.replace("\n\n\n", "\n\n")
    return out.rstrip("\n") + "\n"


def render(target: str, opts: Options | None = None) -> dict[str, tuple[str, int]]:
    """Render ``target`` (one of :data:`TARGETS`): relative path -> (text, file mode). Raises
    :class:`RenderError` for an unknown target or bad options."""
    opts = opts or Options()
    if target not in TARGETS:
        raise RenderError(f"unknown target {target!r} (choose {', '.join(TARGETS)})")
    _check(opts)
    root = resources.files("clawfence.deploy").joinpath("templates", target)
    values = _values(target, opts)
    out: dict[str, tuple[str, int]] = {}
    for rel in FILES[target]:
        if rel in GUARD_ONLY and not opts.with_guard:
            continue
        raw = root.joinpath(*rel.split("/")).read_text(encoding="utf-8")
        out[rel] = (_apply(raw, values, opts.with_guard), 0o755 if rel.endswith(".sh") else 0o644)
    config = json.dumps(openclaw_config(target, opts), indent=2) + "\n"
    if target in ("systemd", "compose"):
        out["openclaw.json"] = (config, 0o640)
    if target == "compose":
        out["egress-allowlist.txt"] = ("".join(f"{h}\n" for h in opts.egress_hosts), 0o644)
    if target == "helm":
        compose = render("compose", opts)
        out["image/Dockerfile"] = compose["Dockerfile"]
    if opts.with_guard and target in ("systemd", "compose", "helm"):
        plugin = resources.files("clawfence.guard").joinpath("plugin")
        base = "guard-plugin" if target != "helm" else "image/guard-plugin"
        for name in ("openclaw.plugin.json", "package.json", "index.js"):
            out[f"{base}/{name}"] = (plugin.joinpath(name).read_text(encoding="utf-8"), 0o644)
    return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class Written:
    """One output file: its path, what happened (``created``/``updated``/``unchanged``/``would update``), backup."""

    path: Path
    action: str
    backup: Path | None = None
    diff: str = ""


def write(files: dict[str, tuple[str, int]], out_dir: Path, dry_run: bool = False) -> list[Written]:
    """Write rendered ``files`` under ``out_dir`` atomically. A changed existing file is first copied to
    ``<name>.clawfence-bak.<unix time>`` (kept); ``dry_run`` only computes the unified diffs. Raises
    :class:`RenderError` when ``out_dir`` exists and is not a directory or a path escapes it."""
    if out_dir.exists() and not out_dir.is_dir():
        raise RenderError(f"{out_dir} exists and is not a directory")
    results: list[Written] = []
    stamp = str(int(time.time()))
    base = out_dir.resolve() if out_dir.exists() else out_dir.absolute()
    for rel, (text, mode) in files.items():
        dest = out_dir / rel
        if ".." in Path(rel).parts or os.path.isabs(rel):
            raise RenderError(f"refusing to write outside {out_dir}: {rel}")
        old = dest.read_text(encoding="utf-8") if dest.is_file() else None
        if old == text:
            results.append(Written(dest, "unchanged"))
            continue
        diff = "".join(difflib.unified_diff((old or "").splitlines(True), text.splitlines(True),
                                            f"a/{rel}", f"b/{rel}"))
        if dry_run:
            results.append(Written(dest, "would create" if old is None else "would update", None, diff))
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not str(dest.parent.resolve()).startswith(str(base)):
            raise RenderError(f"refusing to write through a symlink outside {out_dir}: {rel}")
        backup = None
        if old is not None:
            backup = dest.with_name(f"{dest.name}.clawfence-bak.{stamp}")
            atomic_write_text(backup, old, mode=0o600)
        atomic_write_text(dest, text, mode=mode)
        results.append(Written(dest, "created" if old is None else "updated", backup, diff))
    return results
