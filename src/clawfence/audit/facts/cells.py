"""Facts about ``openclaw fleet`` tenant cells (OpenClaw 2026.9.6, experimental): one complete OpenClaw per
tenant, each with its own state, credentials, container and loopback port.

Source (read, not copied): OpenClaw 2026.9.6 ``dist/commands.runtime-*.mjs`` regions ``src/fleet/registry.ts``
and ``src/fleet/service-support.runtime.ts`` (private 0700 directories, symlinks and hard links refused, the
cell config's ``gateway.auth.token`` deleted: the token lives only in the container environment), the state
schema's ``fleet_cells`` table (tenant_id, created_at_ms, image, runtime, host_port, container_name, data_dir)
in ``state/openclaw.sqlite``, and ``docs/cli/fleet.md`` (layout ``<state>/fleet/cells/<tenant>/`` and
``<state>/fleet/auth-profile-secrets/<tenant>/``, security profile, digest pinning).

Cheap: nothing is read unless ``<state>/fleet`` exists (one ``lstat``); the registry is opened read-only; each cell config is
read with the bounded reader and summarised like the main config (secrets become salted fingerprints).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from clawfence.audit.facts.config import ConfigLoadError, analyse, read_config

#: tenant ids Fleet accepts (docs/cli/fleet.md)
TENANT_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


class DirFacts(BaseModel, frozen=True):
    """One cell directory: ``path``; ``exists``; ``symlink`` (the path itself is a link); ``real`` (resolved);
    ``mode`` (permission bits); ``uid``; ``dev_ino`` ("dev:inode", to spot two cells on one directory)."""

    path: str
    exists: bool = False
    symlink: bool = False
    real: str = ""
    mode: int | None = None
    uid: int | None = None
    dev_ino: str = ""


class CellFacts(BaseModel, frozen=True):
    """One tenant cell. ``tenant``; ``registered`` (a ``fleet_cells`` row exists) and its ``image``, ``runtime``,
    ``host_port``, ``registry_data_dir``; ``data`` / ``auth`` directories; ``config_path`` and, from the cell's
    openclaw.json, ``auth_mode``, ``bind``, ``token_kind`` / ``token_fingerprint`` / ``password_fingerprint``
    (salted, comparable within one snapshot); ``config_error`` when the cell config cannot be read."""

    tenant: str
    registered: bool = False
    image: str | None = None
    runtime: str | None = None
    host_port: int | None = None
    registry_data_dir: str | None = None
    data: DirFacts
    auth: DirFacts
    config_path: str = ""
    config_error: str | None = None
    auth_mode: str | None = None
    bind: str | None = None
    token_kind: str | None = None
    token_fingerprint: str = ""
    password_fingerprint: str = ""


class CellsFacts(BaseModel, frozen=True):
    """All cells under one state dir: ``root`` (``<state>/fleet``), its ``mode``, ``cells`` by tenant order and
    ``registry_error`` when the registry exists but cannot be read (then only on-disk cells are known),
    ``scan_error`` when ``fleet/cells`` cannot be listed (then only registered cells are known)."""

    root: str
    #: ``root`` with symlinks resolved (where cell directories must resolve to); empty when unknown
    root_real: str = ""
    mode: int | None = None
    cells: list[CellFacts] = Field(default_factory=list)
    registry_error: str | None = None
    scan_error: str | None = None


def _dir(path: Path) -> DirFacts:
    try:
        lst = os.lstat(path)
    except OSError:
        return DirFacts(path=str(path))
    try:
        st = os.stat(path)
        real = os.path.realpath(path)
    except OSError:
        return DirFacts(path=str(path), exists=True, symlink=stat.S_ISLNK(lst.st_mode))
    return DirFacts(path=str(path), exists=True, symlink=stat.S_ISLNK(lst.st_mode), real=real,
                    mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, dev_ino=f"{st.st_dev}:{st.st_ino}")


def _registry(db: Path) -> tuple[dict[str, dict[str, Any]], str | None]:
    if not db.is_file():
        return {}, None
    import sqlite3  # deferred: only installations with a database need it

    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            rows = con.execute("SELECT tenant_id, image, runtime, host_port, data_dir FROM fleet_cells").fetchall()
        finally:
            con.close()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return {}, None
        return {}, f"{db}: {exc}"
    except sqlite3.Error as exc:
        return {}, f"{db}: {exc}"
    return {str(t): {"image": i, "runtime": r, "host_port": p, "data_dir": d} for t, i, r, p, d in rows}, None


def collect_cells(state_dir: Path, salt: bytes) -> CellsFacts | None:
    """Cells of ``state_dir``: registry rows plus every directory under ``fleet/cells``. ``None`` when the
    state dir has no ``fleet`` directory (``fleet create`` makes it; ``fleet rm --purge-data`` deletes the rows
    with the data)."""
    root = state_dir / "fleet"
    if not os.path.lexists(root):  # Fleet creates it with the first cell; the registry query costs a schema parse
        return None
    reg, err = _registry(state_dir / "state" / "openclaw.sqlite")
    names = set(reg)
    scan_error: str | None = None
    cells_dir = root / "cells"
    if cells_dir.is_dir():
        try:
            names |= {e.name for e in os.scandir(cells_dir)}
        except OSError as exc:
            scan_error = f"{cells_dir}: {exc.strerror or exc}"
    cells = []
    for t in sorted(names):
        row = reg.get(t)
        data = Path(row["data_dir"]) if row and isinstance(row.get("data_dir"), str) else cells_dir / t
        cfg_path = data / "openclaw.json"
        info: dict[str, Any] = {}
        if os.path.lexists(cfg_path):
            try:
                text, raw, _ = read_config(cfg_path, {})
                facts = analyse(raw, str(cfg_path), salt=salt, text=text)
                tok, pw = facts.secret("gateway.auth.token"), facts.secret("gateway.auth.password")
                mode, bind = facts.get("gateway.auth.mode"), facts.get("gateway.bind")
                info = {"auth_mode": mode if isinstance(mode, str) else None,
                        "bind": bind if isinstance(bind, str) else None,
                        "token_kind": tok.kind if tok else None,
                        "token_fingerprint": tok.fingerprint if tok and tok.kind == "literal" else "",
                        "password_fingerprint": pw.fingerprint if pw and pw.kind == "literal" else ""}
            except (ConfigLoadError, OSError, ValueError) as exc:
                info = {"config_error": str(exc).splitlines()[0][:200]}
        cells.append(CellFacts(
            tenant=t, registered=row is not None, image=(row or {}).get("image"), runtime=(row or {}).get("runtime"),
            host_port=(row or {}).get("host_port"), registry_data_dir=(row or {}).get("data_dir"),
            data=_dir(data), auth=_dir(root / "auth-profile-secrets" / t), config_path=str(cfg_path), **info))
    rd = _dir(root)
    return CellsFacts(root=str(root), root_real=os.path.realpath(root), mode=rd.mode, cells=cells, registry_error=err,
                      scan_error=scan_error)
