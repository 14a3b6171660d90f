"""The ONLY module that changes a user's files: apply fix plans, verify them, roll them back.

Order of a run: find the file each key lives in (the main config or a ``$include``d file, following OpenClaw's
merge order: a file's own keys over its includes, later includes over earlier ones; :func:`key_files`) ->
compute the new text of each such file (comments kept by :mod:`clawfence.audit.fix.json5edit`, or a plain
re-serialisation flagged ``comments_lost``); a removed key is removed from every file that provides it, so an
included value cannot reappear -> validate the merged result against the installed version's schema (refuse
on any new issue) -> refuse to overwrite a different value already in the dotenv file with a moved secret ->
back up every file to be touched (absolute paths, so a rollback works from any cwd;
:mod:`clawfence.audit.fix.backup`) -> write secrets to the
0600 dotenv -> write the config atomically (owner and mode kept) -> chmod -> log every action in the
hash-chained action log -> re-collect facts and re-run the affected checks. A failure after the backup
restores the backup at once. Secret values exist only inside this module, in memory, while writing.
"""

from __future__ import annotations

import copy
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import json5

from clawfence.audit.facts import Facts
from clawfence.audit.facts.config import (
    ConfigLoadError,
    _deep_merge,
    _include_roots,
    _parse_file,
    parse_raw,
)
from clawfence.audit.facts.schema import schema_for, validate
from clawfence.audit.fix import backup as bk
from clawfence.audit.fix.actions import Chmod, Manual, Plan, Safety, SetConfig, UnsetConfig, WriteSecretFile, to_dict
from clawfence.audit.fix.json5edit import EditError, set_key, unset_key
from clawfence.core.atomic import atomic_write_bytes, atomic_write_text
from clawfence.core.paths import clawfence_home
from clawfence.integrity import actionlog as auditlog


class FixError(Exception):
    """A fix run was refused or failed (one-line message; nothing was left half-written)."""


@dataclass
class ApplyResult:
    """Outcome of a run: ``run_id``; per-action ``results`` (``{"fix", "action", "status", "detail"}`` with
    status applied|skipped|manual|failed); ``comments_lost``; ``verified``: fix id -> ``fixed`` or
    ``still failing: <ids>``; ``refused``: reasons the config was not written; ``warnings``: e.g. no packaged
    schema for the installed version (the result could not be schema-validated)."""

    run_id: str
    results: list[dict[str, Any]] = field(default_factory=list)
    comments_lost: bool = False
    verified: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No refusal and no failed action."""
        return not self.refused and all(r["status"] != "failed" for r in self.results)


def _dict_set(d: dict[str, Any], key: str, value: Any) -> None:
    cur = d
    parts = key.split(".")
    for p in parts[:-1]:
        if not isinstance(cur.get(p), dict):
            cur[p] = {}
        cur = cur[p]
    cur[parts[-1]] = copy.deepcopy(value)


def _dict_unset(d: dict[str, Any], key: str) -> None:
    cur: Any = d
    parts = key.split(".")
    for p in parts[:-1]:
        if not isinstance(cur, dict) or p not in cur:
            return
        cur = cur[p]
    if isinstance(cur, dict):
        cur.pop(parts[-1], None)


def has_comments(text: str) -> bool:
    """True if the JSON5 text holds a ``//`` or ``/* */`` comment outside strings (approximate)."""
    no_strings = re.sub(r'"(\\.|[^"\\])*"|\'(\\.|[^\'\\])*\'', '""', text)
    return "//" in no_strings or "/*" in no_strings


def edit_config_text(text: str, ops: list[SetConfig | UnsetConfig]) -> tuple[str, bool]:
    """(new text, comments_lost). In-place edits when they reproduce the expected data exactly; otherwise a
    re-serialisation (2-space JSON) and ``comments_lost`` if the original had comments."""
    original = json5.loads(text) if text.strip() else {}
    expected = copy.deepcopy(original)
    for op in ops:
        if isinstance(op, SetConfig):
            _dict_set(expected, op.key, op.value)
        else:
            _dict_unset(expected, op.key)
    try:
        new = text if text.strip() else "{}\n"
        for op in ops:
            new = set_key(new, op.key, op.value) if isinstance(op, SetConfig) else unset_key(new, op.key)
        if json5.loads(new) == expected:
            return new, False
    except (EditError, ValueError):
        pass
    return json.dumps(expected, indent=2, ensure_ascii=False) + "\n", has_comments(text)


def _secret_value(source: str, raw: dict[str, Any]) -> str:
    kind, _, arg = source.partition(":")
    if kind == "random":
        return secrets.token_hex(int(arg))
    cur: Any = raw
    for p in arg.split("."):
        cur = cur.get(p) if isinstance(cur, dict) else None
    if not isinstance(cur, str) or not cur:
        raise FixError(f"no plaintext value at {arg} to move")
    return cur


def _dotenv_update(text: str, values: dict[str, str]) -> str:
    lines = text.splitlines()
    done: set[str] = set()
    for i, line in enumerate(lines):
        m = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=", line)
        if m and m.group(1) in values:
            lines[i] = f"{m.group(1)}={values[m.group(1)]}"
            done.add(m.group(1))
    lines += [f"{k}={v}" for k, v in values.items() if k not in done]
    return "\n".join(lines) + "\n"


def _include_targets(obj: dict[str, Any], base: Path) -> list[Path]:
    spec = obj.get("$include")
    files = [spec] if isinstance(spec, str) else spec if isinstance(spec, list) else []
    return [(base / os.path.expanduser(f)).resolve() for f in files if isinstance(f, str)]


def _load_file(path: Path, overlay: dict[Path, str]) -> Any:
    if path in overlay:
        text = overlay[path]
        return json5.loads(text) if text.strip() else {}
    return _parse_file(path)


def key_files(obj: Any, base: Path, file: Path, parts: list[str], overlay: dict[Path, str],
              prefix: tuple[str, ...] = (), depth: int = 0) -> list[tuple[Path, str]]:
    """Every (file, dotted key inside that file) providing the config value at ``parts``, the effective one
    first (OpenClaw's ``$include`` merge: a file's own keys win over its includes, later includes over
    earlier ones). ``obj`` is the parsed content of ``file`` at ``prefix``. Raises :class:`ConfigLoadError`
    for an unreadable include."""
    if depth > 12:
        raise ConfigLoadError("$include nested too deep")
    if not parts:
        return [(file, ".".join(prefix))]
    if not isinstance(obj, dict):
        return []
    out: list[tuple[Path, str]] = []
    head = parts[0]
    if head in obj and head != "$include":
        out += key_files(obj[head], base, file, parts[1:], overlay, (*prefix, head), depth)
    for target in reversed(_include_targets(obj, base)):
        out += key_files(_load_file(target, overlay), target.parent, target, parts, overlay, (), depth + 1)
    return out


def _resolve(obj: Any, base: Path, roots: list[Path], chain: tuple[Path, ...], overlay: dict[Path, str]) -> Any:
    """``config.resolve_includes`` over the files as they would be after the run (``overlay``: new texts)."""
    if isinstance(obj, list):
        return [_resolve(v, base, roots, chain, overlay) for v in obj]
    if not isinstance(obj, dict):
        return obj
    rest = {k: _resolve(v, base, roots, chain, overlay) for k, v in obj.items() if k != "$include"}
    if "$include" not in obj:
        return rest
    merged: Any = {}
    for target in _include_targets(obj, base):
        if not any(target == r or r in target.parents for r in roots):
            raise ConfigLoadError(f"$include escapes the config directory ({target})")
        if target in chain or len(chain) > 10:
            raise ConfigLoadError(f"$include loop or too deep at {target}")
        merged = _deep_merge(merged, _resolve(_load_file(target, overlay), target.parent, roots, (*chain, target),
                                              overlay))
    return _deep_merge(merged, rest)


def _plan_files(cfg_path: Path, text: str, ops: list[SetConfig | UnsetConfig]) -> dict[Path, list[SetConfig | UnsetConfig]]:
    """Config operations per file they must be made in (see module doc)."""
    main_raw = json5.loads(text) if text.strip() else {}
    per: dict[Path, list[SetConfig | UnsetConfig]] = {}
    for op in ops:
        hits = key_files(main_raw, cfg_path.parent, cfg_path, op.key.split("."), {})
        if isinstance(op, SetConfig):
            f, k = hits[0] if hits else (cfg_path, op.key)
            per.setdefault(f, []).append(SetConfig(k, op.value, op.old))
        else:
            for f, k in hits:
                per.setdefault(f, []).append(UnsetConfig(k, op.old))
    return per


def _env_conflicts(path: Path, values: dict[str, str], moved: set[str]) -> tuple[dict[str, str], list[str]]:
    """({var: why} moves refused, warnings) for writing ``values`` into the dotenv ``path``: a moved secret
    never overwrites a different value already there (both are kept: the move is skipped); a fresh random token
    (rotation) replaces it, with a warning. Only variable names are shown, never values."""
    try:
        old = path.read_text(encoding="utf-8") if path.exists() else ""
    except OSError:
        return {}, []
    have: dict[str, str] = {}
    for line in old.splitlines():
        m = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$", line)
        if m:
            have[m.group(1)] = m.group(2).strip().strip("'\"")
    refused: dict[str, str] = {}
    warned: list[str] = []
    for var, val in values.items():
        if var in have and have[var] and have[var] != val:
            if var in moved:
                refused[var] = (f"{var} is already set in {path} to a different value: not overwritten, and the "
                                "config's plaintext value was left in place (resolve which one is right, then run "
                                "fix again)")
            else:
                warned.append(f"{var} in {path} was replaced by a fresh token (the previous value is in the backup)")
    return refused, warned


def _new_issues(before: dict[str, Any], after: dict[str, Any], version: str | None) -> list[str]:
    _, old = validate(before, version)
    _, new = validate(after, version)
    seen = {(i.path, i.kind) for i in old}
    return [f"{i.path}: {i.kind}: {i.message}" for i in new if (i.path, i.kind) not in seen]


def apply_plans(plans: list[Plan], facts: Facts, include_unsafe: bool = False, home: Path | None = None,
                log_path: Path | None = None, verify: bool = True) -> ApplyResult:
    """Apply the SAFE plans (and UNSAFE ones with ``include_unsafe``). Raises :class:`FixError` when the
    config cannot be read; a schema refusal is returned in ``refused`` with nothing written."""
    chosen = [p for p in plans if p.safety == Safety.SAFE or include_unsafe]
    res = ApplyResult(run_id=bk.new_run_id())
    log = log_path or (home or clawfence_home()) / "actions.jsonl"
    cfg_path = Path(os.path.abspath(facts.config_path))
    ops = [(p, a) for p in chosen for a in p.actions if isinstance(a, SetConfig | UnsetConfig)]
    sec = [(p, a) for p in chosen for a in p.actions if isinstance(a, WriteSecretFile)]
    mods = [(p, a) for p in chosen for a in p.actions if isinstance(a, Chmod)]
    manual = [(p, a) for p in chosen for a in p.actions if isinstance(a, Manual)]
    for mp, ma in manual:
        res.results.append({"fix": mp.fix_id, "action": to_dict(ma), "status": "manual", "detail": "not performed"})
    skipped: set[int] = set()
    skip_keys: set[str] = set()
    raw: dict[str, Any] = {}
    if sec:
        try:
            raw = parse_raw(cfg_path) if cfg_path.exists() else {}
        except (OSError, ConfigLoadError) as exc:
            raise FixError(f"cannot read {cfg_path}: {exc}") from exc
    env_files = sorted({Path(os.path.abspath(a.path)) for _, a in sec})
    env_values: dict[Path, dict[str, str]] = {}
    for env_path in env_files:
        # a fresh random token (rotation) wins over moving the old value of the same variable
        mine = sorted((a for _, a in sec if Path(os.path.abspath(a.path)) == env_path),
                      key=lambda a: a.source.startswith("random:"))
        try:
            env_values[env_path] = {a.var: _secret_value(a.source, raw) for a in mine}
        except FixError as exc:
            res.refused.append(str(exc))
            continue
        moved = {a.var for a in mine if a.source.startswith("config:")} - {
            a.var for a in mine if a.source.startswith("random:")}
        conflicts, warns = _env_conflicts(env_path, env_values[env_path], moved)
        res.warnings += warns
        for var, why in conflicts.items():
            # keep both: the dotenv value stays, the config literal stays (not moved, not referenced)
            env_values[env_path].pop(var, None)
            for sp, sa in sec:
                if sa.var == var and Path(os.path.abspath(sa.path)) == env_path:
                    skipped.add(id(sa))
                    skip_keys.add(sa.source.split(":", 1)[1])
                    res.results.append({"fix": sp.fix_id, "action": to_dict(sa), "status": "skipped",
                                        "detail": why})
            res.warnings.append(why)
    if skip_keys:
        for op_p, op_a in ops:
            if op_a.key in skip_keys:
                res.results.append({"fix": op_p.fix_id, "action": to_dict(op_a), "status": "skipped",
                                    "detail": "its secret was not moved (see above)"})
        ops = [(op_p, op_a) for op_p, op_a in ops if op_a.key not in skip_keys]
    sec = [(sp, sa) for sp, sa in sec if id(sa) not in skipped]
    env_files = [f for f in env_files if env_values.get(f)]
    new_texts: dict[Path, str] = {}
    if ops or sec:
        try:
            text = cfg_path.read_text(encoding="utf-8") if cfg_path.exists() else ""
            raw = raw or (parse_raw(cfg_path) if cfg_path.exists() else {})
            per_file = _plan_files(cfg_path, text, [a for _, a in ops])
            for f, f_ops in per_file.items():
                old_text = text if f == cfg_path else f.read_text(encoding="utf-8")
                new, lost = edit_config_text(old_text, f_ops)
                res.comments_lost = res.comments_lost or lost
                if new != old_text:
                    new_texts[f] = new
        except (OSError, ValueError, ConfigLoadError) as exc:
            raise FixError(f"cannot read {cfg_path}: {exc}") from exc
        try:
            main_new = new_texts.get(cfg_path, text)
            merged = _resolve(json5.loads(main_new) if main_new.strip() else {}, cfg_path.parent,
                              _include_roots(cfg_path.parent, os.environ), (cfg_path.resolve(),), new_texts)
        except (ValueError, ConfigLoadError, OSError) as exc:
            res.refused.append(f"result does not load: {exc}")
            merged = None
        if schema_for(facts.version.version) is None:
            res.warnings.append(f"no packaged schema for OpenClaw {facts.version.version or '(unknown)'}: the new "
                                "config was not schema-validated; run `openclaw config validate`")
        if merged is not None:
            res.refused += [f"would add schema issue {m}" for m in _new_issues(raw, merged, facts.version.version)]
    if res.refused:
        return res
    cfg_files = sorted(new_texts)
    man = bk.make_backup(res.run_id, [*cfg_files, *env_files], [Path(os.path.abspath(a.path)) for _, a in mods],
                         home=home)
    auditlog.append(log, "fix.run", {"run": res.run_id, "fixes": [p.fix_id for p in chosen],
                                     "backup": str(bk.run_dir(res.run_id, home)), "config": str(cfg_path),
                                     "files": [str(f) for f in cfg_files]})
    try:
        for env_path in env_files:
            old = env_path.read_text(encoding="utf-8") if env_path.exists() else ""
            atomic_write_text(env_path, _dotenv_update(old, env_values[env_path]), mode=0o600)
        for f in cfg_files:
            atomic_write_text(f, new_texts[f])
        for _, a in mods:
            os.chmod(a.path, a.mode)
    except (OSError, FixError) as exc:
        restore(man, home)
        auditlog.append(log, "fix.failed", {"run": res.run_id, "error": f"{type(exc).__name__}: {exc}"[:300],
                                            "restored": True})
        raise FixError(f"fix run {res.run_id} failed and was rolled back: {exc}") from exc
    done: list[tuple[Plan, Any]] = [*sec, *ops, *mods]
    for dp, da in done:
        res.results.append({"fix": dp.fix_id, "action": to_dict(da), "status": "applied", "detail": ""})
        auditlog.append(log, "fix.action", {"run": res.run_id, "fix": dp.fix_id, "action": to_dict(da)})
    if verify:
        res.verified = reverify(facts, {p.fix_id for p in chosen if p.actions})
        auditlog.append(log, "fix.verified", {"run": res.run_id, "verified": res.verified})
    return res


def reverify(facts: Facts, fix_ids: set[str]) -> dict[str, str]:
    """Re-collect facts and re-run every check whose ``fix`` is in ``fix_ids``."""
    from clawfence.audit.checks import all_checks
    from clawfence.audit.collect import collect
    from clawfence.audit.engine import run_check
    from clawfence.audit.facts import locate
    from clawfence.core.model import Status
    inst = locate(facts.state_dir, facts.config_path, None)
    try:
        fresh = collect(inst, version_override=facts.version.version, with_host=facts.host is not None)
    except Exception as exc:  # the config must still load: report, do not crash
        return {f: f"cannot re-audit: {exc}" for f in fix_ids}
    fresh = fresh.model_copy(update={"probe": facts.probe})
    out: dict[str, str] = {}
    for fid in sorted(fix_ids):
        bad = sorted({f.id for c in all_checks() if c.fix == fid for f in run_check(c, fresh)
                      if f.status in (Status.FAIL, Status.WARN) and not c.deep})
        out[fid] = "fixed" if not bad else f"still failing: {', '.join(bad)}"
    return out


def restore(man: bk.Manifest, home: Path | None = None) -> list[str]:
    """Put every path of ``man`` back as it was: contents, mode and owner; remove files that did not exist."""
    done = []
    d = bk.run_dir(man.run_id, home)
    for e in man.entries:
        p = Path(e.path)
        if not e.existed:
            if p.exists():
                p.unlink()
                done.append(f"removed {p}")
            continue
        if e.copy:
            saved = (d / e.copy).read_bytes()
            if p.is_file() and p.read_bytes() == saved:  # unchanged (e.g. its write was interrupted)
                if e.mode is not None and (p.stat().st_mode & 0o7777) != e.mode:
                    os.chmod(p, e.mode)
                continue
            atomic_write_bytes(p, saved, mode=e.mode)
            if e.uid is not None and e.gid is not None and os.geteuid() == 0:
                os.chown(p, e.uid, e.gid)
            done.append(f"restored {p}")
        elif e.mode is not None and p.exists():
            os.chmod(p, e.mode)
            done.append(f"chmod {e.mode:03o} {p}")
    return done


def rollback(run_id: str | None = None, home: Path | None = None, log_path: Path | None = None) -> tuple[str, list[str]]:
    """Restore run ``run_id`` (None = latest fix run); the current files are backed up first as a
    ``rollback`` run, so a rollback can itself be undone. Returns (run id restored, what was done)."""
    man = bk.load_manifest(run_id, home)
    undo = bk.new_run_id()
    bk.make_backup(undo, [Path(e.path) for e in man.entries if e.copy or not e.existed],
                   [Path(e.path) for e in man.entries if not e.copy and e.existed], kind="rollback", home=home)
    done = restore(man, home)
    auditlog.append(log_path or (home or clawfence_home()) / "actions.jsonl", "fix.rollback",
                    {"run": man.run_id, "undo_backup": undo, "done": done})
    return man.run_id, done
