"""Side by side with the REAL ``openclaw security audit --fix`` on copies of the same state dirs, and
``openclaw config validate`` on every config clawfence fixed (real CLI, isolated HOME/state, private netns).

clawfence must change everything the native fix changes (config keys, file modes: at least as strict) plus
the guide items the native one leaves alone (bind, auth/token, dmPolicy, sandbox, secrets, Control UI flags).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import json5
import pytest

from clawfence.audit.collect import collect
from clawfence.audit.facts import locate
from clawfence.audit.fix.apply import apply_plans
from clawfence.audit.fix.fixers import FIXERS, plan_fixes
from clawfence.core.model import Finding, Severity, Status

pytestmark = [pytest.mark.realclaw, pytest.mark.netns]
CASES = ["b1-insecure-noauth", "b3-insecure-weaktoken-valid", "e1-kitchen-sink", "e2-funnel-placeholder-password",
         "fixture:home-insecure"]


def _flat(obj: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else k))
    else:
        out[prefix] = obj
    return out


def _modes(st: Path) -> dict[str, int]:
    return {str(p.relative_to(st)): p.stat().st_mode & 0o777 for p in [st, *st.rglob("*")] if not p.is_symlink()}


def _make_state(src: Path | None, cfg: Path | None, dest: Path) -> Path:
    if src is not None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, dest, symlinks=True)
    else:
        dest.mkdir(parents=True)
        shutil.copy(cfg, dest / "openclaw.json")  # type: ignore[arg-type]
        (dest / "credentials").mkdir()
        (dest / "credentials" / "telegram-allowFrom.json").write_text("{}")
    for p in [dest, *dest.rglob("*")]:  # loose modes, as in the reference scenarios
        if not p.is_symlink():
            os.chmod(p, 0o777 if p.is_dir() else 0o666)
    return dest


def _validate(prefix: Path, st: Path) -> dict[str, Any]:
    env = {"PATH": f"{prefix}/bin:/usr/bin:/bin", "HOME": str(st.parent), "OPENCLAW_HOME": str(st.parent),
           "OPENCLAW_STATE_DIR": str(st), "OPENCLAW_CONFIG_PATH": str(st / "openclaw.json"), "DO_NOT_TRACK": "1",
           "TMPDIR": str(st.parent)}
    os.makedirs("/tmp/openclaw", exist_ok=True)
    # private netns (no network) + private mount ns whose tmpfs hides OpenClaw's hard-coded /tmp/openclaw logs
    p = subprocess.run(["unshare", "-n", "-m", "--propagation", "private", "--", "bash", "-c",
                        'mount -t tmpfs cf-validate /tmp/openclaw && exec "$0" config validate --json',
                        str(prefix / "bin" / "openclaw")], env=env, capture_output=True, text=True, timeout=120)
    doc: dict[str, Any] = json.loads(p.stdout[p.stdout.index("{"):])
    return doc


@pytest.mark.parametrize("case", CASES)
def test_side_by_side_with_native_fix(case: str, realclaw: Path, shared: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch, fixture_homes: Path) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root + unshare for the isolated native audit")
    monkeypatch.setenv("CLAWFENCE_HOME", str(tmp_path / "cf"))
    if case.startswith("fixture:"):
        src, cfg = fixture_homes / case.split(":")[1] / ".openclaw", None
    else:
        src, cfg = None, shared / "reference" / "realclaw" / "configs" / f"{case}.openclaw.json"
    native = _make_state(src, cfg, tmp_path / "native" / "state")
    mine = _make_state(src, cfg, tmp_path / "mine" / "state")
    before_cfg = _flat(json5.loads((mine / "openclaw.json").read_text()))
    before_modes = _modes(mine)

    nat = subprocess.run(["bash", str(shared / "realclaw" / "realclaw-audit.sh"), "--fix", str(native)],
                         capture_output=True, text=True, timeout=180, env={**os.environ, "REALCLAW_PREFIX": str(realclaw)})
    native_cfg = _flat(json5.loads((native / "openclaw.json").read_text()))
    native_modes = _modes(native)

    facts = collect(locate(str(mine), None, None), version_override="2026.9.6", with_host=False)
    findings = [Finding(id="SYN001", title="t", severity=Severity.HIGH, status=Status.FAIL, detail="", subject=f,
                        location=None, guide=("P2.1",), remediation="", fix=f) for f in FIXERS]
    res = apply_plans(plan_fixes(findings, facts), facts, include_unsafe=True)
    assert res.ok, (res.refused, res.results)
    mine_cfg = _flat(json5.loads((mine / "openclaw.json").read_text()))
    mine_modes = _modes(mine)

    # 1. every config key the native fix changed (its meta stamp aside) is changed the same way by clawfence
    native_changed = {k: v for k, v in native_cfg.items() if not k.startswith("meta.") and before_cfg.get(k) != v}
    for k, v in native_changed.items():
        assert mine_cfg.get(k) == v, (case, k, v, mine_cfg.get(k))
    # 2. every mode the native fix tightened is at least as tight with clawfence
    for rel, m in native_modes.items():
        if rel in before_modes and m != before_modes[rel] and rel in mine_modes:
            assert mine_modes[rel] & ~m == 0, (case, rel, oct(m), oct(mine_modes[rel]))
    # 3. the guide items the native fix leaves alone
    extra = {k for k, v in mine_cfg.items() if before_cfg.get(k) != v} | {k for k in before_cfg if k not in mine_cfg}
    print(f"\n{case}: native changed {sorted(native_changed)} (rc {nat.returncode}); clawfence also changed "
          f"{sorted(extra - set(native_changed))}")
    if before_cfg.get("gateway.bind", "loopback") != "loopback":
        assert mine_cfg["gateway.bind"] == "loopback" and native_cfg.get("gateway.bind") != "loopback"
    if before_cfg.get("channels.telegram.dmPolicy") == "open":
        assert mine_cfg["channels.telegram.dmPolicy"] == "pairing"
    secrets = [k for k, v in before_cfg.items() if isinstance(v, str) and k.split(".")[-1] in ("botToken", "apiKey")
               and not v.startswith("${")]
    # moved to a ${VAR} ref, unless the dotenv already holds another value for VAR (both kept, action skipped)
    kept = {r["action"]["source"].split(":", 1)[1] for r in res.results
            if r["status"] == "skipped" and r["action"].get("kind") == "secret"}
    for k in secrets:
        assert str(mine_cfg[k]).startswith("${") or k in kept, k
    assert mine_cfg.get("gateway.auth.mode", "token") != "none"
    # 4. the real OpenClaw accepts the result
    doc = _validate(realclaw, mine)
    assert doc.get("valid") is True, doc
