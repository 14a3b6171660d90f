"""The in-place JSON5 editor keeps comments, key order and formatting, and always yields the expected data."""

from __future__ import annotations

import json
from typing import Any

import json5
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clawfence.audit.fix.actions import SetConfig, UnsetConfig
from clawfence.audit.fix.apply import edit_config_text
from clawfence.audit.fix.json5edit import EditError, parse, set_key, unset_key

TEXT = """// my gateway
{
  /* block comment */
  gateway: {
    bind: "lan", // exposed!
    auth: { mode: 'token', token: "abc" },
  },
  channels: {
    telegram: {
      dmPolicy: "open",
      groupPolicy: "open" // keep me
    }
  },
  logging: { redactSensitive: "off" }
}
"""


def test_set_existing_keeps_comments_and_order() -> None:
    out = set_key(TEXT, "gateway.bind", "loopback")
    assert '// exposed!' in out and "/* block comment */" in out and "// my gateway" in out
    assert json5.loads(out)["gateway"]["bind"] == "loopback"
    assert out.replace('"loopback"', '"lan"') == TEXT


def test_insert_missing_nested_key() -> None:
    out = set_key(TEXT, "discovery.mdns.mode", "minimal")
    assert json5.loads(out)["discovery"] == {"mdns": {"mode": "minimal"}}
    assert "// keep me" in out
    out = set_key(TEXT, "gateway.auth.rateLimit", {"maxAttempts": 10})
    assert json5.loads(out)["gateway"]["auth"] == {"mode": "token", "token": "abc", "rateLimit": {"maxAttempts": 10}}


def test_unset_last_and_middle_members() -> None:
    out = unset_key(TEXT, "channels.telegram.groupPolicy")
    assert json5.loads(out)["channels"]["telegram"] == {"dmPolicy": "open"}
    out = unset_key(out, "logging.redactSensitive")
    assert json5.loads(out)["logging"] == {}
    out = unset_key(TEXT, "gateway.bind")
    assert "bind" not in json5.loads(out)["gateway"] and "/* block comment */" in out
    assert unset_key(TEXT, "no.such.key") == TEXT


def test_key_inside_non_object_is_refused() -> None:
    with pytest.raises(EditError):
        set_key('{"a": [1, 2]}', "a.b", 1)
    with pytest.raises(EditError):
        parse("[1, 2]")


def test_fallback_says_comments_lost() -> None:
    # a key under an array cannot be edited in place: full rewrite, flagged
    text = '{\n  // c\n  "a": [1]\n}\n'
    new, lost = edit_config_text(text, [SetConfig("a.b", 1)])
    assert lost and json.loads(new) == {"a": {"b": 1}}
    new, lost = edit_config_text(TEXT, [SetConfig("gateway.bind", "loopback"), UnsetConfig("logging.redactSensitive")])
    assert not lost and "// exposed!" in new


keys = st.sampled_from(["a", "b", "c", "gateway", "x1"])
values = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | st.text("abc'\"/\\*", max_size=4),
                      lambda c: st.lists(c, max_size=2) | st.dictionaries(keys, c, max_size=2), max_leaves=4)


@settings(max_examples=150, deadline=None)
@given(doc=st.dictionaries(keys, values, max_size=4), path=st.lists(keys, min_size=1, max_size=3), value=values,
       unset=st.booleans())
def test_edit_always_matches_expected_data(doc: dict[str, Any], path: list[str], value: Any, unset: bool) -> None:
    text = "// header\n" + json.dumps(doc, indent=2) + "\n"
    dotted = ".".join(path)
    op = UnsetConfig(dotted) if unset else SetConfig(dotted, value)
    new, _ = edit_config_text(text, [op])
    expected = json5.loads(text)
    cur = expected
    for p in path[:-1]:
        if not isinstance(cur.get(p), dict):
            if unset:
                cur = None
                break
            cur[p] = {}
        cur = cur[p]
    if cur is not None:
        if unset:
            cur.pop(path[-1], None)
        else:
            cur[path[-1]] = value
    assert json5.loads(new) == expected
