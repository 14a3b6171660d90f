"""Renderers: pure ``Report -> str`` functions behind one dict. They know nothing of checks."""

from __future__ import annotations

from collections.abc import Callable

from clawfence.model import Report
from clawfence.reporters import html_report, json_report, markdown, sarif, terminal

Renderer = Callable[[Report], str]

REPORTERS: dict[str, Renderer] = {
    "text": terminal.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "markdown": markdown.render,
    "html": html_report.render,
}
