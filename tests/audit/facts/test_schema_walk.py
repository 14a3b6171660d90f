"""The split-schema walker (``facts.schema_walk``) against ``jsonschema.Draft7Validator`` on the full schema.

Same errors (instance path, keyword, extra keys) on every check fixture config, the real reference configs and
fixture homes (when ../shared is present), and on systematic mutations of them: each leaf replaced by values
of other JSON types, an unknown key added to each object. Also: the shipped split copy is current.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import json5
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clawfence.audit.facts import schema
from clawfence.audit.facts.schema_walk import SchemaError, dump_part, split

VERSION = "2026.9.6"
ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "src" / "clawfence" / "data"
FIX = Path(__file__).resolve().parents[2] / "fixtures" / "checks"


def _shared() -> Path | None:
    for cand in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if cand.is_dir():
            return cand
    return None


def corpus() -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for p in sorted(FIX.glob("*/*.yaml")):
        cfg = (yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("config")
        if isinstance(cfg, dict):
            out.append((f"{p.parent.name}/{p.stem}", cfg))
    shared = _shared()
    if shared:
        for p in sorted((shared / "reference" / "realclaw" / "configs").glob("*.json")):
            out.append((p.stem, json.loads(p.read_text(encoding="utf-8"))))
        for p in sorted((shared / "fixtures" / "homes").glob("*/.openclaw/openclaw.json")):
            out.append((f"home-{p.parent.parent.name}", json5.loads(p.read_text(encoding="utf-8"))))
    return out


def _key(errs: list[SchemaError]) -> Counter[tuple[tuple[str | int, ...], str, tuple[str, ...]]]:
    return Counter((e.path, e.keyword, tuple(sorted(e.extra))) for e in errs)


def _same(raw: Any) -> None:
    w = schema.walker(VERSION)
    assert w is not None
    try:
        expected = schema.jsonschema_errors(raw, VERSION)
    except Exception as exc:  # jsonschema cannot resolve nested-plugin $defs refs from the root
        if "Unresolvable" in type(exc).__name__ or "RefResolution" in type(exc).__name__:
            return
        raise
    assert _key(list(w.errors(raw))) == _key(expected)


def _mutations(doc: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """(path, replacement) pairs: each leaf by values of other types, each object with an extra key."""
    if isinstance(doc, dict):
        yield (*path, "zzUnknownKey"), True
        for k, v in doc.items():
            yield from _mutations(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _mutations(v, (*path, i))
    for repl in ("not-a-valid-value", 7, -1, 2.5, None, [], {"x": 1}, True):
        if type(repl) is not type(doc) or repl != doc:
            yield path, repl


def _set(doc: Any, path: tuple[str | int, ...], value: Any) -> Any:
    doc = json.loads(json.dumps(doc))
    if not path:
        return value
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return doc


CORPUS = corpus()


def test_split_copy_is_current() -> None:
    full = json.loads(gzip.decompress((DATA / schema.SCHEMAS[VERSION]).read_bytes()))
    parts = split(full)
    shipped = {p.name.removesuffix(".json.gz"): p.read_bytes() for p in (DATA / schema.split_dir(VERSION)).iterdir()}
    assert set(shipped) == set(parts), "run scripts/split_schema.py"
    for name, node in parts.items():
        assert gzip.decompress(shipped[name]) == gzip.decompress(dump_part(node)), f"{name}: run scripts/split_schema.py"


@pytest.mark.parametrize(("name", "cfg"), CORPUS, ids=[n for n, _ in CORPUS])
def test_same_errors_as_jsonschema(name: str, cfg: dict[str, Any]) -> None:
    _same(cfg)
    for path, repl in _mutations(cfg):
        _same(_set(cfg, path, repl))


JSON = st.recursive(st.none() | st.booleans() | st.integers(-5, 70000) | st.floats(allow_nan=False, width=32)
                    | st.sampled_from(["", "loopback", "lan", "token", "none", "open", "*", "off", "full", "x" * 40]),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                        st.sampled_from(["mode", "enabled", "bind", "token", "allowFrom", "dmPolicy", "zz"]),
                        inner, max_size=3), max_leaves=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(section=st.sampled_from(["gateway", "channels", "tools", "agents", "session", "logging", "hooks",
                                "plugins", "models", "discovery", "browser", "skills"]),
       sub=st.sampled_from(["auth", "telegram", "exec", "defaults", "mode", "elevated", "mdns", "controlUi", None]),
       value=JSON)
def test_random_values_same_errors(section: str, sub: str | None, value: Any) -> None:
    _same({section: {sub: value}} if sub else {section: value})


def test_validate_reports_retired_and_unknown_keys() -> None:
    used, issues = schema.validate({"gateway": {"controlUi": {"allowInsecureAuth": True}, "bind": "everywhere"},
                                    "nope": 1}, VERSION)
    assert used == VERSION
    got = {(i.path, i.kind) for i in issues}
    assert got == {("gateway.controlUi.allowInsecureAuth", "retired-key"), ("gateway.bind", "invalid"),
                   ("nope", "unknown-key")}


def test_defaulted_properties_are_not_required() -> None:
    """The exported schema requires ``channels.telegram.groupPolicy`` (zod output type); the real 2026.9.6
    ``config validate`` accepts it missing because it has a default. A property without default stays required."""
    assert schema.validate({"channels": {"telegram": {"dmPolicy": "open", "allowFrom": ["*"]}}}, VERSION)[1] == []
    _, issues = schema.validate({"auth": {"profiles": {"p": {"mode": "api_key"}}}}, VERSION)
    assert [(i.path, i.kind) for i in issues] == [("auth.profiles.p", "invalid")]
    assert "'provider' is a required property" in issues[0].message
