"""Checks FC001-FC004: ``openclaw fleet`` tenant cells (OpenClaw 2026.9.6, experimental). A cell is one tenant's
trust boundary: its own state, credentials, Gateway token, container and loopback port. What breaks the
boundary on the host side, where clawfence can see it without a container runtime: a cell directory another
user (or another tenant's container user) can read, a cell whose state is another cell's (symlink, same
directory, registry path outside the Fleet root), a Gateway credential shared by two cells or with the host
Gateway, a cell config that dropped token auth, and images on a moving tag that ``fleet upgrade`` re-pulls.

Source (read, not copied): OpenClaw 2026.9.6 ``dist/commands.runtime-*.mjs`` (``src/fleet/registry.ts``,
``src/fleet/service-support.runtime.ts``: ``ensurePrivateDirectory`` 0700 and refuses symlinks, cell config
token auth with the token removed), ``docs/cli/fleet.md`` (storage layout, security profile, pinning by digest,
``fleet doctor`` checks), ``docs/gateway/multi-tenant-hosting.md``.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterator

from clawfence.audit.facts import Facts
from clawfence.audit.facts.cells import TENANT_RE, DirFacts
from clawfence.audit.registry import check
from clawfence.core.model import Location, Outcome, Severity, failed, passed, warned

REFS = ("https://docs.openclaw.ai/cli/fleet", "https://docs.openclaw.ai/gateway/multi-tenant-hosting")
KEY = "fleet.cells"


def _none(facts: Facts) -> bool:
    c = facts.cells
    return c is None or (not c.cells and not c.registry_error and not c.scan_error)


def _dir_problem(d: DirFacts, expected_parent: str, tenant: str) -> str | None:
    if not d.exists:
        return None
    if d.symlink:
        return f"{d.path} is a symlink (to {d.real or '?'}): Fleet refuses linked cell directories"
    if d.mode is not None and d.mode & 0o077:
        return f"{d.path} has mode {d.mode:o}: other users can reach the tenant's state"
    if d.real and posixpath.normpath(d.real) != posixpath.normpath(posixpath.join(expected_parent, tenant)):
        return f"{d.path} resolves to {d.real}, outside {expected_parent}"
    return None


@check(
    id="FC001",
    title="Each fleet cell's state is private to that cell",
    title_zh="每个 fleet 单元的状态仅属于该单元",
    severity=Severity.HIGH,
    guide=("C1.4", "E3.2", "D3.3"),
    upstream=(),
    requires=(),
    remediation="Restore each cell with Fleet's own layout: chmod 700 <state>/fleet/cells/<tenant> and "
                "<state>/fleet/auth-profile-secrets/<tenant>, replace symlinked or shared directories by real "
                "per-tenant ones (`openclaw fleet backup`/`restore`), and run `openclaw fleet doctor`.",
    remediation_zh="按 Fleet 的布局恢复每个单元:对 <state>/fleet/cells/<tenant> 与 <state>/fleet/auth-profile-secrets/"
                   "<tenant> 执行 chmod 700,将符号链接或共享的目录换成各租户独立的真实目录(`openclaw fleet backup`/"
                   "`restore`),并运行 `openclaw fleet doctor`。",
    references=REFS,
    cwe=("CWE-732", "CWE-668"),
)
def cell_state_private(facts: Facts) -> Iterator[Outcome]:
    """Fleet creates ``fleet/cells/<tenant>`` and ``fleet/auth-profile-secrets/<tenant>`` with mode 0700 and
    refuses symlinks, because a cell's state holds its OAuth tokens in plaintext SQLite. Fails when a cell
    directory is group/other-accessible, a symlink, resolves outside its Fleet root (a tampered registry
    ``data_dir``), or is the same directory as another cell's (two tenants on one state: no boundary at all).
    A tenant id Fleet would reject (``../x``) fails too. Passes without cells."""
    if _none(facts):
        yield passed("no openclaw fleet cells", KEY)
        return
    assert facts.cells is not None
    root = facts.cells.root_real or facts.cells.root
    by_inode: dict[str, list[str]] = defaultdict(list)
    bad = False
    for c in facts.cells.cells:
        for d in (c.data, c.auth):
            if d.dev_ino:
                by_inode[d.dev_ino].append(c.tenant)
        probs = []
        if not TENANT_RE.match(c.tenant):
            probs.append(f"tenant id {c.tenant!r} is not one Fleet accepts")
        for d, parent in ((c.data, posixpath.join(root, "cells")), (c.auth, posixpath.join(root, "auth-profile-secrets"))):
            why = _dir_problem(d, parent, c.tenant)
            if why:
                probs.append(why)
        for why in probs:
            bad = True
            yield failed(f"cell {c.tenant!r}: {why}", f"{KEY}.{c.tenant}", Location(path=c.data.path))
    for tenants in by_inode.values():
        if len(set(tenants)) > 1:
            bad = True
            yield failed(f"cells {', '.join(sorted(set(tenants)))} use the same directory: one tenant reads and "
                         "writes the other's state", KEY, Location(path=facts.cells.root), severity=Severity.CRITICAL)
    for err in (facts.cells.registry_error, facts.cells.scan_error):
        if err:
            bad = True
            yield warned(f"fleet cells only partly analysed: {err}", KEY, Location(path=facts.cells.root),
                         severity=Severity.MEDIUM)
    if facts.cells.mode is not None and facts.cells.mode & 0o022:
        bad = True
        yield failed(f"{facts.cells.root} is writable by other users (mode {facts.cells.mode:o}): cells can be "
                     "swapped", KEY, Location(path=facts.cells.root))
    if not bad:
        yield passed(f"{len(facts.cells.cells)} cell(s) with private, separate state", KEY,
                     Location(path=facts.cells.root))


@check(
    id="FC002",
    title="Fleet cells share no Gateway credential",
    title_zh="各 fleet 单元不共用网关凭据",
    severity=Severity.CRITICAL,
    guide=("C1.3", "E7.1", "E7.3"),
    upstream=(),
    requires=(),
    remediation="Give each cell its own generated token (`openclaw fleet create` without --gateway-token, or "
                "`fleet restore`, which rotates it); remove gateway.auth.token from cell configs (Fleet keeps it "
                "in the container environment only) and rotate every token that was shared.",
    remediation_zh="每个单元使用各自生成的令牌(`openclaw fleet create` 不带 --gateway-token,或用会轮换令牌的 "
                   "`fleet restore`);从单元配置中删除 gateway.auth.token(Fleet 只把它放在容器环境中),并轮换所有共用过的令牌。",
    references=REFS,
    cwe=("CWE-798", "CWE-1188"),
)
def cells_distinct_credentials(facts: Facts) -> Iterator[Outcome]:
    """A Gateway token or password that opens two cells (or a cell and the host's own Gateway) lets one tenant
    operate the other's agents: the cell boundary is gone. Compared by salted fingerprint, never by value.
    Fleet deletes ``gateway.auth.token`` from a cell config, so a literal token there was put back by hand (in
    a file any backup copies): that warns at MEDIUM even when unique."""
    if _none(facts):
        yield passed("no openclaw fleet cells", KEY)
        return
    assert facts.cells is not None
    holders: dict[str, list[str]] = defaultdict(list)
    host = facts.config.secret("gateway.auth.token") if facts.config is not None else None
    if host is not None and host.kind == "literal" and host.fingerprint:
        holders[host.fingerprint].append("the host gateway")
    hostpw = facts.config.secret("gateway.auth.password") if facts.config is not None else None
    if hostpw is not None and hostpw.kind == "literal" and hostpw.fingerprint:
        holders[hostpw.fingerprint].append("the host gateway")
    for c in facts.cells.cells:
        for fp in {c.token_fingerprint, c.password_fingerprint} - {""}:
            holders[fp].append(f"cell {c.tenant!r}")
    shared = [sorted(set(v)) for v in holders.values() if len(set(v)) > 1]
    for who in shared:
        yield failed(f"one Gateway credential opens {', '.join(who)}", KEY, Location(path=facts.cells.root))
    literal = [c for c in facts.cells.cells if c.token_fingerprint]
    for c in literal:
        if not any(f"cell {c.tenant!r}" in w for w in shared):
            yield warned(f"cell {c.tenant!r} keeps a literal gateway.auth.token in {c.config_path} (Fleet keeps the "
                         "token only in the container environment)", f"{KEY}.{c.tenant}",
                         Location(path=c.config_path, key="gateway.auth.token"), severity=Severity.MEDIUM)
    if not shared and not literal:
        yield passed("no Gateway credential is shared between cells or with the host", KEY,
                     Location(path=facts.cells.root))


@check(
    id="FC003",
    title="Fleet cells keep token auth",
    title_zh="fleet 单元保持令牌认证",
    severity=Severity.HIGH,
    guide=("D1.2.1", "C1.3"),
    upstream=(),
    requires=(),
    remediation="Set gateway.auth.mode to \"token\" in the cell's openclaw.json (Fleet's own setting) and restart "
                "it with `openclaw fleet restart <tenant>`.",
    remediation_zh="在该单元的 openclaw.json 中将 gateway.auth.mode 设为 \"token\"(Fleet 的默认设置),并用 "
                   "`openclaw fleet restart <tenant>` 重启。",
    references=REFS,
    cwe=("CWE-306",),
)
def cells_token_auth(facts: Facts) -> Iterator[Outcome]:
    """Fleet initialises every cell with token auth; the cell Gateway listens on the container network and is
    published on a host loopback port that every local user and process can reach. ``gateway.auth.mode:
    "none"`` there hands the tenant's agents to anyone on the host (CRITICAL); an unreadable cell config is
    reported as not analysed (MEDIUM), never as fine."""
    if _none(facts):
        yield passed("no openclaw fleet cells", KEY)
        return
    assert facts.cells is not None
    bad = False
    for c in facts.cells.cells:
        loc = Location(path=c.config_path, key="gateway.auth.mode")
        if c.config_error:
            bad = True
            yield warned(f"cell {c.tenant!r}: config not analysed ({c.config_error})", f"{KEY}.{c.tenant}", loc,
                         severity=Severity.MEDIUM)
        elif c.auth_mode == "none":
            bad = True
            yield failed(f"cell {c.tenant!r} runs with gateway.auth.mode \"none\"", f"{KEY}.{c.tenant}", loc,
                         severity=Severity.CRITICAL)
        elif c.auth_mode not in (None, "token") and c.data.exists:
            bad = True
            yield warned(f"cell {c.tenant!r} uses gateway.auth.mode {c.auth_mode!r} instead of Fleet's token auth",
                         f"{KEY}.{c.tenant}", loc, severity=Severity.MEDIUM)
    if not bad:
        yield passed("every cell config keeps token auth", KEY, Location(path=facts.cells.root))


@check(
    id="FC004",
    title="Fleet cell images are pinned by digest",
    title_zh="fleet 单元镜像按摘要固定",
    severity=Severity.LOW,
    guide=("E6.3", "D1.1", "C1.5"),
    upstream=(),
    requires=(),
    remediation="Recreate or upgrade each cell with a digest-pinned image: `openclaw fleet upgrade <tenant> "
                "--image ghcr.io/openclaw/openclaw@sha256:<digest>` after reviewing that release.",
    remediation_zh="审查版本后,用按摘要固定的镜像升级各单元:`openclaw fleet upgrade <tenant> --image "
                   "ghcr.io/openclaw/openclaw@sha256:<digest>`。",
    references=("https://docs.openclaw.ai/cli/fleet#pinning-by-digest",),
    cwe=("CWE-494", "CWE-1357"),
)
def cells_pinned_images(facts: Facts) -> Iterator[Outcome]:
    """``fleet upgrade`` re-pulls the recorded image: on a tag (the default ``:latest``) whatever was published
    last runs with the tenant's credentials, unreviewed and different per cell. Only registered cells have a
    recorded image."""
    if _none(facts):
        yield passed("no openclaw fleet cells", KEY)
        return
    assert facts.cells is not None
    loose = [c for c in facts.cells.cells if c.image and "@sha256:" not in c.image]
    for c in loose:
        yield warned(f"cell {c.tenant!r} runs image {c.image!r}, a moving tag", f"{KEY}.{c.tenant}",
                     Location(path=c.data.path))
    if not loose:
        yield passed("every registered cell image is digest-pinned (or none recorded)", KEY,
                     Location(path=facts.cells.root))
