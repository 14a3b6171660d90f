"""The effective ``openclaw.json``: JSON5, ``$include``, ``${VAR}`` and SecretRefs, secrets redacted.

Source: OpenClaw ``docs/gateway/configuration.md`` ("$include", "Strict validation"),
``docs/help/environment.md`` (env substitution), ``docs/gateway/configuration-reference.md`` ("Secrets").
``$include``: a string or list of files, relative to the including file, deep-merged in order, sibling
keys override, at most 10 levels, confined to the config dir (or ``OPENCLAW_INCLUDE_ROOTS``).

Collection (:func:`load_config`) does the I/O; :func:`analyse` is pure and also builds facts from
test fixtures. Literal secret values never reach :class:`ConfigFacts`: they are replaced by their
redacted form and summarised in :class:`SecretInfo` (length, entropy, weakness, salted fingerprint).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import json5
from pydantic import BaseModel, Field

from clawfence.core import safeio
from clawfence.core.model import Location
from clawfence.core.redact import redact
from clawfence.detect.secrets import classify, entropy_bits, weakness

MAX_INCLUDE_DEPTH = 10
#: Largest config (or included) file read (bytes); OpenClaw configs are a few KB.
MAX_CONFIG_BYTES = 16 * 1024 * 1024
#: Deepest object/array nesting accepted before parsing (the JSON5 parser recurses).
MAX_NESTING = 200
ENV_REF_RE = re.compile(r"^\$\{[A-Z_][A-Z0-9_]*\}$")
ENV_ANY_RE = re.compile(r"\$\{[A-Z_][A-Z0-9_]*\}")
SECRET_KEY_RE = re.compile(
    r"(?i)(token|password|passwd|secret|api[_-]?key|private[_-]?key|access[_-]?key|credential|cookie"
    r"|^key$|signingkey|encryptkey|app[_-]?secret)"
)
NOT_SECRET_KEY_RE = re.compile(
    r"(?i)(ref|file|path|mode|env|header|source|provider|id|url|dir|kind|type|policy|prefixes|enabled|"
    r"hint|name|format|timeoutms|maxtokens|tokens?limit|budget|count)$"
)
REDACTED_PREFIX = "«redacted "


def _loads(text: str) -> Any:
    """JSON5 text -> value; strict JSON (a subset of JSON5, same result) takes the C parser first."""
    try:
        return json.loads(text)
    except ValueError:
        return json5.loads(text)


class ConfigLoadError(Exception):
    """The config cannot be read or parsed (invalid JSON5, include loop, escape, depth)."""


class SecretInfo(BaseModel, frozen=True):
    """A credential-bearing config value, summarised without its value.

    ``kind``: ``literal`` (plaintext), ``env`` (``${VAR}``), ``secretref`` (``{source, provider, id}``),
    ``template`` (a string mixing text and ``${VAR}``) or ``empty``. ``fingerprint`` is an HMAC-SHA256
    of the value under a per-collection random salt (16 hex chars): equal values in one snapshot have
    equal fingerprints, and nothing else can be learned from it.
    """

    path: str
    kind: str
    redacted: str = ""
    length: int = 0
    entropy_bits: float = 0.0
    weak: str | None = None
    format: str | None = None
    fingerprint: str = ""
    env_var: str | None = None


class ConfigIssue(BaseModel, frozen=True):
    """A problem with the config itself: ``kind`` is ``unknown-key``, ``retired-key``, ``invalid`` or ``include``."""

    path: str
    message: str
    kind: str


class ConfigFacts(BaseModel, frozen=True):
    """The effective config (secrets redacted) and what was learned loading it.

    ``data``: merged config after ``$include``; ``lines``: dotted key -> 1-based line in the main file;
    ``secrets``: dotted key -> :class:`SecretInfo`; ``issues``: schema and include problems;
    ``raw_env_keys``: names under top-level ``env`` that are not ``vars``/``shellEnv``.
    """

    path: str
    exists: bool = True
    data: dict[str, Any] = Field(default_factory=dict)
    includes: list[str] = Field(default_factory=list)
    lines: dict[str, int] = Field(default_factory=dict)
    secrets: dict[str, SecretInfo] = Field(default_factory=dict)
    issues: list[ConfigIssue] = Field(default_factory=list)
    schema_version: str | None = None

    def get(self, dotted: str, default: Any = None) -> Any:
        """Value at ``a.b.c`` in the effective config, or ``default``."""
        cur: Any = self.data
        for part in dotted.split("."):
            if not isinstance(cur, dict) or part not in cur:
                return default
            cur = cur[part]
        return cur

    def has(self, dotted: str) -> bool:
        """True if the key is present (even when null)."""
        sentinel = object()
        return self.get(dotted, sentinel) is not sentinel

    def where(self, dotted: str) -> Location:
        """Location of a key: the config path, the dotted key and the line if known."""
        line = self.lines.get(dotted)
        if line is None:
            parts = dotted.split(".")
            while parts and line is None:
                parts.pop()
                line = self.lines.get(".".join(parts))
        return Location(path=self.path, key=dotted, line=line)

    def secret(self, dotted: str) -> SecretInfo | None:
        """The :class:`SecretInfo` of a credential key, if that key holds one."""
        return self.secrets.get(dotted)


def is_secretref(value: Any) -> bool:
    """True for a SecretRef object ``{"source": env|file|exec|store, "id": ...}``."""
    return isinstance(value, dict) and value.get("source") in {"env", "file", "exec", "store"} and "id" in value


def is_secret_key(dotted: str) -> bool:
    """True if the config key at ``dotted`` holds a credential by its name or place."""
    parts = dotted.split(".")
    last = parts[-1]
    if parts[0] == "env" and len(parts) >= 2 and parts[1] not in ("shellEnv",):
        return True
    if re.fullmatch(r"\d+", last) and len(parts) > 1:
        last = parts[-2]
    if NOT_SECRET_KEY_RE.search(last) and not re.search(r"(?i)(apikey|token|password|secret)$", last):
        return False
    return bool(SECRET_KEY_RE.search(last))


def _walk(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            yield key, v
            if not is_secretref(v):
                yield from _walk(v, key)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            key = f"{prefix}.{i}"
            yield key, v
            yield from _walk(v, key)


def summarise_secret(path: str, value: Any, salt: bytes) -> SecretInfo:
    """Summarise one credential value (pure). ``salt`` keys the fingerprint."""
    if is_secretref(value):
        return SecretInfo(path=path, kind="secretref", redacted=f"SecretRef({value.get('source')}:{value.get('id')})")
    if not isinstance(value, str) or value == "":
        return SecretInfo(path=path, kind="empty")
    fp = hmac.new(salt, value.encode(), hashlib.sha256).hexdigest()[:16]
    if ENV_REF_RE.match(value):
        return SecretInfo(path=path, kind="env", redacted=value, env_var=value[2:-1], fingerprint=fp)
    if ENV_ANY_RE.search(value):
        return SecretInfo(path=path, kind="template", redacted=ENV_ANY_RE.sub("${…}", redact(value)), fingerprint=fp)
    return SecretInfo(
        path=path,
        kind="literal",
        redacted=redact(value),
        length=len(value),
        entropy_bits=entropy_bits(value),
        weak=weakness(value),
        format=classify(value),
        fingerprint=fp,
    )


def _set(obj: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    cur: Any = obj
    for p in parts[:-1]:
        cur = cur[int(p)] if isinstance(cur, list) else cur[p]
    if isinstance(cur, list):
        cur[int(parts[-1])] = value
    else:
        cur[parts[-1]] = value


def _copy(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_copy(v) for v in obj]
    return obj


def analyse(
    raw: Mapping[str, Any],
    path: str = "openclaw.json",
    salt: bytes | None = None,
    text: str | None = None,
    includes: list[str] | None = None,
    issues: list[ConfigIssue] | None = None,
) -> ConfigFacts:
    """Build :class:`ConfigFacts` from a parsed, include-resolved config (pure).

    Literal secrets (by key name, under ``env``, or by provider format anywhere) are replaced by
    ``«redacted …»`` strings and summarised in ``secrets``. ``text`` (the main file) gives line numbers.
    """
    salt = salt if salt is not None else os.urandom(16)
    data = _copy(dict(raw))
    secrets: dict[str, SecretInfo] = {}
    for key, value in list(_walk(raw)):
        by_name = is_secret_key(key) and (isinstance(value, str) or is_secretref(value))
        by_format = isinstance(value, str) and len(value) >= 16 and classify(value) is not None
        if by_name or by_format:
            info = summarise_secret(key, value, salt)
            secrets[key] = info
            if info.kind in ("literal", "template"):
                _set(data, key, f"{REDACTED_PREFIX}{info.redacted}»")
    return ConfigFacts(
        path=path,
        data=data,
        includes=includes or [],
        lines=line_map(text, raw) if text else {},
        secrets=secrets,
        issues=issues or [],
    )


#: Any key of a JSON5 object: bare identifier or quoted string, then a colon (one scan finds every key).
_ANY_KEY_RE = re.compile(r"""(?:^|[\s{,])["']?([^\s"':{},\[\]]+)["']?\s*:""", re.M)


def line_map(text: str, raw: Mapping[str, Any]) -> dict[str, int]:
    """Best-effort dotted key -> 1-based line of that key in ``text``. One regex pass indexes every key's
    positions; keys are then looked up in document order from the previous sibling's position (children from
    their parent's), so the whole map costs about one pass over the text, whatever the number of agents or
    channels (also for a config written on one line). Keys the index cannot hold (spaces, quotes) fall back to
    a per-key search."""
    starts = [0]
    starts += [m.end() for m in re.finditer("\n", text)]
    index: dict[str, list[int]] = {}
    for m in _ANY_KEY_RE.finditer(text):
        index.setdefault(m.group(1), []).append(m.end())
    out: dict[str, int] = {}

    def find(name: str, pos: int) -> int | None:
        ends = index.get(name)
        if ends is not None:
            i = bisect_left(ends, pos + 1)
            return ends[i] if i < len(ends) else None
        rx = re.compile(r"""(?:^|[\s{,])["']?""" + re.escape(name) + r"""["']?\s*:""", re.M)
        m = rx.search(text, pos)
        return m.end() if m else None

    def rec(obj: Any, prefix: str, parent: int) -> None:
        if not isinstance(obj, dict):
            return
        pos = parent
        for k, v in obj.items():
            at = find(str(k), pos)
            if at is None and pos != parent:  # out of document order (keys merged from an $include)
                at = find(str(k), parent)
            if at is None:
                continue
            key = f"{prefix}.{k}" if prefix else str(k)
            out[key] = bisect_right(starts, at - 1)
            rec(v, key, at)
            pos = at

    rec(raw, "", 0)
    return out


def _deep_merge(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = _deep_merge(out[k], v) if k in out else v
        return out
    return b


def _include_roots(config_dir: Path, env: Mapping[str, str]) -> list[Path]:
    roots = [config_dir.resolve()]
    for p in env.get("OPENCLAW_INCLUDE_ROOTS", "").split(os.pathsep):
        if p.strip():
            roots.append(Path(os.path.expanduser(p.strip())).resolve())
    return roots


def resolve_includes(
    obj: Any, base: Path, roots: list[Path], chain: tuple[Path, ...], seen: list[str]
) -> Any:
    """Replace ``$include`` objects by the merged content of their files (I/O).

    Raises :class:`ConfigLoadError` on loops, more than 10 levels, files outside ``roots``,
    unreadable or invalid files. ``seen`` collects every included path.
    """
    if isinstance(obj, list):
        return [resolve_includes(v, base, roots, chain, seen) for v in obj]
    if not isinstance(obj, dict):
        return obj
    rest = {k: resolve_includes(v, base, roots, chain, seen) for k, v in obj.items() if k != "$include"}
    if "$include" not in obj:
        return rest
    spec = obj["$include"]
    files = [spec] if isinstance(spec, str) else spec
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ConfigLoadError("$include must be a path or a list of paths")
    merged: Any = {}
    for f in files:
        target = (base / os.path.expanduser(f)).resolve()
        if not any(target == r or r in target.parents for r in roots):
            raise ConfigLoadError(f"$include {f!r} escapes the config directory ({target})")
        if target in chain:
            raise ConfigLoadError(f"$include loop: {' -> '.join(str(c) for c in (*chain, target))}")
        if len(chain) > MAX_INCLUDE_DEPTH:
            raise ConfigLoadError(f"$include nested deeper than {MAX_INCLUDE_DEPTH} levels at {target}")
        seen.append(str(target))
        loaded = _parse_file(target)
        merged = _deep_merge(merged, resolve_includes(loaded, target.parent, roots, (*chain, target), seen))
    return _deep_merge(merged, rest)


def _read(path: Path) -> str:
    """A config file's text, read safely: a missing file, a FIFO/device/directory, a symlink loop, an unreadable,
    oversized or non-UTF-8 file and a document nested deeper than :data:`MAX_NESTING` all raise
    :class:`ConfigLoadError` (never a hang, a traceback or silent defaults)."""
    if not os.path.lexists(path):
        raise ConfigLoadError(f"{path}: file not found")
    try:
        text = safeio.read_text(path, MAX_CONFIG_BYTES)
        safeio.check_depth(text, MAX_NESTING, str(path))
    except safeio.InputError as exc:
        raise ConfigLoadError(str(exc)) from exc
    return text


def _parse_file(path: Path) -> Any:
    text = _read(path)
    try:
        return _loads(text) if text.strip() else {}
    except (ValueError, RecursionError) as exc:
        raise ConfigLoadError(f"{path}: invalid JSON5: {exc}") from exc


def read_config(path: Path, env: Mapping[str, str] | None = None) -> tuple[str, dict[str, Any], list[str]]:
    """(main file text, include-resolved config with secrets in clear, included paths) of an existing config
    (I/O). Raises :class:`ConfigLoadError` when the file cannot be used: empty (OpenClaw refuses it), not a
    regular file, a symlink loop, unreadable, too large or too deep, invalid JSON5, an include error."""
    env = os.environ if env is None else env
    text = _read(path)
    if not text.strip():  # OpenClaw 2026.9.6 refuses it too ("JSON5: invalid end of input at 1:1")
        raise ConfigLoadError(f"{path}: empty file; OpenClaw will not load it (JSON5: invalid end of input)")
    try:
        raw = _loads(text)
    except (ValueError, RecursionError) as exc:
        raise ConfigLoadError(f"{path}: invalid JSON5: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigLoadError(f"{path}: top level must be an object, got {type(raw).__name__}")
    seen: list[str] = []
    merged = resolve_includes(raw, path.parent, _include_roots(path.parent, env), (path.resolve(),), seen)
    assert isinstance(merged, dict)
    return text, merged, seen


def load_config(path: Path, env: Mapping[str, str] | None = None, salt: bytes | None = None) -> ConfigFacts:
    """Read, parse and analyse the config at ``path`` (I/O).

    A missing file gives ``exists=False`` (OpenClaw then runs on defaults). Raises
    :class:`ConfigLoadError` when the file exists but cannot be used.
    """
    if not os.path.lexists(path):
        return ConfigFacts(path=str(path), exists=False)
    text, raw, seen = read_config(path, env)
    return analyse(raw, str(path), salt=salt, text=text, includes=seen)


def parse_raw(path: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The merged config with secrets in clear, for schema validation and fixing only (I/O)."""
    return read_config(path, env)[1]
