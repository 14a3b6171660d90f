"""Reporters on real collected facts: SARIF schema validity, no secret leaks, escaping, i18n completeness."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from clawfence.audit import facts as facts_mod
from clawfence.audit.run import audit
from clawfence.core.i18n import STRINGS
from clawfence.core.model import Report
from clawfence.core.redact import redact
from clawfence.reporters import REPORTERS, html_report, markdown, sarif

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
SECRET_KEY = re.compile(r"(?i)(token|key|secret|password)")


def _report(home: Path, lang: str = "en") -> Report:
    inst = facts_mod.locate(str(home / ".openclaw"))
    return audit(facts_mod.collect(inst, with_host=False), lang=lang)


def _walk(obj: object, key: str = "") -> list[tuple[str, str]]:
    if isinstance(obj, dict):
        return [kv for k, v in obj.items() for kv in _walk(v, str(k))]
    if isinstance(obj, list):
        return [kv for v in obj for kv in _walk(v, key)]
    return [(key, obj)] if isinstance(obj, str) else []


def fake_secrets(shared: Path) -> list[str]:
    """Every secret value of the insecure fixture: config credentials and env, .env values, auth-profile keys."""
    base = shared / "fixtures" / "homes" / "insecure" / ".openclaw"
    cfg = json.loads((base / "openclaw.json").read_text(encoding="utf-8"))
    values = [v for k, v in _walk(cfg) if SECRET_KEY.search(k)] + [v for _, v in _walk(cfg.get("env", {}))]
    for line in (base / ".env").read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            values.append(line.split("=", 1)[1].strip())
    auth = json.loads((base / "agents" / "main" / "agent" / "auth-profiles.json").read_text(encoding="utf-8"))
    values += [v for k, v in _walk(auth) if SECRET_KEY.search(k)]
    return sorted({v for v in values if len(v) >= 6})


def test_fake_secret_extraction_finds_them(shared: Path) -> None:
    found = fake_secrets(shared)
    assert len(found) >= 5
    assert any(v.startswith("sk-ant-") for v in found) and any(v.startswith("sk-proj-") for v in found)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("fmt", sorted(REPORTERS))
def test_no_secret_in_any_report(fixture_homes: Path, shared: Path, fmt: str, lang: str) -> None:
    out = REPORTERS[fmt](_report(fixture_homes / "home-insecure", lang))
    for value in fake_secrets(shared):
        assert value not in out, f"{fmt}/{lang} leaks {redact(value)}"


@pytest.mark.parametrize("home", ["home-insecure", "home-insecure-noauth", "home-hardened"])
def test_sarif_validates_against_oasis_schema(fixture_homes: Path, home: str) -> None:
    doc = sarif.to_dict(_report(fixture_homes / home))
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    run = doc["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        assert res["properties"]["status"] in ("fail", "warn", "error")
        assert len(res["partialFingerprints"]["clawfence/v1"]) == 16
    assert len(run["properties"]["compliance"]) == 76


def test_sarif_schema_check_is_not_vacuous(fixture_homes: Path) -> None:
    doc = sarif.to_dict(_report(fixture_homes / "home-insecure"))
    assert doc["runs"][0]["results"], "insecure home must yield results"
    doc["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(doc)


def test_sarif_suppression_and_locations() -> None:
    import dataclasses

    from clawfence.core.model import Finding, Location, Severity, Status, Target
    f = Finding("GW001", "t", Severity.HIGH, Status.FAIL, "d", "gateway.bind", Location(key="gateway.bind", line=9),
                ("P2.1",), "fix it", cwe=("CWE-1327",))
    rep = Report("clawfence", "1", Target("/s", "/s/openclaw.json", None), "2026-01-01T00:00:00+00:00",
                 "2026-01-01T00:00:01+00:00", (f, dataclasses.replace(f, subject="x", suppressed="accepted")))
    doc = sarif.to_dict(rep)
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    r0, r1 = doc["runs"][0]["results"]
    assert r0["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "file:///s/openclaw.json"},
                                                      "region": {"startLine": 9}}
    assert r0["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "gateway.bind"
    assert "suppressions" not in r0
    assert r1["suppressions"] == [{"kind": "external", "justification": "accepted"}]
    rule = doc["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["properties"]["security-severity"] == "8.0"
    assert {"P2.1", "CWE-1327"} <= set(rule["properties"]["tags"])


def _hostile_report() -> Report:
    from clawfence.core.model import Finding, Location, Severity, Status, Target
    f = Finding("GW001", "<script>alert(1)</script> | *bold*", Severity.HIGH, Status.FAIL,
                "detail with <img src=x onerror=alert(1)> & `tick` | pipe", "s", Location(path="/a|b<c>", key="k"),
                ("P2.1",), "[link](javascript:alert(1))")
    return Report("clawfence", "1", Target("/s<x>", "/s/openclaw.json", None), "t0", "t1", (f,))


def test_html_escapes_and_is_self_contained() -> None:
    out = html_report.render(_hostile_report())
    # one script: the template's own filter code, after the content; nothing from the report becomes markup
    assert out.count("<script") == 1 and out.index("<script") > out.index('id="compliance"') and "<img" not in out
    assert "&lt;script&gt;" in out and "/s&lt;x&gt;" in out
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", out)
    assert "@import" not in out and "<link" not in out
    assert out.startswith("<!DOCTYPE html>") and "$" not in re.sub(r"\$\{OPENCLAW[^}]*\}", "", out)


def test_markdown_escapes() -> None:
    out = markdown.render(_hostile_report())
    assert not re.search(r"(?<!\\)<(script|img)", out)
    assert "\\<script\\>" in out and "\\[link\\]" in out and "\\*bold\\*" in out
    assert "detail with" in out and "\\| pipe" in out


def test_every_string_in_both_languages() -> None:
    for key, entry in STRINGS.items():
        assert entry.get("en") and entry.get("zh"), key
        assert set(re.findall(r"\{(\w+)\}", entry["en"])) == set(re.findall(r"\{(\w+)\}", entry["zh"])), key


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_zh_uses_the_guides_own_wording(fixture_homes: Path, fmt: str) -> None:
    from clawfence.core.guide import load
    out = REPORTERS[fmt](_report(fixture_homes / "home-insecure", "zh"))
    g = load()
    assert g.items[1].title_zh[:20] in out  # P2's Chinese title heads the exposure findings
    if fmt != "text":
        assert all(p.zh in out for p in g.points.values() if "<" not in p.zh and "&" not in p.zh and "*" not in p.zh
                   and "_" not in p.zh)
    assert "Findings" not in out
