#!/usr/bin/env python3
"""Parity of ``clawfence audit`` with OpenClaw's own ``openclaw security audit --json`` (2026.9.6).

Runs both tools on the same installations and, for every native ``checkId`` reported, lists the clawfence
checks that cover it. A clawfence check *covers* a checkId on an installation when its ``upstream`` lists the
checkId (catalog templates such as ``channels.<provider>.dm.open`` match) and its status there is fail or warn.

Installations (each in its own work dir, see ``realclaw_env``):
  * real ones made by the real CLI: ``onboard --non-interactive`` (loopback, CLI-generated token), the same
    opened up by ``config set`` (lan, auth none, open Telegram DMs/groups, exec full, elevated, 755/644), a short
    token set by ``config set``, and ``onboard --gateway-bind lan --gateway-auth password`` with a short password;
  * the reference configs of ``../shared/reference/realclaw/configs`` (those 2026.9.6 rejects are listed, not
    compared), with the file modes of the reference runs;
  * the shared fixture homes (whole state dir, fixture modes) with the keys 2026.9.6 rejects removed by asking
    the real ``openclaw config validate``.

Native checkId catalogue (``--catalogue``): every ``checkId`` literal of the installed dist's security audit
(``dist/**/*.{js,mjs}``; doctor ``core/``, ``policy/`` and ``doctor.`` ids excluded; ``${...}`` template parts become
``*``), each marked covered (by the clawfence checks whose ``upstream`` names it, or semantically per
``scripts/parity_native.yaml``), deliberately not covered (why), plus the ids clawfence still declares that the
dist no longer emits (retired: where last seen). It needs only the installed dist, no root; it rewrites the
"Native checkId catalogue" section of docs/parity.md (``--check``: exit 1 when the section is out of date).

Usage::

    python scripts/parity.py [--out docs/parity.md] [--json results.json] [--only NAME ...] [--keep DIR]
    python scripts/parity.py --catalogue [--check] [--dist DIR] [--out docs/parity.md]

Needs root + ``unshare`` (isolation) and the real OpenClaw (``../shared/realclaw/realclaw-setup.sh``).
Exit status: 0, or 2 when the real OpenClaw cannot be run here (or, with ``--catalogue``, its dist is absent).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realclaw_env as rc  # sibling module: the script runs standalone

VERSION = "2026.9.6"
DIST = rc.PREFIX / "openclaw" / "lib" / "node_modules" / "openclaw" / "dist"
DECISIONS = Path(__file__).resolve().parent / "parity_native.yaml"
BEGIN, END = "<!-- native-catalogue:begin -->", "<!-- native-catalogue:end -->"
PBEGIN, PEND = "<!-- native-policy:begin -->", "<!-- native-policy:end -->"
POLICY_MAP = rc.ROOT / "src" / "clawfence" / "data" / "native-policy-map.yaml"
_CHECKID = re.compile(rb'checkId:\s*(?:"([^"\\\n]+)"|`([^`\n]+)`)')
#: id prefixes of ``openclaw doctor`` / ``openclaw policy`` checks, not of ``security audit``
NOT_AUDIT = ("core/", "policy/", "doctor.")
SEVERITY_ORDER = {"critical": 0, "warn": 1, "info": 2}

INSECURE_OPS: list[tuple[str, Any]] = [
    ("gateway.bind", "lan"),
    ("gateway.auth.mode", "none"),
    ("channels.telegram.botToken", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
    ("channels.telegram.dmPolicy", "open"),
    ("channels.telegram.allowFrom", ["*"]),
    ("channels.telegram.groupPolicy", "open"),
    ("tools.exec.security", "full"),
    ("tools.elevated.enabled", True),
]

# reference config -> (dir mode, file mode) used in ../shared/reference/realclaw runs
REFERENCE_MODES: dict[str, tuple[int, int]] = {
    "b3-insecure-weaktoken-valid": (0o777, 0o666),
    "b4-insecure-noauth-valid": (0o777, 0o666),
}


@dataclass
class Installation:
    """One installation to compare: ``name``, how it was made, and its work dir (``work/state``)."""

    name: str
    origin: str
    how: str
    work: Path
    removed_keys: list[str] = field(default_factory=list)
    error: str | None = None
    env: dict[str, str] = field(default_factory=dict)   # given to both tools (values for ${VAR} references)


@dataclass
class Result:
    """Both audits of one installation."""

    inst: Installation
    clawfence: dict[str, Any] | None = None
    native: dict[str, Any] | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def native_findings(self) -> list[dict[str, Any]]:
        """The native findings, or [] when the CLI rejected the config."""
        if not self.native or self.native.get("ok") is False:
            return []
        out: list[dict[str, Any]] = self.native.get("findings") or []
        return out


# ---------------------------------------------------------------- installations

def _real(root: Path) -> list[tuple[str, Callable[[], Installation]]]:
    base = root / "real-onboard"

    def onboard() -> Installation:
        inst = Installation("real-onboard", "real CLI", "`openclaw onboard --non-interactive` (loopback, token "
                            "generated by the CLI)", base)
        proc = rc.onboard(base)
        if proc.returncode != 0:
            inst.error = f"onboard failed: {proc.stderr.strip()[-300:]}"
        return inst

    def derived(name: str, how: str, ops: list[tuple[str, Any]], modes: tuple[int, int] | None) -> Callable[[], Installation]:
        def make() -> Installation:
            if not (base / "state" / "openclaw.json").exists():
                onboard()
            work = rc.copy_install(base, root / name)
            inst = Installation(name, "real CLI", how, work)
            proc = rc.config_set(work, ops)
            if proc.returncode != 0:
                inst.error = f"config set failed: {proc.stderr.strip()[-300:]}"
            if modes:
                os.chmod(work / "state", modes[0])
                os.chmod(work / "state" / "openclaw.json", modes[1])
            return inst
        return make

    def lan_password() -> Installation:
        work = root / "real-onboard-lan-password"
        inst = Installation("real-onboard-lan-password", "real CLI", "`openclaw onboard --non-interactive "
                            "--gateway-bind lan --gateway-auth password --gateway-password hunter2`", work)
        proc = rc.onboard(work, "--gateway-bind", "lan", "--gateway-auth", "password", "--gateway-password", "hunter2")
        if proc.returncode != 0:
            inst.error = f"onboard failed: {proc.stderr.strip()[-300:]}"
        return inst

    ops_desc = ", ".join(f"{k}={json.dumps(v) if k != 'channels.telegram.botToken' else '<token>'}" for k, v in INSECURE_OPS)
    return [
        ("real-onboard", onboard),
        ("real-insecure", derived("real-insecure", f"real-onboard + `openclaw config set --batch-json` ({ops_desc}); "
                                  "chmod 755/644", INSECURE_OPS, (0o755, 0o644))),
        ("real-weak-token", derived("real-weak-token", "real-onboard + `openclaw config set gateway.auth.token "
                                    "abc123def`", [("gateway.auth.token", "abc123def")], None)),
        ("real-onboard-lan-password", lan_password),
    ]


def _references(root: Path) -> list[tuple[str, Callable[[], Installation]]]:
    out: list[tuple[str, Callable[[], Installation]]] = []
    for cfg in sorted((rc.REFERENCE / "configs").glob("*.openclaw.json")):
        name = cfg.name.removesuffix(".openclaw.json")
        dmode, fmode = REFERENCE_MODES.get(name, (0o700, 0o600))

        def make(cfg: Path = cfg, name: str = name, dmode: int = dmode, fmode: int = fmode) -> Installation:
            work = rc.install_config(root / f"ref-{name}", cfg, dmode, fmode)
            return Installation(f"ref-{name}", "reference config", f"`reference/realclaw/configs/{cfg.name}`, "
                                f"modes {dmode:o}/{fmode:o}", work)
        out.append((f"ref-{name}", make))
    return out


def _fixtures(root: Path) -> list[tuple[str, Callable[[], Installation]]]:
    out: list[tuple[str, Callable[[], Installation]]] = []
    holder: dict[str, Path] = {}

    def materialised() -> Path:
        if "dest" not in holder:
            dest = root / "fixture-src"
            subprocess.run(["bash", str(rc.SHARED / "fixtures" / "set-modes.sh"), str(dest)], check=True,
                           capture_output=True)
            holder["dest"] = dest
        return holder["dest"]

    for home in ("insecure", "insecure-noauth", "hardened"):
        def make(home: str = home) -> Installation:
            work = root / f"fixture-{home}"
            work.mkdir(parents=True)
            shutil.copytree(materialised() / f"home-{home}" / ".openclaw", work / "state", symlinks=True)
            inst = Installation(f"fixture-{home}", "fixture home", f"`fixtures/homes/{home}` via set-modes.sh, "
                                "keys rejected by 2026.9.6 removed", work)
            try:
                inst.removed_keys = rc.strip_rejected(work)
            except rc.RealclawError as exc:
                inst.error = str(exc)
            # a deployed gateway has its ${VAR}s set: give both tools strong random values
            refs = rc.env_refs((work / "state" / "openclaw.json").read_text(encoding="utf-8"))
            inst.env = {name: secrets.token_hex(24) for name in refs}
            if refs:
                inst.how += f"; env set for {', '.join(f'`${{{n}}}`' for n in refs)} (random 48 hex)"
            return inst
        out.append((f"fixture-{home}", make))
    return out


def installations(root: Path, only: Sequence[str] = ()) -> list[Installation]:
    """Create the installations (all, or those named in ``only``) under ``root``."""
    makers = _real(root) + _references(root) + _fixtures(root)
    chosen = [(n, m) for n, m in makers if not only or n in only]
    unknown = set(only) - {n for n, _ in makers}
    if unknown:
        raise SystemExit(f"parity: unknown installation(s): {', '.join(sorted(unknown))}; "
                         f"known: {', '.join(n for n, _ in makers)}")
    return [m() for _, m in chosen]


# ---------------------------------------------------------------- comparison

def run(insts: Iterable[Installation], log: Callable[[str], None] = lambda s: None) -> list[Result]:
    """Audit each installation with clawfence first (as created), then with the native audit."""
    results: list[Result] = []
    for inst in insts:
        res = Result(inst)
        if inst.error is None:
            t = time.perf_counter()
            res.clawfence = rc.clawfence_audit(inst.work / "state", "--openclaw-version", VERSION, env=inst.env)
            res.seconds["clawfence"] = time.perf_counter() - t
            t = time.perf_counter()
            res.native = rc.native_audit(inst.work / "state", env=inst.env)
            res.seconds["native"] = time.perf_counter() - t
        rejected = res.native is not None and res.native.get("ok") is False
        log(f"{inst.name}: {len(res.native_findings)} native findings"
            + (" (config rejected by the CLI)" if rejected else "") + (f" ERROR {inst.error}" if inst.error else ""))
        results.append(res)
    return results


@dataclass
class Row:
    """One native checkId over all installations."""

    check_id: str
    severities: set[str] = field(default_factory=set)
    seen: list[str] = field(default_factory=list)          # installations reporting it
    covered_on: list[str] = field(default_factory=list)    # ... where a clawfence check covers it
    covering: set[str] = field(default_factory=set)        # clawfence checks covering it somewhere
    declared: set[str] = field(default_factory=set)        # clawfence checks listing it in upstream (any status)

    @property
    def status(self) -> str:
        """``yes`` (covered everywhere it was reported), ``partial`` or ``no``."""
        if len(self.covered_on) == len(self.seen):
            return "yes"
        return "partial" if self.covered_on else "no"

    @property
    def worst(self) -> str:
        """Most severe native severity seen."""
        return min(self.severities, key=lambda s: SEVERITY_ORDER.get(s, 9))


def compare(results: Iterable[Result]) -> list[Row]:
    """Rows for every native checkId, most severe first then by id."""
    rows: dict[str, Row] = {}
    for res in results:
        if res.clawfence is None:
            continue
        for f in res.native_findings:
            row = rows.setdefault(f["checkId"], Row(f["checkId"]))
            row.severities.add(str(f.get("severity")))
            if res.inst.name in row.seen:
                continue
            row.seen.append(res.inst.name)
            cov = rc.covers(res.clawfence, f["checkId"])
            row.declared |= {x["id"] for x in rc.covering(res.clawfence, f["checkId"])}
            if cov:
                row.covered_on.append(res.inst.name)
                row.covering |= set(cov)
    return sorted(rows.values(), key=lambda r: (SEVERITY_ORDER.get(r.worst, 9), r.check_id))


def coverage(rows: Sequence[Row], severity: str | None = None) -> tuple[int, int]:
    """(fully covered checkIds, total) for rows whose worst severity is ``severity`` (None = all)."""
    sel = [r for r in rows if severity is None or r.worst == severity]
    return sum(1 for r in sel if r.status == "yes"), len(sel)


def uncovered(rows: Sequence[Row], severity: str = "critical") -> list[str]:
    """checkIds of ``severity`` not covered on every installation reporting them."""
    return [r.check_id for r in rows if r.worst == severity and r.status != "yes"]


def schema_agreement(res: Result) -> bool | None:
    """Does clawfence's CF001 verdict (config valid for 2026.9.6) match the real CLI accepting the config?
    None when not compared."""
    if res.clawfence is None or res.native is None:
        return None
    cf_valid = not any(f["id"] == "CF001" and f["status"] == "fail" for f in res.clawfence["findings"])
    return cf_valid == (res.native.get("ok") is not False)


def _pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "0/0"


def markdown(rows: Sequence[Row], results: Sequence[Result], generated: str) -> str:
    """docs/parity.md."""
    pairs = sum(len(r.seen) for r in rows)
    covered_pairs = sum(len(r.covered_on) for r in rows)
    lines = [
        "# Parity with `openclaw security audit` (OpenClaw 2026.9.6)",
        "",
        f"Generated by `python scripts/parity.py` on {generated}. Do not edit by hand.",
        "",
        "For each native `checkId` that the real `openclaw security audit --json` reports on an installation, the",
        "clawfence checks that cover it there: the check's `upstream` lists the checkId and its status on that",
        "installation is fail or warn. *covered?* is `yes` when it is covered on every installation reporting it.",
        "",
        "## Coverage",
        "",
        f"- native checkIds covered: **{_pct(*coverage(rows))}**",
        f"- critical: {_pct(*coverage(rows, 'critical'))}, warn: {_pct(*coverage(rows, 'warn'))}, "
        f"info: {_pct(*coverage(rows, 'info'))}",
        f"- (installation, checkId) pairs covered: {_pct(covered_pairs, pairs)}",
        f"- uncovered critical checkIds: {', '.join(f'`{c}`' for c in uncovered(rows)) or 'none'}",
        f"- schema verdict (clawfence CF001 vs the real CLI accepting the config): agrees on "
        f"{_pct(sum(1 for r in results if schema_agreement(r)), sum(1 for r in results if schema_agreement(r) is not None))}"
        " installations",
        "",
        "## checkIds",
        "",
        "| checkId | severity | installations | covering clawfence check | covered? |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        sev = "/".join(sorted(r.severities, key=lambda s: SEVERITY_ORDER.get(s, 9)))
        cov = ", ".join(sorted(r.covering)) or "-"
        extra = sorted(r.declared - r.covering)
        if extra:
            cov += f" (declared, not failing: {', '.join(extra)})"
        lines.append(f"| `{r.check_id}` | {sev} | {len(r.seen)}: {', '.join(r.seen)} | {cov} | {r.status} |")
    lines += ["", "## Installations", "", "| installation | made by | how | native crit/warn/info | clawfence fail/warn "
              "| CF001 agrees | native s | clawfence s |", "|---|---|---|---|---|---|---|---|"]
    for res in results:
        inst = res.inst
        how = inst.how + (f"; removed {', '.join(f'`{k}`' for k in inst.removed_keys)}" if inst.removed_keys else "")
        if inst.error:
            native = f"not compared: {inst.error}"
        elif res.native and res.native.get("ok") is False:
            keys = sorted(rc.rejected_keys(res.native)) or sorted(str(i.get("path")) for i in res.native.get("issues") or [])
            native = "config rejected by 2026.9.6 (" + ", ".join(f"`{k}`" for k in keys) + ")"
        else:
            s = (res.native or {}).get("summary") or {}
            native = f"{s.get('critical', 0)}/{s.get('warn', 0)}/{s.get('info', 0)}"
        cf = "-"
        if res.clawfence:
            st = res.clawfence["summary"]["status"]
            cf = f"{st.get('fail', 0)}/{st.get('warn', 0)}"
        secs = [f"{res.seconds[k]:.2f}" if k in res.seconds else "-" for k in ("native", "clawfence")]
        agree = {True: "yes", False: "**no**", None: "-"}[schema_agreement(res)]
        lines.append(f"| {inst.name} | {inst.origin} | {how} | {native} | {cf} | {agree} | {secs[0]} | {secs[1]} |")
    lines += ["", "Installations run isolated (`unshare -m -n`, private HOME/TMPDIR/state, loopback-only network)."
              " Native audit via `../shared/realclaw/realclaw-audit.sh`.", ""]
    return "\n".join(lines)


def _norm(checkid: str) -> str:
    """``${expr}`` template parts and ``<placeholder>`` catalogue parts -> ``*``."""
    return re.sub(r"<[^>]*>", "*", re.sub(r"\$\{[^}]*\}", "*", checkid))


def native_checkids(dist: Path = DIST) -> dict[str, list[str]]:
    """Every security-audit ``checkId`` literal in ``dist`` (``*.js``/``*.mjs``, recursively) -> the files (relative,
    sorted) that emit it. Ids are normalised with :func:`_norm`; doctor/policy ids are left out."""
    out: dict[str, set[str]] = {}
    for path in sorted(dist.rglob("*")):
        if path.suffix not in (".js", ".mjs") or not path.is_file() or "node_modules" in path.relative_to(dist).parts:
            continue
        data = path.read_bytes()
        if b"checkId" not in data:
            continue
        for m in _CHECKID.finditer(data):
            raw = (m.group(1) or m.group(2)).decode("utf-8", "replace").strip()
            if not raw or raw.startswith(NOT_AUDIT) or not re.match(r"^[a-z][\w.*${}()\[\]+ \"_-]*$", raw, re.I):
                continue
            out.setdefault(_norm(raw), set()).add(path.relative_to(dist).as_posix())
    return {k: sorted(v) for k, v in sorted(out.items())}


def _matches(native: str, upstream: str) -> bool:
    a, b = _norm(native), _norm(upstream)
    return a == b or rc.upstream_matches(upstream, native) or fnmatch.fnmatchcase(a, b) or fnmatch.fnmatchcase(b, a)


@dataclass
class CatalogueRow:
    """One native checkId: ``status`` covered | not covered | UNDECIDED, ``by`` check ids, ``note``."""

    check_id: str
    status: str
    by: list[str]
    note: str
    files: list[str]


def catalogue(dist: Path = DIST, decisions: Path = DECISIONS) -> tuple[list[CatalogueRow], list[tuple[str, list[str], str]]]:
    """(rows for every native id, retired ids: (id, declaring checks, last seen)). Ids without a decision are
    ``UNDECIDED``; a declared id absent from the dist without a ``retired`` entry is listed as ``UNDECIDED``."""
    import yaml
    sys.path.insert(0, str(rc.ROOT / "src"))
    from clawfence.audit.checks import all_checks
    dec = yaml.safe_load(decisions.read_text(encoding="utf-8")) or {}
    ids = native_checkids(dist)
    declared = [(c.id, u) for c in all_checks() for u in c.upstream]
    rows: list[CatalogueRow] = []
    for cid, files in ids.items():
        by = sorted({c for c, u in declared if _matches(cid, u)})
        sem = (dec.get("covered_by") or {}).get(cid)
        why = (dec.get("not_covered") or {}).get(cid)
        if by:
            rows.append(CatalogueRow(cid, "covered", by, "declared in `upstream`", files))
        elif sem:
            rows.append(CatalogueRow(cid, "covered", list(sem["checks"]), f"semantic: {sem['note']}", files))
        elif why:
            rows.append(CatalogueRow(cid, "not covered", [], str(why), files))
        else:
            rows.append(CatalogueRow(cid, "UNDECIDED", [], "no check declares it and scripts/parity_native.yaml has "
                                     "no decision", files))
    retired: list[tuple[str, list[str], str]] = []
    for up in sorted({u for _, u in declared}):
        if up.startswith("policy/") or up.isupper() or any(_matches(cid, up) for cid in ids):
            continue  # policy/* ids: the Policy plugin (policy_markdown); UPPER_CASE: `secrets audit` codes
        seen = (dec.get("retired") or {}).get(up, "UNDECIDED: declared by clawfence, absent from the dist, no "
                                                  "retired entry in scripts/parity_native.yaml")
        retired.append((up, sorted({c for c, u in declared if u == up}), str(seen)))
    return rows, retired


def dist_version(dist: Path = DIST) -> str:
    """``version`` of the dist's package.json (``?`` if unreadable)."""
    try:
        return str(json.loads((dist.parent / "package.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return "?"


def catalogue_markdown(dist: Path = DIST, decisions: Path = DECISIONS) -> str:
    """The docs/parity.md section (between the ``native-catalogue`` markers), deterministic (no timestamp)."""
    rows, retired = catalogue(dist, decisions)
    cov = [r for r in rows if r.status == "covered"]
    decl = sum(1 for r in cov if r.note == "declared in `upstream`")
    nc = [r for r in rows if r.status == "not covered"]
    und = [r for r in rows if r.status == "UNDECIDED"] + [r for r in retired if r[2].startswith("UNDECIDED")]
    lines = [BEGIN, f"## Native checkId catalogue (OpenClaw {dist_version(dist)} dist)", "",
             "Generated by `python scripts/parity.py --catalogue` from every `checkId` literal of the installed "
             "`openclaw/dist` (`openclaw doctor`/`policy` ids excluded; `${...}` template parts shown as `*`). "
             "Decisions for ids no clawfence check declares: `scripts/parity_native.yaml`. A test fails when this "
             "section and the installed dist disagree.", "",
             f"- native security-audit checkIds: **{len(rows)}**",
             f"- covered: **{len(cov)}** ({decl} declared in a check's `upstream`, {len(cov) - decl} semantically)",
             f"- deliberately not covered: **{len(nc)}**",
             f"- retired (declared by clawfence, no longer emitted): **{len(retired)}**",
             f"- undecided: **{len(und)}**", "",
             "| checkId | status | clawfence checks | note | dist file |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| `{r.check_id}` | {r.status} | {', '.join(r.by) or '-'} | {r.note} | "
                     f"{', '.join(f'`{f}`' for f in r.files[:2])}{' …' if len(r.files) > 2 else ''} |")
    lines += ["", "### Retired ids still declared", "", "| checkId | declared by | last seen |", "|---|---|---|"]
    lines += [f"| `{cid}` | {', '.join(by)} | {seen} |" for cid, by, seen in retired]
    lines += ["", END]
    return "\n".join(lines) + "\n"


def replace_section(doc: str, section: str, begin: str = BEGIN, end: str = END) -> str:
    """``doc`` with its section between ``begin``/``end`` replaced by ``section`` (appended when absent)."""
    if begin in doc and end in doc:
        head, rest = doc.split(begin, 1)
        return head + section.rstrip("\n") + rest.split(end, 1)[1]
    return doc.rstrip("\n") + "\n\n" + section


def native_policy_ids(dist: Path = DIST) -> list[str]:
    """Every ``"policy/<id>"`` string literal of the dist (the Policy plugin's check ids), sorted."""
    pat = re.compile(r"[\"'`](policy/[a-z0-9][a-z0-9-]*)[\"'`]")
    found: set[str] = set()
    for f in dist.rglob("*"):
        if f.suffix in (".js", ".mjs") and "node_modules" not in f.relative_to(dist).parts and f.is_file():
            found.update(pat.findall(f.read_text(encoding="utf-8", errors="replace")))
    return sorted(found)


def policy_markdown(dist: Path = DIST, mapping: Path = POLICY_MAP) -> str:
    """The docs/parity.md section on the Policy plugin's ids (between the ``native-policy`` markers): each id
    of the dist with its guide points and what clawfence does (``how``); ids missing from the map or no longer
    in the dist are listed as UNDECIDED / retired."""
    import yaml
    doc = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    ids = native_policy_ids(dist)
    table: dict[str, dict[str, object]] = doc["ids"]
    how = {k: sum(1 for i in ids if (table.get(i) or {}).get("how") == k) for k in ("better", "reports", "native")}
    und = [i for i in ids if i not in table]
    gone = sorted(set(table) - set(ids))
    lines = [PBEGIN, f"## Native Policy plugin ids (OpenClaw {dist_version(dist)}: `openclaw policy check`)", "",
             "Generated by `python scripts/parity.py --catalogue` from every `policy/*` literal of the installed dist "
             "and `src/clawfence/data/native-policy-map.yaml`. A native policy check runs only when the operator "
             "wrote the matching rule in `policy.jsonc`; *better* means clawfence checks the same setting on every "
             "installation (the listed checks), *reports* means clawfence's PL checks report the policy artifact "
             "itself and `python scripts/parity_policy.py --fixtures` runs native `policy check` beside them, "
             "*native* means an organisation-specific list clawfence leaves to native policy (why given). "
             "`docs/guide-baseline.policy.jsonc` is the guide as a policy (`openclaw policy compare --baseline`).", "",
             f"- policy ids in the dist: **{len(ids)}** (`policy check` reports `checksRun: 68` of them; "
             "`policy compare` and `config-invalid` add the rest)",
             f"- clawfence checks the setting itself (better): **{how['better']}**",
             f"- reported by clawfence PL checks, native result beside them: **{how['reports']}**",
             f"- left to native policy: **{how['native']}**",
             f"- undecided: **{len(und)}**; in the map but not in the dist: **{len(gone)}**", "",
             "| policy id | guide | how | clawfence | why |", "|---|---|---|---|---|"]
    for i in ids:
        row = table.get(i) or {}
        guide = ", ".join(str(g) for g in row.get("guide") or []) or "-"  # type: ignore[attr-defined]
        cf = ", ".join(str(c) for c in row.get("clawfence") or []) or "-"  # type: ignore[attr-defined]
        lines.append(f"| `{i}` | {guide} | {row.get('how', 'UNDECIDED')} | {cf} | {row.get('why', '')} |")
    lines += [f"| `{i}` | - | retired | - | in the map, no longer in the dist |" for i in gone]
    lines += ["", PEND]
    return "\n".join(lines) + "\n"


def _catalogue_main(args: argparse.Namespace) -> int:
    dist: Path = args.dist
    if not dist.is_dir():
        print(f"parity: no OpenClaw dist at {dist} (../shared/realclaw/realclaw-setup.sh)", file=sys.stderr)
        return 2
    section = catalogue_markdown(dist)
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    new = replace_section(replace_section(old, section), policy_markdown(dist), PBEGIN, PEND)
    if args.check:
        same = new == old
        print("parity: catalogue up to date" if same else f"parity: catalogue in {args.out} is out of date")
        return 0 if same else 1
    args.out.write_text(new, encoding="utf-8")
    rows, retired = catalogue(dist)
    print(f"parity: {len(rows)} native checkIds: {sum(r.status == 'covered' for r in rows)} covered, "
          f"{sum(r.status == 'not covered' for r in rows)} not covered, {len(retired)} retired, "
          f"{sum(r.status == 'UNDECIDED' for r in rows)} undecided; wrote {args.out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line (see module doc)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=rc.ROOT / "docs" / "parity.md", help="markdown output")
    ap.add_argument("--json", type=Path, help="also write raw results here")
    ap.add_argument("--only", nargs="*", default=[], help="installation names to run (default: all)")
    ap.add_argument("--keep", type=Path, help="create installations here and keep them (default: temp, removed)")
    ap.add_argument("--catalogue", action="store_true", help="only (re)write the native checkId catalogue section")
    ap.add_argument("--check", action="store_true", help="with --catalogue: exit 1 if the section is out of date")
    ap.add_argument("--dist", type=Path, default=DIST, help="OpenClaw dist directory (default: the realclaw prefix)")
    args = ap.parse_args(argv)
    if args.catalogue:
        return _catalogue_main(args)
    why = rc.available()
    if why:
        print(f"parity: {why}", file=sys.stderr)
        return 2
    root = args.keep or Path(tempfile.mkdtemp(prefix="clawfence-parity-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        results = run(installations(root, args.only), log=lambda s: print(s, file=sys.stderr))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    rows = compare(results)
    generated = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = markdown(rows, results, generated)
    if args.dist.is_dir():
        text = replace_section(text, catalogue_markdown(args.dist))
        text = replace_section(text, policy_markdown(args.dist), PBEGIN, PEND)
    args.out.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps([{"name": r.inst.name, "how": r.inst.how, "error": r.inst.error,
                                          "removed_keys": r.inst.removed_keys, "native": r.native,
                                          "clawfence": r.clawfence, "seconds": r.seconds} for r in results],
                                        indent=1), encoding="utf-8")
    done, total = coverage(rows)
    crit = coverage(rows, "critical")
    print(f"parity: {done}/{total} native checkIds covered; critical {crit[0]}/{crit[1]}; "
          f"uncovered critical: {', '.join(uncovered(rows)) or 'none'}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
