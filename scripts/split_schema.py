#!/usr/bin/env python3
"""Regenerate ``src/clawfence/data/schema/<version>/*.json.gz`` (the split, annotation-free OpenClaw config
schema that ``clawfence.audit.facts.schema`` validates with) from the packaged full schema
``src/clawfence/data/openclaw-<version>.config-schema.json.gz``.

Usage: python scripts/split_schema.py [VERSION ...]   (default: every version in ``facts.schema.SCHEMAS``)
The output is deterministic; tests/audit/facts/test_schema_walk.py fails when it is out of date.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from clawfence.audit.facts.schema import SCHEMAS, split_dir  # noqa: E402  (standalone: after sys.path)
from clawfence.audit.facts.schema_walk import dump_part, split  # noqa: E402


def main(argv: list[str]) -> int:
    """Write the parts for each requested version; prints one line per version."""
    data = ROOT / "src" / "clawfence" / "data"
    for version in argv or sorted(SCHEMAS):
        full = json.loads(gzip.decompress((data / SCHEMAS[version]).read_bytes()))
        parts = split(full)
        out = data / split_dir(version)
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        for name, node in parts.items():
            (out / f"{name}.json.gz").write_bytes(dump_part(node))
        size = sum(p.stat().st_size for p in out.iterdir())
        print(f"{version}: {len(parts)} parts, {size} bytes in {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
