"""Variant generator: rewrites attack commands the way an attacker dodges string matching.

Each transformation takes one shell command and returns an equivalent command (same effect when run by bash) or
None when it does not apply. ``benchmarks/bench_guard_variants.py`` reports recall per transformation over the
corpus's exec attacks; ``tests/guard/test_corpus.py`` holds a floor.
"""

from __future__ import annotations

import base64
import re
import shlex
from collections.abc import Callable

Transform = Callable[[str], str | None]

_SIMPLE_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


def _split_first(cmd: str) -> tuple[str, str] | None:
    """The first word and the rest, when the first word is a plain command name."""
    m = re.match(r"^([A-Za-z][A-Za-z0-9_.-]*)(\s.*)?$", cmd, re.S)
    if not m:
        return None
    return m.group(1), m.group(2) or ""


def quote_split(cmd: str) -> str | None:
    """``rm -rf ~`` -> ``r''m -rf ~`` (quotes inside the command name)."""
    sp = _split_first(cmd)
    if not sp or len(sp[0]) < 2:
        return None
    w, rest = sp
    return f"{w[0]}''{w[1:]}{rest}"


def double_quote_split(cmd: str) -> str | None:
    """``rm`` -> ``r"m"``."""
    sp = _split_first(cmd)
    if not sp or len(sp[0]) < 2:
        return None
    w, rest = sp
    return f'{w[0]}"{w[1:]}"{rest}'


def var_indirection(cmd: str) -> str | None:
    """``rm -rf ~`` -> ``X=rm; $X -rf ~``."""
    sp = _split_first(cmd)
    if not sp:
        return None
    return f"X={sp[0]}; $X{sp[1]}"


def var_splice(cmd: str) -> str | None:
    """``curl ...`` -> ``a=cu; b=rl; $a$b ...``."""
    sp = _split_first(cmd)
    if not sp or len(sp[0]) < 2:
        return None
    w, rest = sp
    h = len(w) // 2
    return f"a={w[:h]}; b={w[h:]}; $a$b{rest}"


def env_wrapper(cmd: str) -> str | None:
    """``env LANG=C <cmd>``."""
    return f"env LANG=C {cmd}" if _split_first(cmd) else None


def sudo_wrapper(cmd: str) -> str | None:
    """``sudo -n <cmd>``."""
    return f"sudo -n {cmd}" if _split_first(cmd) else None


def nice_timeout(cmd: str) -> str | None:
    """``nice -n 5 timeout 60 <cmd>``."""
    return f"nice -n 5 timeout 60 {cmd}" if _split_first(cmd) else None


def sh_c(cmd: str) -> str | None:
    """``sh -c '<cmd>'``."""
    return f"sh -c {shlex.quote(cmd)}"


def bash_c_nested(cmd: str) -> str | None:
    """``bash -c "sh -c '<cmd>'"`` (two levels)."""
    return "bash -c " + shlex.quote("sh -c " + shlex.quote(cmd))


def eval_wrap(cmd: str) -> str | None:
    """``eval '<cmd>'``."""
    return f"eval {shlex.quote(cmd)}"


def b64_pipe(cmd: str) -> str | None:
    """``echo <base64> | base64 -d | bash``."""
    return f"echo {base64.b64encode(cmd.encode()).decode()} | base64 -d | bash"


def b64_subst(cmd: str) -> str | None:
    """``bash -c "$(echo <base64> | base64 -d)"``."""
    return f'bash -c "$(echo {base64.b64encode(cmd.encode()).decode()} | base64 -d)"'


def abs_path(cmd: str) -> str | None:
    """``rm`` -> ``/usr/bin/rm`` (absolute program path)."""
    sp = _split_first(cmd)
    if not sp or sp[0] in ("cd", "echo", "export", "eval", "source", "alias", "history", "set", "unset", "exec"):
        return None
    return f"/usr/bin/{sp[0]}{sp[1]}"


def home_spelling(cmd: str) -> str | None:
    """``~/x`` -> ``$HOME/x`` and ``/home/agent`` -> ``${HOME}`` (path spellings)."""
    out = re.sub(r"(?<![\w/])~/", "$HOME/", cmd)
    out = out.replace("/home/agent", "${HOME}")
    return out if out != cmd else None


def ifs_spaces(cmd: str) -> str | None:
    """Spaces of a simple command (no quotes or operators) replaced by ``${IFS}``."""
    if re.search(r"[\'\"|;&<>()`$\\\\]", cmd) or " " not in cmd:
        return None
    return cmd.replace(" ", "${IFS}")


def process_tool(cmd: str) -> str | None:
    """Marker: the command is sent through the ``process`` tool (handled by the caller)."""
    return cmd


TRANSFORMS: dict[str, Transform] = {
    "quote-split": quote_split, "dquote-split": double_quote_split, "var-indirection": var_indirection,
    "var-splice": var_splice, "env-wrapper": env_wrapper, "sudo-wrapper": sudo_wrapper,
    "nice-timeout": nice_timeout, "sh-c": sh_c, "bash-c-nested": bash_c_nested, "eval": eval_wrap,
    "base64-pipe": b64_pipe, "base64-subst": b64_subst, "abs-path": abs_path, "home-spelling": home_spelling,
    "ifs": ifs_spaces, "process-tool": process_tool,
}


def variants(cmd: str) -> list[tuple[str, dict[str, object]]]:
    """Every applicable (transformation name, tool call) of exec command ``cmd``."""
    out: list[tuple[str, dict[str, object]]] = []
    for name, fn in TRANSFORMS.items():
        v = fn(cmd)
        if v is None:
            continue
        if name == "process-tool":
            out.append((name, {"toolName": "process", "params": {"action": "write", "sessionId": "v",
                                                                  "data": v + "\n"}}))
        else:
            out.append((name, {"toolName": "exec", "params": {"command": v}}))
    return out
