"""Startup cost guard (structure, not timing): most of a ``clawfence audit`` is Python start-up and imports
(benchmarks/bench_audit.py). Loading the CLI must not import heavy third-party modules, and an audit must not
import ``jsonschema`` (the split-schema walker replaces it) nor modules only other commands need."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# third-party packages no command needs at import time
HEAVY = {"jsonschema", "rich", "watchdog", "tree_sitter", "httpx", "websockets", "cryptography", "psutil",
         "pydantic", "yaml", "json5", "bashlex", "mnemonic", "pyotp", "rfc8785"}
# packages ``audit -f json`` has no use for
NOT_FOR_AUDIT = {"jsonschema", "watchdog", "tree_sitter", "httpx", "websockets", "bashlex", "mnemonic", "pyotp"}

PROBE = """
import json, sys
argv = json.loads(sys.argv[1])
if argv:
    sys.argv = ["clawfence", *argv]
    from clawfence.cli import main
    try:
        main()
    except SystemExit:
        pass
else:
    import clawfence.cli  # noqa: F401
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


def _modules(argv: list[str]) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True, text=True, env=env,
                          timeout=60)
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


def test_cli_import_is_light() -> None:
    assert not (_modules([]) & HEAVY)


def test_audit_json_skips_unneeded_modules(tmp_path: Path) -> None:
    state = tmp_path / ".openclaw"
    state.mkdir(mode=0o700)
    (state / "openclaw.json").write_text(json.dumps({"gateway": {"bind": "loopback", "auth": {"mode": "none"}},
                                                     "meta": {"lastTouchedVersion": "2026.9.6"}}))
    out = tmp_path / "r.json"
    mods = _modules(["audit", "--state-dir", str(state), "-f", "json", "-o", str(out), "--no-host"])
    report = json.loads(out.read_text())
    assert report["facts"]["schema_version"] == "2026.9.6"  # the schema check ran
    assert not (mods & NOT_FOR_AUDIT), sorted(mods & NOT_FOR_AUDIT)


@pytest.mark.parametrize("cmd", [["guide", "-f", "json"]])
def test_other_commands_skip_jsonschema(cmd: list[str]) -> None:
    assert "jsonschema" not in _modules(cmd)
