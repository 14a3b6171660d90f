"""Install gate: scan a skill, then copy it into ``<state>/skills/<name>`` only if its verdict is within policy.

A PATH (folder or archive) is loaded into memory once (bounded, symlinks never followed, archive members
checked) and the same bytes that were scanned are written, through a temp dir and an atomic rename. A SLUG is
fetched with the real ClawHub CLI (``clawhub --workdir TMP --dir skills --no-input install SLUG``) when it is on
PATH, then gated like a folder; without it the gate refuses (no network of its own). Every decision is appended to
the hash-chained action log.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from clawfence.integrity import actionlog as auditlog
from clawfence.skills import lockfile
from clawfence.skills.scanner import scan_loaded
from clawfence.skills.source import Loaded, SourceError, is_archive, load_archive, load_dir

ORDER = {"benign": 0, "suspicious": 1, "malicious": 2}


class GateError(Exception):
    """The source cannot be installed for a reason other than policy (missing, unreadable, name clash)."""


@dataclass(frozen=True, slots=True)
class GateResult:
    """Outcome: installed?, destination, verdict, human message."""

    installed: bool
    dest: str
    verdict: str
    message: str


def _load(path: Path) -> Loaded:
    try:
        if path.is_file() and is_archive(path):
            return load_archive(path)
        if path.is_dir():
            return load_dir(path)
    except SourceError as exc:
        raise GateError(str(exc)) from exc
    raise GateError(f"{path}: not a skill folder or archive")


def _fetch_slug(slug: str, tmp: Path) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,120}", slug):
        raise GateError(f"not a path and not a valid ClawHub slug: {slug!r}")
    exe = shutil.which("clawhub")
    if exe is None:
        raise GateError(f"{slug!r} is not a path and the clawhub CLI is not installed; download the skill and pass its folder")
    proc = subprocess.run(
        [exe, "--workdir", str(tmp), "--dir", "skills", "--no-input", "install", slug],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        raise GateError(f"clawhub install {slug} failed: {(proc.stderr or proc.stdout).strip()[:200]}")
    dirs = [d for d in (tmp / "skills").iterdir() if d.is_dir()] if (tmp / "skills").is_dir() else []
    if len(dirs) != 1:
        raise GateError(f"clawhub produced {len(dirs)} skill folders for {slug}")
    return dirs[0]


def install(source: str, state_dir: Path, max_verdict: str = "benign", force: bool = False, replace: bool = False) -> GateResult:
    """Scan ``source`` and install it if its verdict <= ``max_verdict`` (or ``force``). Raises :class:`GateError`."""
    with tempfile.TemporaryDirectory(prefix="clawfence-gate-") as td:
        src = Path(os.path.expanduser(source))
        if not src.exists():
            src = _fetch_slug(source, Path(td))
        loaded = _load(src)
        folder = re.sub(r"\.(zip|tar\.gz|tgz|tar|skill)$", "", src.name, flags=re.I)
        result = scan_loaded(loaded, str(src), folder)
        name = re.sub(r"[^A-Za-z0-9._-]", "-", result.name).strip(".-")[:80] or "skill"
        dest = state_dir / "skills" / name
        allowed = ORDER[result.verdict] <= ORDER[max_verdict]
        log = {"source": source, "name": name, "verdict": result.verdict, "score": result.score, "forced": force}
        if not allowed and not force:
            _log("skills.install.refused", log)
            top = ", ".join(sorted({f.rule for f in result.findings if f.confidence >= 0.5})[:8])
            return GateResult(
                False,
                str(dest),
                result.verdict,
                f"refused: {name} is {result.verdict} (score {result.score}; {top}); "
                f"policy allows <= {max_verdict}; --force overrides",
            )
        if dest.exists() and not replace:
            raise GateError(f"{dest} already exists (use --replace)")
        _write(loaded, dest)
        result.path = str(dest)
        lockfile.approve(lockfile.default_path(state_dir), [result])
        _log("skills.install", {**log, "dest": str(dest)})
        return GateResult(True, str(dest), result.verdict, f"installed {name} [{result.verdict}] into {dest} and approved it")


def _write(loaded: Loaded, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=str(dest.parent)))
    try:
        for f in loaded.files:
            if "!/" in f.rel or f.truncated or (not f.data and f.size):
                continue
            target = (tmp / f.rel).resolve()
            if tmp.resolve() not in target.parents:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as fh:
                fh.write(f.data)
            os.chmod(target, 0o644)
        if dest.exists():
            backup = dest.with_name(f".{dest.name}.bak")
            shutil.rmtree(backup, ignore_errors=True)
            os.replace(dest, backup)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _log(kind: str, data: dict[str, object]) -> None:
    with contextlib.suppress(OSError):
        auditlog.append(auditlog.default_log_path(), kind, data)
