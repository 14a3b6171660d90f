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
from functools import lru_cache

#: (kind, detail) pairs; kinds are guard signal names.
Effect = tuple[str, str]

# ------------------------------------------------------------------------------------------ files by role
_PERSIST_PATHS = re.compile(
    r"(^|/)(\.bashrc|\.bash_profile|\.bash_login|\.profile|\.zshrc|\.zprofile|\.zshenv|\.zlogin|\.cshrc|\.tcshrc|"
    r"\.kshrc|\.config/fish/config\.fish|\.xinitrc|\.xprofile)$|^/etc/(profile|bash\.bashrc|zsh/zshrc|environment)$|"
    r"^/etc/profile\.d/|^/etc/cron|^/var/spool/cron|/crontabs?/|^/etc/systemd/|/\.config/systemd/|"
    r"^/(usr/)?lib/systemd/system/|^/etc/init\.d/|^/etc/rc\.local$|/\.config/autostart/|/Library/Launch(Agents|Daemons)/|"
    r"^/etc/ld\.so\.preload$|/\.git/hooks/|(^|/)\.ssh/(authorized_keys2?|rc|config)$|^/etc/update-motd\.d/|"
    r"^/etc/xdg/autostart/|/\.openclaw/(hooks|extensions|skills)(/|$)|/\.local/share/applications/|/\.config/fish/conf\.d/|"
    r"/\.git/config$|^/etc/ld\.so\.conf|/\.config/environment\.d/|/\.pam_environment$|^/etc/modules-load\.d/")
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
    forms that span words, such as ``/dev/tcp`` redirections). A pure function of its arguments: answers are
    cached."""
    return list(_command_effects_cached(name, tuple(args), script))


@lru_cache(maxsize=4096)
def _command_effects_cached(name: str, args: tuple[str, ...], script: str) -> tuple[Effect, ...]:
    return tuple(_command_effects(name, list(args), script))


def _command_effects(name: str, args: list[str], script: str) -> list[Effect]:
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
    if name == "git" and "remote" in args and "set-url" in args:
        out.append(("exfil-setup", "git remote set-url points an existing remote at another place"))
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
    out.extend(_more_effects(name, args, low, joined, script))
    out.extend(_more_effects2(name, args, low, script))
    return out


_PS_DL = re.compile(r"(iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring|downloadfile|net\.webclient|"
                    r"start-bitstransfer)", re.I)
_PS_EXEC = re.compile(r"(\biex\b|invoke-expression|\|\s*&|start-process|invoke-command)", re.I)
_REMOTE_RUNNERS = frozenset({"uvx", "pipx", "uv", "deno", "bunx", "bun", "npx", "pnpm", "pnpx", "yarn", "npm"})


def _more_effects2(name: str, args: list[str], low: list[str], script: str) -> list[Effect]:
    out: list[Effect] = []
    lname = name.lower().removesuffix(".exe")
    if lname in ("iex", "invoke-expression", "powershell", "pwsh") and _PS_DL.search(script) and _PS_EXEC.search(
            script):
        out.append(("download-exec", "PowerShell downloads a script and runs it (iwr/irm/DownloadString | iex)"))
    if name in _REMOTE_RUNNERS and ({"run", "x", "exec", "dlx", "tool", "--from", "--spec"} & set(low) or name in (
            "uvx", "bunx", "pnpx")):
        for a in args:
            v = a.split("=", 1)[1] if a.startswith(("--from=", "--spec=")) else a
            if re.match(r"^(https?://|git\+|git://|github:|gitlab:|bitbucket:)", v, re.I):
                out.append(("download-exec", f"{name} runs code fetched from {v[:60]}"))
                break
    if name == "git" and "push" in args:
        added = re.findall(r"\bgit\s+remote\s+(add|set-url)\s+(?:-\S+\s+)*(\S+)\s+(\S+)", script)
        ops = [a for a in args[args.index("push") + 1:] if not a.startswith("-")]
        for verb, rname, _url in added:
            if rname in ops or (verb == "set-url" and (not ops or ops[0] == rname)):
                out.append(("exfil", f"git push to remote {rname} pointed at another place in the same command"))
                break
    if name in ("zsh", "zmodload", "ztcp") and re.search(r"zsh/net/tcp|\bztcp\b", script) and re.search(
            r"\bztcp\s+\S+\s+\d+", script):
        out.append(("reverse-shell", "zsh ztcp connects a shell to a socket"))
    if name == "mknod" and re.search(r"\b(nc|ncat|netcat|telnet|openssl)\b", script):
        out.append(("reverse-shell", "named pipe between a shell and a network tool"))
    return out


_HIST_VARS = re.compile(r"^(HISTFILE=(/dev/null|$)|HISTSIZE=0$|HISTFILESIZE=0$|SAVEHIST=0$)")
_SECRET_VAR = re.compile(r"\$\{?([A-Z0-9_]*(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE)[A-Z0-9_]*)\}?")
_DELETE_VERBS = frozenset({"delete", "destroy", "remove", "rm", "purge", "terminate", "drop", "undefine", "wipe"})


def _more_effects(name: str, args: list[str], low: list[str], joined: str, script: str) -> list[Effect]:
    """Effects added for issue 10 (history hiding, setuid spellings, container escapes, more high-impact and
    exfiltration forms)."""
    out: list[Effect] = []
    ops = [a for a in args if not a.startswith("-")]
    # hiding tracks
    if name in ("export", "declare", "typeset", "set") and any(_HIST_VARS.match(a) for a in args):
        out.append(("hide-tracks", "disables the shell history"))
    if name == "set" and "+o" in args and "history" in args:
        out.append(("hide-tracks", "set +o history"))
    if name == "journalctl" and any(a.startswith(("--vacuum", "--rotate")) for a in args):
        out.append(("hide-tracks", "journalctl deletes system logs"))
    if name == "chattr" and any(a.startswith("-") and "i" in a for a in args):
        out.append(("system-change", "chattr removes the immutable attribute"))
    if name in ("auditctl",) and ({"-D", "-e"} & set(args)):
        out.append(("hide-tracks", "auditctl deletes or disables audit rules"))
    # setuid in every spelling
    if name == "chmod" and any(re.fullmatch(r"([ugoa]*[+=][rwxXst]*s[rwxXst]*,?)+|0?[2467][0-7]{3}", a) or
                               re.search(r"[ug]\+[rwx]*s", a) for a in args):
        out.append(("account-change", "chmod sets a setuid/setgid bit"))
    if name == "install" and any(re.fullmatch(r"0?[2467][0-7]{3}", a) for a in args):
        out.append(("account-change", "install creates a setuid/setgid file"))
    if name in ("newgrp", "sg") and args[:1] in (["docker"], ["root"], ["sudo"], ["wheel"], ["disk"]):
        out.append(("privilege", f"{name} {args[0]} switches to a privileged group"))
    # container escapes: the host's root or sockets mounted, privileged containers
    if name in ("docker", "podman", "nerdctl") and ("run" in args or "create" in args or "exec" in args):
        mounts = [args[j + 1] for j, a in enumerate(args[:-1]) if a in ("-v", "--volume", "--mount")] + [
            a.split("=", 1)[1] for a in args if a.startswith(("--volume=", "--mount="))]
        if "--privileged" in args or "--pid=host" in args or any(
                re.match(r"^(/|/etc|/root|/var/run/docker\.sock|/run/docker\.sock|/proc|/sys)(:|$)", m.split(",")[0]
                         .replace("source=", "").replace("src=", "")) for m in mounts):
            out.append(("account-change", f"{name} container with the host's root, /etc or Docker socket "
                        "(privilege escalation)"))
        elif any(re.match(r"^(~|\$HOME|/home/[^/]+)/\.(ssh|aws|gnupg|kube|docker|openclaw)", m) for m in mounts):
            out.append(("protected-read", f"{name} mounts a credential directory into a container"))
    # persistence in other forms
    if name == "git" and "config" in args and any(a.lower().startswith("alias.") for a in args) and any(
            a.startswith("!") for a in args):
        out.append(("persistence", "git alias runs a shell command on every use"))
    if name == "git" and "config" in args and any(a.lower() in ("core.sshcommand", "core.pager", "core.editor",
                                                                "core.fsmonitor", "diff.external") for a in args):
        out.append(("persistence", "git config runs a program on later git commands"))
    if name == "systemd-run" and any(a.startswith(("--on-calendar", "--on-boot", "--on-active", "--on-unit")) for a in args):
        out.append(("persistence", "systemd-run schedules a timer"))
    if name in ("at", "batch") and args and not {"-l", "-r", "-d"} & set(args):
        out.append(("persistence", f"{name} schedules a command"))
    # destruction by sync
    if name == "rsync" and any(a.startswith("--delete") for a in args) and ops:
        dst = ops[-1]
        if re.fullmatch(r"(/|~/?|\$HOME/?|/home/?|/etc/?|/usr/?|/var/?|/root/?)", dst):
            out.append(("destructive", f"rsync --delete empties {dst}"))
    # high-impact: more tools and APIs
    if name == "gh" and len(ops) >= 2 and ops[1] == "delete" and ops[0] in ("release", "secret", "variable",
                                                                            "workflow", "label", "cache", "ruleset"):
        out.append(("high-impact", f"gh {ops[0]} delete"))
    if name in ("gh", "curl", "http", "xh") and re.search(r"(-X|--method|--request)\s*=?\s*DELETE\b|\bDELETE\s+https?://",
                                                        joined, re.I):
        out.append(("high-impact", f"{name} sends an HTTP DELETE to an API"))
    if name in ("s3cmd",) and ({"del", "rb", "rm"} & set(low)) and ({"--recursive", "-r", "--force"} & set(low)):
        out.append(("high-impact", "s3cmd deletes buckets or objects recursively"))
    if name == "etcdctl" and "del" in low and ("--prefix" in low or "--from-key" in low):
        out.append(("high-impact", "etcdctl deletes a key range"))
    if name in ("zfs", "zpool") and ({"destroy"} & set(low)):
        out.append(("high-impact", f"{name} destroy"))
    if name in ("lvremove", "vgremove", "pvremove"):
        out.append(("high-impact", f"{name} removes logical volumes"))
    if name == "virsh" and ({"destroy", "undefine"} & set(low)):
        out.append(("high-impact", "virsh destroys or undefines a VM"))
    if name in ("heroku", "vercel", "flyctl", "fly", "netlify", "doctl", "hcloud", "linode-cli", "oci", "aliyun",
                "tccli", "scw", "ibmcloud") and (_DELETE_VERBS & {x.split(":")[-1] for x in low}):
        out.append(("high-impact", f"{name} deletes cloud resources"))
    if name in ("mongo", "mongosh") and re.search(r"\.drop(Database)?\s*\(|deleteMany\s*\(\s*\{\s*\}", script):
        out.append(("high-impact", f"{name} drops a database or collection"))
    # exfiltration: secret variables in URLs/bodies, env output into a network tool, publishing repos
    if name in ("curl", "wget", "http", "xh", "nc", "ncat") and any(
            _SECRET_VAR.search(a) and not re.match(r"^(Authorization|X-Api-Key|api-key|x-goog-api-key):", a, re.I)
            for a in args):
        out.append(("exfil", f"{name} sends a secret environment variable in a URL or body"))
    if name in ("curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "http", "xh") and re.search(
            r"(^|[;&|]\s*)(env|printenv|set|export -p|declare -x)\s*(\||$)|\b(env|printenv)\s*\|", script) and "|" in script:
        out.append(("exfil", f"{name} sends the process environment"))
    if name == "gh" and ops[:2] == ["repo", "create"] and ("--public" in args) and ("--push" in args or "--source" in
                                                                                   " ".join(args)):
        out.append(("exfil", "gh repo create --public publishes the local repository"))
    # credentials printed by the tools that hold them (the output goes to the model provider)
    if (name == "gh" and ops[:2] == ["auth", "token"]) or (name == "gh" and ops[:2] == ["auth", "status"] and (
            "-t" in args or "--show-token" in args)) or (name == "aws" and ops[:2] == ["configure", "get"] and any(
            "secret" in a or "token" in a for a in low)) or (name == "aws" and ops[:2] in (["sts", "get-session-token"],
            ["ecr", "get-login-password"])) or (name == "gcloud" and "print-access-token" in low) or (
            name == "gcloud" and "print-identity-token" in low) or (name == "az" and "get-access-token" in low) or (
            name == "kubectl" and ops[:2] == ["config", "view"] and ("--raw" in args or "--flatten" in args)) or (
            name.startswith("docker-credential-") and "get" in ops) or (name == "git" and ops[:2] == ["credential",
            "fill"]) or (name == "security" and ops[:1] in (["find-generic-password"], ["find-internet-password"],
            ["dump-keychain"])) or (name in ("secret-tool",) and "lookup" in ops) or (name == "gpg" and any(
            a.startswith("--export-secret") for a in args)) or (name == "op" and ops[:1] in (["read"], ["item"])):
        out.append(("protected-read", f"{name} {' '.join(ops[:2])} prints a stored credential"))
    if name == "aws" and ops[:1] == ["iam"] and len(ops) > 1 and ops[1] in (
            "create-access-key", "create-user", "attach-user-policy", "put-user-policy", "create-login-profile",
            "update-login-profile", "attach-role-policy", "put-role-policy", "update-assume-role-policy",
            "add-user-to-group"):
        out.append(("account-change", f"aws iam {ops[1]} creates credentials or grants permissions"))
    if name == "gcloud" and "iam" in low and (("keys" in low and "create" in low) or "add-iam-policy-binding" in low):
        out.append(("account-change", "gcloud creates a service-account key or grants a role"))
    if name in ("kubectl", "oc") and "delete" in low and not (set(ops[1:2]) & {"pod", "pods", "po", "job", "jobs"}) \
            and not any(x in ("ns", "namespace", "namespaces", "--all", "-A", "--all-namespaces", "node", "nodes",
                              "pv", "crd") for x in low):
        out.append(("high-impact", f"{name} delete {' '.join(ops[1:3])}"))
    if name == "history" and "-w" in args and "/dev/null" in args:
        out.append(("hide-tracks", "history -w /dev/null"))
    if name == "gh" and ops[:1] == ["api"] and any("gist" in a for a in ops[1:2]):
        out.append(("exfil", "gh api creates a gist"))
    if name in ("rclone",) and ({"copy", "sync", "move", "copyto"} & set(low)):
        out.append(("exfil", "rclone copies files to a remote store"))
    if name == "aws" and "s3" in args and ("cp" in args or "sync" in args or "mv" in args) and any(
            _SECRET_FILE.search(a) or re.match(r"^(~|\$HOME)/\.(ssh|aws|gnupg)", a) for a in args):
        out.append(("exfil", "aws s3 uploads credential files"))
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
_PY_RUNCODE = {"exec", "eval"}
_PY_DECODE = {"b64decode", "b32decode", "a85decode", "b85decode", "urlsafe_b64decode", "decodebytes", "fromhex",
              "unhexlify", "a2b_base64", "a2b_hex", "decompress", "loads", "rot13", "decode"}
_PY_SAVE_URL = {"urlretrieve", "download_file", "download_fileobj"}
_JS_DECODE_RUN = re.compile(r"\b(eval|Function|vm\.run\w*|runInThisContext)\s*\(\s*(atob|Buffer\.from|"
                            r"unescape|decodeURIComponent|String\.fromCharCode)\b")
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
        if called & _PY_RUNCODE and called & _PY_DECODE:
            out.append(("obfuscated", "python code decodes hidden code and runs it (exec/eval of decoded data)"))
        if called & _PY_SAVE_URL and (called & _PY_EXEC or "chmod" in called):
            out.append(("download-exec", "python code downloads a file and runs or makes it executable"))
    elif _JS_RSH.search(code) or (re.search(r"""require\(\s*['"](net|tls|dgram)['"]\s*\)""", code) and
                                 re.search(r"child_process", code) and re.search(r"connect|Socket", code)):
        out.append(("reverse-shell", f"{lang} code connects a socket and spawns a process"))
    if lang != "python" and _JS_DECODE_RUN.search(code):
        out.append(("obfuscated", f"{lang} code decodes hidden code and evaluates it"))
    if lang != "python" and _LANG_RSH.search(code):
        out.append(("reverse-shell", f"{lang} code connects a socket and runs a shell on it"))
    if _CODE_DELETE.search(code):
        out.append(("destructive", f"{lang} code deletes a root, system or home tree"))
    home = home_code(code)
    if home != code and _CODE_DELETE_ANY.search(home) and re.search(r"""['"]~/?['"]|\(\s*~\s*[,)]""", home):
        out.append(("destructive", f"{lang} code deletes the home directory"))
    if _ENV_DUMP.get(lang, _ENV_DUMP_ANY).search(code):
        out.append(("protected-read", f"{lang} code dumps the whole process environment (API keys, tokens)"))
    if re.search(r"\bchmod\w*\s*\(\s*[^,]*,\s*0o?[2467][0-7]{3}\b|\bchmod\s*\(?\s*0?[2467][0-7]{3}\b", code):
        out.append(("account-change", f"{lang} code sets a setuid/setgid bit"))
    if re.search(r"(urlopen|requests\.get|https?\.get|fetch\(|http\.request|Net::HTTP|LWP::|file_get_contents\("
                 r"""\s*['"]https?:|open-uri|urllib)""", code) and re.search(
            r"\b(eval|exec|Function|vm\.run\w*|instance_eval|runInThisContext)\s*\(", code):
        out.append(("download-exec", f"{lang} code fetches code over the network and evaluates it"))
    if lang in ("php", "perl", "ruby", "node", "deno", "bun", "lua") and re.search(
            r"\b(eval|exec|system|Function|instance_eval|load)\b[\s\S]{0,80}\b(file_get_contents|fetch|get|urlopen|"
            r"Net::HTTP|LWP|open-uri|URI|http\.request|curl_exec)\s*[(\s][\s\S]{0,40}https?://", code):
        out.append(("download-exec", f"{lang} code downloads code and runs it"))
    return out


_CODE_DELETE_ANY = re.compile(r"\b(rmtree|rmSync|rmdirSync|rm_rf|rm_r|remove_tree|rmtree|removeSync|remove_dir_all|"
                              r"unlinkSync|os\.remove|os\.unlink|unlink|File\.delete|FileUtils\.rm)\b")
_ENV_DUMP_ANY = re.compile(r"\bprocess\.env\b(?!\s*(\.|\[|\?\.))|\bos\.environ\b(?!\s*(\[|\.get\b|\.setdefault\b))|"
                           r"%ENV\b|\bENV\.(to_h|each|map|inspect|keys)\b|\bgetenv\(\s*\)|\$_ENV\b(?!\s*\[)|"
                           r"\bDeno\.env\.toObject\b")
_ENV_DUMP = {"python": re.compile(r"\bos\.environ\b(?!\s*(\[|\.get\b|\.setdefault\b|\.pop\b))|\benviron\.(items|copy|keys)\b")}
_HOME_FORMS = re.compile(
    r"""os\.path\.expanduser\(\s*['"]~['"]\s*\)|os\.homedir\(\s*\)|require\(\s*['"]os['"]\s*\)\.homedir\(\s*\)|"""
    r"""Path\.home\(\s*\)|pathlib\.Path\.home\(\s*\)|Dir\.home|\$ENV\{\s*['"]?HOME['"]?\s*\}|"""
    r"""process\.env\.HOME|process\.env\[\s*['"]HOME['"]\s*\]|os\.environ\[\s*['"]HOME['"]\s*\]|"""
    r"""os\.getenv\(\s*['"]HOME['"]\s*\)|getenv\(\s*['"]HOME['"]\s*\)|ENV\[\s*['"]HOME['"]\s*\]|"""
    r"""Deno\.env\.get\(\s*['"]HOME['"]\s*\)|os\.getenv\(\s*['"]HOME['"]\s*\)|\$HOME\b|\$\{HOME\}|"""
    r"""File\.expand_path\(\s*['"]~['"]\s*\)""")
_CONCAT = re.compile(r"""['"]?~['"]?\s*(?:\+|\.|,)\s*['"]""")
_PATH_TOKEN = re.compile(r"""(?<![\w.])(~(?:/[\w.@%+=:,*?-]*)*|/(?:[\w.@%+=:,*?-]+/?)+|\.env(?:\.[\w-]+)?)(?=['"\s),;]|$)""")


def home_code(code: str) -> str:
    """``code`` with the language's spellings of the home directory replaced by ``~`` and ``~ + '/x'``
    concatenations joined (``process.env.HOME + '/.ssh/id_rsa'`` -> ``'~/.ssh/id_rsa'``)."""
    c = _HOME_FORMS.sub("~", code)
    c = re.sub(r"""['"]~['"]""", "~", c)
    c = _CONCAT.sub("~", c)
    c = re.sub(r"""~\s*\)\s*\.?\s*(?:join|joinpath)\s*\(\s*['"]""", "~/", c)
    c = re.sub(r"""~\s*/\s*['"]""", "~/", c)
    return c


def code_paths(code: str) -> list[str]:
    """Path-like tokens in inline code after home-directory spellings are folded (``~/.ssh/id_rsa``,
    ``/etc/shadow``, ``.env``); the caller judges them with the protected-path catalogue."""
    out: list[str] = []
    for m in _PATH_TOKEN.finditer(home_code(code)):
        t = m.group(1).rstrip("/") or "/"
        if t not in out and len(t) > 1:
            out.append(t)
    return out


def _py_calls(code: str) -> set[str]:
    """Names of the functions and modules Python ``code`` uses (attribute and plain names); on a syntax error,
    the identifiers in the text (unknown is not safe)."""
    return set(_py_calls_cached(code))


@lru_cache(maxsize=1024)
def _py_calls_cached(code: str) -> frozenset[str]:
    """:func:`_py_calls` (parsing once per distinct code text)."""
    return frozenset(_py_calls_uncached(code))


def _py_calls_uncached(code: str) -> set[str]:
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
