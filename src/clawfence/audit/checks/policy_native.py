"""Checks PL001-PL005: OpenClaw's native Policy plugin (2026.9.6 ``openclaw policy check|compare|watch``) and its
``policy.jsonc``. Native policy is a conformance gate the operator authors; an agent that can write its own
workspace can also rewrite the policy that is supposed to constrain it. These checks report whether the gate is
there, parses, is pinned (``expectedHash`` / ``expectedAttestationHash``) and asks for at least what the guide
asks. The settings the policy talks about are checked by clawfence itself on every installation (see
``data/native-policy-map.yaml``: 39 of the 72 native policy ids are covered that way).

Source (read, not copied): OpenClaw 2026.9.6 ``dist/register-*.mjs`` (``extensions/policy/src/doctor/
evaluation.ts``, ``policy-runtime.ts``, ``policy-state-attestation.ts``, ``strictness.ts``),
``docs/cli/policy/*.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from clawfence.audit.checks._util import where
from clawfence.audit.facts import Facts
from clawfence.audit.facts.policy import HASH_RE, PolicyFacts
from clawfence.audit.registry import check
from clawfence.core import yamlload
from clawfence.core.model import Location, Outcome, Severity, failed, passed, warned

KEY = "plugins.entries.policy"
#: top-level sections native accepts (others make ``policy/policy-jsonc-invalid``), ``docs/cli/policy/rules.md``
SECTIONS = frozenset({"channels", "mcp", "models", "network", "routing", "ingress", "gateway", "agents",
                      "dataHandling", "secrets", "auth", "execApprovals", "tools", "sandbox", "scopes"})
REFS = ("https://docs.openclaw.ai/cli/policy",)


@lru_cache(maxsize=1)
def policy_map() -> dict[str, Any]:
    """``data/native-policy-map.yaml``: ``ids`` (native policy id -> guide, how, clawfence, why) and
    ``baseline`` (list of guide-derived rules: rule, value, strictness, guide, checks)."""
    doc: dict[str, Any] = yamlload.packaged("clawfence.data", "native-policy-map.yaml")
    return doc


def _loc(p: PolicyFacts) -> Location:
    return Location(path=p.path or (p.candidates[0] if p.candidates else None))


def _active(facts: Facts) -> PolicyFacts | None:
    p = facts.policy
    return p if p is not None and p.enabled else None


@check(
    id="PL001",
    title="The native Policy plugin has its policy.jsonc",
    title_zh="原生 Policy 插件的 policy.jsonc 存在",
    severity=Severity.MEDIUM,
    guide=("D2.4", "E1.2"),
    upstream=("policy/policy-jsonc-missing",),
    remediation="Write policy.jsonc in the agent workspace (or the path in plugins.entries.policy.config.path); "
                "start from clawfence's docs/guide-baseline.policy.jsonc, then pin it (see PL003).",
    remediation_zh="在智能体工作区(或 plugins.entries.policy.config.path 指定的路径)编写 policy.jsonc;"
                   "可从 clawfence 的 docs/guide-baseline.policy.jsonc 开始,然后固定其哈希(见 PL003)。",
    references=REFS,
    cwe=("CWE-1188",),
)
def policy_file_present(facts: Facts) -> Iterator[Outcome]:
    """With ``plugins.entries.policy`` enabled, native reports ``policy/policy-jsonc-missing`` (a warning) and
    runs none of its conformance checks: the operator believes a gate is in place that checks nothing. Passes
    when the plugin is not configured or disabled."""
    p = _active(facts)
    if p is None:
        yield passed("native Policy plugin not enabled", KEY)
        return
    if p.path is None:
        yield warned(f"the Policy plugin is enabled but {p.path_setting} is missing (looked in "
                     f"{', '.join(p.candidates)}): native runs no policy check", KEY, _loc(p))
        return
    yield passed(f"policy artifact present at {p.path}", KEY, _loc(p))


@check(
    id="PL002",
    title="policy.jsonc parses and uses only supported rule sections",
    title_zh="policy.jsonc 可解析且只使用受支持的规则段",
    severity=Severity.MEDIUM,
    guide=("D2.4", "E1.2"),
    upstream=("policy/policy-jsonc-invalid", "policy/policy-conformance-invalid"),
    remediation="Fix policy.jsonc (JSON5) so `openclaw policy check` can run; keep only the sections of "
                "docs/cli/policy/rules.md.",
    remediation_zh="修正 policy.jsonc(JSON5),使 `openclaw policy check` 能运行;只保留 docs/cli/policy/rules.md "
                   "中列出的规则段。",
    references=REFS,
    cwe=("CWE-1284",),
)
def policy_file_valid(facts: Facts) -> Iterator[Outcome]:
    """An unreadable or unparsable ``policy.jsonc``, a non-object document or an unknown top-level section
    stops every native policy check (``policy/policy-jsonc-invalid``). A read error (FIFO, too large, not UTF-8)
    is reported the same way: unknown is not a pass."""
    p = facts.policy
    if p is None or p.path is None:
        yield passed("no policy artifact to parse", KEY)
        return
    if p.error is not None or p.document is None:
        yield failed(f"{p.path} {p.error or 'is empty'}: native policy checks cannot run", KEY, _loc(p))
        return
    unknown = sorted(k for k in p.document if k not in SECTIONS)
    if unknown:
        yield failed(f"{p.path} has unsupported section(s) {', '.join(unknown)}: native rejects the whole policy",
                     KEY, _loc(p))
        return
    yield passed(f"{p.path} parses ({len(p.document)} rule section(s))", KEY, _loc(p))


@check(
    id="PL003",
    title="policy.jsonc is hash-pinned, matches its pin and only its owner can change it",
    title_zh="policy.jsonc 已固定哈希、与固定值一致且只有属主可修改",
    severity=Severity.HIGH,
    guide=("D3.3", "E1.2", "E4.2"),
    upstream=("policy/policy-hash-mismatch",),
    remediation="Review policy.jsonc, run `openclaw policy check --json` and set plugins.entries.policy.config."
                "expectedHash to attestation.policy.hash; keep the file and openclaw.json owner-only and under a "
                "clawfence baseline (`clawfence baseline create`) so the agent cannot rewrite both.",
    remediation_zh="审阅 policy.jsonc,运行 `openclaw policy check --json`,将 attestation.policy.hash 写入 "
                   "plugins.entries.policy.config.expectedHash;文件与 openclaw.json 仅属主可写并纳入 clawfence "
                   "基线(`clawfence baseline create`),使智能体无法同时改写两者。",
    references=(*REFS, "https://docs.openclaw.ai/cli/policy/attestation"),
    cwe=("CWE-345", "CWE-732"),
)
def policy_hash_pinned(facts: Facts) -> Iterator[Outcome]:
    """``policy.jsonc`` lives in the agent workspace, which the agent's own write tools reach. Without
    ``expectedHash`` an agent (or a prompt injection driving it) can weaken the policy and native will check the
    weaker one. The hash is recomputed the way native does (SHA-256 of its key-sorted ``stableJson``; verified
    against the real 2026.9.6); a mismatch is native's ``policy/policy-hash-mismatch``. A malformed pin never
    matches. A group- or world-writable policy file fails whatever the pin says."""
    p = facts.policy
    if p is None or p.path is None or p.document is None:
        yield passed("no parsed policy artifact to pin", KEY)
        return
    if p.mode is not None and p.mode & 0o022:
        yield failed(f"{p.path} is writable by other users (mode {p.mode:o}): anyone on the host can rewrite "
                     "the policy", KEY, _loc(p), severity=Severity.HIGH)
    pin = f"{KEY}.config.expectedHash"
    if p.expected_hash is None:
        yield warned(f"{p.path} is not hash-pinned ({pin} unset): whoever can write the workspace, the agent "
                     "included, can weaken the policy unnoticed", pin, _loc(p), severity=Severity.MEDIUM)
        return
    loc = where(facts, pin) if facts.config is not None else _loc(p)
    if not HASH_RE.match(p.expected_hash):
        yield failed(f"{pin} is not a sha256:<64 hex> value: it can never match", pin, loc)
        return
    if p.hash is None:
        yield warned(f"the policy hash cannot be reproduced here ({p.hash_error}): not analysed; run "
                     "`openclaw policy check`", pin, _loc(p), severity=Severity.LOW)
        return
    if p.hash != p.expected_hash:
        yield failed(f"{p.path} hashes to {p.hash[:19]}… but {pin} is {p.expected_hash[:19]}…: the approved "
                     "policy was changed", pin, _loc(p), evidence=f"current {p.hash}")
        return
    yield passed(f"{p.path} matches its pinned hash", pin, loc)


@check(
    id="PL004",
    title="An accepted clean policy attestation is pinned",
    title_zh="已固定一次通过的策略证明(attestation)哈希",
    severity=Severity.LOW,
    guide=("D2.4", "E4.2"),
    upstream=("policy/attestation-hash-mismatch",),
    remediation="After a clean `openclaw policy check --json`, set plugins.entries.policy.config."
                "expectedAttestationHash to attestation.attestationHash and run `openclaw policy watch --once` "
                "in CI (python scripts/parity_policy.py runs it beside clawfence).",
    remediation_zh="在 `openclaw policy check --json` 无发现后,将 attestation.attestationHash 写入 plugins.entries."
                   "policy.config.expectedAttestationHash,并在 CI 中运行 `openclaw policy watch --once`"
                   "(python scripts/parity_policy.py 会与 clawfence 并列运行它)。",
    references=("https://docs.openclaw.ai/cli/policy/attestation",),
    cwe=("CWE-345",),
)
def policy_attestation_pinned(facts: Facts) -> Iterator[Outcome]:
    """Without ``expectedAttestationHash`` native cannot say that the workspace drifted from the last accepted
    clean check (``policy watch`` has nothing to compare to). A malformed pin never matches. Whether a
    well-formed pin is stale depends on native's evidence snapshot, which only native computes: clawfence says
    so and ``scripts/parity_policy.py`` reports native's verdict beside its own."""
    p = _active(facts)
    if p is None or p.document is None:
        yield passed("no active policy to attest", KEY)
        return
    pin = f"{KEY}.config.expectedAttestationHash"
    if p.expected_attestation_hash is None:
        yield warned(f"{pin} is unset: drift from the last accepted clean policy check goes unnoticed", pin,
                     _loc(p))
        return
    loc = where(facts, pin) if facts.config is not None else _loc(p)
    if not HASH_RE.match(p.expected_attestation_hash):
        yield failed(f"{pin} is not a sha256:<64 hex> value: it can never match", pin, loc,
                     severity=Severity.MEDIUM)
        return
    yield passed(f"{pin} is set (staleness is native's verdict: `openclaw policy watch --once`)", pin, loc)


def _get(doc: dict[str, Any], dotted: str) -> Any:
    cur: Any = doc
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def at_least_as_strict(strictness: str, candidate: Any, baseline: Any) -> bool:
    """Native ``isPolicyValueAtLeastAsStrict`` for the kinds the guide baseline uses: ``requires-true`` /
    ``requires-false`` (exact boolean), ``allowlist-subset`` (every candidate entry is in the baseline list; an
    empty allowlist allows nothing and is strictest), ``denylist-superset`` (candidate contains the baseline)."""
    if strictness == "requires-true":
        return candidate is True
    if strictness == "requires-false":
        return candidate is False
    if not isinstance(candidate, list):
        return False
    cand = {str(x) for x in candidate}
    base = {str(x) for x in baseline}
    if strictness == "allowlist-subset":
        return cand <= base
    if strictness == "denylist-superset":
        return cand >= base
    return False


def guide_gaps(document: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """Baseline rules the policy does not assert at least as strictly: ``(rule, "missing"|"weaker")``."""
    out: list[tuple[dict[str, Any], str]] = []
    for rule in policy_map()["baseline"]:
        val = _get(document, rule["rule"])
        if val is None:
            out.append((rule, "missing"))
        elif not at_least_as_strict(rule["strictness"], val, rule["value"]):
            out.append((rule, "weaker"))
    return out


@check(
    id="PL005",
    title="policy.jsonc asks for at least what the guide asks",
    title_zh="policy.jsonc 的要求不低于指南",
    severity=Severity.MEDIUM,
    guide=("E1.1", "E1.2", "D2.4"),
    upstream=("policy/policy-conformance-missing", "policy/policy-conformance-weaker"),
    remediation="Add the missing rules (or restore the stricter values) from clawfence's "
                "docs/guide-baseline.policy.jsonc; `openclaw policy compare --baseline docs/guide-baseline.policy."
                "jsonc` shows the same gaps natively.",
    remediation_zh="从 clawfence 的 docs/guide-baseline.policy.jsonc 补上缺失的规则(或恢复更严格的取值);"
                   "`openclaw policy compare --baseline docs/guide-baseline.policy.jsonc` 可在原生工具中看到同样差距。",
    references=("https://docs.openclaw.ai/cli/policy/running-checks",),
    cwe=("CWE-1188",),
)
def policy_meets_guide(facts: Facts) -> Iterator[Outcome]:
    """Compares the top-level rules of ``policy.jsonc`` (scoped overlays bind only their selected agents and do
    not count) with the guide-derived baseline in ``data/native-policy-map.yaml`` using native's compare
    semantics. A rule the policy weakens (e.g. ``allowNonLoopbackBind: true``) warns at MEDIUM, rules it only
    leaves out at LOW: native then never checks those settings, although clawfence still does (the checks
    listed per rule)."""
    p = facts.policy
    if p is None or p.document is None:
        yield passed("no parsed policy artifact to compare", KEY)
        return
    gaps = guide_gaps(p.document)
    if not gaps:
        yield passed(f"{p.path} asserts every guide baseline rule at least as strictly", KEY, _loc(p))
        return
    weaker = [r for r, k in gaps if k == "weaker"]
    missing = [r for r, k in gaps if k == "missing"]
    parts = []
    if weaker:
        parts.append("weaker than the guide: " + ", ".join(f"{r['rule']} ({'/'.join(r['guide'])})" for r in weaker))
    if missing:
        parts.append("missing: " + ", ".join(r["rule"] for r in missing))
    yield warned(f"{p.path} {'; '.join(parts)}", KEY, _loc(p),
                 severity=Severity.MEDIUM if weaker else Severity.LOW)
