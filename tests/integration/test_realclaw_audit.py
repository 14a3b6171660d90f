"""clawfence on REAL OpenClaw 2026.9.6 installations made by the real CLI (``onboard --non-interactive``,
``config set``), isolated in network + mount namespaces (``scripts/realclaw_env.py``).

Asserts findings by check id and that they are grounded in what the CLI wrote: the token the CLI generated,
the key and line ``config set`` wrote, the modes on disk. Also compares clawfence's CF001 schema check with
the real ``openclaw config validate`` (valid/invalid and which keys), including retired keys.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = pytest.mark.realclaw
VERSION = "2026.9.6"
BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
WEAK_TOKEN = "abc123def"


def _config(work: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((work / "state" / "openclaw.json").read_text(encoding="utf-8"))
    return data


FOUNDATION = {"GW001", "GW002", "FS001", "CF001"}  # the checks on main before checks-a/checks-b merge


def _missing(what: str) -> None:
    """xfail on the pre-merge branch (only the foundation checks exist); a plain failure once they merged."""
    from clawfence.audit.checks import all_checks
    if not any(c.upstream and c.id not in FOUNDATION for c in all_checks()):
        pytest.xfail(f"pre-merge branch: {what} (added by checks-a/checks-b)")
    pytest.fail(what)


def _need_cover(rc: ModuleType, report: dict[str, Any], native: str) -> list[dict[str, Any]]:
    """The findings of checks declaring ``upstream`` native (see :func:`_missing` when there are none)."""
    found: list[dict[str, Any]] = rc.covering(report, native)
    if not found:
        _missing(f"no clawfence check declares upstream {native!r}")
    return found


@pytest.fixture(scope="module")
def onboarded(rcenv: ModuleType, rc_tmp: Callable[[str], Path]) -> Path:
    """A fresh installation by ``openclaw onboard --non-interactive`` (loopback, token auth, CLI-made token)."""
    work = rc_tmp("onboard")
    proc = rcenv.onboard(work)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert summary["ok"] and summary["gateway"]["authMode"] == "token"
    return work


@pytest.fixture(scope="module")
def insecure(rcenv: ModuleType, rc_tmp: Callable[[str], Path], onboarded: Path) -> Path:
    """The onboarded installation opened up with the real ``openclaw config set`` (one validated batch write),
    then made world-readable (755 / 644) like a careless copy."""
    work = rcenv.copy_install(onboarded, rc_tmp("insecure"))
    proc = rcenv.config_set(work, [
        ("gateway.bind", "lan"),
        ("gateway.auth.mode", "none"),
        ("channels.telegram.botToken", BOT_TOKEN),
        ("channels.telegram.dmPolicy", "open"),
        ("channels.telegram.allowFrom", ["*"]),
        ("channels.telegram.groupPolicy", "open"),
        ("tools.exec.security", "full"),
        ("tools.elevated.enabled", True),
    ])
    assert proc.returncode == 0, proc.stderr[-2000:]
    os.chmod(work / "state", 0o755)
    os.chmod(work / "state" / "openclaw.json", 0o644)
    return work


@pytest.fixture(scope="module")
def weak(rcenv: ModuleType, rc_tmp: Callable[[str], Path], onboarded: Path) -> Path:
    """The onboarded installation with a short gateway token set through ``openclaw config set``."""
    work = rcenv.copy_install(onboarded, rc_tmp("weak"))
    proc = rcenv.config_set(work, [("gateway.auth.token", WEAK_TOKEN)])
    assert proc.returncode == 0, proc.stderr[-2000:]
    return work


def test_onboarded_installation(rcenv: ModuleType, onboarded: Path) -> None:
    cfg_path = onboarded / "state" / "openclaw.json"
    cfg = _config(onboarded)
    token = cfg["gateway"]["auth"]["token"]
    assert len(token) >= 32  # what the real CLI generates (48 hex chars in 2026.9.6)
    report = rcenv.clawfence_audit(onboarded / "state")
    text = json.dumps(report)
    assert token not in text, "the generated gateway token leaked into the report"
    assert report["target"]["openclaw_version"] == VERSION  # meta.lastTouchedVersion written by onboard

    gw1 = rcenv.by_id(report, "GW001")
    assert [f["status"] for f in gw1] == ["pass"]
    assert gw1[0]["location"]["key"] == "gateway.bind"
    assert gw1[0]["location"]["line"] == rcenv.line_of(cfg_path, '"bind": "loopback"')
    assert [f["status"] for f in rcenv.by_id(report, "GW002")] == ["pass"]
    assert [f["status"] for f in rcenv.by_id(report, "CF001")] == ["pass"]
    # onboard creates the state dir 700 and the config 600: FS001 must agree with the disk
    assert (onboarded / "state").stat().st_mode & 0o777 == 0o700
    assert cfg_path.stat().st_mode & 0o777 == 0o600
    fs = rcenv.by_id(report, "FS001")
    assert {f["status"] for f in fs} == {"pass"} and str(cfg_path) in {f["location"]["path"] for f in fs}
    # the native audit agrees: nothing critical, no weak token
    native = rcenv.native_audit(onboarded / "state")
    ids = {f["checkId"] for f in native["findings"]}
    assert "gateway.token_too_short" not in ids and native["summary"]["critical"] == 0


def test_generated_token_passes_strength_check(rcenv: ModuleType, onboarded: Path) -> None:
    report = rcenv.clawfence_audit(onboarded / "state")
    found = [f for f in _need_cover(rcenv, report, "gateway.token_too_short")
             if f["location"]["key"] == "gateway.auth.token"]
    assert found, "no token-strength finding at gateway.auth.token"
    assert {f["status"] for f in found} == {"pass"}, [f["detail"] for f in found]


def test_weak_token_set_by_cli(rcenv: ModuleType, weak: Path) -> None:
    assert _config(weak)["gateway"]["auth"]["token"] == WEAK_TOKEN
    native = rcenv.native_audit(weak / "state")
    assert "gateway.token_too_short" in {f["checkId"] for f in native["findings"]}
    report = rcenv.clawfence_audit(weak / "state")
    assert WEAK_TOKEN not in json.dumps(report), "weak token leaked into the report"
    found = _need_cover(rcenv, report, "gateway.token_too_short")
    bad = [f for f in found if f["status"] in ("fail", "warn")]
    assert bad and all(f["location"]["key"] == "gateway.auth.token" for f in bad), found
    assert bad[0]["location"]["line"] == rcenv.line_of(weak / "state" / "openclaw.json", f'"{WEAK_TOKEN}"')


def test_insecure_installation(rcenv: ModuleType, insecure: Path) -> None:
    cfg_path = insecure / "state" / "openclaw.json"
    report = rcenv.clawfence_audit(insecure / "state")
    assert BOT_TOKEN not in json.dumps(report), "telegram bot token leaked into the report"
    gw1 = rcenv.by_id(report, "GW001")
    assert [(f["status"], f["severity"]) for f in gw1] == [("fail", "critical")]  # lan + no auth
    assert gw1[0]["location"] == {"path": str(cfg_path), "key": "gateway.bind",
                                  "line": rcenv.line_of(cfg_path, '"bind": "lan"')}
    gw2 = rcenv.by_id(report, "GW002")
    assert [f["status"] for f in gw2] == ["fail"]
    assert gw2[0]["location"]["key"] == "gateway.auth.mode"
    assert gw2[0]["location"]["line"] == rcenv.line_of(cfg_path, '"mode": "none"')
    fs = {f["location"]["path"]: f["status"] for f in rcenv.by_id(report, "FS001")}
    assert fs[str(cfg_path)] == "fail" and fs[str(insecure / "state")] == "fail"
    assert [f["status"] for f in rcenv.by_id(report, "CF001")] == ["pass"]
    # the native audit sees the same exposure
    native = rcenv.native_audit(insecure / "state")
    ids = {f["checkId"] for f in native["findings"]}
    assert {"gateway.bind_no_auth", "fs.config.perms_world_readable"} <= ids
    assert "GW001" in rcenv.covers(report, "gateway.bind_no_auth")
    assert "FS001" in rcenv.covers(report, "fs.config.perms_world_readable")


def test_insecure_channel_and_exec_findings(rcenv: ModuleType, insecure: Path) -> None:
    report = rcenv.clawfence_audit(insecure / "state")
    found = _need_cover(rcenv, report, "security.exposure.open_channels_with_exec")
    assert {f["status"] for f in found} & {"fail", "warn"}, [f["detail"] for f in found]
    dm = [f for f in report["findings"] if f["location"]["key"] in ("channels.telegram.dmPolicy",
                                                                    "channels.telegram.allowFrom")]
    if not dm:
        _missing("no clawfence finding at channels.telegram.dmPolicy / allowFrom")
    assert {f["status"] for f in dm} & {"fail", "warn"}, [f["detail"] for f in dm]


def test_cli_refuses_retired_key(rcenv: ModuleType, rc_tmp: Callable[[str], Path], onboarded: Path) -> None:
    """``config set`` of the guide's ``gateway.controlUi.allowInsecureAuth`` is refused by 2026.9.6."""
    work = rcenv.copy_install(onboarded, rc_tmp("retired-set"))
    before = (work / "state" / "openclaw.json").read_bytes()
    proc = rcenv.openclaw(work, "config", "set", "gateway.controlUi.allowInsecureAuth", "true")
    assert proc.returncode != 0 and "allowInsecureAuth" in proc.stdout + proc.stderr
    assert (work / "state" / "openclaw.json").read_bytes() == before


def _variant(base: dict[str, Any], changes: list[tuple[str, Any]]) -> dict[str, Any]:
    doc = json.loads(json.dumps(base))
    for dotted, value in changes:
        *parents, leaf = dotted.split(".")
        node = doc
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return doc


REF_OK = "d-gateway-loopback"
FAKE_KEY = "sk-proj-FAKEFAKEFAKEFAKEFAKE0000"
# (case, keys to set on the reference config); one real `config validate` per case (~3 s each)
AGREEMENT: list[tuple[str, list[tuple[str, Any]]]] = [
    ("valid", [("env.vars.OPENAI_API_KEY", FAKE_KEY), ("channels.telegram.dmPolicy", "open"),
               ("channels.telegram.allowFrom", ["*"])]),
    ("retired-and-unknown", [("gateway.controlUi.allowInsecureAuth", True), ("logging.redactSensitive", "off"),
                             ("env.OPENAI_API_KEY", FAKE_KEY), ("gateway.exposeEverything", True)]),
    ("bad-values", [("gateway.bind", "everywhere"), ("gateway.port", "eighteen")]),
]


def _clawfence_schema(report: dict[str, Any]) -> tuple[bool, set[str], set[str]]:
    cf = [f for f in report["findings"] if f["id"] == "CF001"]
    bad = [f for f in cf if f["status"] == "fail"]
    keys = {f["location"]["key"] for f in bad if ": unknown-key:" in f["detail"] or ": retired-key:" in f["detail"]}
    invalid = {f["location"]["key"] for f in bad if ": invalid:" in f["detail"]}
    return not bad and any(f["status"] == "pass" for f in cf), keys, invalid


@pytest.mark.parametrize(("case", "changes"), AGREEMENT, ids=[c[0] for c in AGREEMENT])
def test_schema_agrees_with_real_validator(rcenv: ModuleType, rc_tmp: Callable[[str], Path], case: str,
                                           changes: list[tuple[str, Any]]) -> None:
    base = json.loads((rcenv.REFERENCE / "configs" / f"{REF_OK}.openclaw.json").read_text(encoding="utf-8"))
    work = rcenv.install_config(rc_tmp(f"schema-{case}"), _variant(base, changes))
    real = rcenv.validate(work)
    report = rcenv.clawfence_audit(work / "state", "--openclaw-version", VERSION)
    ok, keys, invalid = _clawfence_schema(report)
    assert ok == bool(real["valid"]), (real, keys, invalid)
    assert keys == rcenv.rejected_keys(real)
    assert invalid == rcenv.invalid_paths(real)
    if case == "retired-and-unknown":
        assert len(keys) == 4 and "gateway.controlUi.allowInsecureAuth" in keys
        kinds = {f["location"]["key"]: f["detail"].split(": ")[1] for f in report["findings"]
                 if f["id"] == "CF001" and f["status"] == "fail"}
        assert kinds["gateway.controlUi.allowInsecureAuth"] == "retired-key"
        assert kinds["gateway.exposeEverything"] == "unknown-key"
    if case == "bad-values":
        assert invalid == {"gateway.bind", "gateway.port"}


@pytest.mark.parametrize("home", ["insecure", "hardened"])
def test_fixture_home_schema_agrees(rcenv: ModuleType, rc_tmp: Callable[[str], Path], home: str) -> None:
    """The shared fixture homes (early-2026 keys): same rejected keys from CF001 and the real validator."""
    import shutil

    work = rc_tmp(f"fixture-{home}")
    work.mkdir(parents=True)
    src = rcenv.SHARED / "fixtures" / "homes" / home / ".openclaw" / "openclaw.json"
    state = work / "state"
    state.mkdir(mode=0o700)
    shutil.copyfile(src, state / "openclaw.json")
    real = rcenv.validate(work)
    report = rcenv.clawfence_audit(state, "--openclaw-version", VERSION)
    ok, keys, invalid = _clawfence_schema(report)
    assert not real["valid"] and not ok
    assert keys == rcenv.rejected_keys(real) and "gateway.controlUi.allowInsecureAuth" in keys
    assert invalid == rcenv.invalid_paths(real) == set()
