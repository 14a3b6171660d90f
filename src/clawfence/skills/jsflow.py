"""JavaScript/TypeScript analysis with tree-sitter-javascript: identifier taint and dynamic execution.

Sources: string literals of one expression joined with ``/`` naming :data:`sensitive.SENSITIVE` paths, the whole
``process.env`` (JSON.stringify / Object.entries / spread), calls of functions returning tainted values.
Propagation: variable declarators, assignments, to a fixed point (file-global names). Sinks: fetch, axios,
http(s).request/get, XMLHttpRequest/sendBeacon/WebSocket, net/dns, child_process with curl/wget/nc.
Rules: SC210/SC211, SC103 (eval/Function of atob/Buffer base64/fromCharCode), SC104 (eval of fetched code,
child_process running ``curl …|sh``), SC302 (other dynamic eval). Never executes anything.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # tree_sitter is imported when a file of this language is first parsed
    from tree_sitter import Node, Parser

from clawfence.detect import tsutil
from clawfence.skills.sensitive import PIPE_TO_SHELL, SENSITIVE, CodeHit, is_sensitive

NET = re.compile(
    r"(^|\.)(fetch|axios|post|put|patch|request|sendBeacon|send|WebSocket|connect|createConnection|"
    r"resolve\w*|lookup|got|ky|superagent|upload)$"
)
EXEC_CHILD = re.compile(r"(^|\.)(exec|execSync|spawn|spawnSync|execFile|execFileSync)$")
EVAL = re.compile(r"^(eval|Function|new Function|vm\.runIn\w+|setTimeout|setInterval)$")
DECODE_HINT = re.compile(
    r"fromCharCode|atob\(|['\"]base64['\"]|['\"]hex['\"]|unescape\(|decodeURIComponent\(|reverse\(\)|inflate|gunzip"
)
FETCH_HINT = re.compile(r"\bfetch\(|axios|https?\.get|\.text\(\)|XMLHttpRequest|responseText|require\(['\"]https?['\"]\)")
ENV_WHOLE = re.compile(r"(JSON\.stringify|Object\.(entries|keys|values|assign))\(\s*process\.env\s*\)|\.\.\.process\.env\b")
BROWSER_STORE = re.compile(r"document\.cookie|\blocalStorage\b|\bsessionStorage\b|indexedDB\.databases")
MAX_NODES = 300_000


@lru_cache(maxsize=1)
def _parser() -> Parser:
    import tree_sitter_javascript
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_javascript.language()))


_txt = tsutil.text


def _walk(root: Node) -> list[Node]:
    return tsutil.walk(root, MAX_NODES)


def _strings(n: Node) -> list[str]:
    return [_txt(x) for x in _walk(n) if x.type in ("string_fragment",)]


def _idents(n: Node) -> set[str]:
    return {_txt(x) for x in _walk(n) if x.type in ("identifier", "shorthand_property_identifier")}


def analyse(text: str, rx: re.Pattern[str] = SENSITIVE, taint_only: bool = False, browser: bool = False) -> list[CodeHit]:
    """Findings for one JS/TS source (lines relative to ``text``); ``rx`` selects the source tier,
    ``taint_only`` keeps only flow findings (second-tier pass); ``browser`` adds cookies/localStorage/sessionStorage
    as sources (scripts inside SVG/markup assets, where a skill has no reason to read them)."""
    if len(text) > 2_000_000:
        return []
    tree = _parser().parse(text.encode("utf-8", "replace"))
    nodes = _walk(tree.root_node)
    tainted: set[str] = set()
    funcs: set[str] = set()
    source_line = 0

    def is_tainted(n: Node | None) -> bool:
        if n is None:
            return False
        s = _strings(n)
        if s and (is_sensitive("/".join(s), rx) or any(is_sensitive(x, rx) for x in s)):
            return True
        body = _txt(n)
        if not taint_only and (ENV_WHOLE.search(body) or (browser and BROWSER_STORE.search(body))):
            return True
        ids = _idents(n)
        return bool(ids & tainted or ids & funcs)

    pairs: list[tuple[str, Node, int]] = []
    fn_bodies: list[tuple[str, Node]] = []
    for n in nodes:
        if n.type == "variable_declarator":
            name_n, val = n.child_by_field_name("name"), n.child_by_field_name("value")
            if val is not None and val.type in ("arrow_function", "function_expression", "function"):
                fn_bodies.append((_txt(name_n), val))
            elif name_n is not None and val is not None:
                pairs.append((_txt(name_n), val, n.start_point[0] + 1))
        elif n.type == "assignment_expression":
            left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
            if left is not None and right is not None:
                base = left
                while base.type in ("member_expression", "subscript_expression"):
                    nxt = base.child_by_field_name("object")
                    if nxt is None:
                        break
                    base = nxt
                pairs.append((_txt(base), right, n.start_point[0] + 1))
        elif n.type in ("function_declaration", "method_definition", "generator_function_declaration"):
            fn_bodies.append((_txt(n.child_by_field_name("name")), n))
    for _ in range(6):
        before = (len(tainted), len(funcs))
        for var, val, line in pairs:
            if var not in tainted and is_tainted(val):
                tainted.add(var)
                source_line = source_line or line
        for fname, body in fn_bodies:
            if fname and fname not in funcs:
                for r in _walk(body):
                    if (r.type == "return_statement" and is_tainted(r)) or (
                        body.type == "arrow_function"
                        and body.child_by_field_name("body") is not None
                        and body.child_by_field_name("body").type != "statement_block"  # type: ignore[union-attr]
                        and is_tainted(body.child_by_field_name("body"))
                    ):
                        funcs.add(fname)
                        break
        if (len(tainted), len(funcs)) == before:
            break
    hits: list[CodeHit] = []
    net_lines: list[int] = []
    flow = False
    for n in nodes:
        if n.type not in ("call_expression", "new_expression"):
            continue
        callee = n.child_by_field_name("function") or n.child_by_field_name("constructor")
        cname = _txt(callee)
        args = n.child_by_field_name("arguments")
        line = n.start_point[0] + 1
        ev = _txt(n).split("\n", 1)[0][:160]
        if NET.search(cname) and cname not in ("Promise.resolve", "path.resolve", "require.resolve"):
            net_lines.append(line)
            if is_tainted(args):
                hits.append(CodeHit("SC210", line, ev, f"sensitive data reaches {cname}()"))
                flow = True
        elif EXEC_CHILD.search(cname):
            s = " ".join(_strings(args)) if args is not None else ""
            if PIPE_TO_SHELL.search(s):
                hits.append(CodeHit("SC104", line, ev, "child process pipes a download into a shell"))
            elif re.search(r"\b(curl|wget|nc)\b", s):
                net_lines.append(line)
                if args is not None and is_tainted(args):
                    hits.append(CodeHit("SC210", line, ev, "sensitive data passed to a network command"))
                    flow = True
        elif EVAL.match(cname.replace("new ", "new ").strip()) or (n.type == "new_expression" and cname == "Function"):
            arg_txt = _txt(args)
            if not args or all(
                c.type in ("(", ")", ",", "string", "template_string") and "${" not in _txt(c) for c in args.children
            ):
                if cname in ("setTimeout", "setInterval") or not args:
                    continue
                continue
            if cname in ("setTimeout", "setInterval") and not re.match(r"\(\s*['\"`]", arg_txt):
                continue
            anc = n
            for _ in range(6):
                if anc.parent is None or anc.type in ("expression_statement", "lexical_declaration", "return_statement"):
                    break
                anc = anc.parent
            full = arg_txt + " " + _txt(anc)
            if FETCH_HINT.search(full):
                hits.append(CodeHit("SC104", line, ev))
            elif DECODE_HINT.search(full) or _idents(args) & _decoded_names(nodes):
                hits.append(CodeHit("SC103", line, ev))
            else:
                hits.append(CodeHit("SC302", line, ev))
    if not flow and net_lines and (tainted or funcs):
        hits.append(CodeHit("SC211", net_lines[0], "sensitive source + network call", f"source line {source_line}"))
    if taint_only:
        return [h for h in hits if h.rule in ("SC210", "SC211")]
    return hits


def _decoded_names(nodes: list[Node]) -> set[str]:
    out: set[str] = set()
    for n in nodes:
        if n.type == "variable_declarator":
            val = n.child_by_field_name("value")
            t = _txt(val)
            if val is not None and (DECODE_HINT.search(t) or re.fullmatch(r"\[\s*(\d{2,3}\s*,\s*){8,}\d{2,3}\s*\]", t.strip())):
                out.add(_txt(n.child_by_field_name("name")))
    return out
