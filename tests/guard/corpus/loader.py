"""Loader of the guard's adversarial corpus (``tests/guard/corpus``).

Layout: ``attacks/<technique>.txt`` and ``everyday/exec.txt`` hold one shell command per line, verbatim (``#``
lines are comments), each judged as ``{"toolName": "exec", "params": {"command": line}}``; ``*/calls.jsonl`` hold
other tool calls, one ``{"technique", "call"}`` or ``{"technique", "session": [call, ...]}`` per line (see
``gen_calls.py``). A :class:`Sample` is a list of calls of one session: the last call is the one scored, the
earlier ones are set-up steps (a file written, a script downloaded) that are everyday-looking on their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).parent


@dataclass(frozen=True)
class Sample:
    """One corpus entry: ``technique`` (``everyday`` for legitimate work), ``calls`` (JSON call documents, the last
    is scored), ``source`` (``file:line``)."""

    technique: str
    calls: tuple[dict[str, Any], ...]
    source: str

    @property
    def call(self) -> dict[str, Any]:
        """The scored call."""
        return self.calls[-1]


def exec_call(command: str) -> dict[str, Any]:
    """The exec tool call running ``command``."""
    return {"toolName": "exec", "params": {"command": command}}


def _load(kind: str) -> list[Sample]:
    out: list[Sample] = []
    d = CORPUS / kind
    for f in sorted(d.glob("*.txt")):
        tech = "everyday" if kind == "everyday" else f.stem
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() and not line.startswith("#"):
                out.append(Sample(tech, (exec_call(line),), f"{f.name}:{n}"))
    jl = d / "calls.jsonl"
    if jl.exists():
        for n, line in enumerate(jl.read_text(encoding="utf-8").splitlines(), 1):
            row = json.loads(line)
            calls = tuple(row["session"]) if "session" in row else (row["call"],)
            out.append(Sample(row["technique"], calls, f"{jl.name}:{n}"))
    return out


def attacks() -> list[Sample]:
    """Every attack sample, grouped by technique in file order."""
    return _load("attacks")


def everyday() -> list[Sample]:
    """Every everyday (legitimate developer) sample."""
    return _load("everyday")
