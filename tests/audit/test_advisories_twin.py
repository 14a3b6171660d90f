"""The compiled twin of the bundled advisories is fresh, loads the same records, and is never trusted when stale."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

from clawfence.audit import advisories as adv


def _raw() -> bytes:
    return resources.files("clawfence.data").joinpath("advisories/osv.json").read_bytes()


def test_twin_is_fresh() -> None:
    twin = resources.files("clawfence.data").joinpath(f"advisories/{adv.TWIN}").read_text(encoding="utf-8")
    assert twin == adv.compile_bundle(_raw()), "stale twin: run python scripts/build_advisories.py"


def test_twin_loads_what_parsing_loads() -> None:
    raw = _raw()
    doc = json.loads(raw)
    parsed, as_of = adv.parse_document(doc)
    got = adv._from_twin(adv.compile_bundle(raw).encode(), hashlib.sha256(raw).hexdigest())
    assert got is not None
    advs, twin_as_of, sources = got
    assert advs == parsed and twin_as_of == as_of and list(sources) == doc["sources"]
    assert len(advs) >= 400 and sum(1 for a in advs if a.ranges) >= 350


def test_stale_or_broken_twin_is_ignored() -> None:
    raw = _raw()
    twin = adv.compile_bundle(raw).encode()
    assert adv._from_twin(twin, hashlib.sha256(raw + b" ").hexdigest()) is None  # other bundle bytes
    assert adv._from_twin(b"not json", hashlib.sha256(raw).hexdigest()) is None
    doc = json.loads(twin)
    doc["rows"][0][4] = [["0", "not-a-version", None]]
    assert adv._from_twin(json.dumps(doc).encode(), doc["source_sha256"]) is None
