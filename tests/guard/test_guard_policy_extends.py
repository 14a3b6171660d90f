"""A user policy extends a built-in profile: lists, macros, exceptions, rule order (issue 10 item 2)."""

from __future__ import annotations

import pytest

from clawfence.detect.calls import PathContext, ToolCall
from clawfence.guard.policy import PolicyError, decide, parse_policy

CTX = PathContext("/home/agent", "/home/agent/.openclaw/workspace", "/home/agent/.openclaw",
                  "/home/agent/.openclaw/workspace", resolve_symlinks=False)


def _exec(cmd: str) -> ToolCall:
    return ToolCall("exec", {"command": cmd})


USER = """
version: 1
name: team
extends: standard
lists:
  user_known_egress_hosts: [api.example.com]
  deploy_tools: [kubectl, helm]
macros:
  deploy: {match: "@{deploy_tools}"}
exceptions:
  PG025:
    - name: user_known_staging_deletes
      match: "kubectl delete ns staging-"
rules:
  - id: T001
    description: Deploy tools need a person outside CI
    decision: ask
    condition: deploy
  - id: T002
    description: Calls to the team's own API are routine
    decision: allow
    match: "curl .*api.example.com"
"""


def test_user_policy_extends_builtin() -> None:
    pol = parse_policy(USER, "team.yaml")
    assert decide(pol, _exec("rm -rf /"), CTX).rule_id == "PG001"  # built-in rules stay
    assert decide(pol, _exec("helm list"), CTX).rule_id == "T001"  # macro + list
    assert decide(pol, _exec("curl -s https://api.example.com/x"), CTX).decision == "allow"
    assert decide(pol, _exec("openclaw plugins disable clawfence-guard"), CTX).rule_id == "PG100"  # first


def test_exception_carves_a_case_out_of_a_builtin_rule() -> None:
    exc = ("version: 1\nextends: standard\nexceptions:\n  PG025:\n    - name: user_known_staging_deletes\n"
           "      match: 'kubectl delete ns staging-'\n")
    base = parse_policy("version: 1\nextends: standard\n", "b.yaml")
    pol = parse_policy(exc, "e.yaml")
    assert decide(base, _exec("kubectl delete ns staging-42"), CTX).rule_id == "PG025"
    assert decide(pol, _exec("kubectl delete ns staging-42"), CTX).decision == "allow"
    assert decide(pol, _exec("kubectl delete ns production"), CTX).rule_id == "PG025"


def test_clashing_ids_and_unknown_lists_are_errors() -> None:
    with pytest.raises(PolicyError, match="already exist"):
        parse_policy("version: 1\nextends: standard\nrules:\n  - {id: PG001, description: x, decision: allow}\n", "x")
    with pytest.raises(PolicyError, match="unknown list"):
        parse_policy("version: 1\nextends: standard\nrules:\n  - {id: X1, description: x, decision: ask, "
                     "tools: ['@nope']}\n", "x")
