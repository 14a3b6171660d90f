"""Time windows for high-impact operations (guide E5.1: "high-risk operations ... only within approved time
windows"; issue 10 item 2).

A policy declares named windows::

    windows:
      high_impact:
        days: mon-fri            # "mon-fri", "sat,sun", "fri-mon" (wraps) or a list
        hours: "09:00-18:00"     # may wrap midnight ("22:00-06:00"); "00:00-24:00" = the whole day
        tz: Asia/Shanghai        # IANA zone of the people who approve
        signals: [high-impact, mass-delete, financial]   # which asks are "high impact" (any of)
        rules: [PG025]           # ... or which rule ids (either matches)
        outside: deny            # deny | approvals
        approvals: 2             # with outside: approvals, the ask needs this many distinct approvers

A window only changes **ask** decisions (an allow stays allow, a deny stays deny). Outside the window a matching
ask becomes ``deny`` (rule id = the window's ``id``, default ``window.<name>``) with a reason naming the window
and the local time, or stays ``ask`` with ``approvals`` distinct approvers and the window's id. The time is the
call's ``ts`` as set by the decision service from its own clock (the agent's claimed time is never used; see
:meth:`clawfence.guard.server.GuardService.handle_decide`), so tests inject a clock through ``ts``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from clawfence.detect.calls import Decision

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def check_timezone(v: str) -> str:
    """``v`` when it names an IANA time zone; ValueError (one line) otherwise. Shared by rule ``time`` and windows."""
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {v!r}") from exc
    return v
#: signals of asks that count as high impact when a window names neither ``signals`` nor ``rules``
DEFAULT_SIGNALS = ("high-impact", "mass-delete", "financial", "config-change", "privilege")


class WindowExamples(BaseModel):
    """Examples kept beside a window: ``{tool, params, at}`` (``at`` ISO 8601 with offset: the injected clock)
    that the window must decide (``fire``) or must leave alone (``ok``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    fire: list[dict[str, Any]] = Field(default_factory=list)
    ok: list[dict[str, Any]] = Field(default_factory=list)


class WindowModel(BaseModel):
    """One declared window (see module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
    title: str | None = None
    title_zh: str | None = None
    severity: Literal["critical", "high", "medium", "low", "info"] = "high"
    guide: list[str] = Field(default_factory=lambda: ["E5.1"])
    remediation: str | None = None
    remediation_zh: str | None = None
    references: list[str] = Field(default_factory=list)
    days: str | list[str] = "mon-fri"
    hours: str = "09:00-18:00"
    tz: str = "UTC"
    signals: list[str] | None = None
    rules: list[str] | None = None
    outside: Literal["deny", "approvals"] = "deny"
    approvals: int = Field(default=2, ge=2, le=10)
    examples: WindowExamples | None = None

    @field_validator("tz")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)

    @field_validator("days")
    @classmethod
    def _days(cls, v: str | list[str]) -> str | list[str]:
        parse_days(v)
        return v

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: str) -> str:
        parse_hours(v)
        return v


def parse_days(spec: str | list[str]) -> frozenset[int]:
    """Weekday numbers (Monday = 0) of ``"mon-fri"``, ``"sat,sun"``, ``"fri-mon"`` (wraps) or a list of such
    items. Raises ``ValueError`` (one line) for an unknown day."""
    items = spec if isinstance(spec, list) else [spec]
    out: set[int] = set()
    for item in items:
        for part in str(item).lower().replace(" ", "").split(","):
            if not part:
                continue
            a, _, b = part.partition("-")
            if a not in DAYS or (b and b not in DAYS):
                raise ValueError(f"unknown day(s) {part!r}; use {', '.join(DAYS)} and ranges like mon-fri")
            i, j = DAYS.index(a), DAYS.index(b or a)
            while True:
                out.add(i)
                if i == j:
                    break
                i = (i + 1) % 7
    if not out:
        raise ValueError("a window needs at least one day")
    return frozenset(out)


_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_hours(spec: str) -> tuple[time, time, bool]:
    """``"HH:MM-HH:MM"`` -> (start, end, whole_day_end). ``24:00`` is allowed as an end. Raises ``ValueError``."""
    m = _HOURS.match(spec)
    if not m:
        raise ValueError(f"{spec!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f"{spec!r} is not HH:MM-HH:MM")
    if h2 == 24:
        return time(h1, m1), time(23, 59, 59, 999999), True
    return time(h1, m1), time(h2, m2), False


@dataclass(frozen=True)
class Window:
    """A compiled window: ``name``, ``model``, weekday set, start/end times, zone."""

    name: str
    model: WindowModel
    days: frozenset[int]
    start: time
    end: time
    end_inclusive: bool
    tz: ZoneInfo

    @property
    def id(self) -> str:
        """The rule id a decision changed by this window carries."""
        return self.model.id or f"window.{self.name}"

    def describe(self) -> str:
        """``mon-fri 09:00-18:00 Asia/Shanghai``."""
        d = self.model.days if isinstance(self.model.days, str) else ",".join(self.model.days)
        return f"{d} {self.model.hours} {self.model.tz}"

    def inside(self, now: datetime) -> bool:
        """Whether the aware datetime ``now`` falls inside the window (a span wrapping midnight belongs to the
        day it started on)."""
        local = now.astimezone(self.tz)
        lt, wd = local.time(), local.weekday()
        if self.start <= self.end:
            ok = self.start <= lt <= self.end if self.end_inclusive else self.start <= lt < self.end
            return ok and wd in self.days
        if lt >= self.start:
            return wd in self.days
        return lt < self.end and (wd - 1) % 7 in self.days

    def applies(self, decision: Decision, kinds: frozenset[str]) -> bool:
        """Whether ``decision`` (an ask) is a high-impact one this window governs."""
        m = self.model
        if m.rules is not None and decision.rule_id in m.rules:
            return True
        sig = m.signals if m.signals is not None else (None if m.rules is not None else list(DEFAULT_SIGNALS))
        return sig is not None and bool(kinds & set(sig))


def compile_windows(models: dict[str, WindowModel]) -> tuple[Window, ...]:
    """Compile validated window models (names kept in declaration order)."""
    out = []
    for name, m in models.items():
        start, end, incl = parse_hours(m.hours)
        out.append(Window(name, m, parse_days(m.days), start, end, incl, ZoneInfo(m.tz)))
    return tuple(out)


def apply_windows(windows: tuple[Window, ...], decision: Decision, kinds: frozenset[str], now: datetime) -> Decision:
    """``decision`` changed by the first window that governs it and whose span does not contain ``now``;
    unchanged when it is not an ask, no window governs it, or ``now`` is inside."""
    if decision.decision != "ask" or not windows:
        return decision
    for w in windows:
        if not w.applies(decision, kinds) or w.inside(now):
            continue
        local = now.astimezone(w.tz).strftime("%a %H:%M")
        what = w.model.title or "High-impact operation"
        if w.model.outside == "deny":
            return replace(decision, decision="deny", rule_id=w.id, approvals_needed=0, totp=False, timeout_s=0,
                           guide=tuple(dict.fromkeys([*decision.guide, *w.model.guide])),
                           reason=f"{what} outside the {w.name} window ({w.describe()}; now {local}), denied; "
                                  f"{decision.rule_id}: {decision.reason}")
        return replace(decision, rule_id=w.id, approvals_needed=max(decision.approvals_needed, w.model.approvals),
                       guide=tuple(dict.fromkeys([*decision.guide, *w.model.guide])),
                       reason=f"{what} outside the {w.name} window ({w.describe()}; now {local}): needs "
                              f"{max(decision.approvals_needed, w.model.approvals)} distinct approvers; "
                              f"{decision.rule_id}: {decision.reason}")
    return decision
