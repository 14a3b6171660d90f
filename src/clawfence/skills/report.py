"""Rendering of scan results: the JSON contract, a text summary, and a :class:`clawfence.core.model.Report` for the
shared SARIF/HTML reporters (``Report(kind="skills")``, one Finding per rule hit, Location(path, line)).

JSON contract (schema 1)::

    {"schema": 1, "skills": [{"path", "name", "verdict", "score", "capabilities",
                              "findings": [{"rule", "severity", "confidence", "path", "line", "evidence", "guide"}]}]}
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from clawfence import __version__
from clawfence.core.model import Finding, Location, Report, Severity, Status, Target
from clawfence.skills.result import SkillResult
from clawfence.skills.rules import load_rules

VERDICT_ZH = {"malicious": "恶意", "suspicious": "可疑", "benign": "无害"}


def to_json(results: list[SkillResult]) -> str:
    """The JSON contract document, 2-space indented."""
    return json.dumps({"schema": 1, "skills": [r.to_dict() for r in results]}, indent=2, ensure_ascii=False) + "\n"


def to_text(results: list[SkillResult], lang: str = "en", verbose: bool = False) -> str:
    """Human summary: one block per skill with its findings (low-confidence ones only with ``verbose``)."""
    rules = load_rules()
    out: list[str] = []
    for r in results:
        v = VERDICT_ZH[r.verdict] if lang == "zh" else r.verdict
        out.append(f"{r.name}  [{v}]  score {r.score}  {r.path}")
        shown = [f for f in r.findings if verbose or f.confidence >= 0.5]
        for f in shown:
            rule = rules.get(f.rule)
            msg = rule.message_zh if lang == "zh" else rule.title
            loc = f"{f.path}:{f.line}" if f.line else f.path
            out.append(f"  {f.severity:<8} {f.rule} {msg} ({loc}, conf {f.confidence:.2f})")
            out.append(f"           {f.evidence[:160]}")
        hidden = len(r.findings) - len(shown)
        if hidden:
            out.append(f"  ({hidden} low-confidence hint(s) hidden; --verbose shows them)")
        if r.capabilities:
            out.append(f"  capabilities: {', '.join(r.capabilities)}")
        out.append("")
    n = {k: sum(1 for r in results if r.verdict == k) for k in ("malicious", "suspicious", "benign")}
    out.append(f"{len(results)} skill(s): {n['malicious']} malicious, {n['suspicious']} suspicious, {n['benign']} benign")
    return "\n".join(out) + "\n"


def to_report(results: list[SkillResult], lang: str = "en", started: str | None = None) -> Report:
    """A shared :class:`Report` (kind ``skills``); findings with confidence < 0.5 become WARN, others FAIL."""
    rules = load_rules()
    findings: list[Finding] = []
    for r in results:
        base = Path(r.path)
        for f in r.findings:
            rule = rules.get(f.rule)
            path = str(base / f.path) if base.is_dir() else f"{r.path}!/{f.path}"
            findings.append(
                Finding(
                    id=f.rule,
                    title=rule.title,
                    severity=Severity(f.severity),
                    status=Status.FAIL if f.confidence >= 0.5 else Status.WARN,
                    detail=f"{r.name}: {rule.message_zh if lang == 'zh' else rule.message}",
                    subject=f"{r.name}:{f.path}:{f.line}",
                    location=Location(path=path, line=f.line or None),
                    guide=f.guide,
                    remediation=rule.remediation,
                    references=rule.references,
                    evidence=f.evidence,
                )
            )
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return Report(
        tool_name="clawfence",
        tool_version=__version__,
        target=Target(state_dir="", config_path="", openclaw_version=None),
        started=started or now,
        finished=now,
        findings=tuple(findings),
        facts_summary={"skills": [{"name": r.name, "path": r.path, "verdict": r.verdict, "score": r.score} for r in results]},
        lang=lang,
        kind="skills",
    )
