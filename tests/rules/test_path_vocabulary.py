"""One protected-path vocabulary (issue 9): ``detect.paths.PROTECTED`` (normalised paths: guard and trail) and its
text patterns ``SENSITIVE``/``AGENT_SECRETS`` (path literals in skill code: skills scanner) live in one module and
agree. Every credential store of the catalogue, written as a literal, is recognised by the text patterns, except the
gaps listed here (a shrink-only list: widening the skills patterns changes the scanner's verdicts on the skills
corpora, so each is its own follow-up)."""

from __future__ import annotations

from clawfence.detect import paths as P
from clawfence.skills import sensitive

HOME = "/home/u"

#: catalogue entries whose representative file the text patterns do not recognise yet
KNOWN_TEXT_GAPS = frozenset({
    "~/.config/openclaw/", "$STATE/agents/*/agent/auth.json", "$STATE/credentials/", "$STATE/identity/",
    "$STATE/devices/", "~/.openclaw/exec-approvals.json", "$STATE/exec-approvals.json", "*/exec-approvals.sock",
    "$STATE/state/", "/etc/ssh/ssh_host_*", "~/.bitcoin/", "~/.electrum/", "~/.config/solana/",
    "~/.local/share/solana/", "~/.config/Exodus/", "~/.monero/", "~/.aws/", "~/.config/gcloud/", "~/.azure/",
    "/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d/", "/etc/pam.d/",
    # browser password stores, keyrings and messenger stores (guard side, 2026-12-04); the scanner's secret-browser
    # fact covers Login Data/logins.json/key4.db/cookies by name, not these folders
    "~/.mozilla/firefox/*/logins.db", "~/.local/share/keyrings/", "~/.password-store/", "~/.config/Signal/",
    "~/Library/Application Support/Signal/", "~/.local/share/TelegramDesktop/tdata/", "~/.config/discord/Local Storage/",
    "~/.config/Element/", "~/.purple/accounts.xml"})


def _sample(pat: str) -> str:
    q = pat.replace("$STATE", f"{HOME}/.openclaw").replace("~", HOME).replace("*", "main")
    if q.endswith("/"):
        q += "id_rsa" if "ssh" in q else "data"
    return q


def _text_hit(path: str) -> bool:
    return sensitive.is_sensitive(path) or sensitive.is_sensitive(path, sensitive.AGENT_SECRETS)


def test_skills_uses_the_kernel_vocabulary() -> None:
    assert sensitive.SENSITIVE is P.SENSITIVE and sensitive.AGENT_SECRETS is P.AGENT_SECRETS
    assert sensitive.STATE_DIR is P.STATE_DIR


def test_every_protected_entry_is_recognised_as_text_or_a_known_gap() -> None:
    pats = [p for ps in P.PROTECTED.values() for p in ps]
    missing = sorted(p for p in pats if not _text_hit(_sample(p)))
    assert not set(missing) - KNOWN_TEXT_GAPS, f"new gaps: {sorted(set(missing) - KNOWN_TEXT_GAPS)}"
    fixed = sorted(KNOWN_TEXT_GAPS - set(missing))
    assert not fixed, f"recognised now, remove from KNOWN_TEXT_GAPS: {fixed}"


def test_text_hits_are_protected_paths_too() -> None:
    """The other way: the credential stores the scanner flags are protected for the guard and the trail."""
    from clawfence.detect.calls import PathContext
    ctx = PathContext(home=HOME, workspace=f"{HOME}/.openclaw/workspace", state_dir=f"{HOME}/.openclaw",
                      cwd=f"{HOME}/.openclaw/workspace", resolve_symlinks=False)
    for rel in (".ssh/id_ed25519", ".kube/config", ".docker/config.json", ".netrc", ".git-credentials", ".npmrc",
                ".pypirc", ".gnupg/secring.gpg", ".openclaw/openclaw.json", ".openclaw/.env",
                ".openclaw/agents/main/agent/auth-profiles.json", ".ethereum/keystore/UTC--x"):
        path = f"{HOME}/{rel}"
        assert _text_hit(path), path
        assert P.protected_category(path, ctx) is not None, path
