#!/usr/bin/env python3
"""Native policy beside clawfence: run the real ``openclaw policy check --json`` (offline, isolated by
``scripts/realclaw_env.py``) and clawfence's PL checks on the same installation, and print both.

Usage:
  python scripts/parity_policy.py --fixtures [--json OUT]   every tests/fixtures/checks/PL*/ fixture, installed
                                                            into a fresh work dir (config + workspace/policy.jsonc)
  python scripts/parity_policy.py --validate RL AU FC       `openclaw config validate` on the config of every
                                                            fixture of checks with those id prefixes
  python scripts/parity_policy.py --baseline                writes docs/guide-baseline.policy.jsonc from
                                                            data/native-policy-map.yaml and has native validate it
                                                            (`openclaw policy compare` against itself)

Each row: fixture, clawfence statuses of its check, native check ids (or ``config-invalid`` when the real CLI
rejects the config). Needs root + unshare + the real CLI (``realclaw_env.available``); prints why not otherwise.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import realclaw_env as rc
import yaml

from clawfence.audit.checks import by_id
from clawfence.audit.engine import run_check
from clawfence.audit.facts import from_fixture

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "checks"
BASELINE_OUT = ROOT / "docs" / "guide-baseline.policy.jsonc"


def native_policy(workdir: Path, *extra: str) -> dict[str, Any]:
    """``openclaw policy check --json`` in ``workdir`` (state in W/state, workspace W/ws): the parsed report,
    or ``{"error": ...}``."""
    r = rc.openclaw(workdir, "policy", "check", "--json", *extra, timeout=240)
    try:
        doc: dict[str, Any] = json.loads(r.stdout[r.stdout.index("{"):])
    except ValueError:
        return {"error": (r.stderr or r.stdout).strip().splitlines()[-1:] or [f"exit {r.returncode}"]}
    doc["exit"] = r.returncode
    return doc


def install_fixture(doc: dict[str, Any], workdir: Path) -> None:
    """Lay a PL fixture out as an installation: W/state/openclaw.json (workspace set to W/ws) and
    W/ws/policy.jsonc when the fixture has ``policy_file``."""
    for d in ("state", "home", "tmp", "ws"):
        (workdir / d).mkdir(parents=True, exist_ok=True)
    cfg = json.loads(json.dumps(doc.get("config") or {}))
    cfg.setdefault("agents", {}).setdefault("defaults", {})["workspace"] = str(workdir / "ws")
    (workdir / "state" / "openclaw.json").write_text(json.dumps(cfg, indent=2), encoding="utf-8")
    (workdir / "state").chmod(0o700)
    if doc.get("policy_file") is not None:
        (workdir / "ws" / "policy.jsonc").write_text(str(doc["policy_file"]), encoding="utf-8")


def fixtures_rows() -> list[dict[str, Any]]:
    """One row per PL fixture: clawfence statuses and the native check ids."""
    rows: list[dict[str, Any]] = []
    for path in sorted(FIX.glob("PL*/*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        c = by_id(path.parent.name)
        assert c is not None
        ours = sorted({f.status.value for f in run_check(c, from_fixture(doc))})
        with tempfile.TemporaryDirectory(prefix="pl-", dir="/tmp") as tmp:
            w = Path(tmp)
            install_fixture(doc, w)
            nat = native_policy(w)
        ids = sorted({str(f.get("checkId")) for f in nat.get("findings") or []})
        rows.append({"fixture": f"{path.parent.name}/{path.stem}", "clawfence": ours, "native": ids,
                     "native_exit": nat.get("exit"), "native_error": nat.get("error"),
                     "policy_hash": ((nat.get("attestation") or {}).get("policy") or {}).get("hash")})
        print(f"{rows[-1]['fixture']:<36} clawfence={','.join(ours):<10} native={','.join(ids) or '-'}", flush=True)
    return rows


def validate_rows(prefixes: list[str]) -> list[dict[str, Any]]:
    """``openclaw config validate --json`` on each fixture's ``config`` (fixtures of the given check prefixes)."""
    rows: list[dict[str, Any]] = []
    for path in sorted(p for pre in prefixes for p in FIX.glob(f"{pre}*/*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory(prefix="cv-", dir="/tmp") as tmp:
            w = Path(tmp)
            install_fixture(doc, w)
            res = rc.validate(w)
        rows.append({"fixture": f"{path.parent.name}/{path.stem}", "valid": bool(res.get("valid")),
                     "issues": res.get("issues") or []})
        print(f"{rows[-1]['fixture']:<36} {'valid' if rows[-1]['valid'] else 'INVALID ' + str(rows[-1]['issues'])[:200]}",
              flush=True)
    return rows


def baseline_policy() -> str:
    """The guide baseline as a JSONC policy (nested objects from the dotted rule names, guide ids as comments)."""
    doc = yaml.safe_load((ROOT / "src" / "clawfence" / "data" / "native-policy-map.yaml").read_text("utf-8"))
    tree: dict[str, Any] = {}
    for r in doc["baseline"]:
        cur = tree
        *parents, leaf = r["rule"].split(".")
        for part in parents:
            cur = cur.setdefault(part, {})
        cur[leaf] = r["value"]
    head = ("// clawfence guide baseline for OpenClaw's Policy plugin (generated by scripts/parity_policy.py from\n"
            "// src/clawfence/data/native-policy-map.yaml; do not edit). Each rule and its guide points:\n")
    notes = "".join(f"//   {r['rule']}: {', '.join(r['guide'])} (clawfence {', '.join(r['checks'])})\n"
                    for r in doc["baseline"])
    use = ("// Use: copy as <workspace>/policy.jsonc, or `openclaw policy compare --baseline "
           "guide-baseline.policy.jsonc`.\n")
    return head + notes + use + json.dumps(tree, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixtures", action="store_true")
    ap.add_argument("--baseline", action="store_true")
    ap.add_argument("--validate", nargs="+", metavar="PREFIX")
    ap.add_argument("--json", dest="out")
    a = ap.parse_args(argv)
    if a.baseline:
        text = baseline_policy()
        BASELINE_OUT.write_text(text, encoding="utf-8")
        print(f"wrote {BASELINE_OUT}")
    why = rc.available()
    if why:
        print(f"real OpenClaw not run: {why}")
        return 0 if a.baseline else 2
    result: Any = None
    if a.baseline:
        with tempfile.TemporaryDirectory(prefix="pl-", dir="/tmp") as tmp:
            w = Path(tmp)
            install_fixture({"config": {"plugins": {"entries": {"policy": {"enabled": True}}}}}, w)
            shutil.copy(BASELINE_OUT, w / "ws" / "guide.jsonc")
            r = rc.openclaw(w, "policy", "compare", "--baseline", str(w / "ws" / "guide.jsonc"), "--policy",
                            str(w / "ws" / "guide.jsonc"), "--json", timeout=240)
            print(r.stdout.strip()[-600:] or r.stderr.strip()[-600:])
            result = {"compare_exit": r.returncode}
    elif a.fixtures:
        result = fixtures_rows()
    elif a.validate:
        result = validate_rows(a.validate)
    if a.out and result is not None:
        Path(a.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
