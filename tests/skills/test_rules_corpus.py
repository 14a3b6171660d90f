"""Rule-file validation and labelled-corpus measurements (reads ../shared/corpus; LABEL.json is never scanned)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clawfence.skills.rules import RuleError, load_rules, parse_rules
from clawfence.skills.scanner import scan_path

SKIP = frozenset({"LABEL.json"})


def test_rules_load_and_bad_rules_are_precise() -> None:
    rs = load_rules()
    assert len(rs.rules) >= 40
    with pytest.raises(RuleError, match=r"rules\.0.*\(rule SC999\).*guide"):
        parse_rules(
            "schema: 1\nrules:\n- {id: SC999, kind: logic, title: xyz, severity: high, confidence: 0.5,"
            " guide: [Z9.9], capability: x, message: abc, message_zh: 中文, remediation: abc}\n"
        )
    with pytest.raises(RuleError, match="bad regex"):
        parse_rules(
            "schema: 1\nrules:\n- {id: SC998, kind: regex, title: xyz, severity: high, confidence: 0.5,"
            " guide: [P4.1], capability: x, message: abc, message_zh: 中文, remediation: abc, scope: [code],"
            " patterns: ['(']}\n"
        )
    with pytest.raises(RuleError, match="invalid YAML"):
        parse_rules("schema: [1\n")


def test_keywords_cover_every_match(shared: Path) -> None:
    """The keyword prefilter must never hide a match: every line a pattern matches contains a keyword."""
    rules = [r for r in load_rules().rules if r.keywords]
    files = [p for p in (shared / "corpus").rglob("*") if p.is_file() and p.suffix in (".md", ".py", ".sh", ".js")]
    for p in files[::7][:250]:
        for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
            low = line.lower()
            for r in rules:
                if any(k in low for k in r.keywords):
                    continue
                for rx in r.compiled():
                    assert not rx.search(line), f"{r.id} matches without keyword: {line[:120]!r} ({p.name})"


def _labelled(shared: Path) -> list[tuple[str, str]]:
    base = shared / "corpus" / "skills-labelled"
    out = []
    for lab in ("malicious", "benign"):
        for d in sorted((base / lab).iterdir()):
            (r,) = scan_path(d, SKIP)
            assert json.loads((d / "LABEL.json").read_text())["label"] == lab
            out.append((lab, r.verdict))
    return out


def test_labelled_recall_and_false_positives(shared: Path) -> None:
    res = _labelled(shared)
    mal = [v for lab, v in res if lab == "malicious"]
    ben = [v for lab, v in res if lab == "benign"]
    recall = sum(v == "malicious" for v in mal) / len(mal)
    fp = sum(v == "malicious" for v in ben) / len(ben)
    assert recall >= 0.95, recall
    assert fp <= 0.05, fp


def test_real_corpus_malicious_share(shared: Path) -> None:
    base = shared / "corpus" / "skills-real"
    dirs = [d for d in sorted(base.iterdir()) if d.is_dir()]
    verdicts = [scan_path(d)[0].verdict for d in dirs]
    share = verdicts.count("malicious") / len(verdicts)
    assert share < 0.02, share
