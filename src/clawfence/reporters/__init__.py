"""Renderers: pure ``Report -> str`` functions behind one mapping. They know nothing of checks."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping

from clawfence.core.model import Report

Renderer = Callable[[Report], str]
_MODULES = {"text": "terminal", "json": "json_report", "sarif": "sarif", "markdown": "markdown", "html": "html_report"}


class _Lazy(Mapping[str, Renderer]):
    """format -> renderer; a renderer's module (rich for text) is imported on first use."""

    def __getitem__(self, fmt: str) -> Renderer:
        mod = importlib.import_module(f"clawfence.reporters.{_MODULES[fmt]}")
        fn: Renderer = mod.render
        return fn

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


REPORTERS: Mapping[str, Renderer] = _Lazy()
