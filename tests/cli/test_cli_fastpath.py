"""The audit's fast start-up path (``clawfence.cli.fastpath``) reads a command line exactly as typer does, or
declines and lets typer run."""

from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from clawfence.cli import audit as audit_cli
from clawfence.cli import build_app, fastpath
from clawfence.cli.audit_run import audit_command

SRC = str(Path(__file__).resolve().parents[2] / "src")
STATE = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "homes" / "insecure" / ".openclaw"


def _typer_params() -> list[Any]:
    group = typer.main.get_command(build_app((audit_cli,)))
    cmd = group.commands["audit"]  # type: ignore[attr-defined]
    return list(cmd.params)


def test_options_table_is_the_typer_commands() -> None:
    """Every typer option string maps to the same destination and kind, and nothing else is in the table."""
    seen: set[str] = set()
    for p in _typer_params():
        assert not p.secondary_opts, f"{p.name}: --no-* forms are not handled by the fast path"
        if p.is_flag:
            kind = "flag"
        elif p.multiple:
            kind = "list"
        else:
            ann = p.type_descriptor.annotation
            kind = "path" if ann is Path else "str"
            assert ann in (Path, str), f"{p.name}: type {ann!r} not handled by the fast path"
        for opt in p.opts:
            assert fastpath.AUDIT_OPTIONS.get(opt) == (p.name, kind), opt
            seen.add(opt)
    assert seen == set(fastpath.AUDIT_OPTIONS)


def test_defaults_are_the_typer_commands() -> None:
    sig = inspect.signature(audit_command)
    for p in _typer_params():
        assert sig.parameters[p.name].default == p.default, p.name
    assert set(sig.parameters) == {p.name for p in _typer_params()}


LINES = [
    [],
    ["--state-dir", "/tmp/x", "-f", "json", "--fail-on", "none"],
    ["--state-dir=/tmp/x", "--format=sarif", "-o", "/tmp/report.sarif", "--lang", "zh"],
    ["--no-host", "--deep", "--target", "127.0.0.1:1", "--target", "127.0.0.1:2", "-v"],
    ["--format", "json", "--format", "text"],  # the last one wins, as in click
    ["--openclaw-version", "2026.3.24", "--config", "c.json", "--profile", "p", "--verbose"],
    ["--waivers", "w.yaml", "--save-facts", "f.json", "--from-facts", "g.json", "--baseline", "b.json",
     "--fleet-salt-file", "s", "--deployment", "d"],
]


@pytest.mark.parametrize("args", LINES)
def test_fast_parse_equals_typer(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    got: dict[str, Any] = {}

    def record(**kwargs: Any) -> int:
        got.update(kwargs)
        return 0

    monkeypatch.setattr(audit_cli, "audit_command", record)
    res = CliRunner().invoke(build_app((audit_cli,)), ["audit", *args])
    assert res.exit_code == 0, res.output
    fast = fastpath.parse_audit(args, environ={})
    assert fast is not None
    defaults = {k: v.default for k, v in inspect.signature(audit_command).parameters.items()}
    merged = {**defaults, **fast}
    assert merged == {**got, "target": got["target"] or None}


@pytest.mark.parametrize("args", [
    ["--help"], ["-h"], ["--bogus"], ["--state-dir"], ["--format="], ["--deep=1"], ["-vf", "json"],
    ["-fjson"], ["extra"], ["--", "--state-dir", "x"], ["--state-dir", "-x"], ["--state-dir", ""],
    ["--format", "--no-host"], ["--no-deep"], ["--stat", "x"],
])
def test_declines_what_typer_must_word(args: list[str]) -> None:
    assert fastpath.parse_audit(args, environ={}) is None


def test_declines_shell_completion() -> None:
    assert fastpath.parse_audit([], environ={"_CLAWFENCE_COMPLETE": "bash_source"}) is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_declines_unreadable_path(tmp_path: Path) -> None:
    f = tmp_path / "w.yaml"
    f.write_text("[]")
    f.chmod(0)
    assert fastpath.parse_audit(["--waivers", str(f)], environ={}) is None


def _run(args: list[str], force_typer: bool) -> subprocess.CompletedProcess[str]:
    pre = "import clawfence.cli.fastpath as f; f.parse_audit = lambda *a, **k: None; " if force_typer else ""
    code = f"{pre}import sys; sys.argv = ['clawfence', 'audit', *{args!r}]; from clawfence.cli import main; main()"
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("args", [
    ["--state-dir", str(STATE), "-f", "json", "--no-host", "--fail-on", "high"],
    ["--state-dir", "/nonexistent/state", "-f", "json"],
    ["--state-dir", str(STATE), "--format", "xml"],
    ["--state-dir", str(STATE), "--lang", "fr"],
])
def test_same_output_and_exit_code_as_typer(args: list[str]) -> None:
    if not STATE.is_dir():
        pytest.skip("shared fixtures not present")
    fast, slow = _run(args, False), _run(args, True)
    assert fast.returncode == slow.returncode
    assert fast.stderr == slow.stderr

    def norm(s: str) -> str:  # times and per-run salted credential fingerprints differ from run to run
        s = re.sub(r"(credential:|\"fingerprint\": \")[0-9a-f]+", r"\1*", s)
        return "\n".join(line for line in s.splitlines() if '"started"' not in line and '"finished"' not in line
                         and "duration" not in line)
    assert norm(fast.stdout) == norm(slow.stdout)


def _py(code: str, **env: str) -> str:
    e = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env={**e, "PYTHONPATH": SRC, **env})
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def test_pinned_pydantic_loads_no_plugins_when_disabled() -> None:
    """What the stand-in for pydantic.plugin._loader assumes of the real one."""
    assert _py("from pydantic.plugin._loader import get_plugins; print(list(get_plugins()))",
               PYDANTIC_DISABLE_PLUGINS="__all__") == "[]"


def test_plugin_loader_stand_in() -> None:
    code = ("import sys; from clawfence.cli import skip_pydantic_plugin_discovery as s; s(); "
            "from pydantic import BaseModel\nclass M(BaseModel):\n    x: int\n"
            "print(M(x='3').x, sys.modules['pydantic.plugin._loader'].__doc__.startswith('clawfence'))")
    assert _py(code, PYDANTIC_DISABLE_PLUGINS="__all__") == "3 True"
    assert _py(code.replace(".__doc__.startswith('clawfence')", ".__file__.endswith('_loader.py')"),
               PYDANTIC_DISABLE_PLUGINS="0") == "3 True"  # plugins not disabled: pydantic's own loader


def test_fast_audit_imports_no_cli_framework(tmp_path: Path) -> None:
    """Structure, not timing: a plain ``audit -f json --no-host`` loads neither typer/click/rich nor PyYAML,
    importlib.metadata, psutil or sqlite3 (each was on the audit path; benchmarks/bench_audit.py has the times)."""
    state = tmp_path / ".openclaw"
    state.mkdir(mode=0o700)
    (state / "openclaw.json").write_text('{"gateway": {"bind": "loopback", "auth": {"mode": "none"}}}')
    out = tmp_path / "r.json"
    code = ("import sys, json; sys.argv = ['clawfence', 'audit', '--state-dir', sys.argv[1], '-f', 'json', '-o', "
            "sys.argv[2], '--no-host']\nfrom clawfence.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(json.dumps(sorted(sys.modules)))")
    env = {**os.environ, "PYTHONPATH": SRC}
    p = subprocess.run([sys.executable, "-c", code, str(state), str(out)], capture_output=True, text=True, env=env,
                       timeout=120)
    mods = set(json.loads(p.stdout.strip().splitlines()[-1]))
    assert json.loads(out.read_text())["findings"], p.stderr
    assert not mods & {"typer", "click", "rich", "yaml", "importlib.metadata", "psutil", "sqlite3"}, \
        sorted(mods & {"typer", "click", "rich", "yaml", "importlib.metadata", "psutil", "sqlite3"})
