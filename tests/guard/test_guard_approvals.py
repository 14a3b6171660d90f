"""Approvals: distinct approvers, TOTP second factor, time-outs deny, persistence across reopen."""

from __future__ import annotations

import time
from pathlib import Path

import pyotp
import pytest

from clawfence.detect.calls import Decision, ToolCall
from clawfence.guard.approvals import ApprovalError, ApprovalStore

CALL = ToolCall("make_payment", {"amount": 100, "card": "4111 1111 1111 1111"}, agent_id="main")


def _ask(n: int, totp: bool = False, timeout: int = 900) -> Decision:
    return Decision("ask", "PG008", "financial", n, totp, timeout)


def test_two_distinct_approvers_and_persistence(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite"
    st = ApprovalStore(db)
    req = st.create(CALL, _ask(2))
    assert req.status == "pending" and "4111 1111" not in req.summary
    st.vote(req.id, "alice", True)
    with pytest.raises(ApprovalError, match="distinct"):
        st.vote(req.id, "alice", True)
    reopened = ApprovalStore(db)  # a restart
    assert reopened.get(req.id).status == "pending"
    assert reopened.get(req.id).approvers == ("alice",)
    assert reopened.vote(req.id, "bob", True).status == "approved"
    assert ApprovalStore(db).get(req.id).status == "approved"
    assert (db.stat().st_mode & 0o777) == 0o600


def test_consume_once(tmp_path: Path) -> None:
    st = ApprovalStore(tmp_path / "a.sqlite")
    req = st.create(CALL, _ask(1))
    assert st.consume_approved(CALL) is None
    st.vote(req.id, "alice", True)
    assert st.consume_approved(CALL) is not None
    assert st.consume_approved(CALL) is None


def test_deny_is_final(tmp_path: Path) -> None:
    st = ApprovalStore(tmp_path / "a.sqlite")
    req = st.create(CALL, _ask(2))
    assert st.vote(req.id, "alice", False).status == "denied"
    with pytest.raises(ApprovalError, match="already denied"):
        st.vote(req.id, "bob", True)


def test_timeout_denies(tmp_path: Path) -> None:
    st = ApprovalStore(tmp_path / "a.sqlite")
    now = time.time()
    req = st.create(CALL, _ask(1, timeout=5), now=now)
    assert st.get(req.id, now=now + 6).status == "expired"
    with pytest.raises(ApprovalError, match="expired"):
        st.vote(req.id, "alice", True, now=now + 7)


def test_totp_required(tmp_path: Path) -> None:
    st = ApprovalStore(tmp_path / "a.sqlite")
    st.enroll("alice")
    secret = st.totp_secret("alice")
    assert secret
    req = st.create(CALL, _ask(2, totp=True))
    st.vote(req.id, "bob", True)
    with pytest.raises(ApprovalError, match="TOTP"):
        st.vote(req.id, "carol", True)  # last vote, no TOTP yet
    with pytest.raises(ApprovalError, match="wrong"):
        st.vote(req.id, "alice", True, totp_code="000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert st.vote(req.id, "alice", True, totp_code=pyotp.TOTP(secret).now()).status == "approved"
