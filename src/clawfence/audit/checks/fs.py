"""Checks FS: permissions and ownership of the state dir, config and secret files.

Sources: guide D3.3 ("allow only local access to core configuration files"), P3.4, E7.1;
OpenClaw ``src/security/audit-extra.async.ts`` / ``fix.ts`` (dirs 0700, files 0600).
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Location, Outcome, Severity, failed, passed, skipped, warned


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


def _owner_only(facts: Facts, roles: tuple[str, ...], label: str) -> Iterator[Outcome]:
    """Shared body of the permission checks: dirs 0700 / files 0600 (OpenClaw ``src/security/fix.ts``).

    Writable by group/others -> critical FAIL; world-readable -> FAIL (check default severity);
    group-readable -> WARN medium; one PASS per role summarising the owner-only entries."""
    assert facts.files is not None
    if not [e for e in facts.files.entries if e.role in roles and e.kind not in ("missing", "symlink")]:
        yield passed(f"no {label} paths present ({', '.join(roles)})", f"role:{roles[0]}")
        return
    for role in roles:
        ok = 0
        for e in facts.files.by_role(role):
            if e.kind in ("missing", "symlink"):
                continue
            loc = Location(path=e.path)
            mode = f"{e.mode:04o}"
            want = "0700" if e.kind == "dir" else "0600"
            if e.world_writable or e.group_writable:
                yield failed(f"{label} {e.path} is mode {mode} (writable by others; want {want})", e.path, loc,
                             severity=Severity.CRITICAL)
            elif e.world_readable:
                yield failed(f"{label} {e.path} is mode {mode} (world-readable; want {want})", e.path, loc)
            elif e.group_readable:
                yield warned(f"{label} {e.path} is mode {mode} (group-readable; want {want})", e.path, loc,
                             severity=Severity.MEDIUM)
            else:
                ok += 1
        if ok:
            yield passed(f"{ok} {role} path(s) are owner-only", f"role:{role}")


@check(
    id="FS002",
    title="Credential stores are readable only by their owner",
    title_zh="凭据存储仅所有者可读",
    severity=Severity.HIGH,
    guide=("E7.1", "P3.4", "D3.3"),
    requires=("files",),
    remediation="chmod 700 ~/.openclaw/credentials and chmod 600 credentials/*.json, .env, secrets.json and "
                "agents/*/agent/auth-profiles.json (`openclaw security audit --fix` or `clawfence fix`).",
    remediation_zh="执行 chmod 700 ~/.openclaw/credentials,并对 credentials/*.json、.env、secrets.json、"
                   "agents/*/agent/auth-profiles.json 执行 chmod 600(可用 `openclaw security audit --fix` 或 `clawfence fix`)。",
    fix="fs-perms",
    upstream=("fs.credentials_dir.perms_writable", "fs.credentials_dir.perms_readable",
              "fs.auth_profiles.perms_writable", "fs.auth_profiles.perms_readable"),
    cwe=("CWE-732", "CWE-522"),
)
def credential_stores_owner_only(facts: Facts) -> Iterator[Outcome]:
    """``credentials/`` holds channel sessions (WhatsApp Baileys creds, pairing allowlists), ``auth-profiles.json``
    model API keys and OAuth tokens, ``.env`` and ``secrets.json`` provider keys. Any local user or process
    able to read them can impersonate the bot or spend the keys (guide E7.1, P3.4)."""
    yield from _owner_only(facts, ("credentials_dir", "credential_file", "auth_profiles", "dotenv", "secrets_json"),
                           "credential store")


@check(
    id="FS003",
    title="Session transcripts and state databases are owner-only",
    title_zh="会话记录与状态数据库仅所有者可访问",
    severity=Severity.MEDIUM,
    guide=("P5.1", "E4.2", "D3.3"),
    requires=("files",),
    remediation="chmod 700 agents/<id>, agents/<id>/agent and agents/<id>/sessions; chmod 600 sessions.json, "
                "*.jsonl transcripts and every *.sqlite file (with -wal/-shm) under the state dir.",
    remediation_zh="对 agents/<id>、agents/<id>/agent、agents/<id>/sessions 执行 chmod 700;对 sessions.json、*.jsonl "
                   "会话记录及状态目录下所有 *.sqlite 文件(含 -wal/-shm)执行 chmod 600。",
    fix="fs-perms",
    upstream=("fs.sessions_store.perms_readable",),
    cwe=("CWE-732", "CWE-359"),
)
def session_stores_owner_only(facts: Facts) -> Iterator[Outcome]:
    """Transcripts contain every message, tool call and tool output (file contents, pasted secrets); the
    SQLite stores of the database era also hold device tokens, pairing allowlists and the audit ledger.
    OpenClaw's ``--fix`` tightens them to 0700/0600; readable copies leak private data (P5.1)."""
    yield from _owner_only(facts, ("agent_dir", "state_subdir", "sessions_store", "transcript", "sqlite"),
                           "session/state store")


@check(
    id="FS004",
    title="Log files are not readable by other users",
    title_zh="日志文件不可被其他用户读取",
    severity=Severity.MEDIUM,
    guide=("E4.2", "E7.2"),
    requires=("files",),
    remediation="chmod 600 the gateway log files (logging.file, ~/.openclaw/logs/*) and chmod 700 their directory.",
    remediation_zh="对网关日志文件(logging.file、~/.openclaw/logs/*)执行 chmod 600,其所在目录执行 chmod 700。",
    fix="fs-perms",
    upstream=("fs.log_file.perms_readable",),
    cwe=("CWE-532", "CWE-732"),
)
def log_files_owner_only(facts: Facts) -> Iterator[Outcome]:
    """Gateway logs record connection attempts, tool calls and, when redaction misses a pattern, tokens
    (E7.2: keys must not linger in logs). OpenClaw's own ``--fix`` leaves ``logs/*.log`` at 0644, so this
    is a gap its audit reports but does not repair. Writable logs also break tamper-evidence (E4.2)."""
    assert facts.files is not None
    if not [e for e in facts.files.by_role("log_file") if e.kind not in ("missing", "symlink")]:
        yield passed("no log files found under the state dir or logging.file", "role:log_file")
        return
    yield from _owner_only(facts, ("log_file",), "log file")


@check(
    id="FS005",
    title="Exec approvals and device identity files are owner-only",
    title_zh="exec 审批与设备身份文件仅所有者可访问",
    severity=Severity.HIGH,
    guide=("E7.1", "E3.3", "D3.3"),
    requires=("files",),
    remediation="chmod 600 ~/.openclaw/exec-approvals.json, identity/*.json, devices/*.json and nodes/*.json; "
                "chmod 700 their directories.",
    remediation_zh="对 ~/.openclaw/exec-approvals.json、identity/*.json、devices/*.json、nodes/*.json 执行 chmod 600,"
                   "其目录执行 chmod 700。",
    fix="fs-perms",
    cwe=("CWE-732", "CWE-522"),
)
def approvals_and_identity_owner_only(facts: Facts) -> Iterator[Outcome]:
    """``exec-approvals.json`` decides which host commands run without a prompt (and holds the approvals socket
    token); ``identity/device*.json`` and ``devices/paired.json`` hold the device private key and device
    tokens. A local user who can write the first allowlists any command; one who can read the others can
    connect as a paired operator. Not covered by OpenClaw's own audit (reference/openclaw.md §3.6)."""
    assert facts.files is not None
    if not [e for e in facts.files.entries if e.role in ("exec_approvals", "identity_file") and e.kind == "file"]:
        yield passed("no exec-approvals or device identity files present", "role:identity_file")
        return
    yield from _owner_only(facts, ("exec_approvals", "identity_file"), "approvals/identity file")


@check(
    id="FS006",
    title="State dir and config are real paths, not symlinks",
    title_zh="状态目录与配置文件为真实路径而非符号链接",
    severity=Severity.MEDIUM,
    guide=("D3.3", "P3.4"),
    requires=("files",),
    remediation="Replace the symlinked ~/.openclaw or openclaw.json with the real directory/file (or point "
                "OPENCLAW_STATE_DIR / OPENCLAW_CONFIG_PATH at the target) and chmod 700/600 the target.",
    remediation_zh="将符号链接形式的 ~/.openclaw 或 openclaw.json 替换为真实目录/文件(或让 OPENCLAW_STATE_DIR / "
                   "OPENCLAW_CONFIG_PATH 直接指向目标),并对目标执行 chmod 700/600。",
    upstream=("fs.state_dir.symlink", "fs.config.symlink"),
    cwe=("CWE-59",),
)
def state_paths_not_symlinks(facts: Facts) -> Iterator[Outcome]:
    """A symlinked state dir or config moves the trust boundary to wherever the link points (a shared or
    synced location) and permission fixes skip symlinks (OpenClaw ``fix.ts`` reports ``skipped: symlink``),
    so the real target's mode is never checked or repaired."""
    assert facts.files is not None
    for role in ("state_dir", "config"):
        for e in facts.files.by_role(role):
            loc = Location(path=e.path)
            if e.kind == "symlink":
                yield warned(f"{role} {e.path} is a symlink", e.path, loc)
            elif e.kind != "missing":
                yield passed(f"{role} {e.path} is a {e.kind}", e.path, loc)


SYNCED_MARKERS = ("icloud", "mobile documents", "dropbox", "onedrive", "google drive", "googledrive",
                  "my drive", "nextcloud", "owncloud", "box sync", "syncthing", "坚果云", "baidunetdisk")


@check(
    id="FS007",
    title="State dir is outside cloud-synced folders",
    title_zh="状态目录不在云同步文件夹中",
    severity=Severity.MEDIUM,
    guide=("E7.1", "P5.1"),
    requires=("files",),
    remediation="Move the state dir out of iCloud/Dropbox/OneDrive/Google Drive folders (set OPENCLAW_STATE_DIR "
                "to a local path such as ~/.openclaw) and rotate the credentials that were synced.",
    remediation_zh="将状态目录移出 iCloud/Dropbox/OneDrive/Google Drive 等同步文件夹(将 OPENCLAW_STATE_DIR 设为本地路径,"
                   "如 ~/.openclaw),并轮换已被同步的凭据。",
    upstream=("fs.synced_dir",),
    cwe=("CWE-200", "CWE-922"),
)
def state_dir_not_synced(facts: Facts) -> Iterator[Outcome]:
    """A state dir inside a sync client's folder copies tokens, API keys and transcripts to a third-party
    cloud and every device on the account, where file modes are not preserved. OpenClaw's audit matches
    the same folder names (``fs.synced_dir``)."""
    for label, path in (("state dir", facts.state_dir), ("config", facts.config_path)):
        if not path:
            continue
        low = path.lower()
        hit = next((m for m in SYNCED_MARKERS if m in low), None)
        if hit:
            yield warned(f"{label} {path} is inside a synced folder ({hit})", path, Location(path=path))
        else:
            yield passed(f"{label} {path} is not in a known synced folder", path, Location(path=path))


@check(
    id="FS008",
    title="OpenClaw files are owned by the account that runs it",
    title_zh="OpenClaw 文件归运行账户所有",
    severity=Severity.MEDIUM,
    guide=("P3.1", "E3.1"),
    requires=("files",),
    remediation="chown -R <openclaw user>: ~/.openclaw (the account the gateway runs as); remove files other "
                "accounts left in the state dir.",
    remediation_zh="执行 chown -R <OpenClaw 运行账户>: ~/.openclaw,使状态目录归网关运行账户所有;清理其他账户留下的文件。",
    cwe=("CWE-283", "CWE-732"),
)
def files_owned_by_runner(facts: Facts) -> Iterator[Outcome]:
    """Files owned by another account (often root after a ``sudo openclaw ...``) can be replaced by that
    account, or cannot be tightened by the real owner. The expected owner is the uid of the running gateway,
    else the owner of the state dir."""
    assert facts.files is not None
    sd = facts.files.first("state_dir")
    gws = facts.host.gateway_processes if facts.host else []
    want = gws[0].uid if gws else (sd.uid if sd and sd.kind != "missing" else -1)
    if want < 0:
        yield skipped("not applicable: no gateway process and no state dir owner known", "owner")
        return
    others = [e for e in facts.files.entries if e.kind != "missing" and e.uid >= 0 and e.uid != want]
    for e in others[:50]:
        yield warned(f"{e.path} is owned by uid {e.uid}{f' ({e.owner})' if e.owner else ''}, not uid {want}",
                     e.path, Location(path=e.path))
    if not others:
        yield passed(f"all {len(facts.files.entries)} OpenClaw paths are owned by uid {want}", "owner")
