"""The Ansible role and playbook without any host: valid syntax for ansible-core, only ansible.builtin modules
(ansible-core ships no other collection), and the fleet salt never logged or put on a command line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ANSIBLE = ROOT / "ansible"
BIN = Path(sys.executable).parent


def _tasks(doc: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for t in doc or []:
        out.append(t)
        for key in ("block", "always", "rescue", "tasks"):
            out += _tasks(t.get(key))
    return out


def _module(task: dict[str, Any]) -> str | None:
    skip = {"name", "when", "loop", "vars", "register", "become", "become_user", "environment", "changed_when",
            "no_log", "delegate_to", "run_once", "block", "always", "rescue", "tasks", "hosts", "roles",
            "gather_facts", "connection", "failed_when"}
    mods = [k for k in task if k not in skip]
    return mods[0] if mods else None


def test_role_uses_only_builtin_modules_and_hides_the_salt() -> None:
    tasks = _tasks(yaml.safe_load((ANSIBLE / "roles/clawfence_audit/tasks/main.yml").read_text()))
    play = yaml.safe_load((ANSIBLE / "playbooks/audit.yml").read_text())
    tasks += _tasks([t for p in play for t in p.get("tasks", [])])
    mods = {_module(t) for t in tasks} - {None}
    assert mods and all(str(m).startswith("ansible.builtin.") for m in mods), mods
    # tasks that interpolate the salt's value (not the ones only testing whether it is set)
    salt_tasks = [t for t in tasks if "block" not in t and "{{ clawfence_fleet_salt }}" in str(t)]
    assert salt_tasks and all(t.get("no_log") is True for t in salt_tasks)
    audit = next(t for t in tasks if t.get("name", "").startswith("Run clawfence audit"))
    assert "--fleet-salt-file" in str(audit) and "clawfence_fleet_salt ~" not in str(audit)


def test_playbook_syntax() -> None:
    exe = BIN / "ansible-playbook" if (BIN / "ansible-playbook").exists() else shutil.which("ansible-playbook")
    if exe is None:
        pytest.skip("ansible-core not installed (dev extra)")
    p = subprocess.run([str(exe), "--syntax-check", "-i", str(ANSIBLE / "inventory.example.ini"),
                        str(ANSIBLE / "playbooks/audit.yml")], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
