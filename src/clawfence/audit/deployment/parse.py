"""Read a deployment path into a :class:`~clawfence.audit.deployment.model.Deployment`.

Formats (detected by content, not only by name): Docker Compose files, Kubernetes manifests (several documents,
``List`` kinds, ``helm template`` output), Dockerfiles / Containerfiles, systemd units (``*.service`` and
drop-ins). A directory is read recursively (hidden directories, ``node_modules`` and files over 2 MiB skipped).
A file that looks like none of them is listed in ``Deployment.errors``, never silently passed.

Sources: Compose specification (services.*: user, read_only, cap_drop, security_opt, ports, volumes, networks,
deploy.resources), Kubernetes API (PodSpec, SecurityContext, NetworkPolicy, Service, Ingress), Dockerfile
reference (USER, ENV, ARG, EXPOSE, CMD), systemd.exec(5) / systemd.resource-control(5); OpenClaw's own
``docker-compose.yml`` and ``src/daemon/systemd-unit.ts`` (the upstream shapes the fixtures reproduce).
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from clawfence.audit.deployment.model import Deployment, EnvVar, Mount, Port, Workload

MAX_BYTES = 2 * 1024 * 1024
POD_KINDS = {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job",
             "CronJob"}
_INTERP = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")
LOOPBACK_BINDS = {"loopback", "127.0.0.1", "localhost", "::1"}
ROLE_LABEL = "clawfence.role"
ROLES = ("egress-proxy", "ingress-forwarder")


class DeploymentError(ValueError):
    """The path cannot be read as a deployment (missing, empty, nothing recognised)."""


def load(path: Path) -> Deployment:
    """Parse ``path`` (file or directory). Raises :class:`DeploymentError` when it does not exist or holds
    no file of a known format; unreadable or unknown single files inside a directory go to ``errors``."""
    if not path.exists():
        raise DeploymentError(f"deployment path not found: {path}")
    dep = Deployment(root=str(path))
    files = [path] if path.is_file() else sorted(_walk(path))
    dropins = _dropins(files)
    merged = {d for ds in dropins.values() for d in ds}
    for f in files:
        if f in merged:
            continue
        try:
            text = _read(f)
            for d in dropins.get(f, []):  # systemd applies <unit>.d/*.conf after the unit, in name order
                text += f"\n# drop-in {d.name}\n" + _read(d)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            dep.errors.append(f"{f}: {exc}" if isinstance(exc, ValueError) and not isinstance(exc, UnicodeDecodeError)
                              else f"{f}: cannot read ({exc.__class__.__name__})")
            continue
        try:
            kind = parse_text(text, str(f), dep)
        except ValueError as exc:
            dep.errors.append(f"{f}: {exc}")
            continue
        if kind:
            dep.files.append(str(f))
            dep.kinds.add(kind)
        elif path.is_file():
            dep.errors.append(f"{f}: not a compose file, Kubernetes manifest, Dockerfile or systemd unit")
    if not dep.files:
        why = "; ".join(dep.errors[:3]) or "no compose file, Kubernetes manifest, Dockerfile or systemd unit"
        raise DeploymentError(f"{path}: nothing to audit ({why})")
    _resolve_k8s(dep)
    return dep


def _read(f: Path) -> str:
    if f.stat().st_size > MAX_BYTES:
        raise ValueError(f"larger than {MAX_BYTES} bytes, not analysed")
    return f.read_text(encoding="utf-8")


def _dropins(files: list[Path]) -> dict[Path, list[Path]]:
    """Unit file -> its drop-ins (``<unit>.d/*.conf``) present in ``files``."""
    out: dict[Path, list[Path]] = {}
    present = set(files)
    for f in files:
        if f.suffix == ".conf" and f.parent.name.endswith((".service.d", ".socket.d", ".timer.d")):
            unit = f.parent.parent / f.parent.name[:-2]
            if unit in present:
                out.setdefault(unit, []).append(f)
    return {u: sorted(ds, key=lambda d: d.name) for u, ds in out.items()}


def _walk(root: Path) -> Iterator[Path]:
    for p in root.rglob("*"):
        rel = p.relative_to(root).parts
        if any(part.startswith(".") or part == "node_modules" for part in rel[:-1]):
            continue
        if p.is_file() and not p.is_symlink() and _candidate(p.name):
            yield p


def _candidate(name: str) -> bool:
    low = name.lower()
    return (low.endswith((".yml", ".yaml", ".service", ".conf", ".dockerfile", ".containerfile"))
            or low.startswith(("dockerfile", "containerfile")))


def parse_text(text: str, path: str, dep: Deployment) -> str | None:
    """Add the workloads of one file's ``text`` to ``dep``; returns the format found, or None.
    Raises ``ValueError`` with a one-line reason for a file of a known kind that does not parse."""
    name = Path(path).name.lower()
    if name.startswith(("dockerfile", "containerfile")) or name.endswith((".dockerfile", ".containerfile")):
        dep.workloads.extend(parse_dockerfile(text, path))
        return "dockerfile"
    if name.endswith((".service", ".conf")) or re.search(r"(?m)^\[Service\]\s*$", text):
        if re.search(r"(?m)^\[(Service|Unit)\]\s*$", text):
            dep.workloads.append(parse_systemd(text, path))
            return "systemd"
        return None
    import yaml

    if "{{" in text and re.search(r"\{\{-?\s*(?:\.|\$|if|range|include|template|define|with|/\*)", text):
        raise ValueError("a Helm (Go) template: audit the output of `helm template` instead")
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValueError(f"YAML syntax error{f' at line {mark.line + 1}' if mark else ''}") from exc
    lines = _line_index(text)
    if len(docs) == 1 and isinstance(docs[0], dict) and isinstance(docs[0].get("services"), dict):
        dep.workloads.extend(parse_compose(docs[0], path, lines.get(0, {})))
        return "compose"
    found = False
    for i, doc in enumerate(docs):
        for obj in _k8s_objects(doc):
            found = True
            _add_k8s(obj, path, lines.get(i, {}), dep)
    return "kubernetes" if found else None


# --- line numbers --------------------------------------------------------------------------------------------

def _line_index(text: str) -> dict[int, dict[tuple[Any, ...], int]]:
    """Per YAML document: key path -> 1-based line (best effort: anchors followed, merge keys not)."""
    import yaml

    out: dict[int, dict[tuple[Any, ...], int]] = {}
    try:
        nodes = [n for n in yaml.compose_all(text, Loader=yaml.SafeLoader) if n is not None]
    except yaml.YAMLError:
        return out
    for i, node in enumerate(nodes):
        idx: dict[tuple[Any, ...], int] = {}
        _walk_node(node, (), idx, 0)
        out[i] = idx
    return out


def _walk_node(node: Any, path: tuple[Any, ...], idx: dict[tuple[Any, ...], int], depth: int) -> None:
    import yaml

    if depth > 40:
        return
    idx.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else str(k)
            idx.setdefault((*path, key), k.start_mark.line + 1)
            _walk_node(v, (*path, key), idx, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for j, v in enumerate(node.value):
            _walk_node(v, (*path, j), idx, depth + 1)


# --- compose -------------------------------------------------------------------------------------------------

def interpolate(value: str) -> tuple[str, list[str]]:
    """Compose ``${VAR:-default}`` interpolation as a reader sees it: defaults applied, bare ``${VAR}`` left
    as is. Returns the text and the names of variables interpolated."""
    names: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(4)
        names.append(name)
        op, default = m.group(2), m.group(3)
        if op in (":-", "-") and default is not None:
            return default
        return m.group(0)

    return _INTERP.sub(sub, value), names


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _argv(value: Any) -> list[str]:
    if isinstance(value, list):
        return [interpolate(str(v))[0] for v in value]
    if isinstance(value, str):
        try:
            return shlex.split(interpolate(value)[0])
        except ValueError:
            return interpolate(value)[0].split()
    return []


def parse_compose(doc: dict[str, Any], path: str, lines: dict[tuple[Any, ...], int]) -> list[Workload]:
    """Workloads of a Compose document (``services`` mapping)."""
    networks = _d(doc, "networks")
    internal = {str(n) for n, spec in (networks or {}).items() if isinstance(spec, dict) and spec.get("internal")}
    top_secrets = _d(doc, "secrets")
    out: list[Workload] = []
    for sname, svc in doc["services"].items():
        if not isinstance(svc, dict):
            continue
        base = ("services", sname)
        w = Workload(kind="compose", name=f"service {sname}", path=path, line=lines.get(base))
        w.image = str(svc.get("image") or ("(build)" if svc.get("build") else "")) or None
        w.command = _argv(svc.get("entrypoint")) + _argv(svc.get("command"))
        user = svc.get("user")
        w.user = str(user) if user is not None else None
        w.root = _root_user(w.user)
        w.read_only_root = bool(svc.get("read_only"))
        drops = {str(c).upper().removeprefix("CAP_") for c in _as_list(svc.get("cap_drop"))}
        w.cap_drop_all = "ALL" in drops
        w.cap_add = [str(c).upper().removeprefix("CAP_") for c in _as_list(svc.get("cap_add"))]
        w.privileged = bool(svc.get("privileged"))
        sec = [str(s).replace("=", ":").replace(" ", "") for s in _as_list(svc.get("security_opt"))]
        w.no_new_privileges = any(s in ("no-new-privileges", "no-new-privileges:true") for s in sec)
        seccomp = next((s.split(":", 1)[1] for s in sec if s.startswith("seccomp:")), None)
        w.apparmor = "unconfined" if "apparmor:unconfined" in sec else None
        w.devices = [str(d.get("source") if isinstance(d, dict) else d).split(":", 1)[0]
                     for d in _as_list(svc.get("devices"))]
        w.seccomp = "unconfined" if seccomp == "unconfined" else ("profile" if seccomp else "runtime-default")
        for ns, key in (("network", "network_mode"), ("pid", "pid"), ("ipc", "ipc"), ("uts", "uts"),
                        ("user", "userns_mode")):
            if str(svc.get(key) or "") == "host":
                w.host_namespaces.append(ns)
        for i, spec in enumerate(_as_list(svc.get("ports"))):
            p = _compose_port(spec, lines.get((*base, "ports", i)))
            if p:
                w.ports.append(p)
        for i, spec in enumerate(_as_list(svc.get("volumes"))):
            m = _compose_mount(spec, lines.get((*base, "volumes", i)))
            if m:
                w.mounts.append(m)
        w.env = _compose_env(svc.get("environment"), base, lines)
        if svc.get("env_file"):
            for f in _as_list(svc.get("env_file")):
                fname = f.get("path") if isinstance(f, dict) else f
                w.notes.append(f"env_file {fname}: every variable in it is plain process environment")
        w.limits = _compose_limits(svc)
        lab = svc.get("labels")
        if isinstance(lab, dict):
            w.labels = {str(k): str(v) for k, v in lab.items()}
        elif isinstance(lab, list):
            w.labels = {str(x).partition("=")[0]: str(x).partition("=")[2] for x in lab}
        w.role = w.labels.get(ROLE_LABEL) if w.labels.get(ROLE_LABEL) in ROLES else None
        nets = svc.get("networks")
        names = [str(n) for n in (nets if isinstance(nets, (list, dict)) else [])]
        if "network" in w.host_namespaces:
            w.egress, w.egress_detail = "open", "network_mode: host (the host's own network)"
        elif str(svc.get("network_mode") or "") == "none":
            w.egress, w.egress_detail = "internal", "network_mode: none"
        elif str(svc.get("network_mode") or "").startswith(("service:", "container:")):
            w.egress, w.egress_detail = None, str(svc["network_mode"])
        elif names and all(n in internal for n in names):
            w.egress, w.egress_detail = "internal", f"only internal networks ({', '.join(names)})"
        else:
            outside = [n for n in names if n not in internal] or ["default"]
            w.egress, w.egress_detail = "open", f"network(s) with a route out: {', '.join(outside)}"
        _bind_exposure(w)
        if top_secrets and svc.get("secrets"):
            w.notes.append("uses compose secrets")
        out.append(w)
    by_name = {w.name.removeprefix("service "): w for w in out}
    for w in out:  # network_mode service:X shares X's network namespace, so its egress and exposure
        if w.egress is None:
            other = by_name.get(w.egress_detail.split(":", 1)[1])
            w.egress = other.egress if other else "open"
            w.egress_detail = (f"shares the network of service {w.egress_detail.split(':', 1)[1]}: "
                               f"{other.egress_detail}" if other else f"{w.egress_detail} (not in this file)")
    return out


def _compose_port(spec: Any, line: int | None) -> Port | None:
    if isinstance(spec, dict):
        target = str(spec.get("target", ""))
        published = spec.get("published")
        host_ip = spec.get("host_ip")
        if published is None:
            return Port(target, None, None, "compose ports (random host port)", line)
        return Port(target, interpolate(str(published))[0], str(host_ip) if host_ip else None, "compose ports", line)
    text = interpolate(str(spec))[0].split("/", 1)[0]
    if text.startswith("["):  # [::1]:18789:18789
        m = re.match(r"^\[([^\]]+)\]:(.*)$", text)
        if m:
            rest = m.group(2).split(":")
            return Port(rest[-1], rest[0] if len(rest) > 1 else None, m.group(1), "compose ports", line)
    parts = text.split(":")
    if len(parts) == 1:
        return Port(parts[0], None, None, "compose ports (random host port)", line)
    if len(parts) == 2:
        return Port(parts[1], parts[0], None, "compose ports", line)
    return Port(parts[-1], parts[-2], ":".join(parts[:-2]), "compose ports", line)


def _compose_mount(spec: Any, line: int | None) -> Mount | None:
    if isinstance(spec, dict):
        src = str(spec.get("source") or "")
        tgt = str(spec.get("target") or "")
        kind = str(spec.get("type") or ("bind" if src.startswith(("/", ".", "~", "$")) else "volume"))
        return Mount(interpolate(src)[0], tgt, bool(spec.get("read_only")), kind == "bind", line)
    text = interpolate(str(spec))[0]
    parts = text.split(":")
    if len(parts) == 1:
        return Mount("", parts[0], False, False, line)  # anonymous volume
    src, tgt = parts[0], parts[1]
    opts = set(parts[2].split(",")) if len(parts) > 2 else set()
    host = src.startswith(("/", ".", "~", "$"))
    return Mount(src, tgt, "ro" in opts or "readonly" in opts, host, line)


def _compose_env(env: Any, base: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> list[EnvVar]:
    out: list[EnvVar] = []
    items: list[tuple[str, Any, int | None]] = []
    if isinstance(env, dict):
        items = [(str(k), v, lines.get((*base, "environment", k))) for k, v in env.items()]
    elif isinstance(env, list):
        for i, x in enumerate(env):
            k, _, v = str(x).partition("=")
            items.append((k, v if "=" in str(x) else None, lines.get((*base, "environment", i))))
    for k, v, line in items:
        if v is None:
            out.append(EnvVar(k, None, f"interpolated:{k}", line))
            continue
        text, names = interpolate(str(v))
        if names and _INTERP.search(text):
            out.append(EnvVar(k, None, f"interpolated:{names[0]}", line))
        else:
            out.append(EnvVar(k, text, None, line))
    return out


def _compose_limits(svc: dict[str, Any]) -> dict[str, str]:
    lim: dict[str, str] = {}
    if svc.get("mem_limit"):
        lim["memory"] = str(svc["mem_limit"])
    if svc.get("cpus"):
        lim["cpu"] = str(svc["cpus"])
    if svc.get("pids_limit"):
        lim["pids"] = str(svc["pids_limit"])
    deploy = svc.get("deploy")
    res = deploy.get("resources") if isinstance(deploy, dict) else None
    limits = res.get("limits") if isinstance(res, dict) else None
    if isinstance(limits, dict):
        for key, name in (("memory", "memory"), ("cpus", "cpu"), ("pids", "pids")):
            if limits.get(key):
                lim[name] = str(limits[key])
    return {k: v for k, v in lim.items() if v not in ("0", "-1")}


def _root_user(user: str | None) -> bool:
    """Root unless an explicit non-root user: ``root``, ``0``, ``0:0``, ``root:x`` count as root."""
    if not user:
        return True
    name = interpolate(user)[0].split(":", 1)[0].strip()
    return name in ("root", "0", "") or name.startswith("${")


def _bind_exposure(w: Workload) -> None:
    """Record ``--bind lan``/``--host 0.0.0.0`` on the gateway command line: on the host network (systemd, compose
    host mode, k8s hostNetwork) that is a listener on every interface."""
    bind = _opt(w.command, "--bind") or _opt(w.command, "--host")
    if bind is None:
        return
    w.notes.append(f"gateway --bind {bind}")
    if bind.lower() not in LOOPBACK_BINDS and (w.kind == "systemd" or "network" in w.host_namespaces):
        w.ports.append(Port(_opt(w.command, "--port") or "18789", _opt(w.command, "--port") or "18789", None,
                            f"gateway --bind {bind} on the host network", w.line))


def _opt(argv: list[str], name: str) -> str | None:
    for i, a in enumerate(argv):
        if a == name and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


# --- Kubernetes ----------------------------------------------------------------------------------------------

def _k8s_objects(doc: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
        return
    if str(doc["kind"]).endswith("List") and isinstance(doc.get("items"), list):
        for item in doc["items"]:
            yield from _k8s_objects(item)
        return
    yield doc


def _d(obj: Any, key: str) -> dict[str, Any]:
    """``obj[key]`` when both are mappings, else an empty dict (manifests are untrusted input)."""
    val = obj.get(key) if isinstance(obj, dict) else None
    return val if isinstance(val, dict) else {}


def _meta(obj: dict[str, Any]) -> dict[str, Any]:
    m = obj.get("metadata")
    return m if isinstance(m, dict) else {}


def _add_k8s(obj: dict[str, Any], path: str, lines: dict[tuple[Any, ...], int], dep: Deployment) -> None:
    kind = str(obj.get("kind"))
    meta = _meta(obj)
    ns = str(meta.get("namespace") or "default")
    name = str(meta.get("name") or "?")
    if kind == "NetworkPolicy":
        dep.network_policies += 1
        dep.k8s_objects.setdefault("policies", []).append(obj)
        return
    if kind == "Service":
        dep.k8s_objects.setdefault("services", []).append(
            {**obj, "_path": path, "_line": lines.get(("spec", "type")) or lines.get(())})
        return
    if kind == "ServiceAccount":
        dep.k8s_objects.setdefault("serviceaccounts", []).append(obj)
        return
    if kind == "Ingress":
        dep.k8s_objects.setdefault("ingresses", []).append(
            {**obj, "_path": path, "_line": lines.get(())})
        return
    if kind not in POD_KINDS:
        return
    spec = _d(obj, "spec")
    prefix: tuple[Any, ...] = ("spec",)
    if kind == "CronJob":
        spec = _d(_d(spec, "jobTemplate"), "spec")
        prefix = ("spec", "jobTemplate", "spec")
    labels: dict[str, Any] = {}
    if kind != "Pod":
        tmpl = _d(spec, "template")
        labels = (_meta(tmpl).get("labels") or {})
        spec = _d(tmpl, "spec")
        prefix = (*prefix, "template", "spec")
    else:
        labels = meta.get("labels") or {}
    pod_sc = _d(spec, "securityContext")
    tmpl_meta = {"metadata": _meta(obj)} if kind == "Pod" else _d(_d(obj, "spec"), "template")
    if kind == "CronJob":
        tmpl_meta = _d(_d(_d(_d(obj, "spec"), "jobTemplate"), "spec"), "template")
    sa_name = str(spec.get("serviceAccountName") or spec.get("serviceAccount") or "default")
    sa_token: bool | None = None
    sa_detail = sa_name
    if isinstance(spec.get("automountServiceAccountToken"), bool):
        sa_token = bool(spec["automountServiceAccountToken"])
        sa_detail = f"pod automountServiceAccountToken: {str(sa_token).lower()}"
    volumes = {str(v.get("name")): v for v in _as_list(spec.get("volumes")) if isinstance(v, dict)}
    host_ns = [n for n, k in (("network", "hostNetwork"), ("pid", "hostPID"), ("ipc", "hostIPC"),
                              ("user", "hostUsers")) if (spec.get(k) is True if k != "hostUsers" else False)]
    for group in ("initContainers", "containers"):
        for ci, c in enumerate(_as_list(spec.get(group))):
            if not isinstance(c, dict):
                continue
            cpath = (*prefix, group, ci)
            w = Workload(kind="kubernetes", name=f"{kind}/{name}/{c.get('name', ci)}", path=path,
                         line=lines.get(cpath), namespace=ns)
            w.labels = {str(k): str(v) for k, v in labels.items()}
            w.role = w.labels.get(ROLE_LABEL) if w.labels.get(ROLE_LABEL) in ROLES else None
            w.image = str(c.get("image") or "") or None
            w.command = [str(x) for x in _as_list(c.get("command")) + _as_list(c.get("args"))]
            sc = _d(c, "securityContext")

            def pick(key: str, sc: dict[str, Any] = sc) -> Any:
                return sc[key] if key in sc else pod_sc.get(key)

            uid = pick("runAsUser")
            non_root = pick("runAsNonRoot")
            w.user = str(uid) if uid is not None else None
            w.root = not (non_root is True and uid != 0) and not (uid is not None and uid != 0)
            w.read_only_root = sc.get("readOnlyRootFilesystem") is True
            caps = _d(sc, "capabilities")
            w.cap_drop_all = "ALL" in {str(x).upper() for x in _as_list(caps.get("drop"))}
            w.cap_add = [str(x).upper().removeprefix("CAP_") for x in _as_list(caps.get("add"))]
            w.privileged = sc.get("privileged") is True
            w.no_new_privileges = sc.get("allowPrivilegeEscalation") is False
            prof = pick("seccompProfile")
            ptype = str(prof.get("type")) if isinstance(prof, dict) else ""
            w.seccomp = {"RuntimeDefault": "runtime-default", "Localhost": "profile",
                         "Unconfined": "unconfined"}.get(ptype, "unset")
            w.host_namespaces = list(host_ns)
            aa = _d(sc, "appArmorProfile") or _d(pod_sc, "appArmorProfile")
            annotations = _meta(tmpl_meta).get("annotations") if tmpl_meta else None
            if str(aa.get("type")) == "Unconfined" or (isinstance(annotations, dict) and str(annotations.get(
                    f"container.apparmor.security.beta.kubernetes.io/{c.get('name')}")) == "unconfined"):
                w.apparmor = "unconfined"
            w.sa_token, w.sa_token_detail = sa_token, sa_detail
            for pi, p in enumerate(_as_list(c.get("ports"))):
                if isinstance(p, dict) and p.get("hostPort"):
                    w.ports.append(Port(str(p.get("containerPort")), str(p["hostPort"]),
                                        str(p.get("hostIP")) if p.get("hostIP") else None, "k8s hostPort",
                                        lines.get((*cpath, "ports", pi))))
            for mi, vm in enumerate(_as_list(c.get("volumeMounts"))):
                if not isinstance(vm, dict):
                    continue
                vol = volumes.get(str(vm.get("name")), {})
                hp = vol.get("hostPath") if isinstance(vol.get("hostPath"), dict) else None
                src = str(hp.get("path")) if hp else f"volume {vm.get('name')}"
                w.mounts.append(Mount(src, str(vm.get("mountPath")), vm.get("readOnly") is True, hp is not None,
                                      lines.get((*cpath, "volumeMounts", mi))))
            for ei, e in enumerate(_as_list(c.get("env"))):
                if not isinstance(e, dict):
                    continue
                line = lines.get((*cpath, "env", ei))
                vf = e.get("valueFrom") if isinstance(e.get("valueFrom"), dict) else None
                if vf:
                    src_kind = next(iter(vf), "valueFrom")
                    ref = vf.get(src_kind) if isinstance(vf.get(src_kind), dict) else {}
                    w.env.append(EnvVar(str(e.get("name")), None,
                                        f"{src_kind}:{ref.get('name', '')}/{ref.get('key', '')}", line))
                else:
                    w.env.append(EnvVar(str(e.get("name")), str(e.get("value", "")), None, line))
            res = _d(c, "resources")
            lim = _d(res, "limits")
            w.limits = {("cpu" if k == "cpu" else k): str(v) for k, v in lim.items() if k in ("cpu", "memory")}
            if "memory" in w.limits or "cpu" in w.limits:
                w.limits.setdefault("pids", "node pid limit (kubelet podPidsLimit)")
            _bind_exposure(w)
            dep.workloads.append(w)


def _selects(selector: Any, labels: dict[str, str]) -> bool:
    if not isinstance(selector, dict):
        return False
    ml = selector.get("matchLabels") or {}
    if not all(labels.get(str(k)) == str(v) for k, v in ml.items()):
        return False
    for expr in _as_list(selector.get("matchExpressions")):
        if not isinstance(expr, dict):
            return False
        key, op, vals = str(expr.get("key")), expr.get("operator"), [str(v) for v in _as_list(expr.get("values"))]
        if op == "In" and labels.get(key) not in vals:
            return False
        if op == "NotIn" and labels.get(key) in vals:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def _resolve_k8s(dep: Deployment) -> None:
    """Apply NetworkPolicies, Services and Ingresses to the pods they select."""
    extra = {k: dep.k8s_objects.get(k, []) for k in ("policies", "services", "ingresses")}
    from clawfence.detect.hosts import METADATA_HOSTS

    metadata_ips = [ipaddress.ip_address(h) for h in METADATA_HOSTS if _is_ip(h)]
    for w in dep.workloads:
        if w.kind != "kubernetes":
            continue
        if w.sa_token is None:  # not set on the pod: the ServiceAccount decides, else Kubernetes mounts it
            sa_name = w.sa_token_detail
            sa = next((o for o in dep.k8s_objects.get("serviceaccounts", []) if _meta(o).get("name") == sa_name
                       and str(_meta(o).get("namespace") or "default") == w.namespace), None)
            if sa is not None and isinstance(sa.get("automountServiceAccountToken"), bool):
                w.sa_token = bool(sa["automountServiceAccountToken"])
                w.sa_token_detail = f"ServiceAccount {sa_name} automountServiceAccountToken: {str(w.sa_token).lower()}"
            else:
                w.sa_token, w.sa_token_detail = True, f"Kubernetes default for ServiceAccount {sa_name}"
        ingress = egress = False
        egress_rules: list[Any] = []
        for pol in extra["policies"]:
            if str(_meta(pol).get("namespace") or "default") != w.namespace:
                continue
            spec = _d(pol, "spec")
            if not _selects(spec.get("podSelector", {}), w.labels):
                continue
            types = [str(t) for t in _as_list(spec.get("policyTypes"))] or (
                ["Ingress", *(["Egress"] if "egress" in spec else [])])
            ingress = ingress or "Ingress" in types
            if "Egress" in types:
                egress = True
                egress_rules.extend(_as_list(spec.get("egress")))
        w.ingress_policy = ingress
        if not egress:
            w.egress, w.egress_detail = "open", "no NetworkPolicy restricts this pod's egress"
        else:
            reach = _egress_reaches(egress_rules, metadata_ips)
            if reach:
                w.egress, w.egress_detail = "open", f"egress rules allow {reach}"
            else:
                w.egress, w.egress_detail = "filtered", "egress NetworkPolicy excludes the metadata addresses"
        for svc in extra["services"]:
            if str(_meta(svc).get("namespace") or "default") != w.namespace:
                continue
            spec = _d(svc, "spec")
            sel = spec.get("selector")
            if not isinstance(sel, dict) or not sel or not all(w.labels.get(str(k)) == str(v) for k, v in sel.items()):
                continue
            stype = str(spec.get("type") or "ClusterIP")
            ext = spec.get("externalIPs")
            if stype in ("LoadBalancer", "NodePort") or ext:
                for p in _as_list(spec.get("ports")):
                    if isinstance(p, dict):
                        w.ports.append(Port(str(p.get("targetPort", p.get("port"))), str(p.get("nodePort") or p.get("port")),
                                            None, f"k8s Service {_meta(svc).get('name')} type {stype}"
                                            + (" with externalIPs" if ext else ""), svc.get("_line")))
            for ing in extra["ingresses"]:
                if str(_meta(ing).get("namespace") or "default") != w.namespace:
                    continue
                if str(_meta(svc).get("name")) in _ingress_backends(ing):
                    w.ports.append(Port("http", None, None, f"k8s Ingress {_meta(ing).get('name')} -> Service "
                                        f"{_meta(svc).get('name')}", ing.get("_line")))


def _ingress_backends(ing: dict[str, Any]) -> set[str]:
    names: set[str] = set()

    def walk(x: Any, depth: int = 0) -> None:
        if depth > 12:
            return
        if isinstance(x, dict):
            svc = x.get("service")
            if isinstance(svc, dict) and svc.get("name"):
                names.add(str(svc["name"]))
            if x.get("serviceName"):
                names.add(str(x["serviceName"]))
            for v in x.values():
                walk(v, depth + 1)
        elif isinstance(x, list):
            for v in x:
                walk(v, depth + 1)

    walk(ing.get("spec"))
    return names


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _egress_reaches(rules: list[Any], targets: list[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> str | None:
    """Which metadata address the egress rules let through, or None. A rule without ``to`` allows every
    destination; podSelector/namespaceSelector peers stay inside the cluster."""
    for r in rules:
        if not isinstance(r, dict):
            continue
        peers = r.get("to")
        if not peers:
            return "every destination (an egress rule without 'to')"
        for peer in _as_list(peers):
            block = peer.get("ipBlock") if isinstance(peer, dict) else None
            if not isinstance(block, dict):
                continue
            try:
                net = ipaddress.ip_network(str(block.get("cidr")), strict=False)
                excepts = [ipaddress.ip_network(str(e), strict=False) for e in _as_list(block.get("except"))]
            except ValueError:
                return f"an unparsable ipBlock {block.get('cidr')!r}"
            for ip in targets:
                if ip.version == net.version and ip in net and not any(
                        ip.version == e.version and ip in e for e in excepts):
                    return f"{ip} (ipBlock {net})"
    return None


# --- Dockerfile ----------------------------------------------------------------------------------------------

def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    buf: list[str] = []
    start = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if buf and line.lstrip().startswith("#"):
            continue
        if not buf:
            start = n
        if line.endswith("\\"):
            buf.append(line[:-1])
            continue
        buf.append(line)
        yield start, " ".join(x.strip() for x in buf)
        buf = []
    if buf:
        yield start, " ".join(x.strip() for x in buf)


def _exec_form(rest: str) -> list[str]:
    import json

    if rest.startswith("["):
        try:
            val = json.loads(rest)
            if isinstance(val, list):
                return [str(v) for v in val]
        except ValueError:
            pass
    try:
        return shlex.split(rest)
    except ValueError:
        return rest.split()


def parse_dockerfile(text: str, path: str) -> list[Workload]:
    """The final stage of a Dockerfile as a workload (USER, ENV/ARG, EXPOSE, ENTRYPOINT/CMD). Raises
    ``ValueError`` when there is no ``FROM``."""
    w: Workload | None = None
    entry: list[str] = []
    cmd: list[str] = []
    for line, text_line in _logical_lines(text):
        instr, _, rest = text_line.partition(" ")
        instr = instr.upper()
        rest = rest.strip()
        if instr == "FROM":
            image = rest.split()[0] if rest else ""
            w = Workload(kind="dockerfile", name=f"image from {image}", path=path, line=line, image=image)
            w.read_only_root = None
            w.cap_drop_all = None
            w.no_new_privileges = None
            entry, cmd = [], []
            continue
        if w is None:
            continue
        if instr == "USER":
            w.user = rest
            w.root = _root_user(rest)
        elif instr in ("ENV", "ARG"):
            for name, value in _env_pairs(rest, instr):
                w.env.append(EnvVar(name, value, None if value is not None else f"build-arg:{name}", line))
        elif instr == "EXPOSE":
            for p in rest.split():
                w.notes.append(f"EXPOSE {p}")
        elif instr == "ENTRYPOINT":
            entry = _exec_form(rest)
        elif instr == "CMD":
            cmd = _exec_form(rest)
    if w is None:
        raise ValueError("Dockerfile without FROM")
    w.command = entry + cmd
    _bind_exposure(w)
    return [w]


def _env_pairs(rest: str, instr: str) -> list[tuple[str, str | None]]:
    try:
        words = shlex.split(rest)
    except ValueError:
        words = rest.split()
    if not words:
        return []
    if "=" not in words[0]:  # legacy ``ENV KEY value with spaces``
        return [(words[0], " ".join(words[1:]) if len(words) > 1 else (None if instr == "ARG" else ""))]
    out: list[tuple[str, str | None]] = []
    for wd in words:
        k, eq, v = wd.partition("=")
        out.append((k, v if eq else None))
    return out


# --- systemd -------------------------------------------------------------------------------------------------

def parse_systemd(text: str, path: str) -> Workload:
    """A systemd service unit (or drop-in) as a workload. Repeated list settings accumulate; an empty
    assignment resets them, as systemd does."""
    props: dict[str, str] = {}
    env: list[EnvVar] = []
    section = ""
    lines: dict[str, int] = {}
    for line, raw in _logical_lines(text.replace("\\\n", " ")):
        s = raw.strip()
        if s.startswith(";"):
            continue
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1]
            continue
        if section != "Service" or "=" not in s:
            continue
        key, _, value = s.partition("=")
        key, value = key.strip(), value.strip()
        lines.setdefault(key, line)
        if key == "Environment":
            for item in _split_env(value):
                k, _, v = item.partition("=")
                env.append(EnvVar(k, v, None, line))
            continue
        if key in _LIST_KEYS:
            props[key] = "" if not value else (props.get(key, "") + " " + value).strip()
        else:
            props[key] = value
    w = Workload(kind="systemd", name=f"unit {Path(path).name}", path=path, line=1, properties=props)
    exec_start = props.get("ExecStart", "").lstrip("@-:+!")
    w.command = _exec_form(exec_start) if exec_start else []
    w.user = props.get("User") or None
    dyn = props.get("DynamicUser", "").lower() in ("yes", "true", "1", "on")
    w.root = not dyn and _root_user(w.user)
    w.read_only_root = props.get("ProtectSystem", "").lower() in ("strict",)
    cbs = props.get("CapabilityBoundingSet")
    # an explicit allow list (possibly empty) bounds everything; a "~" deny list keeps the rest
    w.cap_drop_all = cbs is not None and not cbs.strip().startswith("~")
    kept = cbs.split() if cbs and not cbs.strip().startswith("~") else []
    amb = props.get("AmbientCapabilities", "")
    w.cap_add = sorted({c.upper().removeprefix("CAP_") for c in [*amb.split(), *kept]})
    nnp = props.get("NoNewPrivileges", "").lower() in ("yes", "true", "1", "on")
    w.no_new_privileges = nnp or dyn
    scf = props.get("SystemCallFilter", "")
    w.seccomp = "profile" if scf else "unset"
    for key, name in (("MemoryMax", "memory"), ("MemoryHigh", "memory"), ("CPUQuota", "cpu"), ("TasksMax", "pids")):
        if props.get(key) and props[key].lower() != "infinity":
            w.limits.setdefault(name, props[key])
    for key in ("EnvironmentFile",):
        if props.get(key):
            w.notes.append(f"EnvironmentFile {props[key]}: every variable in it is plain process environment")
    w.env = env
    w.egress, w.egress_detail = _systemd_egress(props)
    _bind_exposure(w)
    return w


_LIST_KEYS = {"IPAddressDeny", "IPAddressAllow", "SystemCallFilter", "CapabilityBoundingSet",
              "AmbientCapabilities", "ReadWritePaths", "RestrictAddressFamilies", "LoadCredential",
              "SetCredential", "LoadCredentialEncrypted", "SupplementaryGroups", "InaccessiblePaths"}


def _split_env(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError:
        return value.split()


_SPECIAL = {"any": ["0.0.0.0/0", "::/0"], "link-local": ["169.254.0.0/16", "fe80::/64"],
            "localhost": ["127.0.0.0/8", "::1/128"], "multicast": ["224.0.0.0/4", "ff00::/8"]}


def _nets(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for tok in value.split():
        for cidr in _SPECIAL.get(tok, [tok]):
            try:
                out.append(ipaddress.ip_network(cidr, strict=False))
            except ValueError:
                continue
    return out


def _systemd_egress(props: dict[str, str]) -> tuple[str, str]:
    """systemd.resource-control(5): an address in IPAddressAllow is allowed even if IPAddressDeny matches."""
    from clawfence.detect.hosts import METADATA_HOSTS

    deny, allow = _nets(props.get("IPAddressDeny", "")), _nets(props.get("IPAddressAllow", ""))
    if props.get("PrivateNetwork", "").lower() in ("yes", "true", "1", "on"):
        return "internal", "PrivateNetwork=yes"
    if any(n.prefixlen == 0 for n in deny if n.version == 4) and any(
            n.prefixlen == 0 for n in deny if n.version == 6) and all(n.is_loopback for n in allow):
        return "internal", "IPAddressDeny=any" + (" (localhost allowed)" if allow else "")
    open_to: list[str] = []
    for h in sorted(METADATA_HOSTS):
        if not _is_ip(h):
            continue
        ip = ipaddress.ip_address(h)
        allowed = any(ip.version == n.version and ip in n for n in allow)
        denied = any(ip.version == n.version and ip in n for n in deny)
        if allowed or not denied:
            open_to.append(h)
    if open_to:
        return "open", f"no IPAddressDeny covers {', '.join(open_to)}"
    return "filtered", "IPAddressDeny covers the metadata addresses"
