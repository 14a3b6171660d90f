"""Checks SK: installed skills (verdicts of the skills scanner, approved-skills lockfile, drift).

Sources: guide P4.1/P4.2 (install trusted skills), E6.2/E6.4 (security check before deployment, approved code
only), C3.2 (block known malicious skills), D3.1 (review before installing); OpenClaw ``docs/tools/skills.md``
(loading order). Facts come from ``clawfence.skills.installed.collect_skills``.
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.audit.facts import Facts
from clawfence.audit.registry import check
from clawfence.core.model import Location, Outcome, Severity, failed, passed, skipped, warned


@check(
    id="SK001",
    title="No installed skill is malicious or suspicious",
    title_zh="已安装技能中没有恶意或可疑技能",
    severity=Severity.CRITICAL,
    guide=("P4.1", "P4.2", "C3.2", "D3.1"),
    requires=("skills",),
    remediation="Remove the skill (`rm -r <path>`) and rotate credentials it could read; details: `clawfence skills scan PATH`.",
    remediation_zh="删除该技能并轮换其可能读取的凭据；运行 `clawfence skills scan PATH` 查看详情。",
    references=("https://www.koi.ai/blog/clawhavoc-341-malicious-clawedbot-skills-found-by-the-bot-they-were-targeting",),
    cwe=("CWE-506",),
)
def installed_skills_not_malicious(facts: Facts) -> Iterator[Outcome]:
    """Every skill OpenClaw loads runs with the agent's tools and secrets. A skill the scanner judges malicious
    (fake prerequisites, credential exfiltration, reverse shells, prompt injection...) is a compromise waiting to
    happen; a suspicious one needs a human review before it stays installed."""
    assert facts.skills is not None
    if not facts.skills.skills:
        yield skipped("no installed skills found", "skills")
        return
    for s in facts.skills.skills:
        loc = Location(path=s.path)
        rules = ", ".join(s.top_rules) or "-"
        if s.verdict == "malicious":
            yield failed(f"skill {s.name} ({s.source}) is malicious, score {s.score}: {rules}", s.path, loc, evidence=rules)
        elif s.verdict == "suspicious":
            yield warned(
                f"skill {s.name} ({s.source}) is suspicious, score {s.score}: {rules}",
                s.path,
                loc,
                severity=Severity.MEDIUM,
                evidence=rules,
            )
        else:
            yield passed(f"skill {s.name} ({s.source}) scanned benign", s.path, loc)


@check(
    id="SK002",
    title="Every installed skill is in the approved-skills lockfile",
    title_zh="所有已安装技能均已列入批准清单",
    severity=Severity.MEDIUM,
    guide=("E6.2", "E6.4", "D3.1"),
    requires=("skills",),
    remediation="Review the skill, then `clawfence skills approve PATH` (or install through `clawfence skills install`).",
    remediation_zh="审查技能后运行 `clawfence skills approve PATH`（或通过 `clawfence skills install` 安装）。",
)
def installed_skills_approved(facts: Facts) -> Iterator[Outcome]:
    """E6.2 asks that new skill modules pass a security check before deployment and E6.4 that only approved
    code runs. The lockfile records which skills were reviewed; a skill missing from it was installed around
    the gate. Without any lockfile every skill is unreviewed (warn)."""
    assert facts.skills is not None
    if not facts.skills.skills:
        yield skipped("no installed skills found", "skills")
        return
    for s in facts.skills.skills:
        loc = Location(path=s.path)
        if s.approved is None:
            yield warned(f"no approved-skills lockfile; skill {s.name} was never approved", s.path, loc, severity=Severity.LOW)
        elif s.approved:
            yield passed(f"skill {s.name} is approved", s.path, loc)
        else:
            yield failed(f"skill {s.name} ({s.source}) is not in the approved-skills lockfile", s.path, loc)


@check(
    id="SK003",
    title="Approved skills have not drifted from their approved content",
    title_zh="已批准技能内容未发生漂移",
    severity=Severity.HIGH,
    guide=("E6.3", "D3.1", "C3.2"),
    requires=("skills",),
    remediation="Diff the skill against the approved version; re-approve only after review (`clawfence skills verify`).",
    remediation_zh="与批准版本比对差异，审查后再重新批准（`clawfence skills verify`）。",
    cwe=("CWE-494",),
)
def approved_skills_unchanged(facts: Facts) -> Iterator[Outcome]:
    """A rug-pull update keeps the name and reputation of a reviewed skill but adds new behaviour. The lockfile
    stores content hashes and the capability ceiling seen at approval; new capabilities are high, a verdict
    turning malicious is critical, changed files alone are medium."""
    assert facts.skills is not None
    approved = [s for s in facts.skills.skills if s.approved]
    if not approved:
        yield skipped("no approved skills to compare", "skills")
        return
    for s in approved:
        loc = Location(path=s.path)
        if s.drift:
            sev = Severity(s.drift_severity) if s.drift_severity in {v.value for v in Severity} else Severity.MEDIUM
            yield failed(f"skill {s.name} drifted: {'; '.join(s.drift)[:300]}", s.path, loc, severity=sev)
        else:
            yield passed(f"skill {s.name} matches its approved content", s.path, loc)


@check(
    id="SK004",
    title="Skills cannot be installed from uploaded archives",
    title_zh="不允许通过上传的压缩包安装技能",
    severity=Severity.HIGH,
    guide=("P4.1", "E6.2", "E6.4", "D3.1"),
    remediation="Remove skills.install.allowUploadedArchives (or set it false); install skills only from the approved "
                "source and scan them first (clawfence skills install).",
    remediation_zh="删除 skills.install.allowUploadedArchives(或设为 false);只从批准的来源安装技能,并先扫描"
                   "(clawfence skills install)。",
    cwe=("CWE-829", "CWE-494"),
)
def no_uploaded_skill_archives(facts: Facts) -> Iterator[Outcome]:
    """``skills.install.allowUploadedArchives: true`` lets a skill be installed from an archive sent through a
    channel or the Control UI: code from a chat message, with no registry, review or pinning (guide P4.1 use
    only trusted skills, E6.4 no installs from outside the approved set). Source: 2026.9.6 config schema."""
    key = "skills.install.allowUploadedArchives"
    value = facts.config.get(key) if facts.config else None
    loc = facts.config.where(key) if facts.config else None
    if value is True:
        yield failed(f"{key} is true: skills can be installed from uploaded archives", key, loc)
    else:
        yield passed(f"{key} is {value if value is not None else 'unset (false)'}", key, loc)
