"""Data shapes of the guard: a tool call, a signal found in it, a decision, and the analysis context.

A :class:`ToolCall` is what OpenClaw's ``before_tool_call`` plugin hook sees (``event.toolName``,
``event.params``, ``ctx.agentId``, ``ctx.sessionKey``, ``ctx.requester.{channel,senderId,senderIsOwner}``;
OpenClaw ``docs/plugins/hooks/tool-policy.md``), plus an optional timestamp for deterministic time windows.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

DecisionKind = Literal["allow", "deny", "ask"]


@dataclass(frozen=True, slots=True)
class Signal:
    """One risky property of a call: ``kind`` (e.g. ``destructive``) and a short human ``detail``.

    Kinds: destructive, mass-delete, download-exec, obfuscated, unapproved-install, skill-install,
    protected-read, protected-write, auth-change, config-change, egress-unlisted, egress-internal,
    secret-out, personal-data-out, privilege, financial, parse-error.
    """

    kind: str
    detail: str


@dataclass(frozen=True, slots=True)
class Decision:
    """Outcome of :func:`clawfence.guard.policy.decide`.

    ``decision`` allow|deny|ask; ``rule_id`` of the first matching rule (``"default"`` when none);
    ``reason`` one line for people; ``approvals_needed`` distinct approvers for ``ask`` (0 otherwise);
    ``totp`` whether one approver must give a TOTP code; ``timeout_s`` before an ask is denied;
    ``signals`` everything the analysis found (redacted details only).
    """

    decision: DecisionKind
    rule_id: str
    reason: str
    approvals_needed: int = 0
    totp: bool = False
    timeout_s: int = 0
    guide: tuple[str, ...] = ()
    signals: tuple[Signal, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The CLI/HTTP contract: ``{"decision","rule_id","reason", ...}``."""
        return {
            "decision": self.decision,
            "rule_id": self.rule_id,
            "reason": self.reason,
            "approvals_needed": self.approvals_needed,
            "totp": self.totp,
            "timeout_s": self.timeout_s,
            "guide": list(self.guide),
            "signals": [{"kind": s.kind, "detail": s.detail} for s in self.signals],
        }


class CallError(ValueError):
    """A tool call document that is not an object with a string ``toolName``."""


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool call to judge. ``params`` are the tool's arguments (``{"command": ...}`` for exec)."""

    tool: str
    params: dict[str, Any] = field(default_factory=dict)
    agent_id: str | None = None
    session_key: str | None = None
    channel: str | None = None
    sender: str | None = None
    sender_is_owner: bool | None = None
    ts: datetime | None = None
    derived_paths: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, doc: Any) -> ToolCall:
        """Build from the hook/CLI JSON shape. Accepts ``toolName`` (or ``tool``), ``params`` (or
        ``args``), ``agentId``, ``sessionKey``, ``requester: {channel, senderId, senderIsOwner}``
        (or top-level ``channel``/``senderId``), ``derivedPaths``, ``ts`` (ISO 8601). Raises
        :class:`CallError` on a malformed document."""
        if not isinstance(doc, dict):
            raise CallError("a call must be a JSON object")
        tool = doc.get("toolName", doc.get("tool"))
        if not isinstance(tool, str) or not tool:
            raise CallError("a call needs a non-empty string 'toolName'")
        params = doc.get("params", doc.get("args", {}))
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise CallError("'params' must be an object")
        req_raw = doc.get("requester")
        req: dict[str, Any] = req_raw if isinstance(req_raw, dict) else {}
        ts_raw = doc.get("ts")
        ts: datetime | None = None
        if ts_raw is not None:
            try:
                ts = datetime.fromisoformat(str(ts_raw).replace("Z", "+00:00"))
            except ValueError as exc:
                raise CallError(f"'ts' is not an ISO 8601 time: {ts_raw!r}") from exc
            if ts.tzinfo is None:
                ts = ts.replace(tzinfo=UTC)
        owner = req.get("senderIsOwner", doc.get("senderIsOwner"))
        dp = doc.get("derivedPaths") or []

        def _s(v: Any) -> str | None:
            return str(v) if v is not None else None

        return cls(
            tool=tool,
            params=params,
            agent_id=_s(doc.get("agentId")),
            session_key=_s(doc.get("sessionKey")),
            channel=_s(req.get("channel", doc.get("channel"))),
            sender=_s(req.get("senderId", doc.get("senderId"))),
            sender_is_owner=owner if isinstance(owner, bool) else None,
            ts=ts,
            derived_paths=tuple(str(p) for p in dp if isinstance(p, str)),
        )

    def text(self) -> str:
        """All string content of ``params`` joined (for content scanning)."""
        out: list[str] = []
        _strings(self.params, out)
        return "\n".join(out)


def _strings(v: Any, out: list[str], depth: int = 0) -> None:
    if depth > 12:
        return
    if isinstance(v, str):
        out.append(v)
    elif isinstance(v, dict):
        for x in v.values():
            _strings(x, out, depth + 1)
    elif isinstance(v, list | tuple):
        for x in v:
            _strings(x, out, depth + 1)
    elif v is not None and not isinstance(v, bool):
        out.append(json.dumps(v))


@dataclass(frozen=True, slots=True)
class PathContext:
    """Where relative paths and ``~`` point: home, agent workspace, OpenClaw state dir, cwd (absolute)."""

    home: str
    workspace: str
    state_dir: str
    cwd: str
    resolve_symlinks: bool = True

    @classmethod
    def default(cls, workspace: str | None = None, state_dir: str | None = None) -> PathContext:
        """From ``$HOME``/``$OPENCLAW_STATE_DIR``; workspace defaults to ``<state>/workspace``."""
        home = os.path.expanduser("~")
        state = state_dir or os.environ.get("OPENCLAW_STATE_DIR") or os.path.join(home, ".openclaw")
        state = os.path.expanduser(state)
        ws = os.path.expanduser(workspace) if workspace else os.path.join(state, "workspace")
        return cls(home=home, workspace=ws, state_dir=state, cwd=ws)
