"""Checks UP: the installed OpenClaw version against OSV advisory data (bundled, plus ``advisories update``).

Sources: guide P6.1 (install security patches), D1.1 (latest version, all known vulnerabilities patched),
C3.1 (vulnerability monitoring), E2.3 (patch the operating environment); advisory data
``data/advisories/osv.json`` built by ``scripts/build_advisories.py`` from the openclaw/openclaw GitHub security
advisories, the GitHub Advisory Database and CVE records (see :mod:`clawfence.audit.advisories`). Version
precedence from ``facts.host.collect_version``: ``--openclaw-version`` > npm package.json > ``openclaw --version`` >
``meta.lastTouchedVersion`` (a hint only: it names the last release that wrote the config).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

from clawfence.audit.advisories import STALE_DAYS, affecting, load_data, version_date
from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.calver import parse
from clawfence.core.model import Location, Outcome, Severity, failed, passed, warned

#: advisories named one by one in the finding; the rest are counted (``clawfence advisories --version V``)
SHOWN = 12


def _location(source: str | None) -> Location | None:
    """The file the version was read from (``package.json (/path)``), else None."""
    m = re.match(r"package\.json \((.+)\)$", source or "")
    if m:
        return Location(path=m.group(1), key="version")
    if source and "lastTouchedVersion" in source:
        return Location(key="meta.lastTouchedVersion")
    return None


@check(
    id="UP001",
    title="Installed OpenClaw version has no known advisories",
    title_zh="已安装的 OpenClaw 版本无已知安全公告",
    severity=Severity.HIGH,
    guide=("P6", "P6.1", "D1.1", "C3.1", "E2.3"),
    requires=(),
    remediation="Upgrade OpenClaw: `npm install -g openclaw@latest` (or `openclaw update`), then restart the gateway "
                "and confirm with `openclaw --version`; `clawfence advisories --version V` lists every advisory.",
    remediation_zh="升级 OpenClaw:执行 `npm install -g openclaw@latest`(或 `openclaw update`),重启网关后用 "
                   "`openclaw --version` 确认版本;`clawfence advisories --version V` 列出全部公告。",
    references=("https://github.com/openclaw/openclaw/security/advisories",
                "https://github.com/advisories?query=ecosystem%3Anpm+openclaw"),
    cwe=("CWE-1104",),
)
def version_not_vulnerable(facts: Facts) -> Iterator[Outcome]:
    """ONE finding per installation: every advisory whose ``introduced``/``fixed`` range contains the installed
    version, worst first (severity, then CVSS), at the file the version came from. The finding's severity is
    the worst advisory's. Advisories that start at a later version are not reported for older ones. When the
    version comes only from ``meta.lastTouchedVersion`` the result is a warning: verify with ``openclaw
    --version``."""
    vf = facts.version
    ver = parse(vf.version)
    data = load_data()
    if vf.version is None or ver is None:
        shown = repr(vf.version) if vf.version else "unknown"
        yield warned(f"installed OpenClaw version is {shown}: verify it manually with `openclaw --version` "
                     f"against {len(data.advisories)} known advisories", "openclaw-version", severity=Severity.MEDIUM)
        return
    source = vf.source or "unknown source"
    weak = "lastTouchedVersion" in source or "hint" in source
    hits = affecting(vf.version, data)
    where = _location(vf.source)
    if not hits:
        yield passed(f"OpenClaw {vf.version} (from {source}) is in the range of none of {len(data.advisories)} known "
                     f"advisories (data as of {data.data_as_of})", "openclaw-version", where)
        return
    worst = hits[0].severity
    counts = ", ".join(f"{n} {s.value}" for s in Severity
                       if (n := sum(1 for a in hits if a.severity == s)))
    fixed_all = max((a.fixed for a in hits if a.fixed), key=lambda v: parse(v) or ver, default=None)
    listed = "; ".join(f"{a.id}" + (f" ({a.aliases[0]})" if a.aliases else "") + f" [{a.severity.value}] "
                       f"{a.title} — fixed in {a.fixed}" for a in hits[:SHOWN])
    more = f"; and {len(hits) - SHOWN} more (`clawfence advisories --version {vf.version}`)" \
        if len(hits) > SHOWN else ""
    detail = (f"OpenClaw {vf.version} (from {source}) is affected by {len(hits)} published advisories ({counts}); "
              f"upgrading to {fixed_all} or later fixes all of them. Worst first: {listed}{more}")
    # every advisory by id (with its CVE), worst first: the detail names the first SHOWN with titles
    evidence = ", ".join(a.id + next((f"/{x}" for x in a.aliases if x.startswith("CVE-")), "") for a in hits)
    if weak:
        yield warned(detail + " — version is a config hint, confirm with `openclaw --version`", "openclaw-version",
                     where, severity=worst, evidence=evidence)
    else:
        yield failed(detail, "openclaw-version", where, severity=worst, evidence=evidence)


def _today(facts: Facts) -> date:
    """The audit date: ``facts.collected_at`` (ISO timestamp) when set, else today (UTC)."""
    try:
        return datetime.fromisoformat(facts.collected_at[:10]).date() if facts.collected_at else \
            datetime.now(UTC).date()
    except ValueError:
        return datetime.now(UTC).date()


@check(
    id="UP002",
    title="Advisory data is current for the installed version",
    title_zh="安全公告数据对已安装版本而言是最新的",
    severity=Severity.MEDIUM,
    guide=("P6.1", "D1.1", "C3.1"),
    requires=(),
    remediation="Refresh the advisory data: upgrade clawfence, or on an air-gapped host export OSV records for npm "
                "`openclaw` (GitHub Advisory Database / osv.dev) and run `clawfence advisories update --from DIR`.",
    remediation_zh="更新安全公告数据:升级 clawfence;离线环境下导出 npm `openclaw` 的 OSV 记录(GitHub Advisory "
                   "Database / osv.dev),执行 `clawfence advisories update --from 目录`。",
    references=("https://ossf.github.io/osv-schema/",),
    cwe=("CWE-1104",),
)
def advisory_data_current(facts: Facts) -> Iterator[Outcome]:
    """UP001 can only be as good as its data. Warns when the data is older than 90 days at the audit date
    (``facts.collected_at``), or when the installed release (its CalVer date) is newer than the data: advisories
    published after ``data_as_of`` are unknown to clawfence, so a clean UP001 says nothing about them."""
    data = load_data()
    as_of = date.fromisoformat(data.data_as_of)
    age = (_today(facts) - as_of).days
    problems = []
    if age > STALE_DAYS:
        problems.append(f"advisory data is {age} days old (as of {data.data_as_of}; limit {STALE_DAYS} days)")
    rel = version_date(facts.version.version) if facts.version.version else None
    if rel and rel > data.data_as_of:
        problems.append(f"installed OpenClaw {facts.version.version} was released after the data ({data.data_as_of}): "
                        "advisories published since then are not known")
    origin = " + ".join(data.origin)
    if problems:
        yield warned("; ".join(problems) + f" [{origin}]", "advisory-data")
    else:
        yield passed(f"advisory data as of {data.data_as_of} ({age} days old) covers the installed version [{origin}]",
                     "advisory-data")
