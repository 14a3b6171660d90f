#!/usr/bin/env python3
"""Write the JSON twins of packaged YAML data (``clawfence.core.yamlload.COMPILED``) so an audit does not import
PyYAML or parse YAML. Run after editing any of those YAML files; ``tests/core/test_yamlload.py`` fails until then.

Usage: python scripts/compile_data.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from clawfence.core import atomic, yamlload


def main() -> None:
    for package, name in yamlload.COMPILED:
        root = Path(__file__).resolve().parents[1] / "src" / Path(*package.split("."))
        text = (root / name).read_text(encoding="utf-8")
        out = root / yamlload.twin_name(name)
        atomic.atomic_write_text(out, yamlload.compile_twin(text), mode=0o644)
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
