"""Manual evidence text exists for every guide point in both languages; check metadata conventions."""

from __future__ import annotations

from clawfence.audit.checks import all_checks
from clawfence.audit.compliance import manual_evidence
from clawfence.core.guide import load

FIXES = {"fs-perms", "group-policy-allowlist", "control-ui-dangerous-off", "mdns-minimal", "rate-limit-on",
         "logging-redact-on", "remove-retired-keys", "gateway-bind-loopback", "gateway-auth-token", "rotate-token",
         "dm-policy-pairing", "sandbox-on", "deny-exec", "elevated-off", "secrets-to-ref", "tailscale-funnel-off",
         "workspace-only"}
MINE = ("SB", "TL", "FS", "HO", "LG", "UP")


def test_evidence_for_all_76_points() -> None:
    ev = manual_evidence()
    points = load().points
    assert set(ev) == set(points)
    for pid, text in ev.items():
        assert len(text.get("en", "")) > 30, pid
        assert len(text.get("zh", "")) > 10 and any("\u4e00" <= ch <= "\u9fff" for ch in text["zh"]), pid


def test_metadata_conventions() -> None:
    for c in all_checks():
        if not c.id.startswith(MINE):
            continue
        assert c.fix is None or c.fix in FIXES, c.id
        assert c.title_zh != c.title and c.remediation_zh != c.remediation, c.id
        assert c.cwe and all(w.startswith("CWE-") for w in c.cwe), c.id
        assert not c.title.endswith("."), c.id
