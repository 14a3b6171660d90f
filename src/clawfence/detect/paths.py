"""Path judgement for file tools and shell arguments: normalisation (``~``, ``$HOME``, ``..``, symlinks)
and the protected-path catalogue (OpenClaw config, auth profiles, credentials/, exec approvals, ~/.ssh,
wallets, cloud credentials).

Sources: guide D3.2 (no modification of authentication/permission configuration), E3.2 (boundary control on
file directories), C3.4 (privacy leakage); OpenClaw on-disk layout (``reference/openclaw.md`` §2:
``<stateDir>/openclaw.json``, ``agents/<id>/agent/auth-profiles.json``, ``credentials/``,
``~/.openclaw/exec-approvals.json`` from ``src/infra/exec-approvals.ts``).
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import re
from fnmatch import fnmatchcase
from functools import lru_cache

from clawfence.detect.calls import PathContext

#: category -> patterns. ``~`` = home, ``$STATE`` = OpenClaw state dir; a trailing ``/`` means the
#: directory and everything below it; otherwise ``fnmatch`` (``*`` crosses ``/``).
PROTECTED: dict[str, tuple[str, ...]] = {
    "openclaw-config": ("$STATE/openclaw.json", "$STATE/openclaw.json.*", "~/.config/openclaw/"),
    "auth-profiles": ("$STATE/agents/*/agent/auth-profiles.json", "$STATE/agents/*/agent/auth.json"),
    "credentials": ("$STATE/credentials/", "$STATE/.env", "$STATE/identity/", "$STATE/devices/"),
    "exec-approvals": ("~/.openclaw/exec-approvals.json", "$STATE/exec-approvals.json", "*/exec-approvals.sock"),
    "openclaw-state-db": ("$STATE/state/",),
    "ssh": ("~/.ssh/", "/etc/ssh/ssh_host_*"),
    "wallet": (
        "~/.bitcoin/",
        "~/.electrum/",
        "~/.ethereum/keystore/",
        "~/.config/solana/",
        "~/.local/share/solana/",
        "*/wallet.dat",
        "~/.config/Exodus/",
        "~/.monero/",
    ),
    "cloud-credentials": (
        "~/.aws/",
        "~/.config/gcloud/",
        "~/.azure/",
        "~/.kube/config",
        "~/.docker/config.json",
        "~/.netrc",
        "~/.git-credentials",
        "~/.npmrc",
        "~/.pypirc",
        "~/.gnupg/",
    ),
    "system-auth": ("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d/", "/etc/pam.d/"),
    # saved browser passwords, cookies and keyrings (MITRE ATT&CK T1555.003 credentials from web browsers, T1555)
    "browser-credentials": (
        "~/.mozilla/firefox/*/logins.json", "~/.mozilla/firefox/*/key4.db", "~/.mozilla/firefox/*/logins.db",
        "~/.mozilla/firefox/*/cookies.sqlite", "~/.config/google-chrome/*/Login Data",
        "~/.config/google-chrome/*/Cookies", "~/.config/chromium/*/Login Data", "~/.config/chromium/*/Cookies",
        "~/.config/BraveSoftware/*/Login Data", "~/.config/microsoft-edge/*/Login Data",
        "~/Library/Application Support/Google/Chrome/*/Login Data", "~/Library/Keychains/",
        "~/.local/share/keyrings/", "~/.password-store/",
    ),
    # messengers' account keys and local databases (a copied Signal config.json or Telegram tdata is the account)
    "messenger": (
        "~/.config/Signal/", "~/Library/Application Support/Signal/", "~/.local/share/TelegramDesktop/tdata/",
        "~/Library/Application Support/Telegram Desktop/tdata/", "~/.config/discord/Local Storage/",
        "~/.config/Slack/Cookies", "~/.config/Element/", "~/.purple/accounts.xml",
    ),
}

# ---- the same vocabulary as text patterns, for paths that are only literals in code (the skills scanner reads a
# skill's source: no normalisation possible). Sources are credential/wallet/agent-secret locations (SSH private
# keys, cloud credentials, OpenClaw ``.env`` / ``openclaw.json`` / auth profiles, browser password and cookie stores,
# keychains, wallet files and extension storage, shell histories); a skill reading its own config from
# ``~/.openclaw/skills-config`` is not one. tests/rules/test_path_vocabulary.py keeps them in step with PROTECTED.
SENSITIVE = re.compile(
    r"(\.ssh/+(id_|\*|identity)(?![\w.-]*\.pub\b)|\.aws/+credentials|gcloud/+(application_default|credentials|legacy_credentials)|"
    r"\.azure/+(accessTokens|msal)|\.kube/+config|\.docker/+config\.json|\.npmrc|\.pypirc|\.netrc|\.git-credentials|gh/+hosts\.ya?ml|"
    r"Login Data|Local State|Cookies(\.sqlite)?$|/Cookies\b|Web Data|key4\.db|logins\.json|Keychains|login\.keychain|"
    r"Local Extension Settings|exodus\.wallet|electrum/+wallets|wallet\.dat|keystore/+UTC--|Ethereum/+keystore|solana/+id\.json|"
    r"atomic/+Local Storage|\.gnupg/|\.(bash|zsh|python|psql|mysql|node_repl)_history\b|Telegram Desktop/+tdata|"
    r"find-generic-password|find-internet-password|dump-keychain|hidden answer)",
    re.I,
)
AGENT_SECRETS = re.compile(
    r"((\.openclaw|\.clawdbot|\.moltbot)/+([\w.-]+/)*(\.env\b|openclaw\.json|clawdbot\.json|moltbot\.json|auth-profiles)|auth-profiles\.json)",
    re.I,
)
STATE_DIR = re.compile(r"(\.openclaw|\.clawdbot|\.moltbot)[\"'/]*$")

#: Categories whose modification is an authentication/permission change (D3.2), not just a protected write.
AUTH_CATEGORIES = frozenset({"auth-profiles", "credentials", "exec-approvals", "system-auth"})

#: System directories whose recursive deletion or chmod is destructive (P3.5 / D3.2 ``rm -rf /``).
SYSTEM_DIRS = frozenset(
    [
        "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/opt", "/proc", "/root", "/sbin",
        "/srv", "/sys", "/usr", "/var", "/usr/bin", "/usr/lib", "/usr/local", "/var/lib", "/mnt", "/media",
    ]
)

_VAR_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


def expand(raw: str, ctx: PathContext) -> str | None:
    """Expand ``~``, ``$HOME``, ``$PWD``, ``$OPENCLAW_STATE_DIR`` in ``raw``; None if another variable
    remains (the target is then unknown)."""
    s = raw
    if s == "~" or s.startswith("~/"):
        s = ctx.home + s[1:]
    known = {"HOME": ctx.home, "PWD": ctx.cwd, "OPENCLAW_STATE_DIR": ctx.state_dir, "USERPROFILE": ctx.home}

    unknown = False

    def sub(m: re.Match[str]) -> str:
        nonlocal unknown
        v = known.get(m.group(1))
        if v is None:
            unknown = True
            return m.group(0)
        return v

    s = _VAR_RE.sub(sub, s)
    return None if unknown else s


def normalise(raw: str, ctx: PathContext) -> str | None:
    """Absolute normalised path of ``raw`` seen from ``ctx.cwd``: ``~`` and known variables expanded,
    ``..`` folded, symlinks resolved where they exist (``ctx.resolve_symlinks``). None when the path
    depends on an unknown variable."""
    s = expand(raw, ctx)
    if s is None:
        return None
    if not s.startswith("/"):
        s = posixpath.join(ctx.cwd, s)
    s = posixpath.normpath(s)
    if s.startswith("//"):
        s = "/" + s.lstrip("/")
    if ctx.resolve_symlinks:
        s = _realpath(s)
    return s


@lru_cache(maxsize=4096)
def _realpath(p: str) -> str:
    # cached: symlink layout rarely changes during a run; bounded size
    return os.path.realpath(p)


@lru_cache(maxsize=64)
def _patterns(home: str, state: str) -> tuple[tuple[str, str, bool], ...]:
    out: list[tuple[str, str, bool]] = []
    for cat, pats in PROTECTED.items():
        for p in pats:
            # the agent's own home and state dir, and every other account's (root's, /home/*'s): another user's
            # keys are no less secret, and a guard running as root must not wave through /root/.ssh
            forms = [p.replace("$STATE", st) for st in (state, "~/.openclaw")] if "$STATE" in p else [p]
            for f in dict.fromkeys(forms):
                for q in dict.fromkeys([home + f[1:], "/root" + f[1:], "/home/*" + f[1:]] if f.startswith("~/") else [f]):
                    out.append((cat, q.rstrip("/"), q.endswith("/")))
    return tuple(dict.fromkeys(out))


def protected_category(path: str, ctx: PathContext) -> str | None:
    """Category of protected path ``path`` (already normalised), or None."""
    cats, rx = _category_rx(ctx.home, ctx.state_dir)
    m = rx.match(path)
    return cats[int(m.lastgroup[1:])] if m is not None and m.lastgroup else None


@lru_cache(maxsize=64)
def _category_rx(home: str, state: str) -> tuple[tuple[str, ...], re.Pattern[str]]:
    """The catalogue as one regex: the outer group ``c<i>`` is pattern ``i`` of :func:`_patterns` (it closes last,
    so it is ``lastgroup``); alternatives are tried in catalogue order, so the first matching pattern decides, as in
    :func:`_protected_category_slow`."""
    cats: list[str] = []
    alts: list[str] = []
    for cat, pat, is_dir in _patterns(home, state):
        if is_dir:
            a = "(?s:" + re.escape(pat) + "(?:/.*)?)\\Z"
            if "*" in pat:
                a = "(?:" + a + "|" + fnmatch.translate(pat + "/*") + ")"
        else:
            a = fnmatch.translate(pat)
        alts.append(f"(?P<c{len(cats)}>" + a + ")")
        cats.append(cat)
    return tuple(cats), re.compile("|".join(alts))


def _protected_category_slow(path: str, ctx: PathContext) -> str | None:
    """Reference implementation of :func:`protected_category` (pattern by pattern; kept for the tests)."""
    for cat, pat, is_dir in _patterns(ctx.home, ctx.state_dir):
        if is_dir:
            if path == pat or path.startswith(pat + "/") or ("*" in pat and fnmatchcase(path, pat + "/*")):
                return cat
        elif fnmatchcase(path, pat):
            return cat
    return None


def holds_protected(path: str, ctx: PathContext) -> str | None:
    """Category of a protected path that lies strictly below directory ``path`` (normalised), or None: a
    recursive read of ``path`` (``grep -r``, ``tar``, ``zip -r``, ``cp -r``) reads it too."""
    p = path.rstrip("/") or "/"
    if p == "/":
        return None  # a search of the whole file system is judged elsewhere (and is not a targeted read)
    for cat, pat, _is_dir in _patterns(ctx.home, ctx.state_dir):
        fixed = pat.split("*", 1)[0].rstrip("/")
        if fixed.startswith(p + "/"):
            return cat
    return None


def in_workspace(path: str, ctx: PathContext) -> bool:
    """Whether ``path`` is the workspace or below it."""
    ws = ctx.workspace.rstrip("/")
    return path == ws or path.startswith(ws + "/")


def root_like(path: str, ctx: PathContext) -> str | None:
    """Why deleting ``path`` recursively would be destructive (``/``, home, workspace root, state dir,
    a system directory), or None."""
    p = path.rstrip("/") or "/"
    if p in SYSTEM_DIRS:
        return f"system directory {p}"
    if p == ctx.home.rstrip("/"):
        return "the home directory"
    if p == ctx.workspace.rstrip("/"):
        return "the workspace root"
    if p == ctx.state_dir.rstrip("/"):
        return "the OpenClaw state directory"
    return None


_MATCH_ALL = frozenset({"*", ".*", "*.*", "{*,.*}", "{.*,*}", "**"})


def glob_base(raw: str) -> tuple[str, bool, bool]:
    """Directory part of ``raw`` before its first glob character, whether it had one, and whether the
    glob matches everything there (``/home/*`` -> ``('/home/', True, True)``; ``*.log`` -> ``('.', True,
    False)``)."""
    for i, ch in enumerate(raw):
        if ch in "*?[" or (ch == "{" and raw[i - 1 : i] != "$"):
            cut = raw.rfind("/", 0, i) + 1
            return raw[:cut] or ".", True, raw[cut:].rstrip("/") in _MATCH_ALL
    return raw, False, False
