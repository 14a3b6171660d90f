"""What a command does to the system, by technique: reverse shells, persistence, account and privilege changes,
system configuration, destruction beyond ``rm``, high-impact data and infrastructure operations, exfiltration
through allowed hosts, and what inline interpreter code does. Shared kernel (guard, trail, skills).

Each detector looks at the effect, not at one spelling: the program (after ``sudo``/``env``/``nohup``/path
unwrapping by the caller), its arguments, the files it writes (redirects, ``tee``, ``cp``/``mv``/``install``
targets, ``sed -i``), and for interpreters the code itself (Python parsed with ``ast``; JS/Perl/Ruby/PHP by the
calls they make). Sources: guide P3.5, P3.6, E3.1, E5.1, D3.2; MITRE ATT&CK T1059 (interpreters), T1053
(scheduled tasks), T1543/T1546 (services, shell rc), T1098/T1136 (accounts), T1548 (setuid), T1485/T1561
(destruction), T1567 (exfiltration over web services); GTFOBins reverse-shell forms.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

#: (kind, detail) pairs; kinds are guard signal names.
Effect = tuple[str, str]

# ------------------------------------------------------------------------------------------ files by role
_PERSIST_PATHS = re.compile(
    r"(^|/)(\.bashrc|\.bash_profile|\.bash_login|\.profile|\.zshrc|\.zprofile|\.zshenv|\.zlogin|\.cshrc|\.tcshrc|"
    r"\.kshrc|\.config/fish/config\.fish|\.xinitrc|\.xprofile)$|^/etc/(profile|bash\.bashrc|zsh/zshrc|environment)$|"
    r"^/etc/profile\.d/|^/etc/cron|^/var/spool/cron|/crontabs?/|^/etc/systemd/|/\.config/systemd/|"
    r"^/(usr/)?lib/systemd/system/|^/etc/init\.d/|^/etc/rc\.local$|/\.config/autostart/|/Library/Launch(Agents|Daemons)/|"
    r"^/etc/ld\.so\.preload$|/\.git/hooks/|(^|/)\.ssh/(authorized_keys2?|rc|config)$|^/etc/update-motd\.d/|"
    r"^/etc/xdg/autostart/|/\.openclaw/(hooks|extensions)/|/\.local/share/applications/")
_ACCOUNT_PATHS = re.compile(r"^/etc/(passwd|shadow|group|gshadow|sudoers)$|^/etc/sudoers\.d/|^/etc/pam\.d/|"
                            r"^/etc/security/|^/etc/ssh/sshd_config")
_SYSTEM_PATHS = re.compile(r"^/(etc|boot|usr|bin|sbin|lib|lib64|var/lib|proc/sys|sys)/|^/etc/hosts$|"
                           r"^/etc/resolv\.conf$")


def written_file_effects(path: str) -> list[Effect]:
    """Effects of writing to (normalised, absolute) ``path``."""
    out: list[Effect] = []
    if _PERSIST_PATHS.search(path):
        out.append(("persistence", f"writes {path} (runs again later: shell start, cron, service, hook, login)"))
    if _ACCOUNT_PATHS.search(path):
        out.append(("account-change", f"writes {path} (accounts, sudo or login policy)"))
    elif _SYSTEM_PATHS.search(path) and not path.startswith("/proc/self/"):
        out.append(("system-change", f"writes system file {path}"))
    return out


# ------------------------------------------------------------------------------------------ one command
_RSH_SCRIPT = re.compile(r"/dev/(tcp|udp)/[^/\s]+/\d+|/inet/tcp/|\bfsockopen\s*\(|"
                         r"\bs_client\b[^|]*\|\s*(/bin/)?(ba|z|da)?sh\b")
_NC_EXEC = frozenset({"-e", "-c", "--exec", "--sh-exec", "--lua-exec"})
_USER_TOOLS = frozenset({"useradd", "adduser", "usermod", "userdel", "deluser", "groupadd", "groupmod", "gpasswd",
                         "passwd", "chpasswd", "chage", "visudo", "vipw", "newusers", "pwconv"})
_SYSTEM_TOOLS = {"iptables": "changes the firewall", "ip6tables": "changes the firewall", "nft": "changes the firewall",
                 "ufw": "changes the firewall", "firewall-cmd": "changes the firewall", "sysctl": "changes kernel settings",
                 "modprobe": "loads a kernel module", "insmod": "loads a kernel module", "rmmod": "unloads a kernel module",
                 "setenforce": "changes SELinux enforcement", "aa-disable": "disables an AppArmor profile",
                 "swapoff": "turns swap off", "hostnamectl": "renames the host", "timedatectl": "changes the clock",
                 "shutdown": "shuts the host down", "reboot": "reboots the host", "halt": "halts the host",
                 "poweroff": "powers the host off", "auditctl": "changes the kernel audit rules",
                 "launchctl": "loads a launchd job", "schtasks": "creates a scheduled task", "at": "schedules a command",
                 "batch": "schedules a command", "mount": "mounts a filesystem", "umount": "unmounts a filesystem"}
_SQL_DESTROY = re.compile(r"\b(drop\s+(database|schema|table|collection)|truncate\s+table|"
                          r"delete\s+from\s+[\w.\"`]+\s*(;|$|\"|')|flushall|flushdb|dropdatabase\s*\()", re.I)
_SECRETISH_SUBST = re.compile(
    r"\$\((?:\s*(env|printenv|set)\b[^)]*|[^)]*\b(cat|base64|xxd|head|tail|gpg)\b[^)]*"
    r"(\.ssh|\.aws|\.env|\.openclaw|credentials|id_rsa|id_ed25519|\.netrc|\.npmrc|\.pypirc|shadow|token|secret)"
    r"[^)]*)\)|`[^`]*(\.ssh|\.aws|\.env|credentials|id_rsa)[^`]*`")


def command_effects(name: str, args: list[str], script: str) -> list[Effect]:
    """Effects of one command ``name args`` (already unwrapped); ``script`` is the whole command line (for
    forms that span words, such as ``/dev/tcp`` redirections)."""
    out: list[Effect] = []
    low = [a.lower() for a in args]
    joined = " ".join(args)
    # reverse shells and listeners that hand out a shell
    if name in ("nc", "ncat", "netcat", "nc.traditional", "nc.openbsd") and (_NC_EXEC & set(args) or any(
            a.startswith(("-e", "--exec=", "--sh-exec=")) and len(a) > 2 for a in args)):
        out.append(("reverse-shell", f"{name} hands a shell to a network peer"))
    if name == "socat" and re.search(r"\b(exec|system):", joined, re.I):
        out.append(("reverse-shell", "socat connects a shell to a socket"))
    if name in ("telnet", "nc", "ncat", "netcat", "openssl", "socat") and re.search(
            r"\|\s*(/bin/)?(ba|z|da)?sh\b|\bmkfifo\b", script):
        out.append(("reverse-shell", f"{name} pipes a network stream into a shell"))
    if name == "mkfifo" and re.search(r"\b(nc|ncat|netcat|telnet|openssl)\b", script):
        out.append(("reverse-shell", "named pipe between a shell and a network tool"))
    # persistence
    if name == "crontab" and not ({"-l", "-r"} & set(args)):
        out.append(("persistence", "installs a crontab"))
    if name in ("systemctl",) and ({"enable", "link", "preset", "daemon-reload"} & set(low)):
        out.append(("persistence", f"systemctl {' '.join(a for a in args if not a.startswith('-'))[:60]}"))
    if name == "git" and "config" in args and any("hookspath" in a for a in low):
        out.append(("persistence", "git core.hooksPath points hooks to other code"))
    # accounts and privilege
    if name in _USER_TOOLS:
        out.append(("account-change", f"{name} changes accounts or passwords"))
    if name in ("chmod",) and any(re.fullmatch(r"[ugoa]*\+[rwx]*s[rwx]*|[2467][0-7]{3}", a) for a in args):
        out.append(("account-change", "chmod sets a setuid/setgid bit"))
    if name in ("setcap",):
        out.append(("account-change", "setcap grants capabilities to a program"))
    if name in ("su", "pkexec", "runuser") and args:
        out.append(("privilege", f"{name} runs as another user"))
    if name == "chown" and any(a.split(":")[0] == "root" for a in args if not a.startswith("-")):
        out.append(("account-change", "chown hands files to root"))
    # system configuration
    if name in _SYSTEM_TOOLS and not (name in ("iptables", "nft", "ufw", "sysctl", "mount") and (
            not args or {"-l", "-L", "-a", "status", "list", "--list", "-S", "show"} & set(args))):
        out.append(("system-change", f"{name} {_SYSTEM_TOOLS[name]}"))
    if name == "systemctl" and ({"stop", "disable", "mask", "kill"} & set(low)):
        out.append(("system-change", f"systemctl {' '.join(args)[:60]}"))
    if name in ("kill", "pkill", "killall") and any(a in ("1", "-1") or a.endswith(" 1") for a in args[-1:]):
        out.append(("system-change", f"{name} signals init or every process"))
    if (name == "history" and "-c" in args) or (name == "unset" and "HISTFILE" in args):
        out.append(("hide-tracks", "clears or disables the shell history"))
    # destruction beyond rm
    if name == "truncate" and any(a in ("-s0", "0") or a.startswith("--size=0") for a in [*args, ""]) and any(
            a.startswith(("/", "~")) for a in args):
        out.append(("destructive-file", "truncate empties files"))
    # high-impact data and infrastructure operations
    if name in ("psql", "mysql", "mariadb", "sqlite3", "sqlcmd", "cqlsh", "mongo", "mongosh", "redis-cli",
                "clickhouse-client") and _SQL_DESTROY.search(script):
        out.append(("high-impact", f"{name} drops or empties a database"))
    if name == "aws" and (("s3" in args and ("rm" in args or "rb" in args) and ({"--recursive", "--force"} & set(args)))
                          or any(a.startswith(("terminate-", "delete-")) for a in args)):
        out.append(("high-impact", f"aws {' '.join(args[:3])} deletes cloud resources"))
    if name in ("gcloud", "az") and "delete" in low:
        out.append(("high-impact", f"{name} deletes cloud resources"))
    if name == "gsutil" and (("rm" in args and "-r" in args) or "rb" in args):
        out.append(("high-impact", "gsutil deletes buckets or objects recursively"))
    if name in ("kubectl", "oc") and "delete" in low and ({"ns", "namespace", "namespaces", "--all", "-A",
                                                             "--all-namespaces", "node", "nodes", "pv", "crd"} & set(low)):
        out.append(("high-impact", f"{name} delete {' '.join(args[1:4])}"))
    if name in ("terraform", "tofu", "pulumi") and ("destroy" in low or "-destroy" in low):
        out.append(("high-impact", f"{name} destroys infrastructure"))
    if name == "helm" and ({"uninstall", "delete"} & set(low)):
        out.append(("high-impact", "helm uninstalls a release"))
    if name == "git" and "push" in args and ({"--force", "-f", "--mirror", "--delete", "-d", "--force-with-lease"}
                                             & set(args) or any(a.startswith(("+", ":")) for a in args[2:])):
        out.append(("high-impact", "git push rewrites or deletes remote history"))
    if name == "gh" and len(args) >= 2 and args[0] == "repo" and args[1] in ("delete", "archive"):
        out.append(("high-impact", f"gh repo {args[1]}"))
    if name == "docker" and (("system" in args and "prune" in args) or ("volume" in args and "prune" in args)
                             or ("rm" in args and "-f" in args and "$(" in script)):
        out.append(("high-impact", "docker removes containers, images or volumes in bulk"))
    # exfiltration through allowed hosts
    if name == "gh" and len(args) >= 2 and args[0] == "gist" and args[1] in ("create", "edit"):
        out.append(("exfil", "gh gist publishes files"))
    if name == "git" and "remote" in args and ("add" in args or "set-url" in args):
        out.append(("exfil-setup", "git remote points the repository at another place"))
    if name == "git" and "push" in args and any("://" in a or a.startswith("git@") for a in args):
        out.append(("exfil", "git push to a URL that is not a configured remote"))
    if name in ("curl", "wget", "http", "xh") and _SECRETISH_SUBST.search(script):
        out.append(("exfil", f"{name} sends the output of a command reading secrets"))
    if name in ("curl", "wget", "http", "xh", "scp", "rsync", "nc", "ncat") and any(
            _SECRET_FILE.search(a.lstrip("@<")) for a in _upload_args(name, args)):
        out.append(("exfil", f"{name} uploads a credential file"))
    if name in ("shred", "rm", "truncate", "ln") and any(_HISTORY.search(a) for a in args):
        out.append(("hide-tracks", f"{name} destroys shell history"))
    if name in ("dig", "nslookup", "host", "drill") and re.search(r"\$\(|`", script):
        out.append(("exfil", f"{name} looks up a name built from command output (DNS exfiltration)"))
    return out


_SECRET_FILE = re.compile(r"(^|/)(\.env(\.[\w-]+)?|\.netrc|\.npmrc|\.pypirc|\.git-credentials|id_(rsa|dsa|ecdsa|ed25519)|"
                          r"credentials(\.json)?|auth-profiles\.json|openclaw\.json|\.pgpass|kubeconfig|"
                          r"\.kube/config|\.docker/config\.json|wallet\.dat|[\w.-]*\.pem|[\w.-]*\.key)$")
_HISTORY = re.compile(r"(^|/)\.(bash|zsh|sh|python|node_repl|mysql|psql|lesshst)_?history$|(^|/)\.local/share/fish/")


def _upload_args(name: str, args: list[str]) -> list[str]:
    """Arguments naming data a transfer tool sends: ``-d @f``, ``-F k=@f``, ``-T f``, ``--data-binary @f``,
    ``--post-file=f``, ``< f``; for scp/rsync every source operand."""
    if name in ("scp", "rsync"):
        return [a for a in args[:-1] if not a.startswith("-")]
    out: list[str] = []
    for j, a in enumerate(args):
        nxt = args[j + 1] if j + 1 < len(args) else ""
        if a in ("-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "-T", "--upload-file") and nxt:
            out.append(nxt.split("=", 1)[-1] if "=@" in nxt else nxt)
        elif a in ("-F", "--form") and "@" in nxt:
            out.append(nxt.split("@", 1)[1].split(";", 1)[0])
        elif a.startswith(("--post-file=", "--body-file=", "--data=@", "--data-binary=@")):
            out.append(a.split("=", 1)[1])
    return out


# ------------------------------------------------------------------------------------------ inline code
_PY_NET = {"socket", "connect", "create_connection"}
_PY_EXEC = {"system", "popen", "Popen", "call", "run", "check_output", "check_call", "spawn", "execv", "execve",
            "execl", "execlp", "execvp", "dup2", "pty"}
_JS_RSH = re.compile(r"(net|tls)\.(connect|createConnection|Socket)\b[\s\S]*child_process|"
                     r"child_process[\s\S]*(net|tls)\.(connect|createConnection|Socket)\b")
_LANG_RSH = re.compile(r"\b(fsockopen|TCPSocket\.(new|open)|IO::Socket::INET|socket\s*\(\s*S\s*,|"
                       r"Socket\.new)\b[\s\S]{0,300}(exec|system|spawn|sh\b|/bin/|STDIN|dup|\$stdin|proc_open|popen)",
                       re.I)
_CODE_DELETE = re.compile(r"(rmtree|rmSync|rmdirSync|unlinkSync|rm_rf|remove_dir_all|File\.delete|unlink)\s*\(\s*"
                          r"['\"](/|~|/home|/etc|/usr|/var|/root)['\"/]")


def code_effects(lang: str, code: str) -> list[Effect]:
    """Effects of inline interpreter code (``python -c``, ``node -e``, ``perl -e``, ``ruby -e``, ``php -r``):
    reverse shells (a socket wired to a process), deletion of root or home trees. Python is parsed with ``ast``
    (names the code actually calls); other languages by the calls they make. Downloads run as code and shell
    commands inside string literals are found by the caller."""
    out: list[Effect] = []
    lang = "python" if lang.startswith("python") else lang
    if lang == "python":
        called = _py_calls(code)
        if called & _PY_NET and (called & _PY_EXEC or "pty" in code):
            out.append(("reverse-shell", "python code connects a socket and runs a process on it"))
    elif _JS_RSH.search(code):
        out.append(("reverse-shell", f"{lang} code connects a socket and spawns a process"))
    if lang != "python" and _LANG_RSH.search(code):
        out.append(("reverse-shell", f"{lang} code connects a socket and runs a shell on it"))
    if _CODE_DELETE.search(code):
        out.append(("destructive", f"{lang} code deletes a root, system or home tree"))
    return out


def _py_calls(code: str) -> set[str]:
    """Names of the functions and modules Python ``code`` uses (attribute and plain names); on a syntax error,
    the identifiers in the text (unknown is not safe)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", code))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            out.add(node.attr)
        elif isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update(a.name.split(".")[0] for a in node.names)
            if isinstance(node, ast.ImportFrom) and node.module:
                out.add(node.module.split(".")[0])
    return out


def any_of(effects: Iterable[Effect], kinds: set[str]) -> bool:
    """True when one of ``effects`` is of a kind in ``kinds``."""
    return any(k in kinds for k, _ in effects)
