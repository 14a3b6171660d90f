"""RFC 8785 (JSON Canonicalization Scheme) bytes, with a fast path.

For JSON values whose serialisation has no floating-point numbers, no integers of 16+ digits and no characters
at or above U+D800, RFC 8785 output is byte-identical to ``json.dumps(sort_keys=True, separators=(",", ":"),
ensure_ascii=False)``: keys then sort the same by UTF-16 code unit and by code point, and both escape only
``"``, ``\\`` and control characters (``\\b\\f\\n\\r\\t`` short forms, others as lowercase ``\\u00xx``). Anything
else goes through the ``rfc8785`` package. A property test checks the equivalence.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

_SLOW = re.compile(r"[0-9][.eE]|[0-9]{16}|[\ud800-\U0010ffff]")
_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def canonical(obj: Any) -> bytes:
    """RFC 8785 canonical JSON bytes of ``obj``. Raises ``TypeError``/``ValueError`` for non-JSON values."""
    try:
        s = _dumps(obj)
    except (TypeError, ValueError):
        return bytes(rfc8785.dumps(obj))
    if _SLOW.search(s):
        return bytes(rfc8785.dumps(obj))
    return s.encode("utf-8")
