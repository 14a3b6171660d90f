"""Shell analysis with tree-sitter-bash: variable-level taint from sensitive sources to network sinks.

Sources: assignments or copy/archive commands touching :data:`sensitive.SENSITIVE` paths, ``env``/``printenv``
output, functions that prompt for passwords or read the keychain, copies of the whole OpenClaw state dir.
Sinks: curl/wget uploads (``-d``/``-F``/``-T``/``--data*``/``--post-*``) or URLs carrying a tainted variable,
``nc``, DNS lookups with a tainted name, ``git push``, ``scp``, ``mail``. Rules: SC210 (flow), SC211 (source and
sink in one script, flow not traced), SC216 (push to credentialed git remote). Never executes anything.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tree_sitter is imported when a file of this language is first parsed
    from tree_sitter import Node, Parser

from clawfence.detect import tsutil
from clawfence.skills.sensitive import SENSITIVE, STATE_DIR, CodeHit

VAR_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
COPY_CMDS = {"cp", "tar", "zip", "cat", "base64", "xxd", "rsync", "scp", "sqlite3", "gzip", "7z", "ditto", "security", "openssl"}
UPLOAD_FLAGS = re.compile(r"(^|\s)(-d|--data[\w-]*|-F|--form|-T|--upload-file|--post-data|--post-file|--json)\b")
DNS_CMDS = {"dig", "nslookup", "host", "drill"}
ENV_DUMP = re.compile(r"\$\(\s*(env|printenv|set)\b|`\s*(env|printenv)\b")
MAX_NODES = 200_000


@lru_cache(maxsize=1)
def _parser() -> Parser:
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))


def _walk(root: Node) -> list[Node]:
    return tsutil.walk(root, MAX_NODES)


_txt = tsutil.text


def analyse(text: str, rx: re.Pattern[str] = SENSITIVE, taint_only: bool = False) -> list[CodeHit]:
    """Taint findings for one shell script or code block (lines relative to ``text``); ``rx`` selects the
    source tier, ``taint_only`` keeps only SC210/SC211 and ignores env dumps and state-dir copies."""
    if len(text) > 1_500_000:
        return []
    tree = _parser().parse(text.encode("utf-8", "replace"))
    nodes = _walk(tree.root_node)
    tainted: set[str] = set()
    state_vars: set[str] = set()
    source_fns: set[str] = set()
    source_line = 0
    for n in nodes:
        if n.type == "function_definition":
            body = _txt(n)
            fname = n.child_by_field_name("name")
            if fname is not None and re.search(
                r"hidden answer|find-generic-password|find-internet-password|osascript[^\n]*password|read\s+-s\w*\s", body, re.I
            ):
                source_fns.add(_txt(fname))
    assigns = [n for n in nodes if n.type == "variable_assignment"]
    commands = [n for n in nodes if n.type == "command"]
    fors = [n for n in nodes if n.type == "for_statement"]
    for _ in range(4):
        before = len(tainted)
        for a in assigns:
            name_n = a.child_by_field_name("name")
            val_n = a.child_by_field_name("value")
            if name_n is None or val_n is None:
                continue
            var, val = _txt(name_n), _txt(val_n)
            if STATE_DIR.search(val.strip("\"'")):
                state_vars.add(var)
            refs = set(VAR_REF.findall(val))
            if (
                rx.search(val)
                or (ENV_DUMP.search(val) and not taint_only)
                or refs & tainted
                or any(re.search(rf"\$\(\s*{re.escape(f)}\b", val) for f in source_fns)
            ) and var not in tainted:
                tainted.add(var)
                source_line = source_line or a.start_point[0] + 1
        for fs in fors:
            var_n = fs.child_by_field_name("variable")
            vals = " ".join(_txt(v) for v in fs.children_by_field_name("value"))
            if var_n is not None and set(VAR_REF.findall(vals)) & tainted and _txt(var_n) not in tainted:
                tainted.add(_txt(var_n))
        for c in commands:
            cmd = _cmd_name(c)
            if cmd == "read" and re.search(r"\s-\w*s", _txt(c)):
                words = _txt(c).split()
                if words and re.fullmatch(r"[A-Za-z_]\w*", words[-1]) and words[-1] not in tainted:
                    tainted.add(words[-1])
                    source_line = source_line or c.start_point[0] + 1
                continue
            if cmd not in COPY_CMDS:
                continue
            args = _txt(c)
            refs = set(VAR_REF.findall(args))
            whole_state = cmd in {"rsync", "cp", "tar", "zip", "ditto"} and (
                refs & state_vars or re.search(r"(\.openclaw|\.clawdbot)[\"'/]*(\s|$)", args)
            )
            if rx.search(args) or refs & tainted or (whole_state and not taint_only):
                new = refs - {"HOME", "USER", "PWD"}
                if new - tainted:
                    tainted |= new
                    source_line = source_line or c.start_point[0] + 1
        if len(tainted) == before:
            break
    has_source = bool(tainted) or (not taint_only and any(ENV_DUMP.search(_txt(c)) for c in commands))
    hits: list[CodeHit] = []
    sink_line = 0
    for c in commands:
        name = _cmd_name(c)
        args = _txt(c)
        refs = set(VAR_REF.findall(args))
        is_sink = False
        if (
            (name in {"curl", "wget"} and (UPLOAD_FLAGS.search(args) or re.search(r"https?://\S*\$", args)))
            or (name in DNS_CMDS and refs - {"DOMAIN", "HOST", "1"})
            or name in {"nc", "ncat", "netcat", "mail", "sendmail", "scp"}
            or (name == "git" and re.search(r"\bpush\b", args))
        ):
            is_sink = True
        if not is_sink:
            continue
        sink_line = sink_line or c.start_point[0] + 1
        direct = rx.search(args) and name != "git"
        if refs & tainted or direct:
            hits.append(
                CodeHit(
                    "SC210",
                    c.start_point[0] + 1,
                    args.strip()[:160],
                    f"tainted: {', '.join(sorted(refs & tainted)) or 'sensitive path'}",
                )
            )
    if not any(h.rule == "SC210" for h in hits) and has_source and sink_line:
        hits.append(CodeHit("SC211", sink_line, "sensitive source + outbound send", f"source line {source_line}"))
    if taint_only:
        return hits
    for a in assigns + commands:
        t = _txt(a)
        if re.search(r"git\s+remote\s+(add|set-url)\s+\S+\s+[\"']?https?://[^\s\"'@/]+:[^\s\"'@/]+@", t) and (
            re.search(r"git\s+push\s+(-\w*f|--force|-q\w*f)", text) or state_vars
        ):
                hits.append(CodeHit("SC216", a.start_point[0] + 1, t.strip()[:160]))
    return hits


def _cmd_name(c: Node) -> str:
    n = c.child_by_field_name("name")
    if n is None:
        return ""
    return _txt(n).rsplit("/", 1)[-1]
