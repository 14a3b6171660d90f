"""``clawfence guard install``: put the packaged OpenClaw plugin into a state dir with the real CLI.

Steps (OpenClaw 2026.9.6, ``docs/cli/plugins.md``): ``openclaw plugins install <dir> --force
--accept-capabilities`` (local-path installs need both flags), then one ``openclaw config set --batch-json``
for ``plugins.entries.clawfence-guard.config.{url,tokenFile,timeoutMs,approvalWaitMs}`` and
``plugins.entries.clawfence-guard.hooks.timeoutMs`` (the hook budget; a timeout fails closed).
``security.installPolicy.exec`` exists in 2026.9.6 and is printed as a suggestion only: it belongs to
``clawfence skills``. The gateway must be restarted to load the plugin.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

PLUGIN_ID = "clawfence-guard"


class InstallError(RuntimeError):
    """The real OpenClaw CLI failed or is missing; message is one line."""


def plugin_source() -> Path:
    """Directory of the packaged plugin (``openclaw.plugin.json``, ``package.json``, ``index.js``)."""
    return Path(str(resources.files("clawfence.guard").joinpath("plugin")))


def config_ops(url: str, token_file: Path, approval_wait_ms: int) -> list[dict[str, object]]:
    """The ``openclaw config set --batch-json`` operations."""
    hook_budget = max(5000, approval_wait_ms + 5000)
    base = f"plugins.entries.{PLUGIN_ID}"
    return [
        {"path": f"{base}.enabled", "value": True},
        {"path": f"{base}.config", "value": {"url": url, "tokenFile": str(token_file), "timeoutMs": 2000,
                                              "approvalWaitMs": approval_wait_ms}},
        {"path": f"{base}.hooks.timeoutMs", "value": min(hook_budget, 600000)},
    ]


def install_policy_ops(command: str, args: list[str], env: dict[str, str] | None = None) -> list[dict[str, object]]:
    """``security.installPolicy`` pointing at ``clawfence guard install-policy`` (skills and plugins)."""
    exec_cfg: dict[str, object] = {"source": "exec", "command": command, "args": args, "timeoutMs": 30000}
    if env:
        exec_cfg["env"] = env
    return [{"path": "security.installPolicy", "value": {"enabled": True, "targets": ["skill", "plugin"],
                                                         "exec": exec_cfg}}]


def install_plugin(state_dir: Path, url: str, token_file: Path, openclaw: str | None = None,
                   approval_wait_ms: int = 0, dry_run: bool = False, timeout_s: float = 180,
                   policy_command: str | None = None, policy_args: list[str] | None = None,
                   policy_env: dict[str, str] | None = None) -> Iterator[str]:
    """Install and configure; yields progress lines. With ``policy_command`` (absolute path of a trusted
    executable, e.g. the ``clawfence`` script) also enables ``security.installPolicy`` after the plugin is
    installed. Raises :class:`InstallError`."""
    exe = openclaw or shutil.which("openclaw")
    if not exe:
        raise InstallError("openclaw not found on PATH (use --openclaw PATH)")
    env = dict(os.environ, OPENCLAW_STATE_DIR=str(state_dir), OPENCLAW_CONFIG_PATH=str(Path(state_dir) / "openclaw.json"))
    all_ops = config_ops(url, token_file, approval_wait_ms)
    if policy_command:
        if not os.path.isabs(policy_command):
            raise InstallError(f"install policy command must be an absolute path: {policy_command}")
        all_ops += install_policy_ops(policy_command, policy_args if policy_args is not None
                                      else ["guard", "install-policy"], policy_env)
    ops = json.dumps(all_ops)
    with tempfile.TemporaryDirectory(prefix="clawfence-plugin-") as tmp:
        src = Path(tmp) / PLUGIN_ID
        shutil.copytree(plugin_source(), src, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        cmds = [[exe, "plugins", "install", str(src), "--force", "--accept-capabilities"],
                [exe, "config", "set", "--batch-json", ops]]
        for cmd in cmds:
            shown = " ".join(cmd[:3]) + (" " + " ".join(repr(c) for c in cmd[3:]))
            if dry_run:
                yield f"would run: OPENCLAW_STATE_DIR={state_dir} {shown}"
                continue
            try:
                r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout_s, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise InstallError(f"{cmd[1]} {cmd[2]} failed: {exc}") from exc
            if r.returncode != 0:
                tail = (r.stderr.strip() or r.stdout.strip()).splitlines()[-1:] or ["no output"]
                raise InstallError(f"openclaw {cmd[1]} {cmd[2]} exited {r.returncode}: {tail[0][:200]}")
            yield f"ok: {shown}"
    if not policy_command:
        yield ("hint: add --install-policy to route skill/plugin installs through clawfence "
               "(security.installPolicy.exec, OpenClaw >= 2026.9)")
    yield f"restart the gateway to load {PLUGIN_ID}"
