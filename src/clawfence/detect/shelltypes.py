"""The shell command shapes shared by both parsers (:mod:`clawfence.detect.shell` with bashlex and
:mod:`clawfence.detect.tsparse` with tree-sitter): a :class:`Cmd` is one simple command, a :class:`Parsed` a whole
script. Kept in their own module so neither parser imports the other for its types (no import cycle)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Cmd:
    """A simple command: ``argv`` words (quotes removed), ``redirects`` as (op, target), here-doc /
    here-string body, nested substitutions ``$(...)``/`` `...` ``/``<(...)``, and whether any word is a
    process substitution."""

    argv: list[str]
    redirects: list[tuple[str, str]] = field(default_factory=list)
    heredoc: str | None = None
    subs: list[Parsed] = field(default_factory=list)
    procsub_words: set[int] = field(default_factory=set)


@dataclass
class Parsed:
    """A parsed script: a list of pipelines (each a list of :class:`Cmd`), and a parse ``error`` if the
    real parser failed (then a conservative tokenizer was used)."""

    pipelines: list[list[Cmd]]
    error: str | None = None


__all__ = ["Cmd", "Parsed"]
