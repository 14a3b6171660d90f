"""RFC 8785 (JSON Canonicalization Scheme) bytes, with a fast path.

For JSON values with no floating-point numbers, no integers beyond +-2**53 and no object key containing a
character at or above U+D800, RFC 8785 output is byte-identical to ``json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)``: keys then sort the same by UTF-16 code unit and by code point,
and both escape only ``"``, ``\\`` and control characters (``\\b\\f\\n\\r\\t`` short forms, others as lowercase
``\\u00xx``); string *values* are written identically whatever they contain. Anything else goes through the
``rfc8785`` package. A property test checks the equivalence.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

_HIGH = re.compile(r"[\ud800-\U0010ffff]")
_MAX_INT = 2**53
_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def _fast_ok(obj: Any) -> bool:
    """True if ``obj`` is in the domain where ``json.dumps`` equals RFC 8785 (see module doc)."""
    stack = [obj]
    while stack:
        o = stack.pop()
        t = type(o)
        if t is str or t is bool or o is None:
            continue
        if t is int:
            if not -_MAX_INT <= o <= _MAX_INT:
                return False
        elif t is dict:
            for k in o:
                if type(k) is not str or (not k.isascii() and _HIGH.search(k)):
                    return False
            stack.extend(o.values())
        elif t is list or t is tuple:
            stack.extend(o)
        else:
            return False
    return True


def json_string(s: str) -> bytes:
    """RFC 8785 form of a single string value."""
    return _dumps(s).encode("utf-8")


def canonical(obj: Any) -> bytes:
    """RFC 8785 canonical JSON bytes of ``obj``. Raises ``TypeError``/``ValueError`` for non-JSON values."""
    if _fast_ok(obj):
        return _dumps(obj).encode("utf-8")
    return bytes(rfc8785.dumps(obj))
