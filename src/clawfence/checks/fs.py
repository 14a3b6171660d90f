"""Checks FS: permissions and ownership of the state dir, config and secret files.

Sources: guide D3.3 ("allow only local access to core configuration files"), P3.4, E7.1;
OpenClaw ``src/security/audit-extra.async.ts`` / ``fix.ts`` (dirs 0700, files 0600).
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.facts import Facts
from clawfence.model import Location, Outcome, Severity, failed, passed, warned
from clawfence.registry import check


@check(
    id="FS001",
    title="State dir and config are accessible only by their owner",
    title_zh="状态目录与配置文件仅所有者可访问",
    severity=Severity.HIGH,
    guide=("D3.3", "P3.4"),
    requires=("files",),
    remediation="chmod 700 the state dir and chmod 600 openclaw.json and every $include file.",
    remediation_zh="执行 chmod 700 状态目录,chmod 600 openclaw.json 及所有 $include 文件。",
    fix="fs-perms",
    upstream=("fs.state_dir.perms_world_writable", "fs.state_dir.perms_group_writable",
              "fs.state_dir.perms_readable", "fs.config.perms_writable", "fs.config.perms_world_readable",
              "fs.config.perms_group_readable", "fs.config_include.perms_writable",
              "fs.config_include.perms_world_readable", "fs.config_include.perms_group_readable"),
    cwe=("CWE-732",),
)
def state_and_config_owner_only(facts: Facts) -> Iterator[Outcome]:
    """The config holds the gateway token and often provider keys; a world-writable state dir lets any local
    user replace it. OpenClaw's own audit wants 0700 for the state dir and 0600 for config and includes."""
    assert facts.files is not None
    for role in ("state_dir", "config", "include"):
        for e in facts.files.by_role(role):
            if e.kind in ("missing", "symlink"):
                continue
            loc = Location(path=e.path)
            mode = f"{e.mode:04o}"
            if e.world_writable or e.group_writable:
                yield failed(f"{role} {e.path} is mode {mode} (writable by others)", e.path, loc,
                             severity=Severity.CRITICAL)
            elif e.world_readable:
                yield failed(f"{role} {e.path} is mode {mode} (world-readable)", e.path, loc)
            elif e.group_readable:
                yield warned(f"{role} {e.path} is mode {mode} (group-readable)", e.path, loc,
                             severity=Severity.MEDIUM)
            else:
                yield passed(f"{role} {e.path} is mode {mode}", e.path, loc)
