"""Drive the real OpenClaw CLI in isolation, and clawfence next to it (integration tests, parity, benchmark).

Every ``openclaw`` process runs inside ``unshare -m -n``: a private network namespace with only ``lo`` (nothing
can leave the machine) and a private mount namespace with a fresh tmpfs on ``/tmp`` (OpenClaw's hard-coded
``/tmp/openclaw`` log dir and ``/tmp/openclaw-state-locks-<uid>`` stay off the host); only the install prefix
and the work dir are bound back. ``HOME``, ``OPENCLAW_HOME``, ``TMPDIR`` and ``OPENCLAW_STATE_DIR`` point into
the work dir; ``DO_NOT_TRACK=1`` and ``CI=1`` turn off telemetry and the update check.

A *work dir* ``W`` holds one installation: ``W/state`` (the state dir, ``OPENCLAW_STATE_DIR``), ``W/home``,
``W/tmp`` and ``W/ws`` (agent workspace). The native audit runs through ``../shared/realclaw/realclaw-audit.sh``
(same isolation, shared by every helper). Needs root and ``unshare``; :func:`available` says why not.

Standalone use (no clawfence import): this file only needs the standard library.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    """``$CLAWFENCE_SHARED``, else ``../shared`` next to the repo, else ``/work/shared`` (worktrees)."""
    if os.environ.get("CLAWFENCE_SHARED"):
        return Path(os.environ["CLAWFENCE_SHARED"])
    for cand in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if cand.is_dir():
            return cand
    return ROOT.parent / "shared"


SHARED = _shared()
PREFIX = Path(os.environ.get("REALCLAW_PREFIX", "/tmp/realclaw/opt"))
AUDIT_SH = SHARED / "realclaw" / "realclaw-audit.sh"
REFERENCE = SHARED / "reference" / "realclaw"

# Runs as `bash -c INNER _ PREFIX WORKDIR -- openclaw-args...` inside `unshare -m -n`.
_INNER = r"""
set -e
PREFIX=$1; W=$2; shift 3
ip link set lo up >/dev/null 2>&1 || true
mount --make-rprivate /
hold=/mnt
mount --rbind /tmp "$hold"
mount -t tmpfs -o mode=1777,size=512m realclaw-tmp /tmp
for p in "$PREFIX" "$W"; do
  case "$p" in /tmp/*) mkdir -p "$p"; mount --rbind "$hold/${p#/tmp/}" "$p" ;; esac
done
umount -l "$hold" 2>/dev/null || true
export HOME="$W/home" OPENCLAW_HOME="$W/home" TMPDIR="$W/tmp" OPENCLAW_STATE_DIR="$W/state"
export OPENCLAW_CONFIG_PATH="$W/state/openclaw.json" DO_NOT_TRACK=1 CI=1 NO_COLOR=1
unset OPENCLAW_GATEWAY_URL OPENCLAW_PROFILE OPENCLAW_GATEWAY_TOKEN OPENCLAW_GATEWAY_PASSWORD
cd "$W"
exec "$PREFIX/bin/openclaw" "$@"
"""


class RealclawError(RuntimeError):
    """The real OpenClaw cannot be run here, or a command of it failed unexpectedly."""


def available(prefix: Path = PREFIX) -> str | None:
    """None when the real CLI can run isolated here; otherwise the reason (for ``pytest.skip``)."""
    if not (prefix / "bin" / "openclaw").exists():
        return f"real OpenClaw not installed at {prefix} (run ../shared/realclaw/realclaw-setup.sh)"
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return "isolation needs root and unshare (network + mount namespaces)"
    if subprocess.run(["unshare", "-m", "-n", "true"], capture_output=True).returncode != 0:
        return "unshare -m -n is not permitted here"
    return None


def openclaw(workdir: Path, *args: str, prefix: Path = PREFIX, timeout: float = 180,
             env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``openclaw ARGS`` isolated on the installation in ``workdir`` (see module doc). Never raises on a
    non-zero exit; raises :class:`RealclawError` when isolation is unavailable."""
    why = available(prefix)
    if why:
        raise RealclawError(why)
    workdir = workdir.resolve()
    for sub in ("home", "tmp"):
        (workdir / sub).mkdir(parents=True, exist_ok=True)
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TERM")}
    base.update(env or {})
    return subprocess.run(["unshare", "-m", "-n", "--", "bash", "-c", _INNER, "_", str(prefix.resolve()),
                           str(workdir), "--", *args], capture_output=True, text=True, timeout=timeout, env=base)


def onboard(workdir: Path, *extra: str, prefix: Path = PREFIX) -> subprocess.CompletedProcess[str]:
    """``openclaw onboard --non-interactive`` for a local gateway, skipping everything that would reach out
    (channels, daemon, health, skills, search, hooks, UI). ``extra`` adds or overrides flags
    (e.g. ``--gateway-bind lan``). The CLI generates the gateway token itself."""
    args = ["onboard", "--non-interactive", "--accept-risk", "--mode", "local", "--auth-choice", "skip",
            "--gateway-auth", "token", "--skip-channels", "--skip-daemon", "--no-install-daemon", "--skip-health",
            "--skip-skills", "--skip-search", "--skip-ui", "--skip-hooks", "--suppress-gateway-token-output",
            "--workspace", str(workdir.resolve() / "ws"), "--json", *extra]
    if "--gateway-bind" not in extra:
        args += ["--gateway-bind", "loopback"]
    return openclaw(workdir, *args, prefix=prefix)


def config_set(workdir: Path, ops: Sequence[tuple[str, Any]], prefix: Path = PREFIX) -> subprocess.CompletedProcess[str]:
    """``openclaw config set --batch-json`` with ``ops`` = [(dotted path, JSON value), ...] in one validated write."""
    batch = json.dumps([{"path": p, "value": v} for p, v in ops])
    return openclaw(workdir, "config", "set", "--batch-json", batch, prefix=prefix)


def validate(workdir: Path, prefix: Path = PREFIX) -> dict[str, Any]:
    """``openclaw config validate --json`` -> ``{"valid": bool, "issues": [{"path","message"}], ...}``."""
    proc = openclaw(workdir, "config", "validate", "--json", prefix=prefix)
    try:
        doc: dict[str, Any] = json.loads(proc.stdout)
    except ValueError as exc:
        raise RealclawError(f"config validate printed no JSON (rc {proc.returncode}): {proc.stderr[-500:]}") from exc
    return doc


_UNRECOGNIZED = re.compile(r'Unrecognized keys?: (.+)$')


def rejected_keys(doc: Mapping[str, Any]) -> set[str]:
    """Full dotted keys the real validator rejects as unknown (``{"path": "gateway.controlUi", "message":
    'Unrecognized key: "allowInsecureAuth"'}`` -> ``gateway.controlUi.allowInsecureAuth``)."""
    out: set[str] = set()
    for issue in doc.get("issues") or []:
        m = _UNRECOGNIZED.search(str(issue.get("message", "")))
        if not m:
            continue
        parent = str(issue.get("path") or "")
        for key in re.findall(r'"([^"]+)"', m.group(1)):
            out.add(f"{parent}.{key}" if parent else key)
    return out


def invalid_paths(doc: Mapping[str, Any]) -> set[str]:
    """Dotted paths of the real validator's issues that are not unknown keys (bad values)."""
    return {str(i.get("path") or "") for i in doc.get("issues") or []
            if not _UNRECOGNIZED.search(str(i.get("message", "")))}


def native_audit(state_dir: Path, prefix: Path = PREFIX, timeout: float = 240,
                 env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``openclaw security audit --json`` on ``state_dir`` via ``realclaw-audit.sh`` (isolated). Returns the
    report (``{"summary", "findings": [{"checkId","severity",...}]}``) or, for a config the CLI rejects,
    ``{"ok": false, "issues": [...]}``. ``env`` adds variables (e.g. for ``${VAR}`` / SecretRef values)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("OPENCLAW_")}
    full.update({"REALCLAW_PREFIX": str(prefix), **(env or {})})
    # cwd outside /tmp: the audit runs in a mount namespace with a fresh /tmp, where a cwd below /tmp (a CI
    # checkout there) would not exist and OpenClaw's snapshot helper fails to spawn (ENOENT)
    proc = subprocess.run(["bash", str(AUDIT_SH), "--prefix", str(prefix), str(state_dir)], capture_output=True,
                          text=True, timeout=timeout, env=full, cwd=str(Path(prefix).resolve()))
    try:
        doc: dict[str, Any] = json.loads(proc.stdout)
    except ValueError as exc:
        raise RealclawError(f"native audit printed no JSON (rc {proc.returncode}): {proc.stderr[-500:]}") from exc
    return doc


def clawfence_cmd(state_dir: Path, *extra: str) -> list[str]:
    """Command line of ``clawfence audit -f json`` for ``state_dir`` with this interpreter."""
    return [sys.executable, "-m", "clawfence", "audit", "--state-dir", str(state_dir), "-f", "json",
            "--fail-on", "none", *extra]


def clawfence_env() -> dict[str, str]:
    """Environment for running this repository's clawfence (``src`` first on ``PYTHONPATH``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCLAW_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def clawfence_audit(state_dir: Path, *extra: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run ``clawfence audit -f json`` on ``state_dir`` (``env`` adds variables); returns the JSON report.
    Raises :class:`RealclawError` on exit code 2 (usage/input error)."""
    proc = subprocess.run(clawfence_cmd(state_dir, *extra), capture_output=True, text=True,
                          env={**clawfence_env(), **(env or {})}, timeout=120)
    if proc.returncode not in (0, 1):
        raise RealclawError(f"clawfence audit failed (rc {proc.returncode}): {proc.stderr.strip()[-500:]}")
    doc: dict[str, Any] = json.loads(proc.stdout)
    return doc


def env_refs(config_text: str) -> list[str]:
    """Names of the ``${VAR}`` references in a config text, sorted."""
    return sorted(set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", config_text)))


def copy_install(src: Path, dst: Path) -> Path:
    """Copy work dir ``src`` to ``dst`` (modes kept) and rewrite absolute ``src`` paths in the config (the
    workspace and agentDir the CLI recorded). Returns ``dst``."""
    shutil.copytree(src, dst, symlinks=True)
    cfg = dst / "state" / "openclaw.json"
    if cfg.exists():
        cfg.write_text(cfg.read_text(encoding="utf-8").replace(str(src.resolve()), str(dst.resolve())),
                       encoding="utf-8")
    return dst


def install_config(workdir: Path, config: Path | str | Mapping[str, Any], dir_mode: int = 0o700,
                   file_mode: int = 0o600) -> Path:
    """Create a work dir whose state dir holds ``config`` (a path, JSON text or object) with the given modes."""
    state = workdir / "state"
    state.mkdir(parents=True, exist_ok=True)
    if isinstance(config, Path):
        text = config.read_text(encoding="utf-8")
    elif isinstance(config, str):
        text = config
    else:
        text = json.dumps(config, indent=2)
    (state / "openclaw.json").write_text(text, encoding="utf-8")
    os.chmod(state / "openclaw.json", file_mode)
    os.chmod(state, dir_mode)
    return workdir


def strip_rejected(workdir: Path, prefix: Path = PREFIX, rounds: int = 3) -> list[str]:
    """Remove every key the real validator rejects as unknown from ``workdir/state/openclaw.json`` (a plain
    JSON/JSON5 object without ``$include``), until it validates. Returns the removed keys; raises
    :class:`RealclawError` when the config still fails (bad values, not only unknown keys)."""
    import json5  # clawfence dependency; only needed for fixture homes written as JSON5

    cfg = workdir / "state" / "openclaw.json"
    removed: list[str] = []
    for _ in range(rounds):
        doc = validate(workdir, prefix)
        if doc.get("valid"):
            return removed
        keys = rejected_keys(doc)
        if not keys or invalid_paths(doc):
            raise RealclawError(f"config has invalid values the CLI rejects: {doc.get('issues')}")
        data = json5.loads(cfg.read_text(encoding="utf-8"))
        for key in sorted(keys):
            *parents, leaf = key.split(".")
            node = data
            for p in parents:
                node = node.get(p, {}) if isinstance(node, dict) else {}
            if isinstance(node, dict) and leaf in node:
                del node[leaf]
                removed.append(key)
        mode = cfg.stat().st_mode & 0o777
        cfg.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.chmod(cfg, mode)
    raise RealclawError(f"config still invalid after removing {removed}")


def upstream_matches(pattern: str, check_id: str) -> bool:
    """Does a check's ``upstream`` entry name native ``check_id``? Exact, or a catalog template where
    ``<provider>``-style placeholders and ``*`` stand for one dotted segment
    (``channels.<provider>.dm.open`` matches ``channels.telegram.dm.open``)."""
    if pattern == check_id:
        return True
    if "<" not in pattern and "*" not in pattern:
        return False
    rx = re.escape(pattern)
    rx = re.sub(r"\\<[^>]*\\>|<[^>]*>", "[^.]+", rx).replace(r"\*", "[^.]+")
    return re.fullmatch(rx, check_id) is not None


def covering(report: Mapping[str, Any], check_id: str) -> list[dict[str, Any]]:
    """Findings (any status) of clawfence ``report`` whose ``upstream`` list names native ``check_id``."""
    return [f for f in report["findings"] if any(upstream_matches(u, check_id) for u in f.get("upstream") or [])]


def covers(report: Mapping[str, Any], check_id: str) -> list[str]:
    """Ids of the clawfence checks that *cover* native ``check_id`` on this installation: the check's
    ``upstream`` lists it and its status is fail or warn."""
    return sorted({f["id"] for f in covering(report, check_id) if f["status"] in ("fail", "warn")})


def by_id(report: Mapping[str, Any], cid: str) -> list[dict[str, Any]]:
    """Findings of clawfence check ``cid``."""
    return [f for f in report["findings"] if f["id"] == cid]


def line_of(path: Path, needle: str) -> int:
    """1-based line of the only line of ``path`` that contains ``needle``; raises ValueError otherwise."""
    hits = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    if len(hits) != 1:
        raise ValueError(f"{needle!r} on lines {hits} of {path}")
    return hits[0]
