"""Which commands of a shell script delete files, and whether recursively or in bulk (kernel: guard, trail).

Built on :func:`clawfence.detect.shell.parse` and :func:`~clawfence.detect.shell.unwrap` (so ``sudo``/``env``/
``xargs`` wrappers and nested substitutions are seen through). This answers "did it delete, how much", a fact the
trail records for recovery (guide D3.2, E4.1); whether a delete is *dangerous* is the analyzer's question
(:mod:`clawfence.detect.cmdrules`: ``destructive``/``mass-delete`` signals).
"""

from __future__ import annotations

from collections.abc import Iterator

from clawfence.detect.shell import Cmd, base, parse, unwrap


def _cmds(cmds: list[Cmd], depth: int = 0) -> Iterator[Cmd]:
    for c in cmds:
        yield c
        if depth < 8:
            for sub in c.subs:
                for pl in sub.pipelines:
                    yield from _cmds(pl, depth + 1)


def delete_commands(script: str) -> list[tuple[str, bool]]:
    """``(how, bulk)`` for each command of ``script`` that deletes files: ``rm``/``unlink``/``rmdir``/``shred``
    (bulk when recursive or ``shred -u`` on several), ``find ... -delete``/``-exec rm`` (bulk), ``git clean -f``
    (bulk), ``rsync --delete`` (bulk). Never raises."""
    out: list[tuple[str, bool]] = []
    for pl in parse(script).pipelines:
        for c in _cmds(pl):
            argv, _wrappers, via_xargs = unwrap(c.argv)
            if not argv:
                continue
            name, args = base(argv[0]), argv[1:]
            flags = [a for a in args if a.startswith("-") and a != "-"]
            if name == "rm":
                rec = any((not f.startswith("--") and ("r" in f or "R" in f)) or f == "--recursive" for f in flags)
                out.append(("rm -r" if rec else "rm", rec or via_xargs))
            elif name in ("unlink", "rmdir"):
                out.append((name, via_xargs))
            elif name == "shred":
                out.append(("shred", len([a for a in args if not a.startswith("-")]) > 1 or via_xargs))
            elif name == "find" and ("-delete" in args or any(
                    a in ("-exec", "-execdir", "-ok") and i + 1 < len(args) and base(args[i + 1]) in ("rm", "shred")
                    for i, a in enumerate(args))):
                out.append(("find -delete", True))
            elif name == "git" and args[:1] == ["clean"] and any(f.startswith("-") and "f" in f.lstrip("-")
                                                                    for f in flags if not f.startswith("--")):
                out.append(("git clean -f", True))
            elif name == "rsync" and any(f.startswith("--delete") for f in flags):
                out.append(("rsync --delete", True))
    return out


__all__ = ["delete_commands"]
