"""The ONLY module that changes a user's files: apply fix plans, verify them, roll them back.

Order of a run: compute the new config text (comments kept by :mod:`clawfence.audit.fix.json5edit`, or a plain
re-serialisation flagged ``comments_lost``) -> validate it against the installed version's schema (refuse
on any new issue) -> back up every file to be touched (:mod:`clawfence.audit.fix.backup`) -> write secrets to the
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
from clawfence.audit.facts.config import ConfigLoadError, _include_roots, parse_raw, resolve_includes
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
    cfg_path = Path(facts.config_path)
    ops = [(p, a) for p in chosen for a in p.actions if isinstance(a, SetConfig | UnsetConfig)]
    sec = [(p, a) for p in chosen for a in p.actions if isinstance(a, WriteSecretFile)]
    mods = [(p, a) for p in chosen for a in p.actions if isinstance(a, Chmod)]
    manual = [(p, a) for p in chosen for a in p.actions if isinstance(a, Manual)]
    for mp, ma in manual:
        res.results.append({"fix": mp.fix_id, "action": to_dict(ma), "status": "manual", "detail": "not performed"})
    new_text = None
    raw: dict[str, Any] = {}
    if ops or sec:
        try:
            text = cfg_path.read_text(encoding="utf-8") if cfg_path.exists() else ""
            raw = parse_raw(cfg_path) if cfg_path.exists() else {}
        except (OSError, ConfigLoadError) as exc:
            raise FixError(f"cannot read {cfg_path}: {exc}") from exc
        new_text, res.comments_lost = edit_config_text(text, [a for _, a in ops])
        try:
            merged = resolve_includes(json5.loads(new_text), cfg_path.parent, _include_roots(cfg_path.parent,
                                      os.environ), (cfg_path.resolve(),), [])
        except (ValueError, ConfigLoadError) as exc:
            res.refused.append(f"result does not load: {exc}")
            merged = None
        if schema_for(facts.version.version) is None:
            res.warnings.append(f"no packaged schema for OpenClaw {facts.version.version or '(unknown)'}: the new "
                                "config was not schema-validated; run `openclaw config validate`")
        if merged is not None:
            res.refused += [f"would add schema issue {m}" for m in _new_issues(raw, merged, facts.version.version)]
        if res.refused:
            return res
    env_files = sorted({Path(a.path) for _, a in sec})
    man = bk.make_backup(res.run_id, ([cfg_path] if new_text is not None else []) + env_files,
                         [Path(a.path) for _, a in mods], home=home)
    auditlog.append(log, "fix.run", {"run": res.run_id, "fixes": [p.fix_id for p in chosen],
                                     "backup": str(bk.run_dir(res.run_id, home)), "config": str(cfg_path)})
    try:
        for env_path in env_files:
            # a fresh random token (rotation) wins over moving the old value of the same variable
            mine = sorted((a for _, a in sec if Path(a.path) == env_path), key=lambda a: a.source.startswith("random:"))
            values = {a.var: _secret_value(a.source, raw) for a in mine}
            old = env_path.read_text(encoding="utf-8") if env_path.exists() else ""
            atomic_write_text(env_path, _dotenv_update(old, values), mode=0o600)
        if new_text is not None:
            atomic_write_text(cfg_path, new_text)
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
