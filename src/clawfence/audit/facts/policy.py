"""Facts about OpenClaw's native Policy plugin (2026.9.6, bundled ``@openclaw/policy``): its settings under
``plugins.entries.policy``, the authored ``policy.jsonc`` and its hash pins.

Source (read, not copied): OpenClaw 2026.9.6 ``dist/register-*.mjs`` regions ``extensions/policy/src/
doctor/policy-runtime.ts`` (``policyChecksEnabled``: the entry must be an object, ``entry.enabled !== false`` and
``config.enabled !== false``; ``policyPathSetting``: ``config.path`` or ``policy.jsonc``; relative paths resolve
from the selected agent's workspace, ``resolveAgentWorkspaceDir``), ``doctor/evaluation.ts`` (``JSON5.parse``,
hash mismatch) and ``policy-state-attestation.ts`` (``sha256:`` + hex SHA-256 of ``stableJson``: keys ordered by
``String.prototype.localeCompare``, values as ``JSON.stringify``); ``docs/cli/policy/*.md``.

Cheap and lazy: nothing is read unless ``plugins.entries.policy`` is configured or a ``policy.jsonc`` sits in a
candidate workspace (one ``stat`` each); the file is read with :mod:`clawfence.core.safeio` limits (1 MiB).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import json5
from pydantic import BaseModel, Field

from clawfence.audit.facts.config import ConfigFacts
from clawfence.core import safeio

#: the policy file name OpenClaw uses when ``plugins.entries.policy.config.path`` is unset
DEFAULT_POLICY_NAME = "policy.jsonc"
#: a well-formed pin: what ``openclaw policy check --json`` prints (``sha256:`` and 64 lowercase hex digits)
HASH_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
MAX_POLICY_BYTES = 1 << 20

# ICU root collation (CLDR, "non-ignorable"), which Node's ``localeCompare`` applies with the default locale, for
# printable ASCII: spaces, then punctuation and symbols in this order, then digits, then letters (case only breaks
# ties, lower before upper). Verified against the real 2026.9.6 on keys "a-b", "a_b", "aB".
_PUNCT = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"


class HashUnavailable(ValueError):
    """The native policy hash cannot be reproduced here (a key outside printable ASCII, whose ICU order we do
    not model, or a value JSON cannot express)."""


def _collation_key(key: str) -> tuple[list[tuple[int, int]], list[int]]:
    primary: list[tuple[int, int]] = []
    tertiary: list[int] = []
    for ch in key:
        if ch == " ":
            primary.append((0, 0))
        elif ch in _PUNCT:
            primary.append((1, _PUNCT.index(ch)))
        elif ch.isascii() and ch.isdigit():
            primary.append((2, ord(ch)))
        elif ch.isascii() and ch.isalpha():
            primary.append((3, ord(ch.lower())))
            tertiary.append(0 if ch.islower() else 1)
        else:
            raise HashUnavailable(f"key {key!r} has a character whose ICU collation order is not modelled")
    return primary, tertiary


def stable_json(value: Any) -> str:
    """OpenClaw's ``stableJson``: objects with keys in ``localeCompare`` order, arrays in order, scalars as
    ``JSON.stringify`` writes them (integral floats without ``.0``; NaN/Infinity as ``null``). Raises
    :class:`HashUnavailable` for keys outside printable ASCII."""
    if isinstance(value, list):
        return "[" + ",".join(stable_json(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: _collation_key(str(k)))
        return "{" + ",".join(json.dumps(str(k), ensure_ascii=False) + ":" + stable_json(value[k]) for k in keys) + "}"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "null"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, int | str):
        return json.dumps(value, ensure_ascii=False)
    raise HashUnavailable(f"value of type {type(value).__name__} cannot be hashed like JSON.stringify")


def policy_hash(document: Any) -> str:
    """``attestation.policy.hash`` of a parsed policy document: ``sha256:<hex>`` of :func:`stable_json`.
    Raises :class:`HashUnavailable`."""
    return "sha256:" + hashlib.sha256(stable_json(document).encode("utf-8")).hexdigest()


class PolicyFacts(BaseModel, frozen=True):
    """The native Policy plugin as configured and found on disk.

    ``configured``: ``plugins.entries.policy`` is an object. ``enabled``: native runs its policy checks
    (configured, entry and config ``enabled`` not false). ``path_setting``: ``config.path`` or ``policy.jsonc``.
    ``candidates``: absolute paths native may resolve it to (one per candidate agent workspace). ``path``: the
    first that exists (``None``: missing everywhere). ``error``: why it could not be read or parsed.
    ``document``: the parsed policy (authored rules, no secrets). ``hash``: its native hash, ``hash_error`` when it
    cannot be reproduced. ``expected_hash`` / ``expected_attestation_hash`` / ``workspace_repairs``: the pins
    and switch under ``plugins.entries.policy.config``. ``owner_uid`` / ``mode``: of the policy file."""

    configured: bool = False
    enabled: bool = False
    path_setting: str = DEFAULT_POLICY_NAME
    candidates: list[str] = Field(default_factory=list)
    path: str | None = None
    error: str | None = None
    document: dict[str, Any] | None = None
    hash: str | None = None
    hash_error: str | None = None
    expected_hash: str | None = None
    expected_attestation_hash: str | None = None
    workspace_repairs: bool = False
    mode: int | None = None
    owner_uid: int | None = None


def _settings(entry: Any) -> dict[str, Any]:
    conf = entry.get("config") if isinstance(entry, dict) else None
    return conf if isinstance(conf, dict) else {}


def _path_setting(conf: dict[str, Any]) -> str:
    raw = conf.get("path")
    return raw.strip() if isinstance(raw, str) and raw.strip() else DEFAULT_POLICY_NAME


def _expand(path: str, home: Path, state_dir: Path) -> Path:
    if path == "~" or path.startswith("~/"):
        return home / path[2:]
    p = Path(path)
    return p if p.is_absolute() else state_dir / p


def candidate_workspaces(config: ConfigFacts | None, state_dir: Path, home: Path) -> list[Path]:
    """Workspaces ``openclaw policy check`` may use, after ``resolveAgentWorkspaceDir``: each configured agent's
    ``workspace``, ``agents.defaults.workspace`` (the legacy owner agent's), else ``<stateDir>/workspace``."""
    out: list[Path] = []
    entries = config.get("agents.entries") if config is not None else None
    if isinstance(entries, dict):
        for ent in entries.values():
            ws = ent.get("workspace") if isinstance(ent, dict) else None
            if isinstance(ws, str) and ws.strip():
                out.append(_expand(ws.strip(), home, state_dir))
    dflt = config.get("agents.defaults.workspace") if config is not None else None
    out.append(_expand(dflt.strip(), home, state_dir) if isinstance(dflt, str) and dflt.strip()
               else state_dir / "workspace")
    seen: list[Path] = []
    for p in out:
        if p not in seen:
            seen.append(p)
    return seen


def plugin_loaded(plugins: Any) -> bool:
    """Whether OpenClaw loads the bundled ``policy`` plugin: it is disabled by default (the real 2026.9.6 says
    "that bundled plugin is disabled by default"), so ``plugins.entries.policy.enabled`` must be true, plugins
    not globally off (``plugins.enabled: false``) and not denied (``plugins.deny``). A ``plugins.allow`` list
    without ``policy`` does not stop it (verified on the real 2026.9.6)."""
    if not isinstance(plugins, dict) or plugins.get("enabled") is False:
        return False
    entries = plugins.get("entries")
    entry = entries.get("policy") if isinstance(entries, dict) else None
    if not isinstance(entry, dict) or entry.get("enabled") is not True:
        return False
    deny = plugins.get("deny")
    return not (isinstance(deny, list) and "policy" in deny)


def analyse_policy(plugins: Any, text: str | None, path: str | None, candidates: list[str],
                   read_error: str | None = None) -> PolicyFacts:
    """Pure part: build :class:`PolicyFacts` from the ``plugins`` config section and the policy text (or
    ``None`` when missing). Used by the collector and by tests. ``enabled`` follows ``policyChecksEnabled``
    on top of :func:`plugin_loaded` (``config.enabled: false`` turns the checks off)."""
    entries = plugins.get("entries") if isinstance(plugins, dict) else None
    entry = entries.get("policy") if isinstance(entries, dict) and isinstance(entries.get("policy"), dict) else None
    conf = _settings(entry)
    enabled = entry is not None and plugin_loaded(plugins) and conf.get("enabled") is not False
    setting = _path_setting(conf)
    eh, eah = conf.get("expectedHash"), conf.get("expectedAttestationHash")
    out: dict[str, Any] = {
        "configured": entry is not None, "enabled": enabled, "path_setting": setting,
        "candidates": candidates, "path": path, "error": read_error,
        "expected_hash": eh.strip() if isinstance(eh, str) and eh.strip() else None,
        "expected_attestation_hash": eah.strip() if isinstance(eah, str) and eah.strip() else None,
        "workspace_repairs": conf.get("workspaceRepairs") is True,
    }
    if text is not None and read_error is None:
        try:
            safeio.check_depth(text, what="policy.jsonc")
            doc = json5.loads(text)
        except (ValueError, safeio.InputError, RecursionError) as exc:
            out["error"] = f"cannot be parsed: {str(exc).splitlines()[0][:200]}"
        else:
            if isinstance(doc, dict):
                out["document"] = doc
            else:
                out["error"] = "is not a JSON object"
            try:
                out["hash"] = policy_hash(doc)
            except (HashUnavailable, RecursionError) as exc:
                out["hash_error"] = str(exc)
    return PolicyFacts(**out)


def collect_policy(config: ConfigFacts | None, state_dir: Path, home: Path) -> PolicyFacts | None:
    """Find and read the policy artifact. ``None`` when the plugin is not configured and no candidate
    workspace holds ``policy.jsonc`` (nothing to report). Never raises for an unreadable file: the reason goes
    into ``error``."""
    entry = config.get("plugins.entries.policy") if config is not None else None
    setting = _path_setting(_settings(entry))
    if os.path.isabs(setting) or setting.startswith("~/"):
        cands = [_expand(setting, home, state_dir)]
    else:
        cands = [ws / setting for ws in candidate_workspaces(config, state_dir, home)]
    found = next((p for p in cands if os.path.lexists(p)), None)
    if entry is None and found is None:
        return None
    text: str | None = None
    err: str | None = None
    mode = uid = None
    if found is not None:
        try:
            st = os.stat(found)
            mode, uid = st.st_mode & 0o7777, st.st_uid
            text = safeio.read_text(found, MAX_POLICY_BYTES)
        except (OSError, safeio.InputError) as exc:
            err = f"cannot be read: {str(exc).splitlines()[0][:200]}"
    plugins = config.get("plugins") if config is not None else None
    facts = analyse_policy(plugins, text, str(found) if found else None, [str(p) for p in cands], err)
    return facts.model_copy(update={"mode": mode, "owner_uid": uid})
