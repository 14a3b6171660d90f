"""Scanner rules as data: the validated loader of ``rules.yaml``.

Shape: ``{"schema": 1, "rules": [Rule, ...]}``. ``kind: regex`` rules carry ``patterns`` matched line by
line in the contexts of ``scope``; ``kind: logic`` rules are emitted by code (logic.py and the language
analysers) and carry metadata only. Errors raise :class:`RuleError` with the rule id and field path.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from clawfence.core import yamlload
from clawfence.core.model import Severity

GUIDE_POINTS = frozenset({"P4.1", "P4.2", "E6.1", "E6.2", "E6.3", "E6.4", "C3.2", "C3.3", "D3.1", "D3.2", "D3.3"})
ID_RE = re.compile(r"^SC\d{3}$")


class RuleError(Exception):
    """rules.yaml is malformed; the message names the rule and field."""


class Rule(BaseModel):
    """One scanner rule. ``confidence`` is 0..1; ``severity`` is a :class:`Severity` value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: Literal["regex", "logic"]
    title: str = Field(min_length=3)
    severity: Severity
    confidence: float = Field(ge=0.0, le=1.0)
    guide: tuple[str, ...] = Field(min_length=1)
    capability: str
    message: str = Field(min_length=3)
    message_zh: str = Field(min_length=2)
    remediation: str = Field(min_length=3)
    references: tuple[str, ...] = ()
    scope: tuple[Literal["prose", "code"], ...] = ()
    dampen: bool = False
    patterns: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    examples: dict[Literal["fire", "ok"], list[dict[str, str]]] | None = None
    decisive: bool = False  # a hit at confidence >= 0.8 proves intent on its own (verdict.py)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError(f"rule id {v!r} must look like SC101")
        return v

    @field_validator("guide")
    @classmethod
    def _guide(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [g for g in v if g not in GUIDE_POINTS]
        if bad:
            raise ValueError(f"unknown guide points {bad}")
        return v

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for p in v:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"bad regex {p!r}: {exc}") from exc
        return v

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [k for k in v if not k or k != k.lower()]
        if bad:
            raise ValueError(f"keywords must be non-empty lowercase literals: {bad}")
        return v

    @model_validator(mode="after")
    def _kind(self) -> Rule:
        if self.kind == "regex" and (not self.patterns or not self.scope):
            raise ValueError("regex rules need patterns and scope")
        if self.kind == "logic" and self.patterns:
            raise ValueError("logic rules carry no patterns")
        return self

    def compiled(self) -> list[re.Pattern[str]]:
        """The patterns compiled case-insensitively."""
        return _compile(self.patterns)

    def combined(self) -> re.Pattern[str]:
        """All patterns as one alternation (used as a whole-text prefilter)."""
        return _combine(self.patterns)


@lru_cache(maxsize=256)
def _combine(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE | re.MULTILINE)


@lru_cache(maxsize=256)
def _compile(patterns: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE | re.MULTILINE) for p in patterns]


class RuleSet(BaseModel):
    """All rules, keyed by id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_: int = Field(alias="schema")
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _unique(self) -> RuleSet:
        ids = [r.id for r in self.rules]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate rule ids {dup}")
        if self.schema_ != 1:
            raise ValueError(f"unsupported rules schema {self.schema_}")
        return self

    def get(self, rule_id: str) -> Rule:
        """Rule by id; raises KeyError."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def parse_rules(text: str, source: str = "rules.yaml") -> RuleSet:
    """Parse and validate rules YAML text. Raises :class:`RuleError` with a precise location."""
    try:
        doc: Any = yamlload.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError(f"{source}: invalid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise RuleError(f"{source}: top level must be a mapping with 'schema' and 'rules'")
    try:
        return RuleSet.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc)
        rid = ""
        rules = doc.get("rules")
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int) and isinstance(rules, list):
            item = rules[loc[1]] if loc[1] < len(rules) else None
            rid = f" (rule {item.get('id')})" if isinstance(item, dict) else ""
        raise RuleError(f"{source}: {where}{rid}: {err['msg']}") from exc


@lru_cache(maxsize=1)
def load_rules() -> RuleSet:
    """The packaged rule set (cached)."""
    text = resources.files("clawfence.skills").joinpath("rules.yaml").read_text(encoding="utf-8")
    return parse_rules(text)
