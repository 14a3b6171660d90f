"""Guard policy: ordered rules (first match wins), scopes, timezone-aware time windows, a default.

:func:`load_policy` reads YAML with exact errors (``file:line: field: message``) and never returns a
half-loaded policy; :func:`decide` is pure given a call, a path context and known-secret hashes.
The built-in baseline is ``default_policy.yaml`` (rules PG001..., guide P3.5, P3.6, P5.1, E3, E5, E6.4,
D3.2, C3.4). Schema of a rule: ``id, description, guide[], decision allow|deny|ask, tools[] (globs),
signals[] (any of), match (regex over the call's text), scope{agents,channels,senders (globs), owner},
time{timezone, days, start, end, outside}, approvals, totp, timeout_s``. Policy-level ``windows`` (high-impact asks
outside a declared time window become deny or need more approvers) are in :mod:`clawfence.guard.windows`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from fnmatch import fnmatchcase
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from clawfence.core.yamlpos import YamlError, load_with_lines
from clawfence.detect import selfprotect
from clawfence.detect.calls import Decision, PathContext, ToolCall
from clawfence.detect.classify import Settings
from clawfence.guard.windows import DAYS, Window, WindowModel, apply_windows, check_timezone, compile_windows

SIGNAL_KINDS = frozenset(
    [
        "destructive", "mass-delete", "download-exec", "obfuscated", "unapproved-install", "skill-install",
        "protected-read", "protected-write", "auth-change", "config-change", "egress-unlisted",
        "egress-internal", "secret-out", "personal-data-out", "privilege", "financial", "parse-error",
        "reverse-shell", "persistence", "account-change", "system-change", "destructive-file", "high-impact",
        "exfil", "exfil-setup", "hide-tracks", "code-inject", "unresolved", "package-install", "unlisted-command",
        "unknown-tool",
    ]
) | frozenset(selfprotect.KINDS)


class PolicyError(ValueError):
    """An invalid policy file; ``str()`` is one line: ``file:line: field: message``."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScopeModel(_Strict):
    """Who a rule applies to: agent ids, channels, sender ids (globs); ``owner`` true/false."""

    agents: list[str] | None = None
    channels: list[str] | None = None
    senders: list[str] | None = None
    owner: bool | None = None


class TimeModel(_Strict):
    """A weekly window in ``timezone``: ``days`` (mon..sun), ``start``-``end`` (HH:MM, may wrap midnight);
    the rule matches inside the window, or outside it when ``outside`` is true."""

    timezone: str = "UTC"
    days: list[str] = Field(default_factory=lambda: list(DAYS))
    start: str = "00:00"
    end: str = "24:00"
    outside: bool = False

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)

    @field_validator("days")
    @classmethod
    def _days(cls, v: list[str]) -> list[str]:
        bad = [d for d in v if d.lower() not in DAYS]
        if bad:
            raise ValueError(f"unknown day(s) {bad}; use {', '.join(DAYS)}")
        return [d.lower() for d in v]

    @field_validator("start", "end", mode="before")
    @classmethod
    def _sexagesimal(cls, v: Any) -> Any:
        # YAML 1.1 reads an unquoted 18:00 as the integer 1080 (base 60): turn it back into HH:MM
        if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 1440:
            return f"{v // 60:02d}:{v % 60:02d}"
        return v

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d|24:00", v):
            raise ValueError(f"{v!r} is not HH:MM")
        return v


class ExamplesModel(_Strict):
    """Examples kept beside a rule: calls (an exec command string, or ``{tool, params}``) that must be decided by
    this rule (``fire``) and must not (``ok``). ``tests/guard/test_rule_examples.py`` runs them all."""

    fire: list[str | dict[str, Any]] = Field(default_factory=list)
    ok: list[str | dict[str, Any]] = Field(default_factory=list)


class RuleModel(_Strict):
    """One policy rule (see module docstring). ``title_zh``, ``remediation``/``remediation_zh``, ``references``
    and ``examples`` are the shared rule-declaration fields (the decision does not use them)."""

    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
    description: str
    title_zh: str | None = None
    remediation: str | None = None
    remediation_zh: str | None = None
    references: list[str] = Field(default_factory=list)
    examples: ExamplesModel | None = None
    guide: list[str] = Field(default_factory=list)
    decision: Literal["allow", "deny", "ask"]
    tools: list[str] | None = None
    signals: list[str] | None = None
    match: str | None = None
    scope: ScopeModel | None = None
    time: TimeModel | None = None
    approvals: int = Field(default=1, ge=1, le=10)
    totp: bool = False
    timeout_s: int = Field(default=900, ge=1, le=86400)
    # declaration fields (COMMON.md "Declaring rules"); optional so that user policies stay short
    title: str | None = None
    severity: Literal["critical", "high", "medium", "low", "info"] | None = None
    condition: str | None = None

    @field_validator("signals")
    @classmethod
    def _signals(cls, v: list[str] | None) -> list[str] | None:
        if v is not None:
            bad = [s for s in v if s not in SIGNAL_KINDS and not s.startswith("@")]
            if bad:
                raise ValueError(f"unknown signal(s) {bad}; known: {', '.join(sorted(SIGNAL_KINDS))}")
        return v

    @field_validator("match")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        return _valid_regex(v)


def _valid_regex(v: str | None) -> str | None:
    """``v`` unchanged if it compiles as a regular expression; ValueError (one line) otherwise."""
    if v is not None:
        try:
            re.compile(v)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from exc
    return v


class SettingsModel(_Strict):
    """Analysis settings: workspace/state dir (default: OpenClaw's), egress allowlist, approved packages,
    financial tool globs."""

    workspace: str | None = None
    state_dir: str | None = None
    egress_allowlist: list[str] = Field(default_factory=list)
    approved_packages: dict[str, list[str]] = Field(default_factory=dict)
    allow_workspace_requirements: bool = True
    financial_tools: list[str] = Field(default_factory=list)
    #: strict profile: report commands outside the everyday-safe set (unlisted-command) and unknown tools
    allowlist_mode: bool = False


class ExceptionModel(_Strict):
    """A falco-style exception to a rule of the policy it extends: the rule does not match a call that matches
    every condition given here (tools globs, any of signals, regex over the call's text, scope)."""

    name: str | None = None
    tools: list[str] | None = None
    signals: list[str] | None = None
    match: str | None = None
    scope: ScopeModel | None = None

    @field_validator("match")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        return _valid_regex(v)


class PolicyModel(_Strict):
    """A whole policy file. ``extends`` (``builtin``/``standard`` or ``strict``) layers this file over a built-in
    profile instead of replacing it: its rules come right after the built-in self-protection rules (PG100-PG107,
    which nothing can pre-empt) and before the other built-in rules; its settings lists are added to the built-in
    ones; ``exceptions`` (``{rule id: [conditions]}``) carve ``user_known_*`` cases out of built-in rules;
    ``lists`` are named string lists usable as ``@name`` in ``tools``/``signals`` and as ``@{name}`` (an
    alternation of the escaped items) in ``match``; ``macros`` are named conditions a rule uses with
    ``condition: name``."""

    version: Literal[1] = 1
    name: str = "policy"
    extends: Literal["builtin", "standard", "strict"] | None = None
    default: Literal["allow", "deny", "ask"] | None = None
    settings: SettingsModel = Field(default_factory=SettingsModel)
    lists: dict[str, list[str]] = Field(default_factory=dict)
    macros: dict[str, ExceptionModel] = Field(default_factory=dict)
    exceptions: dict[str, list[ExceptionModel]] = Field(default_factory=dict)
    rules: list[RuleModel] = Field(default_factory=list)
    #: rules placed after the rules of the policy this one extends (before the default)
    final_rules: list[RuleModel] = Field(default_factory=list)
    #: named time windows for high-impact asks (guide E5.1; :mod:`clawfence.guard.windows`)
    windows: dict[str, WindowModel] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique(self) -> PolicyModel:
        seen: set[str] = set()
        for r in [*self.rules, *self.final_rules]:
            if r.id in seen:
                raise ValueError(f"duplicate rule id {r.id!r}")
            seen.add(r.id)
        return self


@dataclass(frozen=True)
class Exception_:
    """A compiled exception condition."""

    tools: tuple[str, ...] | None
    signals: frozenset[str] | None
    rx: re.Pattern[str] | None
    scope: ScopeModel | None


@dataclass(frozen=True)
class Rule:
    """A compiled rule (regex compiled, time parsed, exceptions attached)."""

    model: RuleModel
    rx: re.Pattern[str] | None
    tz: ZoneInfo | None
    start: time | None
    end: time | None
    signals: frozenset[str] | None
    exceptions: tuple[Exception_, ...] = ()


@dataclass(frozen=True)
class Policy:
    """A validated, compiled policy. ``source`` is where it came from (file path or ``<builtin>``)."""

    model: PolicyModel
    rules: tuple[Rule, ...]
    settings: Settings
    source: str
    windows: tuple[Window, ...] = ()
    #: tool name -> the rules whose ``tools`` globs admit it, in policy order (filled on first use)
    _by_tool: dict[str, tuple[Rule, ...]] = field(default_factory=dict, compare=False, repr=False)

    def rules_for(self, tool: str) -> tuple[Rule, ...]:
        """The rules that can apply to a call of ``tool`` (``tools`` absent or a glob matching it), in order."""
        hit = self._by_tool.get(tool)
        if hit is None:
            hit = tuple(r for r in self.rules if r.model.tools is None or any(fnmatchcase(tool, p)
                                                                              for p in r.model.tools))
            if len(self._by_tool) < 4096:  # bounded: tool names come from the calls
                self._by_tool[tool] = hit
        return hit

    @property
    def name(self) -> str:
        """The policy's ``name``."""
        return self.model.name

    def path_context(self) -> PathContext:
        """Path context from the settings (or OpenClaw's defaults)."""
        return PathContext.default(self.model.settings.workspace, self.model.settings.state_dir)

    def rule(self, rule_id: str) -> RuleModel | None:
        """The rule with id ``rule_id``."""
        return next((r.model for r in self.rules if r.model.id == rule_id), None)


def _hhmm(v: str) -> time:
    if v == "24:00":
        return time(23, 59, 59, 999999)
    h, m = v.split(":")
    return time(int(h), int(m))


def _expand_list(items: list[str] | None, lists: dict[str, list[str]], what: str) -> list[str] | None:
    if items is None:
        return None
    out: list[str] = []
    for it in items:
        if it.startswith("@"):
            if it[1:] not in lists:
                raise PolicyError(f"{what}: unknown list {it}")
            out.extend(lists[it[1:]])
        else:
            out.append(it)
    return out


def _expand_match(rx: str | None, lists: dict[str, list[str]], what: str) -> str | None:
    if rx is None:
        return None

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in lists:
            raise PolicyError(f"{what}: unknown list @{{{m.group(1)}}}")
        return "(?:" + "|".join(re.escape(x) for x in lists[m.group(1)]) + ")"

    return re.sub(r"@\{([A-Za-z0-9_.-]+)\}", sub, rx)


def _exception(e: ExceptionModel, lists: dict[str, list[str]], what: str) -> Exception_:
    sig = _expand_list(e.signals, lists, what)
    bad = [x for x in sig or [] if x not in SIGNAL_KINDS]
    if bad:
        raise PolicyError(f"{what}: unknown signal(s) {bad}")
    m = _expand_match(e.match, lists, what)
    tools = _expand_list(e.tools, lists, what)
    return Exception_(tuple(tools) if tools is not None else None, frozenset(sig) if sig is not None else None,
                      re.compile(m) if m else None, e.scope)


def compile_policy(model: PolicyModel, source: str) -> Policy:
    """Compile a validated model (lists, macros and exceptions resolved). Raises :class:`PolicyError`."""
    rules = []
    lists = model.lists
    for r in [*model.rules, *model.final_rules]:
        what = f"{source}: rule {r.id}"
        if r.condition is not None:
            mac = model.macros.get(r.condition)
            if mac is None:
                raise PolicyError(f"{what}: unknown macro {r.condition!r}")
            r = r.model_copy(update={k: v for k, v in (("tools", mac.tools), ("signals", mac.signals),
                                                       ("match", mac.match), ("scope", mac.scope))
                                     if v is not None and getattr(r, k) is None})
        sig = _expand_list(r.signals, lists, what)
        bad = [x for x in sig or [] if x not in SIGNAL_KINDS]
        if bad:
            raise PolicyError(f"{what}: unknown signal(s) {bad}")
        tools = _expand_list(r.tools, lists, what)
        match = _expand_match(r.match, lists, what)
        if tools != r.tools or match != r.match:
            r = r.model_copy(update={"tools": tools, "match": match})
        exc = tuple(_exception(e, lists, f"{what} exception") for e in model.exceptions.get(r.id, []))
        rules.append(Rule(
            model=r,
            rx=re.compile(match) if match else None,
            tz=ZoneInfo(r.time.timezone) if r.time else None,
            start=_hhmm(r.time.start) if r.time else None,
            end=_hhmm(r.time.end) if r.time else None,
            signals=frozenset(sig) if sig is not None else None,
            exceptions=exc,
        ))
    unknown = set(model.exceptions) - {r.id for r in [*model.rules, *model.final_rules]}
    if unknown:
        raise PolicyError(f"{source}: exceptions for unknown rule(s) {sorted(unknown)}")
    s = model.settings
    settings = Settings(
        egress_allowlist=tuple(s.egress_allowlist),
        approved_packages=tuple((k, frozenset(x.lower() for x in v)) for k, v in s.approved_packages.items()),
        allow_workspace_requirements=s.allow_workspace_requirements,
        allowlist_mode=s.allowlist_mode,
    )
    for wname, w in model.windows.items():
        bad = [x for x in w.signals or [] if x not in SIGNAL_KINDS]
        if bad:
            raise PolicyError(f"{source}: window {wname}: unknown signal(s) {bad}")
    return Policy(model, tuple(rules), settings, source, compile_windows(model.windows))


def parse_policy(text: str, source: str) -> Policy:
    """Validate and compile policy YAML ``text``. Raises :class:`PolicyError` with ``source:line``."""
    try:
        data, lines = load_with_lines(text)
    except YamlError as exc:
        raise PolicyError(f"{source}:{exc.line}: {exc.message}") from exc
    if not isinstance(data, dict):
        raise PolicyError(f"{source}:1: the policy must be a mapping with 'rules'")
    try:
        model = PolicyModel.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = _line_for(loc, lines)
        field = ".".join(str(x) for x in loc) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise PolicyError(f"{source}:{line}: {field}: {msg}{more}") from exc
    if model.extends is not None:
        model = merge_models(_base_model(model.extends), model)
    return compile_policy(model, source)


def _base_model(name: str) -> PolicyModel:
    return profile_policy("standard" if name == "builtin" else name).model


def merge_models(base: PolicyModel, top: PolicyModel) -> PolicyModel:
    """``top`` layered over ``base`` (see :class:`PolicyModel`). Rule ids must stay unique; ``top`` rules may not
    reuse a built-in id (raise :class:`PolicyError`)."""
    first = [r for r in base.rules if r.id.startswith("PG1")]
    rest = [r for r in base.rules if not r.id.startswith("PG1")]
    clash = {r.id for r in [*top.rules, *top.final_rules]} & {r.id for r in [*base.rules, *base.final_rules]}
    if clash:
        raise PolicyError(f"rule id(s) {sorted(clash)} already exist in the built-in policy; use new ids or "
                          "'exceptions' to carve cases out of a built-in rule")
    bs, ts = base.settings, top.settings
    pk = dict(bs.approved_packages)
    for k, v in ts.approved_packages.items():
        pk[k] = sorted(set(pk.get(k, [])) | set(v))
    settings = SettingsModel(
        workspace=ts.workspace or bs.workspace, state_dir=ts.state_dir or bs.state_dir,
        egress_allowlist=[*bs.egress_allowlist, *ts.egress_allowlist, *top.lists.get("user_known_egress_hosts", [])],
        approved_packages=pk,
        allow_workspace_requirements=ts.allow_workspace_requirements and bs.allow_workspace_requirements,
        financial_tools=[*bs.financial_tools, *ts.financial_tools],
        allowlist_mode=bs.allowlist_mode or ts.allowlist_mode,
    )
    exc: dict[str, list[ExceptionModel]] = {k: list(v) for k, v in base.exceptions.items()}
    for k, ev in top.exceptions.items():
        exc.setdefault(k, []).extend(ev)
    return PolicyModel(version=1, name=top.name, extends=None, default=top.default or base.default,
                       settings=settings, lists={**base.lists, **top.lists}, macros={**base.macros, **top.macros},
                       exceptions=exc, rules=[*first, *top.rules, *rest, *base.final_rules],
                       final_rules=list(top.final_rules), windows={**base.windows, **top.windows})


PROFILES = ("standard", "strict")


@lru_cache(maxsize=4)
def profile_policy(name: str) -> Policy:
    """A built-in profile: ``standard`` (the baseline) or ``strict`` (allowlist mode: ``strict_policy.yaml``
    layered over the baseline). Raises :class:`PolicyError` for another name."""
    if name == "standard":
        return builtin_policy()
    if name not in PROFILES:
        raise PolicyError(f"unknown profile {name!r}; use one of {', '.join(PROFILES)}")
    text = resources.files("clawfence.guard").joinpath(f"{name}_policy.yaml").read_text(encoding="utf-8")
    return parse_policy(text, f"<builtin>/{name}_policy.yaml")


def _line_for(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return 1


def load_policy(path: Path | None = None) -> Policy:
    """Load ``path``, or the built-in baseline when None. Raises :class:`PolicyError` (one line)."""
    if path is None:
        return builtin_policy()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from exc
    return parse_policy(text, str(path))


@lru_cache(maxsize=1)
def builtin_policy() -> Policy:
    """The built-in baseline policy (``clawfence/guard/default_policy.yaml``)."""
    text = resources.files("clawfence.guard").joinpath("default_policy.yaml").read_text(encoding="utf-8")
    return parse_policy(text, "<builtin>/default_policy.yaml")


# ----------------------------------------------------------------------------------- matching

def _glob_any(value: str | None, pats: list[str] | None) -> bool:
    if pats is None:
        return True
    return value is not None and any(fnmatchcase(value, p) for p in pats)


def in_window(rule: Rule, now: datetime) -> bool:
    """Whether ``now`` is inside the rule's time window (after ``outside`` inversion)."""
    t = rule.model.time
    if t is None or rule.tz is None or rule.start is None or rule.end is None:
        return True
    local = now.astimezone(rule.tz)
    lt = local.time()
    if rule.start <= rule.end:
        inside = rule.start <= lt <= rule.end if t.end == "24:00" else rule.start <= lt < rule.end
        day = DAYS[local.weekday()]
    else:  # wraps midnight: the part after midnight belongs to the previous day's window
        inside = lt >= rule.start or lt < rule.end
        day = DAYS[local.weekday() if lt >= rule.start else (local.weekday() - 1) % 7]
    inside = inside and day in t.days
    return inside != t.outside


def rule_matches(rule: Rule, call: ToolCall, kinds: frozenset[str], text: str, now: datetime) -> bool:
    """Whether ``rule`` applies to ``call`` whose analysis found signal ``kinds``."""
    m = rule.model
    if m.tools is not None and not any(fnmatchcase(call.tool, p) for p in m.tools):
        return False
    if rule.signals is not None and not (rule.signals & kinds):
        return False
    sc = m.scope
    if sc is not None:
        if not (_glob_any(call.agent_id, sc.agents) and _glob_any(call.channel, sc.channels)
                and _glob_any(call.sender, sc.senders)):
            return False
        if sc.owner is True and call.sender_is_owner is not True:
            return False
        if sc.owner is False and call.sender_is_owner is True:
            return False
    if rule.rx is not None and not rule.rx.search(text):
        return False
    if rule.exceptions and any(_exc_matches(e, call, kinds, text) for e in rule.exceptions):
        return False
    return in_window(rule, now)


def _exc_matches(e: Exception_, call: ToolCall, kinds: frozenset[str], text: str) -> bool:
    if e.tools is not None and not any(fnmatchcase(call.tool, p) for p in e.tools):
        return False
    if e.signals is not None and not (e.signals & kinds):
        return False
    if e.rx is not None and not e.rx.search(text or (call.tool + "\n" + call.text())):
        return False
    sc = e.scope
    return sc is None or (_glob_any(call.agent_id, sc.agents) and _glob_any(call.channel, sc.channels)
                          and _glob_any(call.sender, sc.senders))


def decide(policy: Policy, call: ToolCall, ctx: PathContext | None = None, hashes: Any = None,
           session: Any = None) -> Decision:
    """Judge ``call`` under ``policy``: the first matching rule's decision, else the policy default.

    ``ctx`` fixes home/workspace/state dir (default: from the policy settings and environment);
    ``hashes`` is a :class:`clawfence.detect.privacy.SecretHashes` of the gateway token / user secrets.
    Pure apart from reading symlinks for path normalisation.
    """
    from clawfence.detect.analyze import analyze_call
    ctx = ctx or policy.path_context()
    try:
        signals = analyze_call(call, policy, ctx, hashes, session)
    except RecursionError:  # nesting deeper than the parsers can walk: unknown is not safe
        from clawfence.detect.calls import Signal
        signals = [Signal("obfuscated", "command nesting too deep to analyse")]
    kinds = frozenset(s.kind for s in signals)
    now = call.ts or datetime.now(UTC)
    text: str | None = None  # the call's text, built when the first rule that reads it is reached
    for rule in policy.rules_for(call.tool):  # the others' tools globs exclude this call
        if rule.signals is not None and not (rule.signals & kinds):
            continue  # (the first test of rule_matches after tools)
        if text is None and (rule.rx is not None or rule.exceptions):
            text = call.tool + "\n" + call.text()
        if rule_matches(rule, call, kinds, text or "", now):
            m = rule.model
            hit = [s for s in signals if rule.signals is None or s.kind in rule.signals]
            why = "; ".join(s.detail for s in hit[:3])
            reason = f"{m.description}" + (f": {why}" if why else "")
            ask = m.decision == "ask"
            return apply_windows(policy.windows, Decision(
                m.decision, m.id, reason, m.approvals if ask else 0, m.totp and ask, m.timeout_s if ask else 0,
                tuple(m.guide), tuple(signals)), kinds, now)
    default = policy.model.default or "allow"
    return Decision(default, "default", f"no rule matched; policy default is {default}",
                    1 if default == "ask" else 0, False, 900 if default == "ask" else 0, (), tuple(signals))


class Judge:
    """Decides a stream of calls with per-session memory (issue 10 item 3): files written or downloaded by one
    call of a ``sessionKey`` are seen through when a later call of the same session runs them. Memory is
    bounded: at most ``max_sessions`` sessions (least recently used forgotten first), each bounded by
    :class:`clawfence.detect.analyze.SessionMemory`. Calls without a sessionKey get no memory of other calls.
    """

    def __init__(self, policy: Policy, ctx: PathContext | None = None, hashes: Any = None,
                 max_sessions: int = 1024) -> None:
        from collections import OrderedDict
        self.policy = policy
        self.ctx = ctx or policy.path_context()
        self.hashes = hashes
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, Any] = OrderedDict()

    def session(self, key: str | None) -> Any:
        """The memory of session ``key`` (created on first use)."""
        from clawfence.detect.analyze import SessionMemory
        if not key:  # no sessionKey: nothing links this call to another one
            return SessionMemory()
        k = key
        mem = self._sessions.get(k)
        if mem is None:
            mem = SessionMemory()
            self._sessions[k] = mem
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        else:
            self._sessions.move_to_end(k)
        return mem

    def decide(self, call: ToolCall) -> Decision:
        """:func:`decide` with the call's session memory."""
        return decide(self.policy, call, self.ctx, self.hashes, self.session(call.session_key))
