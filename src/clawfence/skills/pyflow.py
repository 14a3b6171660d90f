"""Python analysis via ``ast``: name-level taint from sensitive sources to network sinks, and dynamic execution.

Taint sources: string constants (literals of one call/collection joined with ``/``) naming
:data:`sensitive.SENSITIVE` paths, the whole ``os.environ`` (not a single ``os.environ["X"]``/``getenv("X")``),
and calls of functions that return tainted values. Propagation: assignments, for-loops, with-as, augmented
assignments, subscript/attribute stores (to the base name), to a fixed point; names are file-global (an
over-approximation). Sinks: urlopen/Request/requests/httpx/socket/smtplib calls and functions that pass a
parameter to one. Rules: SC210/SC211 (flow / co-occurrence), SC103 (exec of decoded data), SC104 (exec of
downloaded data or ``os.system("curl …|sh")``), SC302 (other dynamic exec), SC802 (socket + dup2 + shell).
"""

from __future__ import annotations

import ast
import re
import warnings

from clawfence.skills.sensitive import PIPE_TO_SHELL, SECRET_ENV_NAME, SENSITIVE, CodeHit, is_sensitive

NET_FUNCS = {
    "urlopen",
    "Request",
    "post",
    "put",
    "patch",
    "request",
    "send",
    "sendall",
    "sendto",
    "sendmail",
    "send_message",
    "upload_file",
    "put_object",
    "create_connection",
    "urlretrieve",
    "getaddrinfo",
    "gethostbyname",
    "resolve",
    "query",
}
NET_GET_BASES = {"requests", "httpx", "session", "client", "s", "http"}
DECODERS = {
    "b64decode",
    "urlsafe_b64decode",
    "b32decode",
    "a85decode",
    "fromhex",
    "unhexlify",
    "decompress",
    "decode",
    "loads",
    "chr",
    "reversed",
    "join",
}
FETCHERS = {"urlopen", "get", "read", "text", "content", "urlretrieve", "recv", "check_output"}
MUTATORS = {"append", "extend", "update", "write", "writestr", "add", "insert", "setdefault"}
EXEC_FUNCS = {"exec", "eval", "compile"}
SHELL_FUNCS = {"system", "popen", "run", "Popen", "call", "check_call", "check_output", "spawn", "execl", "execvp"}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _full(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_full(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _full(node.func) + "()"
    return ""


def _consts(node: ast.AST) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _base(t: ast.AST) -> list[str]:
    while isinstance(t, (ast.Subscript, ast.Attribute, ast.Starred)):
        t = t.value
    if isinstance(t, ast.Name):
        return [t.id]
    if isinstance(t, (ast.Tuple, ast.List)):
        return [n for e in t.elts for n in _base(e)]
    return []


class _Taint:
    """Fixed-point name taint over one module. Per-node facts are computed once and cached by node id."""

    def __init__(self, tree: ast.AST, rx: re.Pattern[str], env: bool) -> None:
        self.tree = tree
        self.nodes = list(ast.walk(tree))
        self.rx = rx
        self.env = env
        self.names: set[str] = set()
        self.funcs: set[str] = set()
        self.source_line = 0
        self._info: dict[int, tuple[frozenset[str], frozenset[str], bool, bool]] = {}

    def _facts(self, node: ast.AST) -> tuple[frozenset[str], frozenset[str], bool, bool]:
        key = id(node)
        got = self._info.get(key)
        if got is not None:
            return got
        names: set[str] = set()
        calls: set[str] = set()
        consts: list[str] = []
        environ: list[ast.AST] = []
        safe: set[int] = set()
        for n in ast.walk(node):
            if isinstance(n, ast.Name):
                names.add(n.id)
            elif isinstance(n, ast.Call):
                calls.add(_name(n.func))
                if isinstance(n.func, ast.Attribute) and n.func.attr == "get":
                    safe.add(id(n.func.value))
            elif isinstance(n, ast.Constant) and isinstance(n.value, str):
                consts.append(n.value)
            elif isinstance(n, ast.Attribute) and n.attr == "environ" and _full(n.value) == "os":
                environ.append(n)
            elif isinstance(n, ast.Subscript):
                safe.add(id(n.value))
            elif isinstance(n, ast.Compare):
                safe.update(id(c) for c in n.comparators)
        sens = bool(consts) and (is_sensitive("/".join(consts), self.rx) or any(is_sensitive(c, self.rx) for c in consts))
        env = any(id(e) not in safe for e in environ)
        got = (frozenset(names), frozenset(calls), sens, env)
        self._info[key] = got
        return got

    def tainted(self, node: ast.AST | None) -> bool:
        if node is None:
            return False
        names, calls, sens, env = self._facts(node)
        return sens or (self.env and env) or bool(names & self.names) or bool(calls & self.funcs)

    def run(self) -> None:
        flows: list[tuple[list[str], ast.AST, int, list[ast.expr]]] = []
        returns: list[tuple[str, list[ast.expr]]] = []
        for n in self.nodes:
            targets: list[ast.AST] = []
            value: ast.AST | None = None
            guard: list[ast.expr] = []
            if isinstance(n, ast.Assign):
                targets, value = list(n.targets), n.value
            elif isinstance(n, (ast.AugAssign, ast.AnnAssign)):
                targets, value = [n.target], n.value
            elif isinstance(n, (ast.For, ast.comprehension)):
                targets, value = [n.target], n.iter
            elif isinstance(n, ast.withitem) and n.optional_vars is not None:
                targets, value = [n.optional_vars], n.context_expr
            elif isinstance(n, ast.NamedExpr):
                targets, value = [n.target], n.value
            elif (
                isinstance(n, ast.Expr)
                and isinstance(n.value, ast.Call)
                and isinstance(n.value.func, ast.Attribute)
                and n.value.func.attr in MUTATORS
            ):
                targets, value, guard = [n.value.func.value], n.value, list(n.value.args)
            if value is not None:
                bases = [b for t in targets for b in _base(t)]
                if bases:
                    flows.append((bases, value, getattr(n, "lineno", 0), guard))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                rets = [r.value for r in ast.walk(n) if isinstance(r, (ast.Return, ast.Yield)) and r.value is not None]
                if rets:
                    returns.append((n.name, rets))
        for _ in range(8):
            before = (len(self.names), len(self.funcs))
            for bases, value, line, guard in flows:
                if guard and not any(self.tainted(a) for a in guard):
                    continue
                if self.tainted(value):
                    for b in bases:
                        if b not in self.names:
                            self.names.add(b)
                            self.source_line = self.source_line or line
            for fname, rets in returns:
                if fname not in self.funcs and any(self.tainted(r) for r in rets):
                    self.funcs.add(fname)
            if (len(self.names), len(self.funcs)) == before:
                break


def _is_net_call(c: ast.Call) -> bool:
    nm = _name(c.func)
    if nm in NET_FUNCS:
        return True
    if nm == "get" and isinstance(c.func, ast.Attribute):
        return _name(c.func.value) in NET_GET_BASES
    if nm in SHELL_FUNCS:
        return any(re.search(r"\b(curl|wget|nc|scp)\b", s) for s in _consts(c))
    return False


def analyse(text: str, rx: re.Pattern[str] = SENSITIVE, taint_only: bool = False) -> list[CodeHit] | None:
    """Findings for a Python source (lines relative to ``text``); ``None`` if it does not parse.
    ``rx`` selects the source tier; ``taint_only`` skips the exec/reverse-shell checks (second-tier pass)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    hits: list[CodeHit] = []
    lines = text.split("\n")

    def ev(n: ast.AST) -> str:
        ln = getattr(n, "lineno", 1)
        return lines[ln - 1].strip()[:160] if 0 < ln <= len(lines) else ""

    t = _Taint(tree, rx, not taint_only)
    try:
        t.run()
    except RecursionError:
        return hits
    nodes = t.nodes
    calls = [n for n in nodes if isinstance(n, ast.Call)]
    # functions that forward a parameter to a network sink
    wrappers: set[str] = set()
    for fn in (n for n in nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        params = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
        for c in (x for x in ast.walk(fn) if isinstance(x, ast.Call)):
            if _is_net_call(c) and any(
                isinstance(x, ast.Name) and x.id in params for a in c.args + [k.value for k in c.keywords] for x in ast.walk(a)
            ):
                wrappers.add(fn.name)
    net_calls = [c for c in calls if _is_net_call(c) or _name(c.func) in wrappers]
    flow = False
    for c in net_calls:
        args = list(c.args) + [k.value for k in c.keywords]
        if any(t.tainted(a) for a in args):
            hits.append(CodeHit("SC210", c.lineno, ev(c), f"sensitive data reaches {_full(c.func)}()"))
            flow = True
    if not flow and net_calls and (t.names or t.funcs):
        hits.append(CodeHit("SC211", net_calls[0].lineno, ev(net_calls[0]), f"source line {t.source_line}"))
    if taint_only:
        return hits
    imports = {
        a.name.split(".")[0]
        for n in nodes
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in (n.names if isinstance(n, ast.Import) else [ast.alias(n.module or "")])
    }
    fetched: set[str] = set()
    for n in nodes:
        if isinstance(n, ast.Assign) and any(
            (isinstance(x, ast.Call) and _name(x.func) in {"urlopen", "recv", "urlretrieve"})
            or (isinstance(x, ast.Call) and _name(x.func) == "get" and _name(getattr(x.func, "value", x)) in NET_GET_BASES)
            or (isinstance(x, ast.Attribute) and x.attr in ("text", "content") and isinstance(x.value, ast.Call))
            for x in ast.walk(n.value)
        ):
            fetched.update(b for t in n.targets for b in _base(t))
    for c in calls:
        nm = _name(c.func)
        if nm in EXEC_FUNCS and isinstance(c.func, ast.Name) and c.args and any(
            isinstance(x, ast.Name) and x.id in fetched for x in ast.walk(c.args[0])
        ):
            hits.append(CodeHit("SC104", c.lineno, ev(c), "executes code received from the network"))
        elif nm in EXEC_FUNCS and isinstance(c.func, ast.Name) and c.args and not isinstance(c.args[0], ast.Constant):
            inner = {_name(x.func) for x in ast.walk(c.args[0]) if isinstance(x, ast.Call)}
            inner |= {_name(x) for x in ast.walk(c.args[0]) if isinstance(x, ast.Attribute)}
            if (
                inner & {"urlopen", "urlretrieve", "recv"}
                or ("get" in inner and "requests" in imports)
                or (inner & {"read", "text", "content"} and inner & {"urlopen", "get"})
            ):
                hits.append(CodeHit("SC104", c.lineno, ev(c)))
            elif inner & DECODERS:
                hits.append(CodeHit("SC103", c.lineno, ev(c)))
            else:
                hits.append(CodeHit("SC302", c.lineno, ev(c)))
        elif nm in SHELL_FUNCS and fetched and any(
            isinstance(x, ast.Name) and x.id in fetched for a in c.args for x in ast.walk(a)
        ):
            hits.append(CodeHit("SC104", c.lineno, ev(c), "runs a command received from the network"))
        elif nm in SHELL_FUNCS:
            for s in _consts(c):
                if PIPE_TO_SHELL.search(s):
                    hits.append(CodeHit("SC104", c.lineno, ev(c), "shell pipes a download into an interpreter"))
                    break
    shells = any(isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in ("/bin/sh", "/bin/bash", "sh", "bash")
                 for n in nodes)
    called = {_name(c.func) for c in calls}
    if "socket" in imports and "dup2" in called and ("spawn" in called or shells):
        first = next(c for c in calls if _name(c.func) == "dup2")
        hits.append(CodeHit("SC802", first.lineno, ev(first), "socket redirected to a shell"))
    _ = SECRET_ENV_NAME
    return hits
