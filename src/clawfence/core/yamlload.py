"""YAML loading with libyaml's C parser when available (packaged data is read on every audit)."""

from __future__ import annotations

from typing import Any

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` semantics (no arbitrary objects), C-accelerated. Raises ``yaml.YAMLError``."""
    return yaml.load(text, Loader=_Loader)
