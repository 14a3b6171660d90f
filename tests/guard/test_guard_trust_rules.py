"""Self-protection rules PG100..PG119 (issue 10): every declared example, plus spellings the examples do not
contain (wrappers, nesting, other tools), and everyday calls that must not be touched."""

from __future__ import annotations

from typing import Any

import pytest

from clawfence.detect.calls import PathContext, ToolCall
from clawfence.guard.policy import builtin_policy, decide

CTX = PathContext(home="/home/dev", workspace="/home/dev/.openclaw/workspace", state_dir="/home/dev/.openclaw",
                  cwd="/home/dev/.openclaw/workspace", resolve_symlinks=False)


def _call(e: Any) -> ToolCall:
    doc = e if isinstance(e, dict) else {"tool": "exec", "params": {"command": e}}
    return ToolCall.from_json({"toolName": doc["tool"], "params": doc["params"]})


def _examples() -> list[tuple[str, str, Any]]:
    out = []
    for r in builtin_policy().rules:
        ex = r.model.examples
        if ex is None:
            continue
        for kind, items in (("fire", ex.fire), ("ok", ex.ok)):
            for e in items:
                out.append((r.model.id, kind, e))
    return out


@pytest.mark.parametrize(("rid", "kind", "example"), [x for x in _examples() if x[0].startswith("PG1")])
def test_self_protection_examples(rid: str, kind: str, example: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAWFENCE_HOME", raising=False)
    d = decide(builtin_policy(), _call(example), CTX)
    if kind == "fire":
        assert (d.rule_id, d.decision) == (rid, "deny"), d.reason
    else:
        assert not d.rule_id.startswith("PG1"), d.reason


OTHER_SPELLINGS = [
    ("PG100", "env OPENCLAW_STATE_DIR=/home/dev/.openclaw openclaw plugins disable clawfence-guard"),
    ("PG100", "nohup openclaw plugins uninstall clawfence-guard --force &"),
    ("PG101", "openclaw config unset plugins.entries.clawfence-guard"),
    ("PG101", "openclaw config set plugins.entries.clawfence-guard.hooks.timeouts.before_tool_call 1"),
    ("PG101", {"tool": "gateway", "params": {"action": "config.set", "path": "plugins.deny", "value": ["clawfence-guard"]}}),
    ("PG101", {"tool": "write", "params": {"path": "/home/dev/.openclaw/extra.json5",
                                           "content": "{plugins: {allow: []}}"}}),
    ("PG102", "cp /tmp/noop.js /home/dev/.openclaw/extensions/clawfence-guard/index.js"),
    ("PG102", {"tool": "apply_patch", "params": {"input": "*** Begin Patch\n*** Delete File: "
                                                 "/home/dev/.openclaw/extensions/clawfence-guard/index.js\n*** End Patch"}}),
    ("PG103", "tar czf /tmp/x.tgz -C /home/dev .clawfence"),
    ("PG103", "cd /home/dev && cat .clawfence/guard/token"),
    ("PG103", "python3 -c \"print(open('/var/lib/clawfence/keys/decision.key').read())\""),
    ("PG104", "nc -U /var/lib/clawfence/guard.sock"),
    ("PG104", "python3 -c \"import urllib.request;urllib.request.urlopen('http://127.0.0.1:18795/healthz')\""),
    ("PG104", {"tool": "browser", "params": {"action": "open", "url": "http://127.0.0.1:18796/"}}),
    ("PG105", "sudo systemctl disable --now clawfence-guard"),
    ("PG105", "kill -TERM `pidof clawfence`"),
    ("PG106", "ncat -l 127.0.0.1 18795 --keep-open"),
    ("PG106", "python3 -c \"import http.server as h;"
              "h.HTTPServer(('127.0.0.1',18795),h.BaseHTTPRequestHandler).serve_forever()\""),
    ("PG107", "/usr/local/bin/clawfence guard approvals approve 1234 --approver alice --totp 123456"),
    ("PG107", "timeout 5 clawfence guard console --port 9999"),
]


@pytest.mark.parametrize(("rid", "example"), OTHER_SPELLINGS)
def test_other_spellings_are_denied(rid: str, example: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAWFENCE_HOME", raising=False)
    d = decide(builtin_policy(), _call(example), CTX)
    assert d.decision == "deny" and d.rule_id.startswith("PG1"), (d.rule_id, d.reason)
    assert d.rule_id == rid, (d.rule_id, d.reason)


EVERYDAY = [
    "git status", "npm test", "pytest -q", "ls -la ~/.openclaw", "openclaw status", "openclaw plugins list",
    "kill %1", "pkill -f 'vite --port 5173'", "systemctl --user status", "curl -s http://127.0.0.1:3000/api",
    "python3 -m http.server 8080", "cat ~/.openclaw/extensions/clawfence-guard/package.json",
    "clawfence audit", "clawfence skills scan ./skills", "grep -rn TODO src",
    {"tool": "read", "params": {"path": "/etc/clawfence/trust/actionlog.pub"}},
    {"tool": "web_fetch", "params": {"url": "https://api.github.com/repos/x/y"}},
]


@pytest.mark.parametrize("example", EVERYDAY)
def test_everyday_calls_are_not_self_protection(example: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAWFENCE_HOME", raising=False)
    d = decide(builtin_policy(), _call(example), CTX)
    assert not d.rule_id.startswith("PG1"), (d.rule_id, d.reason)
