"""The native 2026.9.6 features: the Policy plugin's policy.jsonc (collector, native hash, id map), fleet cells
(collector on a real on-disk layout with a registry database) and the parity doc section. The checks' own
firing/non-firing cases are fixtures in tests/fixtures/checks/{PL,RL,FC}*/ (run by tests/test_checks.py)."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import json5
import pytest
import yaml

from clawfence.audit.checks import all_checks, by_id
from clawfence.audit.engine import run_check
from clawfence.audit.facts import collect, locate
from clawfence.audit.facts.policy import HashUnavailable, policy_hash, stable_json
from clawfence.core.guide import load as load_guide
from clawfence.core.model import Status

ROOT = Path(__file__).resolve().parents[2]
MAP = ROOT / "src" / "clawfence" / "data" / "native-policy-map.yaml"
#: policy text and the hash the real OpenClaw 2026.9.6 printed for it (`openclaw policy check --json`,
#: attestation.policy.hash); the scope names "a-b", "a_b", "aB" exercise ICU ordering ("_" before "-")
REAL_TEXT = ('// c\n{"gateway":{"exposure":{"allowNonLoopbackBind":false}}, "tools":{"elevated":{"allow":false}}, '
             '"scopes":{"a-b":{"agentIds":["x"], "tools":{"denyTools":["exec"]}}, "a_b":{"agentIds":["y"],'
             '"tools":{"denyTools":["exec"]}}, "aB":{"agentIds":["z"],"tools":{"denyTools":["exec"]}}}}')
REAL_HASH = "sha256:00411d6183a06f66ffbbc62fdbf55477619259e9e369c807f50bea43df0e9319"


def test_policy_hash_matches_what_the_real_openclaw_printed() -> None:
    assert policy_hash(json5.loads(REAL_TEXT)) == REAL_HASH


def test_stable_json_orders_like_icu_and_writes_numbers_like_javascript() -> None:
    assert stable_json({"b": 1, "B": 2, "a": 1.0, "_z": [0.5, None, True], "1": "x"}) == \
        '{"_z":[0.5,null,true],"1":"x","a":1,"b":1,"B":2}'
    with pytest.raises(HashUnavailable):
        stable_json({"ключ": 1})


def _install(tmp: Path, cfg: dict[str, object]) -> Path:
    state = tmp / ".openclaw"
    (state / "workspace").mkdir(parents=True)
    state.chmod(0o700)
    (state / "openclaw.json").write_text(json.dumps(cfg), encoding="utf-8")
    return state


def _run(state: Path, cid: str) -> set[Status]:
    facts = collect(locate(state_dir=state), env={}, with_host=False)
    c = by_id(cid)
    assert c is not None
    return {f.status for f in run_check(c, facts)}


def test_policy_collector_finds_the_workspace_file_and_checks_the_pin(tmp_path: Path) -> None:
    text = '{ gateway: { exposure: { allowNonLoopbackBind: false } } }'
    pin = policy_hash(json5.loads(text))
    state = _install(tmp_path, {"plugins": {"entries": {"policy": {"enabled": True, "config": {"expectedHash": pin}}}}})
    (state / "workspace" / "policy.jsonc").write_text(text, encoding="utf-8")
    facts = collect(locate(state_dir=state), env={}, with_host=False)
    assert facts.policy is not None and facts.policy.enabled and facts.policy.hash == pin
    assert _run(state, "PL003") == {Status.PASS}
    (state / "workspace" / "policy.jsonc").write_text(text.replace("false", "true"), encoding="utf-8")
    assert Status.FAIL in _run(state, "PL003")
    assert _run(state, "PL005") == {Status.WARN}
    (state / "workspace" / "policy.jsonc").write_text(text, encoding="utf-8")
    (state / "workspace" / "policy.jsonc").chmod(0o666)
    assert _run(state, "PL003") == {Status.FAIL, Status.PASS}  # pin matches, but anyone can rewrite the file


def test_policy_collector_reports_a_fifo_as_unreadable_not_missing(tmp_path: Path) -> None:
    state = _install(tmp_path, {"plugins": {"entries": {"policy": {"enabled": True}}}})
    os.mkfifo(state / "workspace" / "policy.jsonc")
    facts = collect(locate(state_dir=state), env={}, with_host=False)
    assert facts.policy is not None and facts.policy.error and "not a regular file" in facts.policy.error
    assert _run(state, "PL002") == {Status.FAIL}


def test_no_policy_and_no_fleet_collects_nothing(tmp_path: Path) -> None:
    state = _install(tmp_path, {"gateway": {"bind": "loopback"}})
    facts = collect(locate(state_dir=state), env={}, with_host=False)
    assert facts.policy is None and facts.cells is None


def _fleet(state: Path, tenants: dict[str, str]) -> None:
    """Registry rows + cell directories, each cell config holding the given token."""
    (state / "state").mkdir(exist_ok=True)
    con = sqlite3.connect(state / "state" / "openclaw.sqlite")
    con.execute("CREATE TABLE fleet_cells (tenant_id TEXT NOT NULL PRIMARY KEY, created_at_ms INTEGER NOT NULL, "
                "image TEXT NOT NULL, runtime TEXT NOT NULL, host_port INTEGER NOT NULL, container_name TEXT NOT NULL, "
                "data_dir TEXT NOT NULL) STRICT")
    for i, (t, tok) in enumerate(sorted(tenants.items())):
        d = state / "fleet" / "cells" / t
        d.mkdir(parents=True, mode=0o700)
        (state / "fleet" / "auth-profile-secrets" / t).mkdir(parents=True, mode=0o700)
        (d / "openclaw.json").write_text(json.dumps({"gateway": {"mode": "local", "auth": {"mode": "token", "token": tok}}}))
        con.execute("INSERT INTO fleet_cells VALUES (?, 0, 'ghcr.io/openclaw/openclaw:latest', 'docker', ?, ?, ?)",
                    (t, 19100 + i, f"openclaw-cell-{t}", str(d)))
    con.commit()
    con.close()
    (state / "fleet").chmod(0o700)


def test_fleet_collector_sees_shared_tokens_modes_and_tags(tmp_path: Path) -> None:
    state = _install(tmp_path, {"gateway": {"auth": {"mode": "token", "token": "host-token-0123456789abcdef0123"}}})
    _fleet(state, {"acme": "same-token-0123456789abcdef012345", "globex": "same-token-0123456789abcdef012345"})
    facts = collect(locate(state_dir=state), env={}, with_host=False)
    assert facts.cells is not None and [c.tenant for c in facts.cells.cells] == ["acme", "globex"]
    assert all(c.registered and c.data.mode == 0o700 for c in facts.cells.cells)
    assert _run(state, "FC001") == {Status.PASS}
    assert Status.FAIL in _run(state, "FC002")
    assert _run(state, "FC004") == {Status.WARN}
    (state / "fleet" / "cells" / "globex").chmod(0o755)
    assert Status.FAIL in _run(state, "FC001")


def test_fleet_collector_flags_a_cell_linked_to_another(tmp_path: Path) -> None:
    state = _install(tmp_path, {})
    _fleet(state, {"acme": "a-token-0123456789abcdef0123456789", "globex": "g-token-0123456789abcdef0123456789"})
    g = state / "fleet" / "cells" / "globex"
    (g / "openclaw.json").unlink()
    g.rmdir()
    g.symlink_to(state / "fleet" / "cells" / "acme")
    assert Status.FAIL in _run(state, "FC001")


def test_policy_map_is_well_formed() -> None:
    doc = yaml.safe_load(MAP.read_text(encoding="utf-8"))
    guide = load_guide().ids
    checks = {c.id for c in all_checks()}
    assert len(doc["ids"]) == 72
    for pid, row in doc["ids"].items():
        assert pid.startswith("policy/")
        assert row["how"] in ("better", "reports", "native"), pid
        assert set(row["guide"]) <= guide, pid
        assert set(row["clawfence"]) <= checks, pid
        assert row["clawfence"] or row.get("why"), f"{pid}: no clawfence check and no reason"
    for rule in doc["baseline"]:
        assert set(rule["guide"]) <= guide and set(rule["checks"]) <= checks, rule["rule"]


def test_guide_baseline_policy_file_is_generated_from_the_map() -> None:
    p = _parity_policy()
    assert (ROOT / "docs" / "guide-baseline.policy.jsonc").read_text(encoding="utf-8") == p.baseline_policy()


def _parity_policy() -> ModuleType:
    name = "clawfence_parity_policy_script"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / "parity_policy.py")
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


def test_guide_baseline_policy_passes_our_own_comparison() -> None:
    from clawfence.audit.checks.policy_native import guide_gaps

    text = (ROOT / "docs" / "guide-baseline.policy.jsonc").read_text(encoding="utf-8")
    assert guide_gaps(json5.loads(text)) == []


def test_docs_parity_policy_section_matches_the_installed_dist(script: Callable[[str], ModuleType]) -> None:
    p = script("parity")
    if not Path(p.DIST).is_dir():
        pytest.skip(f"real OpenClaw dist not installed at {p.DIST}")
    ids = p.native_policy_ids(Path(p.DIST))
    assert set(ids) == set(yaml.safe_load(MAP.read_text(encoding="utf-8"))["ids"])
    doc = (ROOT / "docs" / "parity.md").read_text(encoding="utf-8")
    assert p.replace_section(doc, p.policy_markdown(Path(p.DIST)), p.PBEGIN, p.PEND) == doc, \
        "run: python scripts/parity.py --catalogue"


def test_credential_store_facts_read_the_sqlite_store_retired_files_and_refs(tmp_path: Path) -> None:
    """The 2026.9.6 layout the real `openclaw doctor --fix` wrote: the shared auth store as a
    config_machine_state row of state/openclaw.sqlite, the retired JSON files as *.migrated-* archives."""
    state = _install(tmp_path, {"models": {"providers": {
        "anthropic": {"baseUrl": "https://api.anthropic.com", "models": [],
                      "apiKey": {"source": "env", "provider": "default", "id": "ANTHROPIC_API_KEY"}},
        "vault": {"baseUrl": "https://v.invalid", "models": [],
                  "apiKey": {"source": "env", "provider": "default", "id": "VAULT_KEY_NOT_SET"}}}}})
    (state / "state").mkdir()
    con = sqlite3.connect(state / "state" / "openclaw.sqlite")
    con.execute("CREATE TABLE config_machine_state (state_key TEXT PRIMARY KEY, value_json TEXT, updated_at_ms INT)")
    store = {"version": 1, "profiles": {
        "anthropic:default": {"type": "api_key", "provider": "anthropic", "key": "sk-ant-FAKE-0123456789abcdef0123"},
        "openai:me": {"type": "oauth", "provider": "openai", "access": "FAKE-access-0123456789", "refresh": "r"}}}
    con.execute("INSERT INTO config_machine_state VALUES ('authProfiles.store', ?, 0)", (json.dumps(store),))
    con.commit()
    con.close()
    agent = state / "agents" / "main" / "agent"
    agent.mkdir(parents=True)
    (agent / "auth.json.migrated-2026-12-04T08-15-48.685Z-x").write_text("{}")
    (state / ".env").write_text("ANTHROPIC_API_KEY=sk-ant-FAKE-env\n")
    facts = collect(locate(state_dir=state), env={}, with_host=False)
    cs = facts.credential_stores
    assert cs is not None and cs.providers == {"anthropic": ["api_key"], "openai": ["oauth"]}
    assert [r.name for r in cs.unresolved] == ["VAULT_KEY_NOT_SET"]
    assert cs.retired == [str(agent / "auth.json.migrated-2026-12-04T08-15-48.685Z-x")]
    keys = {(Path(s.path).name, s.key) for s in facts.files.stored_secrets} if facts.files else set()
    assert ("openclaw.sqlite", "profiles.anthropic:default.key") in keys
    assert _run(state, "AU002") >= {Status.FAIL}
    assert _run(state, "AU005") == {Status.WARN}
    assert _run(state, "AU006") == {Status.WARN}
    assert _run(state, "AU007") == {Status.WARN}
