"""The seeded ``openclaw.json`` of every template, loaded by the real OpenClaw 2026.9.6: the CLI validates it
(token from a file SecretRef, guard plugin load path and entry) and its own security audit resolves the token
and reports nothing critical. Marked ``realclaw``; runs isolated via ``scripts/realclaw_env.py``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from clawfence.deploy import Options, openclaw_config

pytestmark = pytest.mark.realclaw
PLUGIN = Path(str(resources.files("clawfence.guard").joinpath("plugin")))


def _seed(workdir: Path, target: str, guard: bool, rcenv: ModuleType) -> dict[str, Any]:
    cfg = openclaw_config(target, Options(with_guard=guard))
    # inside the state dir: the isolated audit sees a fresh /tmp, the state dir is bound back in
    token = workdir / "state" / "secrets" / "gateway-token"
    token.parent.mkdir(parents=True, mode=0o700)
    fd = os.open(token, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, secrets.token_hex(32).encode())
    os.close(fd)
    providers = cfg["secrets"]["providers"]  # type: ignore[index]
    providers["gateway-token"]["path"] = str(token)
    if guard:
        cfg["plugins"]["load"]["paths"] = [str(PLUGIN)]  # type: ignore[index]
    rcenv.install_config(workdir, cfg)
    return cfg


# helm seeds the same config as compose (container paths); plain vs guard differ only by the plugins section
@pytest.mark.parametrize(("target", "guard"), [("systemd", False), ("compose", True)], ids=["systemd", "compose-guard"])
def test_real_cli_validates_seeded_config(rcenv: ModuleType, rc_tmp: Callable[[str], Path], target: str,
                                         guard: bool) -> None:
    work = rc_tmp(f"validate-{target}-{guard}")
    _seed(work, target, guard, rcenv)
    doc = rcenv.validate(work)
    assert doc.get("valid") is True, doc.get("issues")


def test_real_audit_resolves_token_and_finds_nothing_critical(rcenv: ModuleType,
                                                             rc_tmp: Callable[[str], Path]) -> None:
    work = rc_tmp("audit-systemd-guard")
    _seed(work, "systemd", True, rcenv)
    report = rcenv.native_audit(work / "state")
    assert report.get("ok") is not False, report
    critical = [f["checkId"] for f in report["findings"] if f["severity"] == "critical"]
    assert not critical, critical
    ids = {f["checkId"] for f in report["findings"]}
    assert not {i for i in ids if "secretref" in i or "token" in i}, ids
    diags = " ".join(report.get("secretDiagnostics") or [])
    assert "unresolved" not in diags.lower() and "failed" not in diags.lower(), diags
