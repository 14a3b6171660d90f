"""Approvals for ``ask`` decisions: a SQLite (WAL) store of pending and decided requests.

Guide E5.1 (secondary manual confirmation or multi-level approval for high-risk operations), E3.3
(multi-factor authentication for high-privilege agents). A request needs ``approvals_needed`` *distinct*
approvers; when ``totp`` is set at least one approving vote must carry a valid TOTP code (pyotp, RFC 6238)
of that approver's enrolled secret. Any deny vote denies; a request still pending after its deadline is
``expired`` (= denied). Everything is committed before a call returns, so a restart loses nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import time
import uuid
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp

from clawfence.core.paths import service_home
from clawfence.core.redact import redact_assignments
from clawfence.detect.calls import Decision, ToolCall
from clawfence.detect.privacy import scan_text

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
  id TEXT PRIMARY KEY, created REAL NOT NULL, expires REAL NOT NULL, rule_id TEXT NOT NULL,
  tool TEXT NOT NULL, summary TEXT NOT NULL, reason TEXT NOT NULL, needed INTEGER NOT NULL,
  totp INTEGER NOT NULL, status TEXT NOT NULL, decided REAL, agent_id TEXT, session_key TEXT,
  call_hash TEXT NOT NULL DEFAULT '', consumed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS votes (
  request_id TEXT NOT NULL REFERENCES requests(id), approver TEXT NOT NULL, vote TEXT NOT NULL,
  ts REAL NOT NULL, totp_ok INTEGER NOT NULL, PRIMARY KEY (request_id, approver));
CREATE TABLE IF NOT EXISTS approvers (name TEXT PRIMARY KEY, totp_secret TEXT NOT NULL, created REAL NOT NULL);
"""
#: columns added after the first release (ALTER TABLE on open; old stores keep working)
_MIGRATIONS = (
    "ALTER TABLE requests ADD COLUMN call_json TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE votes ADD COLUMN reason TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE approvers ADD COLUMN last_step INTEGER NOT NULL DEFAULT 0",
)
#: an approved request lets its exact call through once within this many seconds of the decision
APPROVAL_TTL_S = 600


class ApprovalError(ValueError):
    """A refused approval action (unknown id, already decided, same approver twice, bad TOTP)."""


@dataclass(frozen=True)
class ApprovalRequest:
    """One approval request: status pending|approved|denied|expired, approvers so far."""

    id: str
    created: float
    expires: float
    rule_id: str
    tool: str
    summary: str
    reason: str
    needed: int
    totp: bool
    status: str
    approvers: tuple[str, ...]
    agent_id: str | None = None
    session_key: str | None = None
    #: the full call (tool, params) with secrets and personal data masked, for the console
    call_json: str = ""
    #: sha256 binding an approval to this exact call of this agent session (:func:`call_hash`)
    call_hash: str = ""
    #: when the request left ``pending`` (epoch seconds), None while pending
    decided: float | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON form for the CLI and HTTP API."""
        return {"id": self.id, "status": self.status, "rule_id": self.rule_id, "tool": self.tool,
                "summary": self.summary, "reason": self.reason, "approvals_needed": self.needed,
                "totp": self.totp, "approvers": list(self.approvers), "created": self.created,
                "expires": self.expires, "agent_id": self.agent_id}


def call_hash(call: ToolCall) -> str:
    """sha256 of the tool name, canonical params, agent id and session key: identifies "the same call" of the
    same session on retry (an approval is bound to it)."""
    body = json.dumps([call.tool, call.params, call.agent_id, call.session_key], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def redacted_call(call: ToolCall) -> str:
    """The call as indented JSON ``{"tool", "params"}`` with secrets and personal data masked."""
    text = json.dumps({"tool": call.tool, "params": call.params}, ensure_ascii=False, sort_keys=True, indent=1,
                      default=str)
    for d in reversed(scan_text(text)):
        text = text[: d.start] + d.redacted + text[d.end :]
    return redact_assignments(text)


def summarize(call: ToolCall, limit: int = 400) -> str:
    """A redacted one-paragraph summary of a call for approvers (secrets and personal data masked)."""
    text = json.dumps(call.params, ensure_ascii=False, sort_keys=True)
    for d in reversed(scan_text(text)):
        text = text[: d.start] + d.redacted + text[d.end :]
    text = redact_assignments(text)
    return f"{call.tool} {text[:limit]}"


class ApprovalStore:
    """SQLite store at ``path`` (created 0600, WAL journal). Thread-safe: one connection per call."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        with closing(self._db()) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            for m in _MIGRATIONS:
                with suppress(sqlite3.OperationalError):  # column exists
                    db.execute(m)

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.execute("PRAGMA busy_timeout=10000")
        db.execute("PRAGMA synchronous=FULL")
        return db

    def create(self, call: ToolCall, decision: Decision, now: float | None = None) -> ApprovalRequest:
        """Record a pending request for an ``ask`` decision and return it."""
        now = time.time() if now is None else now
        rid = uuid.uuid4().hex[:16]
        with closing(self._db()) as db:
            db.execute(
                "INSERT INTO requests (id,created,expires,rule_id,tool,summary,reason,needed,totp,status,decided,"
                "agent_id,session_key,call_hash,consumed,call_json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?)",
                (rid, now, now + max(decision.timeout_s, 1), decision.rule_id, call.tool, summarize(call),
                 decision.reason, max(decision.approvals_needed, 1), int(decision.totp), "pending", None,
                 call.agent_id, call.session_key, call_hash(call), redacted_call(call)),
            )
        return self.get(rid, now)

    def _row(self, db: sqlite3.Connection, rid: str) -> ApprovalRequest | None:
        r = db.execute("SELECT id,created,expires,rule_id,tool,summary,reason,needed,totp,status,agent_id,"
                       "session_key,call_json,call_hash,decided FROM requests WHERE id=?", (rid,)).fetchone()
        if r is None:
            return None
        who = tuple(a for (a,) in db.execute(
            "SELECT approver FROM votes WHERE request_id=? AND vote='approve' ORDER BY ts", (rid,)))
        return ApprovalRequest(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]), r[9], who, r[10],
                               r[11], r[12] or "", r[13] or "", r[14])

    def votes(self, rid: str) -> list[dict[str, Any]]:
        """Votes on ``rid``, oldest first: ``{approver, vote, ts, totp_ok, reason}``."""
        with closing(self._db()) as db:
            return [{"approver": a, "vote": v, "ts": t, "totp_ok": bool(k), "reason": r} for a, v, t, k, r in
                    db.execute("SELECT approver,vote,ts,totp_ok,reason FROM votes WHERE request_id=? ORDER BY ts",
                               (rid,))]

    def approvers(self) -> list[str]:
        """Enrolled approver names."""
        with closing(self._db()) as db:
            return [n for (n,) in db.execute("SELECT name FROM approvers ORDER BY name")]

    def check_totp(self, approver: str, code: str, now: float | None = None) -> bool:
        """Verify ``approver``'s TOTP ``code`` (±1 step) and burn its time step: the same code (or an older one)
        is never accepted twice (RFC 6238 §5.2)."""
        now = time.time() if now is None else now
        with closing(self._db()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                r = db.execute("SELECT totp_secret,last_step FROM approvers WHERE name=?", (approver,)).fetchone()
                if r is None:
                    db.execute("ROLLBACK")
                    return False
                totp = pyotp.TOTP(r[0])
                step = None
                for off in (0, -1, 1):
                    t = int(now) + off * totp.interval
                    if hmac.compare_digest(totp.at(t), code.strip()):
                        step = int(t // totp.interval)
                        break
                if step is None or step <= int(r[1]):
                    db.execute("ROLLBACK")
                    return False
                db.execute("UPDATE approvers SET last_step=? WHERE name=?", (step, approver))
                db.execute("COMMIT")
                return True
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def expire_due(self, now: float | None = None) -> int:
        """Mark pending requests past their deadline ``expired``; returns how many."""
        now = time.time() if now is None else now
        with closing(self._db()) as db:
            cur = db.execute("UPDATE requests SET status='expired', decided=? WHERE status='pending' AND expires<?",
                             (now, now))
            return cur.rowcount

    def get(self, rid: str, now: float | None = None) -> ApprovalRequest:
        """The request ``rid`` (expiring it first if due). Raises :class:`ApprovalError` if unknown."""
        self.expire_due(now)
        with closing(self._db()) as db:
            req = self._row(db, rid)
        if req is None:
            raise ApprovalError(f"no approval request {rid!r}")
        return req

    def list(self, status: str | None = None, now: float | None = None) -> list[ApprovalRequest]:
        """Requests, newest first, optionally only those with ``status``."""
        self.expire_due(now)
        with closing(self._db()) as db:
            q = "SELECT id FROM requests" + (" WHERE status=?" if status else "") + " ORDER BY created DESC"
            ids = [r[0] for r in db.execute(q, (status,) if status else ())]
            return [r for r in (self._row(db, i) for i in ids) if r is not None]

    def enroll(self, approver: str) -> str:
        """Create (or replace) ``approver``'s TOTP secret; returns the otpauth:// provisioning URI."""
        secret = pyotp.random_base32()
        with closing(self._db()) as db:
            db.execute("INSERT OR REPLACE INTO approvers (name,totp_secret,created) VALUES (?,?,?)",
                       (approver, secret, time.time()))
        return pyotp.TOTP(secret).provisioning_uri(name=approver, issuer_name="clawfence guard")

    def remove_approver(self, approver: str) -> bool:
        """Delete ``approver``'s enrolment (their TOTP secret); True when one existed. Past votes stay."""
        with closing(self._db()) as db:
            return db.execute("DELETE FROM approvers WHERE name=?", (approver,)).rowcount > 0

    def totp_secret(self, approver: str) -> str | None:
        """The enrolled TOTP secret of ``approver`` (for tests and enrolment display), or None."""
        with closing(self._db()) as db:
            r = db.execute("SELECT totp_secret FROM approvers WHERE name=?", (approver,)).fetchone()
        return str(r[0]) if r else None

    def vote(self, rid: str, approver: str, approve: bool, totp_code: str | None = None,
             now: float | None = None, reason: str = "", totp_verified: bool = False) -> ApprovalRequest:
        """Record ``approver``'s vote and return the updated request.

        Raises :class:`ApprovalError` if the request is unknown or no longer pending, ``approver`` already
        voted, or a TOTP code is given and wrong (or the rule needs TOTP and the approver is not enrolled).
        ``totp_verified``: the approver proved a TOTP code when logging in to the console (counts as the factor);
        ``reason`` is kept with the vote (history).
        """
        approver = approver.strip()
        if not approver:
            raise ApprovalError("an approver identity is required")
        now = time.time() if now is None else now
        self.expire_due(now)
        with closing(self._db()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                req = self._row(db, rid)
                if req is None:
                    raise ApprovalError(f"no approval request {rid!r}")
                if req.status != "pending":
                    raise ApprovalError(f"request {rid} is already {req.status}")
                if db.execute("SELECT 1 FROM votes WHERE request_id=? AND approver=?", (rid, approver)).fetchone():
                    raise ApprovalError(f"{approver} has already voted on {rid}; approvers must be distinct")
                totp_ok = totp_verified
                if totp_verified:
                    pass
                elif totp_code is not None:
                    r = db.execute("SELECT totp_secret FROM approvers WHERE name=?", (approver,)).fetchone()
                    if r is None:
                        raise ApprovalError(f"{approver} has no TOTP enrolment (clawfence guard approvals enroll)")
                    if not pyotp.TOTP(r[0]).verify(totp_code, for_time=int(now), valid_window=1):
                        raise ApprovalError("TOTP code is wrong or expired")
                    totp_ok = True
                elif approve and req.totp and not db.execute(
                        "SELECT 1 FROM votes WHERE request_id=? AND totp_ok=1", (rid,)).fetchone() and (
                        len(req.approvers) + 1 >= req.needed):
                    raise ApprovalError(f"rule {req.rule_id} needs a TOTP code from at least one approver (--totp)")
                db.execute("INSERT INTO votes (request_id,approver,vote,ts,totp_ok,reason) VALUES (?,?,?,?,?,?)",
                           (rid, approver, "approve" if approve else "deny", now, int(totp_ok), reason[:500]))
                if not approve:
                    db.execute("UPDATE requests SET status='denied', decided=? WHERE id=?", (now, rid))
                else:
                    n = db.execute("SELECT COUNT(*) FROM votes WHERE request_id=? AND vote='approve'",
                                   (rid,)).fetchone()[0]
                    has_totp = db.execute("SELECT 1 FROM votes WHERE request_id=? AND totp_ok=1",
                                          (rid,)).fetchone() is not None
                    if n >= req.needed and (has_totp or not req.totp):
                        db.execute("UPDATE requests SET status='approved', decided=? WHERE id=?", (now, rid))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return self.get(rid, now)

    def consume_approved(self, call: ToolCall, now: float | None = None) -> ApprovalRequest | None:
        """If an approved, not yet used request exists for this exact call, mark it used and return it
        (an approval is good for one execution, like OpenClaw's ``allow-once``)."""
        now = time.time() if now is None else now
        with closing(self._db()) as db:
            db.execute("BEGIN IMMEDIATE")
            r = db.execute("SELECT id FROM requests WHERE call_hash=? AND status='approved' AND consumed=0 "
                           "AND decided>=? ORDER BY decided LIMIT 1", (call_hash(call), now - APPROVAL_TTL_S)).fetchone()
            if r is None:
                db.execute("COMMIT")
                return None
            db.execute("UPDATE requests SET consumed=1 WHERE id=?", (r[0],))
            db.execute("COMMIT")
        return self.get(r[0], now)

    def wait(self, rid: str, timeout_s: float, poll_s: float = 0.2) -> ApprovalRequest:
        """Poll until ``rid`` is decided or ``timeout_s`` passes; returns the request as it then is."""
        deadline = time.monotonic() + timeout_s
        req = self.get(rid)
        while req.status == "pending" and time.monotonic() < deadline:
            time.sleep(min(poll_s, max(deadline - time.monotonic(), 0)))
            req = self.get(rid)
        return req


def default_store_path() -> Path:
    """``<service home>/approvals.sqlite`` (``$CLAWFENCE_SERVICE_HOME``, default ``/var/lib/clawfence``, the guard
    service user's 0700 directory): the pending asks, votes and the approvers' TOTP secrets live where the agent's
    user can neither read nor write them (issue 10: "the TOTP secrets sit in a SQLite file the agent can read")."""
    return service_home() / "approvals.sqlite"
