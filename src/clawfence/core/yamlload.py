"""YAML loading with libyaml's C parser when available, and packaged YAML data served from compiled JSON twins.

Packaged YAML (the guide, manual evidence, ...) is read on every audit. ``scripts/compile_data.py`` writes a JSON
twin ``<name>.json`` beside each (``{"source_sha256": <sha256 of the YAML text>, "data": ...}``); :func:`packaged`
uses the twin when its hash matches the YAML it sits beside, else parses the YAML (always correct, only slower;
``tests/core/test_yamlload.py`` fails when a twin is stale). PyYAML itself is imported only when needed.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` semantics (no arbitrary objects), C-accelerated. Raises ``yaml.YAMLError``."""
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def twin_name(name: str) -> str:
    """``guide-cncert.yaml`` -> ``guide-cncert.json``."""
    return name.rsplit(".", 1)[0] + ".json"


def packaged(package: str, name: str) -> Any:
    """Packaged YAML file ``name`` of ``package``, from its JSON twin when that is fresh. Raises
    ``yaml.YAMLError`` only if the package is corrupt."""
    root = resources.files(package)
    text = root.joinpath(name).read_text(encoding="utf-8")
    twin = root.joinpath(twin_name(name))
    if twin.is_file():
        try:
            doc = json.loads(twin.read_text(encoding="utf-8"))
        except ValueError:
            doc = None
        if isinstance(doc, dict) and doc.get("source_sha256") == hashlib.sha256(text.encode()).hexdigest():
            return doc.get("data")
    return safe_load(text)


def compile_twin(text: str) -> str:
    """The JSON twin of YAML ``text`` (what ``scripts/compile_data.py`` writes)."""
    doc = {"source_sha256": hashlib.sha256(text.encode()).hexdigest(), "data": safe_load(text)}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


#: Packaged YAML files that have compiled twins: (package, file name).
COMPILED: tuple[tuple[str, str], ...] = (("clawfence.data", "guide-cncert.yaml"),
                                         ("clawfence.data", "manual-evidence.yaml"),
                                         ("clawfence.data", "key-history.yaml"),
                                         ("clawfence.data", "native-policy-map.yaml"))
