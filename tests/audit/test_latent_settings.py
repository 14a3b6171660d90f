"""One-key weakenings of the hardened fixture home (``../shared/fixtures/homes/hardened``), audited through a real
collection: each is found at its key (a LOW "latent" warning when another setting neutralises it, never
high/critical then), and equivalent hardened spellings add nothing. Issue 13 ("missed settings"); the one-key
mutations the lead measured plus other spellings (per-agent ``agents.entries``, per-account channel blocks,
``$include``, JSON5, ``${VAR}`` from ``.env``)."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clawfence.audit.collect import collect
from clawfence.audit.facts import locate
from clawfence.audit.run import audit

Finding = tuple[str, str, str, str | None, str | None]  # id, status, severity, path, key
Mutate = Callable[[dict[str, Any], Path], str | None]


def _base(shared: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((shared / "fixtures" / "homes" / "hardened" / ".openclaw" / "openclaw.json")
                                     .read_text(encoding="utf-8"))
    return doc


def _problems(sd: Path) -> set[Finding]:
    rep = audit(collect(locate(str(sd)), env={}, with_host=False))
    return {(f.id, f.status.value, f.severity.value, f.location.path if f.location else None,
             f.location.key if f.location else None) for f in rep.findings if f.is_problem}


def _home(tmp: Path, cfg: dict[str, Any], mutate: Mutate | None) -> Path:
    sd = tmp / ".openclaw"
    (sd / "workspace").mkdir(parents=True)
    os.chmod(sd, 0o700)
    raw = mutate(cfg, sd) if mutate else None
    p = sd / "openclaw.json"
    p.write_text(raw if raw is not None else json.dumps(cfg, indent=2), encoding="utf-8")
    os.chmod(p, 0o600)
    return sd


def _set(path: str, value: Any) -> Mutate:
    def m(c: dict[str, Any], _: Path) -> None:
        keys = path.split(".")
        for k in keys[:-1]:
            c = c.setdefault(k, {})
        c[keys[-1]] = value
    return m


def _include(section: str, name: str, change: dict[str, Any]) -> Mutate:
    def m(c: dict[str, Any], sd: Path) -> None:
        block = dict(c[section])
        block.update(change)
        (sd / name).write_text(json.dumps(block), encoding="utf-8")
        os.chmod(sd / name, 0o600)
        c[section] = {"$include": f"./{name}"}
    return m


def _json5_bind_lan(c: dict[str, Any], _: Path) -> str:
    return json.dumps(c, indent=2).replace('"bind": "loopback",', "// for the phone app\n    bind: 'lan', /* was */")


def _env_bind_lan(c: dict[str, Any], sd: Path) -> None:
    c["gateway"]["bind"] = "${OPENCLAW_BIND}"
    (sd / ".env").write_text("OPENCLAW_BIND=lan\n", encoding="utf-8")
    os.chmod(sd / ".env", 0o600)


# (name, mutation, expected check id, expected key or file suffix, highest severity allowed for that finding)
WEAK: list[tuple[str, Mutate, str, str, str]] = [
    ("dmscope-main", _set("session.dmScope", "main"), "CH004", "session.dmScope", "low"),
    ("exec-full", _set("tools.exec.security", "full"), "TL002", "tools.exec.security", "low"),
    ("exec-ask-off", _set("tools.exec.ask", "off"), "TL002", "tools.exec.ask", "low"),
    ("browser-eval", _set("browser", {"enabled": True, "evaluateEnabled": True}), "TL007", "browser.evaluateEnabled",
     "low"),
    ("browser-private", _set("browser", {"enabled": True, "ssrfPolicy": {"dangerouslyAllowPrivateNetwork": True}}),
     "TL007", "browser.ssrfPolicy.dangerouslyAllowPrivateNetwork", "low"),
    ("browser-nosandbox", _set("browser", {"enabled": True, "noSandbox": True}), "SB009", "browser.noSandbox", "low"),
    ("shellenv", _set("env", {"shellEnv": {"enabled": True}}), "AU002", "env.shellEnv.enabled", "low"),
    ("subagents-star", _set("agents.defaults.subagents", {"allowAgents": ["*"]}), "TL014",
     "agents.defaults.subagents.allowAgents", "low"),
    ("fs-not-ws", _set("tools.fs", {"workspaceOnly": False}), "TL006", "tools.fs.workspaceOnly", "low"),
    ("access-groups-off", _set("commands", {"useAccessGroups": False}), "CH006", "commands.useAccessGroups",
     "medium"),
    ("ratelimit-weak", _set("gateway.auth.rateLimit", {"maxAttempts": 100000, "windowMs": 1000, "lockoutMs": 1}),
     "GW006", "gateway.auth.rateLimit.maxAttempts", "low"),
    ("canvas-on", _set("canvasHost", {"enabled": True}), "GW013", "canvasHost.enabled", "low"),
    ("nodes-allowcmds", _set("gateway.nodes", {"allowCommands": ["system.run"]}), "GW015",
     "gateway.nodes.allowCommands", "low"),
    ("agent-exec-full", _set("agents.entries", {"ops": {"tools": {"exec": {"security": "full"}}}}), "TL002",
     "agents.entries.ops.tools.exec.security", "low"),
    ("agent-fs-not-ws", _set("agents.entries", {"main": {"tools": {"profile": "coding",
                                                                   "fs": {"workspaceOnly": False}}}}),
     "TL006", "agents.entries.main.tools.fs.workspaceOnly", "low"),
    ("acct-allowfrom-star", _set("channels.telegram.accounts", {"work": {"dmPolicy": "allowlist",
                                                                         "allowFrom": ["*"]}}),
     "CH002", "channels.telegram.accounts.work.allowFrom", "critical"),
    ("include-gateway-lan", _include("gateway", "gateway.json5", {"bind": "lan"}), "GW001", "gateway.bind", "high"),
    ("json5-bind-lan", _json5_bind_lan, "GW001", "gateway.bind", "high"),
    ("env-bind-lan", _env_bind_lan, "GW001", "gateway.bind", "high"),
    ("model-http-remote", _set("models.providers.local", {"baseUrl": "http://10.1.2.3:8000/v1", "models": []}),
     "MD001", "models.providers.local.baseUrl", "medium"),
]

SAFE: list[tuple[str, Mutate]] = [
    ("deny-groups-only", _set("tools.deny", ["group:runtime", "browser", "group:automation"])),
    ("include-channels", _include("channels", "channels.json5", {})),
    ("secretref-token", _set("gateway.auth.token", {"source": "env", "provider": "default",
                                                    "id": "OPENCLAW_GATEWAY_TOKEN"})),
    ("dmscope-per-account", _set("session.dmScope", "per-account-channel-peer")),
    ("exec-deny", _set("tools.exec", {"security": "deny"})),
    ("agent-entry-same", _set("agents.entries", {"main": {"default": True, "sandbox": {"mode": "all",
                                                                                      "workspaceAccess": "ro"}}})),
    ("profile-minimal", _set("tools.profile", "minimal")),
    ("stricter-ratelimit", _set("gateway.auth.rateLimit", {"maxAttempts": 5, "windowMs": 60000,
                                                           "lockoutMs": 900000})),
    ("byprovider-full", _set("tools.byProvider", {"openai": {"profile": "full"}})),
]

_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


@pytest.fixture(scope="module")
def baseline(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str | None]]:
    sd = _home(tmp_path_factory.mktemp("base"), _base(shared), None)
    return {(f[0], f[4]) for f in _problems(sd)}


@pytest.mark.parametrize(("name", "mutate", "cid", "where", "worst"), WEAK, ids=[w[0] for w in WEAK])
def test_weakening_found_at_its_key(name: str, mutate: Mutate, cid: str, where: str, worst: str, shared: Path,
                                    tmp_path: Path, baseline: set[tuple[str, str | None]]) -> None:
    found = _problems(_home(tmp_path, copy.deepcopy(_base(shared)), mutate))
    new = {f for f in found if (f[0], f[4]) not in baseline}
    hits = [f for f in new if f[0] == cid and (f[4] == where or (f[3] or "").endswith(where))]
    assert hits, (name, sorted(new))
    assert max(_RANK[f[2]] for f in hits) <= _RANK[worst], (name, hits)


@pytest.mark.parametrize(("name", "mutate"), SAFE, ids=[s[0] for s in SAFE])
def test_equivalent_hardened_spelling_adds_no_high(name: str, mutate: Mutate, shared: Path, tmp_path: Path,
                                                   baseline: set[tuple[str, str | None]]) -> None:
    found = _problems(_home(tmp_path, copy.deepcopy(_base(shared)), mutate))
    new = [f for f in found if (f[0], f[4]) not in baseline]
    assert not [f for f in new if _RANK[f[2]] >= _RANK["high"]], (name, new)
    assert not new, (name, new)
