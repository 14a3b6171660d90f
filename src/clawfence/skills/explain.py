"""``clawfence explain SC###``: the text of one scanner rule (called by the CLI's explain command)."""

from __future__ import annotations

from clawfence.skills.rules import load_rules


def explain(rule_id: str, lang: str = "en") -> str | None:
    """Explanation of scanner rule ``rule_id`` (case-insensitive) in ``lang`` (en|zh), or None if unknown."""
    try:
        r = load_rules().get(rule_id.upper())
    except KeyError:
        return None
    zh = lang == "zh"
    lines = [
        f"{r.id}  {r.title}",
        f"{'严重性' if zh else 'severity'}: {r.severity.value}   {'置信度' if zh else 'confidence'}: {r.confidence}",
        f"{'指南条款' if zh else 'guide'}: {', '.join(r.guide)}   capability: {r.capability}",
        f"{'类型' if zh else 'kind'}: {r.kind}"
        + (f" ({len(r.patterns)} patterns, scope {'/'.join(r.scope)})" if r.patterns else ""),
        "",
        r.message_zh if zh else r.message,
        "",
        f"{'修复建议' if zh else 'remediation'}: {r.remediation}",
    ]
    if r.references:
        lines.append(f"{'参考' if zh else 'references'}: {', '.join(r.references)}")
    return "\n".join(lines) + "\n"
