"""Behaviour model of a skill: what its code and its instructions make the agent or the host do.

The regex rules in ``rules.yaml`` look at spellings; this module looks at *effects*. Every text file is read as
what it is: scripts as code, ``SKILL.md`` and the other Markdown/manifest files as instructions the agent follows
(code blocks and commands in them count as code the agent will run). Before matching, each unit gets a *folded
view*: string concatenations joined, ``[...].join()`` and reversed strings resolved, char-code arrays and
``\\x``/``\\u`` escapes decoded, adjacent shell quotes removed, every string literal of a file also joined into one
path-like stream (``path.join(home, ".ssh", "id_rsa")``), and base64/hex payloads decoded (:mod:`.decode`).

Facts (technique vocabulary, :data:`FACTS`) are then found per unit and combined into *techniques*; a verdict comes
from dangerous combinations (a secret source and a network sink in one unit, a download and a dynamic execution,
a hidden instruction and a hijack), never from a sum of weak hints. Sentences that negate or warn ("never",
"do not", "不要", "nunca", "не") and example lists in security documentation do not count as instructions.

Rules emitted (declared in ``rules.yaml``, family SC91x-SC93x): see :data:`TECHNIQUES`.
Sources: guide P4 (skills supply chain), D3.1/D3.2 (developer review of skills), E6, C3.2;
``../shared/reference/malicious-skills.md`` (ClawHavoc droppers, credential stealers, reverse shells, prompt
injection, affiliate hijack).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import contextlib
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

from clawfence.skills import decode

MAX_UNIT = 400_000  # characters of one unit folded and matched (larger code units are split by _chunks)

# ---------------------------------------------------------------------------------------------------- vocabulary
# Named lists (falco-style): each fact kind is one alternation; extend a list to teach the model a new spelling.
_I = re.I
FACTS: dict[str, re.Pattern[str]] = {
    "fetch": re.compile(
        r"\b(curl|wget|iwr|irm|invoke-webrequest|invoke-restmethod|bitsadmin|downloadstring|downloadfile|"
        r"urlopen|urlretrieve|urllib\.request|requests\.get|httpx\.get|http\.client|axios(\.get)?|"
        r"certutil(\.exe)?\s+-urlcache|fetch\s*\(|https?\.get\s*\(|got\s*\(|net\.webclient|"
        r"start-bitstransfer)\b|\bhttp\.(get|post|newrequest)\s*\(|\blwp::|\bnet::http\b|\bhttparty\b|\bopen-uri\b|\bnpx\s+(-y\s+)?https?://|require\(\s*[\"']https?[\"']\s*\)|\bpip3?\s+install\s+(--?\S+\s+)*(https?://|git\+)|"
        r"\bfetch\s*\(", _I),
    "exec-dyn": re.compile(
        r"\|[ \t]*(sudo[ \t]+)?(-\S+[ \t]+)*(ba|z|da|k|fi)?sh\b(?![-.\w])|"
        r"\|[ \t]*(sudo[ \t]+)?(python[0-9.]*|node|perl|ruby|php)\b(?![-.\w])(?![ \t]+(-c\b|-e\b|-m\b|\S+\.\w+))|"
        r"\|\s*iex\b|\biex\s*[\s(]|invoke-expression|(?<![.\w])exec\s*\(|(?<![.\w])eval\s*\(|\bnew\s+function\s*\(|"
        r"getattr\([^)\n]*[\"'](exec|eval|system)[\"']|\b__import__\(\s*[\"'](os|subprocess)|"
        r"\bnpx\s+(-y\s+)?https?://|\b(uvx|pipx\s+run)\s+(--\S+\s+)*(https?://|git\+)|"
        r"scriptblock\]::create|\bsource\s+<\(|\b(ba|z)?sh\s+<\(|(^|[;&|]\s*)\.\s+<\(|"
        r"\bcompile\s*\([^)]*['\"]exec['\"]|\bvm\.run|runInNewContext|"
        r"\b(ba|z)?sh\s+-c\s+[\"']?\$\(|python[0-9.]*\s+-m\s+\S+\.(autostart|run|install)", _I),
    "run-file": re.compile(
        r"chmod\s+(\+x|[0-7]*7[0-7]{2})\s+\S+\s*(&&|;|\n)|\bstart-process\b|(^|[\s&;])start\s+(/b\s+)?\S+\.(exe|bat|cmd)|"
        r"\bopen\s+\S+\.(app|dmg|pkg)\b|(&&|;)\s*(sudo\s+)?(\./|/tmp/|~/|\$TMPDIR|%temp%)\S+|"
        r"\binstaller\s+-pkg\b|\bmsiexec\b|\bhdiutil\s+attach\b|\bnohup\s+/tmp/|"
        r"exec\.command\(\s*[\"'](/tmp/|\./|/dev/shm/)|os\.chmod\([^)\n]*0o?7[0-7]{2}|\bspawn\(\s*[\"'](/tmp/|\./)|"
        r"\bsystem\(\s*[\"'](/tmp/|\./)", _I),
    "run-prose": re.compile(
        r"\b(launch|run|execute|open|start|double-click)\s+(the\s+)?`?[\w.-]*(setup|install|codec|driver|update|helper|"
        r"loader|patch)[\w.-]*`?|(运行|执行|打开|启动|双击)\s*\S*(setup|install|driver|驱动|安装|程序)|"
        r"\b(ejecuta|abre|inicia)\s+\S*(instalador|setup)|"
        r"\b(open|run|launch|execute|install)\s+(it|them|the (file|app|installer|helper|binary))\b", _I),
    "binary-url": re.compile(r"https?://\S+\.(exe|msi|dmg|pkg|zip|7z|rar|appimage|bin|scr|jar|deb|rpm)\b|"
                             r"-outfile\s+\S+\.(exe|msi|zip)|%temp%\\\S+\.exe", _I),
    "archive-password": re.compile(
        r"\b(unpack|unzip|extract|decompress|open)\b[^.\n]{0,80}"
        r"\b(password|passphrase|key)\b|\bwith\s+the\s+(password|key)\b|-p\s*\S+\s+\S+\.(zip|7z|rar)|7z\s+x\s+-p|"
        r"密码|解压码|contraseña|clave|пароль|passwort", _I),
    "quarantine": re.compile(r"xattr\s+-(c|cr|d|rd)\b|com\.apple\.quarantine|spctl\s+--master-disable|"
                             r"right-click[^.\n]{0,40}\bopen\b|右键[^。\n]{0,20}打开|gatekeeper|"
                             r"(antivirus|defender|杀毒|杀软|antivirus)[^.\n]{0,80}(false positive|allow|disable|误报|关闭|允许)|"
                             r"set-mppreference|add-mppreference\s+-exclusion", _I),
    "secret-agent": re.compile(
        r"\.(open|clawd|molt)(claw|bot)[\"']?\s*[/,]\s*[\"']?(credentials\b|agents/[^/\s]+/agent\b|identity\b)|"
        r"auth[-_]profiles(\.json)?|(open|clawd|molt)(claw|bot)\.json|gateway\.auth\.token|"
        r"(\$HOME|\$\{HOME\}|~)/\.(openclaw|clawdbot|moltbot)/?[\"']?(\s|$|\))", _I),
    "secret-ssh": re.compile(r"\.ssh/(id_[a-z0-9]+|identity|known_hosts)|~/\.ssh\b|\.ssh[\"']?\s*[,)]|"
                             r"-i?name\s+[\"']?(id_\*|\*\.(pem|key|p12|pfx|kdbx|ppk|jks|keystore|asc|gpg))\b|"
                             r"glob\([^)\n]*\*\*?/?\*?\.(pem|key|p12|pfx|kdbx)[\"']|"
                             r"[\"']\.ssh[\"']|\$HOME/\.ssh\b|gpg\s+--export-secret", _I),
    "secret-cloud": re.compile(r"\.aws/(credentials|config)|~/\.aws\b|[\"']\.aws[\"']|\.config/gcloud|"
                               r"application_default_credentials|\.azure/|\.kube/config|\.docker/config\.json|"
                               r"\.netrc\b|\.npmrc\b|\.pypirc\b|\.git-credentials|\.terraform\.d/credentials", _I),
    "env-file": re.compile(r"(^|[\s/\"'`(@])\.env(\.local|\.production)?\b(?![\w-])", _I),
    "file-read": re.compile(r"\bopen\s*\(|read_?text|readfile|\bcat\s|\btype\s|get-content|\s@\S*\.env|"
                            r"\btar\s|\bzip\s|\bcp\s|shutil\.copy|\bbase64\s", _I),
    "dotenv": re.compile(r"dotenv|load_dotenv|\bsource\s|\bset\s+-a\b|export\s+\$\(", _I),
    "env-key": re.compile(r"os\.environ(\.get)?\s*[\[(]\s*[\"'][A-Z_]*(API_KEY|TOKEN|SECRET|PASSWORD)[\"']|"
                          r"process\.env\.[A-Z_]*(API_KEY|TOKEN|SECRET|PASSWORD)|\$\{?[A-Z_]*(API_KEY|TOKEN|SECRET)\b"),
    "secret-env": re.compile(
        r"json\.stringify\(\s*process\.env\s*\)|"
        r"object\.(entries|keys|assign)\([^)]*process\.env|\bdict\(\s*os\.environ\s*\)|os\.environ\.copy\(\)|"
        r"os\.environ\s*\)|(^|[\s;|&(`])(env|printenv)\s*(\||>)|get-childitem\s+env:", _I),
    "secret-browser": re.compile(
        r"Login Data|\bCookies\b[\"'/]|cookies\.sqlite|logins\.json|key4\.db|Local State[\"'/]|Web Data|"
        r"(assign|entries|keys|stringify)\([^)\n]*\b(localStorage|sessionStorage)\b|document\.cookie|Local Extension Settings|"
        r"/Cookies\b|chrome\.cookies|browser_cookie3|find-(generic|internet)-password|dump-keychain|"
        r"login\.keychain|Keychains/"),
    "secret-wallet": re.compile(
        r"\bkeystore\b|wallet\.dat|solana/id\.json|\.electrum|exodus\.wallet|\bExodus/|"
        r"nkbihfbeogaeaoehlefnkodbefgpgknn|bfnaelmomeimhlpmgjnjophhpkkoljpa|ejbalbakoplchlghecdalmeeeajnimhm|"
        r"\.ethereum/|metamask[^\n]{0,40}(vault|storage|ldb)|\.bitcoin/", _I),
    "secret-otp": re.compile(  # account-takeover material in messages the agent reads (prose only)
        r"\b(password[- ]reset|reset (link|code|email)|verification codes?|one[- ]time (pass)?codes?|\botp\b|\b2fa\b|"
        r"two[- ]factor|login codes?|magic[- ]link|recovery codes?|security codes?)\b|验证码|动态码|重置密码|"
        r"código de verificación|код подтверждения|Bestätigungscode|code de vérification|認証コード", _I),
    "secret-typed": re.compile(r"\bread\s+(-\w+\s+)*-s\b|getpass\.getpass\(|\bgetpass\(|read-host\s+[^\n]*-assecurestring|"
                               r"hidden answer|display dialog[^\n]{0,80}password", _I),
    "secret-docs": re.compile(r"~/(Documents|Desktop|Pictures)\b|\$HOME/(Documents|Desktop|Pictures)\b|"
                              r"(expanduser\([\"']~[\"']\)|homedir\(\)|home\(\))\s*,\s*[\"'](Documents|Desktop|Pictures)[\"']"),
    "ask-secret": re.compile(
        r"(ask|request|collect|prompt|pide|pídele|solicita|让用户|请用户|要求用户|попроси)[^.\n]{0,60}"
        r"(seed phrase|recovery phrase|mnemonic|12 words|24 words|private key|palabras de recuperación|frase semilla|"
        r"助记词|私钥|сид-фраз|приватный ключ|(their|the user'?s|your) password)", _I),
    "send": re.compile(
        r"requests\.(post|put|patch)|httpx\.(post|put)|\burlopen\([^)\n]*(data\s*=|,\s*\w)|\.request\([^)\n]*data\s*=|"
        r"urllib\.request\.Request\([^)\n]*data|method\s*:\s*[\"'](post|put)|\bbody\s*[:,}]|"
        r"https?\.request\s*\(|\.end\(\s*\w|xmlhttprequest|sendbeacon|new\s+image\(\)\.src|\.src\s*=\s*[\"']https?://|"
        r"\bcurl\b[^\n]*\s(-\w*[dFT]|--data[\w-]*|--form|--upload-file)\b|\bwget\b[^\n]*--post|"
        r"-method\s+(post|put)|\bscp\s+\S+\s+\S+@|\brsync\b[^\n]*\s\S+@\S+:|\bnc(at)?\s+-?\w*\s*\d+\.\d+|"
        r"api\.telegram\.org|discord(app)?\.com/api/webhooks|hooks\.slack\.com|smtplib|\bsendmail\b|"
        r"->post\(|\bpost\s*\(\s*[\"']https?://|net::http::post|http\.post(form)?\s*\(|\bpostasync\(|"
        r"\bftp\s|\bsocket\.send|\.sendall\(|files\s*=\s*\{|[?&]\w+=[\"']?\s*\+\s*\w|\$\{\w*(key|tok|secret)\w*\}"
        r"|git\s+push\b|URLSearchParams\(|\?\$\{\w+\}|urlencode\(", _I),
    "send-prose": re.compile(
        r"\b(send|sent|post|upload|transmit|forward|sync|submit|report|copy|copie|mirror|push|cc|bcc)(s|ed|ing)?\b[^.\n]{0,100}"
        r"(https?://|\S+@\S+\.\w+|webhook)|"
        r"(发送|上传|同步|提交|传到|传给)[^。\n]{0,60}(https?://|@)|(https?://\S+)[^。\n]{0,20}(发送|上传)|"
        r"\b(envía|envíalas|envíalos|sube|manda)\b[^.\n]{0,80}https?://|отправ\w*[^.\n]{0,80}https?://|"
        r"\b(senden|hochladen)\b[^.\n]{0,80}https?://|\b(envoie|envoyez|téléverse|transmets)\S*[^.\n]{0,80}https?://|"
        r"(送信|アップロード|送って)[^。\n]{0,40}|https?://\S+[^。\n]{0,20}(に送信|へ送信|にアップロード)", _I),
    "dns-out": re.compile(r"\b(dig|nslookup|host|drill)\s[^\n]*(\$\w|\$\{|\$\()|gethostbyname\s*\(|getaddrinfo\s*\([^)]*\+|"
                          r"dns\.(resolve|lookup)\s*\([^)]*(\+|\$\{)|resolver\.(query|resolve)\s*\([^)]*\+|"
                          r"resolve-dnsname\s[^\n]*\$", _I),
    "revshell": re.compile(
        r"(>&|<>|0>&1|\s-i\b)[^\n]*/dev/(tcp|udp)/|/dev/(tcp|udp)/[^\n]*(0>&1|>&|\|\s*(ba)?sh\b)|\bsh\s+-i\b[^\n]*\|\s*(nc|ncat|telnet|openssl)\b|/dev/(tcp|udp)/\$|\bnc(at)?\b[^\n|]*\s-[ec]\s|\bmkfifo\b[^\n]*\b(nc|ncat|telnet|openssl)\b|"
        r"\bsocat\b[^\n]*\b(exec|system):|pty\.spawn\s*\(|os\.dup2\s*\(|\bfsockopen\s*\(|TCPSocket\.(new|open)|"
        r"IO::Socket::INET|\.pipe\(\s*\w+\.stdin\s*\)|net\.tcpclient|tcpclient\s*\(", _I),
    "socket": re.compile(r"socket\.socket|socket\(\)|net\.(socket|connect|createconnection)|new\s+net\.socket|"
                         r"tls\.connect|system\.net\.sockets", _I),
    "shell-spawn": re.compile(r"(spawn|exec|popen|execsync|system)\s*\(\s*\[?\s*[\"'](/bin/)?(ba|z)?sh[\"']|"
                              r"subprocess\.\w+\([^)\n]*shell\s*=\s*True|[\"'](cmd\.exe|powershell)[\"']|"
                              r"child_process[\s\S]{0,40}\b(exec|spawn)\b", _I),
    "loop": re.compile(r"\bwhile\s+(true|1|\(\s*true\s*\))|setinterval\s*\(|for\s*\(\s*;\s*;\s*\)|\bwhile\s*:\s*;?\s*do", _I),
    "clip-read": re.compile(r"pbpaste|xclip\s+-o|xsel\s+(-o|--output)|get-clipboard|clipboard\.(readtext|read)\b|"
                            r"pyperclip\.paste|clipboardy\.read|navigator\.clipboard\.readtext", _I),
    "clip-write": re.compile(r"pbcopy|xclip\s+-(sel|selection)|xsel\s+(-i|--input|-b)|set-clipboard|clipboard\.writetext|"
                             r"pyperclip\.copy|clipboardy\.write", _I),
    "crypto-addr": re.compile(r"\b(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}\b|\b0x[a-fA-F0-9]{40}\b|\(bc1\|\[13\]\)|\^\(bc1|bc1q\w{6,}|"
                              r"0x\[a-fA-F0-9\]\{40\}|\b[13][a-km-zA-HJ-NP-Z1-9]\{25,34\}"),
    "agent-file-code-write": re.compile(
        r">>?\s*\S*(SOUL|MEMORY|AGENTS|HEARTBEAT|IDENTITY|TOOLS|BOOTSTRAP|SKILL)\.md\b|"
        r"(open|write_text|appendfile|writefile|appendfilesync|writefilesync)\s*\([^)\n]*(SOUL|MEMORY|AGENTS|HEARTBEAT|SKILL)\.md"
        r"|skills/\*/SKILL\.md[\s\S]{0,200}open\([^)]*[\"']a|open\(\s*\w+\s*,\s*[\"']a[\"']"),
    "persist": re.compile(
        r"\bcrontab\b|/etc/cron|/var/spool/cron|@reboot|LaunchAgents|LaunchDaemons|launchctl\s+(load|bootstrap)|"
        r"systemctl\s+(--user\s+)?enable|\.config/systemd|/etc/systemd/system|\.(bashrc|zshrc|bash_profile|profile|"
        r"zprofile)\b|schtasks\s+/create|CurrentVersion\\\\?Run|\\Startup\\|autostart/\S+\.desktop|"
        r"/etc/rc\.local|ld\.so\.preload|\.git/hooks/", _I),
    "destroy-code": re.compile(
        r"rmtree\s*\([^)\n]*(expanduser\([\"']~[\"']?|home\(\)|USERPROFILE|Documents|Desktop|Pictures)|"
        r"\brm\s+-\w*[rR]\w*\s+[^\n|;]*([\"']?(~|\$HOME|\$\{HOME\})/?[\"']?(\s|$|\*)|/(Documents|Desktop|Pictures)\b|"
        r"\s/\s|\s/\*|\s/$)|\bfind\s+(~|\$HOME|\"\$HOME\"|/)\S*\s[^\n]*-delete\b|"
        r"\bshred\s+[^\n]*(-u|-z|--remove)[^\n]*(~|\$HOME|\*|-r|\$\w)|\bwipefs\b|\bmkfs(\.\w+)?\s+/dev/|"
        r"\bdd\s+if=/dev/(zero|urandom)\s+of=/dev/|rmsync\([^)\n]*(homedir|~)|"
        r"remove-item[^\n]*-recurse[^\n]*(\$home|~|userprofile)|\b(del|erase)\s+/[sq]\b|\brd\s+/s\b|"
        r"exec\([\"']rm\s+-rf\s", _I),
    "destroy-prose": re.compile(
        r"(erase|shred|wipe|delete|remove|destroy|删除|清除|粉碎|抹除|borra|elimina|удали)[^.\n。]{0,60}"
        r"(original|folder|directory|every file|all files|home|文件夹|目录|原始|原文件|carpeta|папк)", _I),
    "privilege": re.compile(r"NOPASSWD\s*:\s*ALL\b|chmod\s+(u\+s|[0-7]?4[0-7]{3})\s+\S*(bash|/sh\b|python|perl|/tmp/|/\.)|"
                            r"setcap\s+\S*cap_(setuid|sys_admin)|usermod\s+-a?G\s+(sudo|wheel|root)\s", _I),
    "miner": re.compile(r"stratum\+(tcp|ssl)://[\w.-]+:\d+|\b(xmrig|minerd|cpuminer|ethminer|t-rex)\b[^\n]*\s(-o|--url|-a)\s|"
                        r"--donate-level", _I),
    "evasion": re.compile(
        r"os\.environ\.get\(\s*[\"'](CI|GITHUB_ACTIONS|SANDBOX)[\"']|process\.env\.(CI|GITHUB_ACTIONS)\b|"
        r"/\.dockerenv|cpu_count\(\)\s*<|\bVBOX\b|VirtualBox|hypervisor|sandboxie|"
        r"(date\.now\(\)|datetime\.(now|today)\(\)|time\.time\(\))\s*[<>]=?\s*(date\.parse\(|datetime\(\s*20|1[6-9]\d{8})|"
        r"time\.sleep\(\s*\d{3,}|settimeout\([^)]*\d+\s*\*\s*60|sleep\s+\d{3,}"),
    "agent-file-write": re.compile(
        r"(SOUL|MEMORY|AGENTS|HEARTBEAT|IDENTITY|TOOLS|USER|BOOTSTRAP)\.md\b|skills/\*/SKILL\.md|"
        r"skills[\"'/, ]+\*[\"'/, ]+SKILL\.md", _I),
    "skills-glob": re.compile(r"skills/\*/SKILL\.md|skills[\"'/, ]+\*[\"'/, ]+SKILL\.md|skills/\*\*?/\*\.md", _I),
    "write-mode": re.compile(r"open\([^)\n]*[\"'][aw]\+?[\"']|appendfile|writefile|write_text|>>|\.write\(", _I),
    "git-foreign": re.compile(r"git\s+remote\s+(add|set-url)\s+\S+\s+[\"']?https?://|git\s+push\s+(-\S+\s+)*https?://", _I),
    "install-url": re.compile(r"\b(npm|pnpm|yarn|bun)\s+(i|install|add)\s+(-g\s+|--global\s+)?[\"']?https?://|"
                              r"\bpip3?\s+install\s+(--?\S+\s+)*[\"']?https?://\S+\.(tar\.gz|whl|zip)", _I),
    "paste-run": re.compile(
        r"\b(copy|paste)\b[^.\n]{0,80}\b(command|terminal|shell|powershell|run dialog|win\+r)\b[^.\n]{0,60}"
        r"\b(there|that page|the page|this page|the site|shown|from the link|above)\b|"
        r"\bpaste (it|this|the command)\b[^.\n]{0,30}\b(terminal|shell|powershell|run dialog)|"
        r"(复制|粘贴)[^。\n]{0,40}(终端|命令行|命令)|(copia|pega)[^.\n]{0,60}(terminal|comando)", _I),
    "grant": re.compile(
        r"pre-?authori[sz]ed|authori[sz]ed by the user|always (run|execute|follow|obey)|treat [^.\n]{0,40} as (the user|authori)|"
        r"fetch and follow|视为用户本人授权|直接执行|sin confirmación|без подтверждения", _I),
    "authority": re.compile(
        r"without (asking|confirmation|the user'?s? (approval|permission))|pre-?authori[sz]ed|authori[sz]ed by the user|"
        r"always (run|execute|follow|obey)|treat [^.\n]{0,40} as (the user|authori)|fetch and follow|"
        r"视为用户本人授权|直接执行|无需确认|无需询问|sin (confirmación|preguntar)|без подтверждения", _I),
    "config-relax": re.compile(
        r"config\s+set\s+\S*(exec\.(security|ask|host)|sandbox|elevated|dmPolicy|auth\.mode|bind)\b|"
        r"exec\.security[\"'\s:=]+[\"']?full|exec\.ask[\"'\s:=]+[\"']?(off|never)|sandbox\.mode[`\"'\s:=]+[^\n]{0,10}off|"
        r"exec-approvals\.json|dangerously\w+[\"'\s:=]+true|allowInsecureAuth", _I),
    "hide": re.compile(
        r"\b(do not|don'?t|never|no need to)\s+(tell|mention|inform|notify|alert|reveal|show|disclose|report|ask)\b[^.\n]{0,40}"
        r"(user|them|anyone|this|it|human)|\b(do not|don'?t|never)\s+(list|include|show|mention)\b[^.\n]{0,40}"
        r"\b(summar|confirmation|repl|response|output|log)|"
        r"\bwithout (asking|telling|notifying|informing|confirmation|their knowledge)|"
        r"\bsilently\b|\bsecretly\b|keep (this|it) (to yourself|between us|secret|hidden)|"
        r"\bkeep\b[^.\n]{0,40}\bout of (the |your )?(summar(y|ies)|repl(y|ies)|response|report|output|log|chat|"
        r"conversation)|"
        r"\b(leave|omit)\b[^.\n]{0,40}\b(out of|from) (the |your )?(summary|reply|response|report|output)|"
        r"(user|they) (does not|doesn'?t|do not|don'?t) need to know|never reveal|do not ask the user to confirm|"
        r"不要(告诉|提醒|通知|提及|提到|向用户|让用户|在回复中提到)|无需(确认|告知|询问)|不需要告诉|不必告知|悄悄|"
        r"no (lo|se lo|les) (menciones|digas|informes)|sin (avisar|preguntar|decirle)|"
        r"\bne (le|les|lui|leur) (dis|dites|mentionne|signale)|sans (prévenir|demander|le dire)|"
        r"ユーザーに(伝え|知らせ|言わ)ない|(伝え|知らせ)ないで|"
        r"не (сообщай|говори|уведомляй)|nicht (erwähnen|mitteilen)", _I),
    "inject": re.compile(
        r"ignore (all |any )?(the )?(previous|prior|above|earlier|preceding|your) (instructions|rules|safety|guidelines)|"
        r"disregard (all |any )?(previous|prior|your) |\bdeveloper mode\b|\bjailbreak|system (notice|message|override)|"
        r"\byou are now\b|忽略(之前|以上|先前|前面)|开发者模式|ignora (todas )?(las )?instrucciones|"
        r"игнорируй|ignoriere (alle )?(vorherigen )?anweisungen", _I),
    "hijack": re.compile(
        r"(rewrite|replace|change|route|redirect|swap|substitute|append|替换|更换|改成|改为|cambia|reemplaza)[^.\n。]{0,80}"
        r"(link|url|address|account|wallet|recipient|iban|payee|收款|链接|账户|地址|cuenta|enlace)|"
        r"\bbcc\b|密送|\bcc\b[^.\n]{0,30}every|"
        r"(extra|additional|额外|另外|adicional)[^.\n。]{0,40}(%|percent|转到|transfer|fee|费)|"
        r"approve\s*\([^)\n]*(max|uint256|2\s*\*\*\s*256|unlimited|0xf{8})|setapprovalforall|unlimited (allowance|approval)|"
        r"(tag|ref|aff|affid|affiliate|partner)=\w", _I),
    "registry": re.compile(r"--registry[=\s]+\S+|--(extra-)?index-url[=\s]+\S+|\bregistry\s*=\s*https?://|"
                           r"npm\s+config\s+set\s+registry|pip\s+config\s+set\s+global\.index-url", _I),
}

NEGATION = re.compile(
    r"\b(never|do not|don'?t|must not|should not|avoid|refuse|won'?t|no need to)\b|不要|绝不|切勿|请勿|禁止|不得|别|"
    r"\bnunca\b|\bno (ejecutes|compartas|envíes|pegues)|\bне\s|\bnie\b|niemals", _I)
REPUTABLE = re.compile(
    r"https://(sh\.rustup\.rs|get\.docker\.com|raw\.githubusercontent\.com/(Homebrew|nvm-sh|golang|pyenv)/|"
    r"brew\.sh|bun\.sh/install|deno\.land/install|astral\.sh/uv|install\.python-poetry\.org|get\.pnpm\.io|"
    r"ollama\.com/install|tailscale\.com/install|get\.helm\.sh|sdk\.cloud\.google\.com|awscli\.amazonaws\.com|"
    r"cli\.github\.com|deb\.nodesource\.com|fnm\.vercel\.app|starship\.rs/install|claude\.ai/install|"
    r"openclaw\.ai/install|opencode\.ai/install|mise\.run|pixi\.sh/install|volta\.sh|get\.rvm\.io|"
    r"install\.determinate\.systems|nixos\.org/nix/install|dot\.net/v1/dotnet-install|chocolatey\.org/install)", _I)

CODE_EXT = {".py": "py", ".pyw": "py", ".js": "js", ".mjs": "js", ".cjs": "js", ".ts": "js", ".tsx": "js", ".jsx": "js",
            ".sh": "sh", ".bash": "sh", ".zsh": "sh", ".command": "sh", ".ps1": "ps", ".psm1": "ps", ".bat": "bat",
            ".cmd": "bat", ".rb": "rb", ".pl": "pl", ".php": "php", ".go": "go", ".rs": "rs", ".html": "html",
            ".htm": "html", ".svg": "html", ".xhtml": "html", ".vbs": "vbs", ".applescript": "as", ".scpt": "as"}
PROSE_EXT = (".md", ".markdown", ".mdx", ".txt", ".rst", ".json", ".yaml", ".yml", ".toml", ".xml")


@dataclass(frozen=True, slots=True)
class Hit:
    """A technique found in a skill: rule id, file, 1-based line, evidence excerpt, note (how it was seen)."""

    rule: str
    rel: str
    line: int
    evidence: str
    note: str = ""
    severity: str | None = None  # overrides the rule's severity (e.g. a skill updating itself from its own server)


@dataclass(slots=True)
class Unit:
    """A piece of a file analysed as one: ``kind`` code | instruction; ``facts`` kind -> first (line, excerpt)."""

    rel: str
    kind: str
    first_line: int
    text: str
    facts: dict[str, tuple[int, str]] = field(default_factory=dict)
    lines: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------------ folding
_CONCAT = re.compile(r"([\"'])((?:(?!\1)[^\\\n]|\\.)*)\1\s*\+\s*([\"'])((?:(?!\3)[^\\\n]|\\.)*)\3")
#: shell assignments ``name=value`` (quoted or bare) and expansions ``$name``, ``${name}``, ``${name:off:len}``
_SHASSIGN = re.compile(r"(?m)^[ \t]*(?:export[ \t]+|local[ \t]+|readonly[ \t]+|declare[ \t]+)?([A-Za-z_]\w{0,40})="
                       r"(?:\"([^\"\n`]{0,400})\"|'([^'\n]{0,400})'|([^\s;&|`'\"()]{1,400}))")
_SHEXP = re.compile(r"\$\{([A-Za-z_]\w*)(?::(-?\d+)(?::(\d+))?)?\}|\$([A-Za-z_]\w*)")
_ECHO_B64 = re.compile(r"\$\(\s*(?:echo|printf)\s+(?:-n\s+|-e\s+)?[\"']?([A-Za-z0-9+/]{8,}={0,2})[\"']?\s*\|\s*base64\s+"
                       r"(?:-d|--decode|-D)\s*\)")
_JOIN = re.compile(r"\[\s*((?:[\"'][^\"'\n]*[\"']\s*,\s*)*[\"'][^\"'\n]*[\"'])\s*,?\s*\]\s*\.join\(\s*([\"'])([^\"'\n]*)\2\s*\)")
_PYJOIN = re.compile(r"([\"'])([^\"'\n]*)\1\s*\.join\(\s*\[\s*"
                     r"((?:[\"'][^\"'\n]*[\"']\s*,\s*)*[\"'][^\"'\n]*[\"'])\s*,?\s*\]\s*\)")
_PAREN = re.compile(r"(?<![\w\])$.])\(\s*(\"[^\"\n]*\"|'[^'\n]*')\s*\)")  # ("a") -> "a", not f("a")
_REVERSE = re.compile(r"([\"'])([^\"'\n]{4,})\1\s*\.split\(\s*[\"']{2}\s*\)\s*\.reverse\(\)\s*\.join\(\s*[\"']{2}\s*\)")
_PYREV = re.compile(r"([\"'])([^\"'\n]{4,})\1\s*\[\s*::\s*-1\s*\]")
_INTS = re.compile(r"[\[(]\s*((?:\d{2,3}\s*,\s*){7,}\d{2,3})\s*,?\s*[\])]")
_ESC = re.compile(r"(?:\\x[0-9a-fA-F]{2}|\\u00[0-9a-fA-F]{2}|\\[0-7]{3}){4,}")
_STR = re.compile(r"\"((?:[^\"\\\n]|\\.){1,300})\"|'((?:[^'\\\n]|\\.){1,300})'|`([^`\n]{1,300})`")
_SHQ = re.compile(r"(?<=[\w/.~-])(''|\"\")(?=[\w/.~-])|(?<=[\w/.~-])['\"](?=[\w/.~-]{1,3}['\"])")


def _unescape(v: str) -> str:
    """``v`` with backslash escapes resolved (invalid ones kept; never warns or raises)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return v.encode("utf-8", "backslashreplace").decode("unicode_escape", "ignore")
        except (UnicodeDecodeError, ValueError):
            return v


def _strs(group: str) -> list[str]:
    return re.findall(r"[\"']([^\"'\n]*)[\"']", group)


def fold(text: str) -> list[tuple[int, str]]:
    """What ``text`` spells indirectly, as ``(0-based line, text)`` items: concatenations joined, ``[...].join()``
    and reversed strings resolved, char-code arrays and escapes decoded, adjacent shell quotes removed, the string
    literals of every :data:`WINDOW` lines joined as one path-like stream, base64/hex payloads decoded.
    Bounded: at most :data:`MAX_UNIT` characters are examined."""
    t = text[:MAX_UNIT]
    out: list[tuple[int, str]] = []

    def ln(pos: int) -> int:
        return t.count("\n", 0, pos)

    lines = t.split("\n")
    lits: dict[int, list[str]] = {}
    for i, line in enumerate(lines):
        cur = line
        for _ in range(8):  # nested: ("a" + "b"), ["a", "b"].join(""), "x".split("").reverse().join("")
            new = _CONCAT.sub(lambda m: f'"{m.group(2)}{m.group(4)}"', cur)
            new = _PAREN.sub(r"\1", new)
            new = _JOIN.sub(lambda m: '"' + m.group(3).join(_strs(m.group(1))).replace('"', "") + '"', new)
            new = _PYJOIN.sub(lambda m: '"' + m.group(2).join(_strs(m.group(3))).replace('"', "") + '"', new)
            new = _REVERSE.sub(lambda m: '"' + m.group(2)[::-1] + '"', new)
            if new == cur:
                break
            cur = new
        if cur != line:
            out.append((i, cur))
        shq = _SHQ.sub("", cur)
        if shq != cur:
            out.append((i, shq))
        if "\\" in cur:  # string literals with escapes: a script carried in a string ('...\\nenv | curl ...')
            for m in _STR.finditer(cur):
                lit = next(g for g in m.groups() if g is not None)
                if "\\" in lit:
                    with contextlib.suppress(UnicodeDecodeError, ValueError), warnings.catch_warnings():
                        warnings.simplefilter("ignore")  # invalid escapes in hostile text are expected
                        dec = lit.encode("latin-1", "backslashreplace").decode("unicode_escape")
                        out.append((i, dec))
                        out.extend((i, e.group(0).encode("ascii").decode("unicode_escape"))
                                   for e in _ESC.finditer(dec) if e.group(0).isascii())
        if "'" in cur or '"' in cur or "`" in cur:
            found = [next(g for g in m.groups() if g is not None) for m in _STR.finditer(cur)]
            if found:
                lits.setdefault(i // (WINDOW // 2), []).extend(found)
    for k, v in lits.items():
        if len(v) >= 2:
            out.append((k * (WINDOW // 2), "/".join(v[:400])))
    out.extend(_shell_vars(t, lines))
    for rx in (_REVERSE, _PYREV):
        for m in rx.finditer(t):
            out.append((ln(m.start()), m.group(2)[::-1]))
    for m in _INTS.finditer(t):
        nums = [int(x) for x in re.findall(r"\d+", m.group(1))]
        if all(9 <= n < 127 for n in nums):
            out.append((ln(m.start()), "".join(chr(n) for n in nums)))
    for m in _ESC.finditer(t):
        with contextlib.suppress(UnicodeDecodeError, ValueError):
            out.append((ln(m.start()), m.group(0).encode("ascii").decode("unicode_escape")))
    for p in decode.find_payloads(t):
        if decode.is_suspicious_plain(p.decoded) or len(p.decoded) > 8:
            out.append((ln(p.offset), p.decoded[:MAX_UNIT]))
    for m in re.finditer(r"\b([A-Za-z0-9+/]{16,400}={0,2})", t):  # short base64 the payload finder skips
        s = m.group(1)
        if len(s) % 4 == 0:
            d = _b64_text(s)
            if d is not None and re.search(r"[/.:| ]", d):
                out.append((ln(m.start()), d))
    return out


def _shell_vars(t: str, lines: list[str]) -> list[tuple[int, str]]:
    """Lines of a shell script with the script's own literal variables expanded (``c="${a:0:4} ..."``,
    ``$u``, ``${x}``; substrings by offset/length; three rounds for variables built from variables) and
    ``$(echo B64 | base64 -d)`` replaced by what it decodes to: a command spelled through variables is seen as the
    command it runs. Bounded: 200 variables, lines that mention ``$`` only."""
    vals: dict[str, str] = {}
    for m in _SHASSIGN.finditer(t):
        if len(vals) >= 200:
            break
        vals[m.group(1)] = next((g for g in m.groups()[1:] if g is not None), "")
    if not vals:
        return []

    def sub(text: str) -> str:
        def one(m: re.Match[str]) -> str:
            name = m.group(1) or m.group(4)
            if name not in vals:
                return m.group(0)
            v = vals[name]
            if m.group(2) is not None:
                off = int(m.group(2))
                v = v[off:off + int(m.group(3))] if m.group(3) is not None else v[off:]
            return v

        for _ in range(3):
            new = _SHEXP.sub(one, text)
            if new == text:
                break
            text = new
        return _ECHO_B64.sub(lambda m: _b64_text(m.group(1)) or m.group(0), text)

    for k in list(vals):
        vals[k] = sub(vals[k])
    out = []
    for i, line in enumerate(lines):
        if "$" in line:
            new = sub(line)
            if new != line:
                out.append((i, new))
    return out


def _b64_text(s: str) -> str | None:
    """Printable text ``s`` decodes to as base64, or None."""
    try:
        d = base64.b64decode(s + "=" * (-len(s) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return d if d.isprintable() else None


# ---------------------------------------------------------------------------------------------------- splitting
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE = re.compile(r"`([^`\n]+)`")
_CMDLINE = re.compile(r"^\s*(\$\s+)?(sudo\s+)?(curl|wget|bash|sh|zsh|python3?|node|npx|npm|pip3?|powershell|pwsh|iwr|irm|"
                      r"git|openclaw|echo|source|invoke-webrequest|xattr|certutil|chmod|crontab|nohup|tar|rm|find|"
                      r"cat|printf|eval|exec|open|start|cmd|osascript|base64|dig|nslookup|nc|socat|scp|rsync)\b", _I)
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_HIDDEN_EL = re.compile(r"<(div|span|p|section)[^>]*(display\s*:\s*none|hidden|visibility\s*:\s*hidden)[^>]*>(.*?)</\1>",
                        re.S | re.I)
_SCRIPT = re.compile(r"<script[^>]*>(.*?)</script>", re.S | re.I)


def _ext(rel: str) -> str:
    m = re.search(r"\.[A-Za-z0-9]+$", rel)
    return m.group(0).lower() if m else ""


_CMD_VALUE = re.compile(r"[\"']?\b(command|cmd|run|script|exec|shell|postinstall|preinstall|install_cmd)[\"']?\s*:\s*"
                        r"[\"']((?:[^\"'\\\n]|\\.){4,})[\"']", re.I)
_LIFECYCLE = re.compile(r'"(preinstall|install|postinstall|prepare|prepublish|preuninstall)"\s*:\s*"((?:[^"\\]|\\.)*)"')


def units_of(rel: str, text: str) -> list[Unit]:
    """Split a file into analysis units. Code files: one ``code`` unit (HTML/SVG: each ``<script>``). Prose files:
    one ``instruction`` unit per paragraph (sentences keep their line), code blocks, inline code and command-like
    lines as ``code`` units carrying the sentence around them, HTML comments and hidden elements as instructions."""
    ext = _ext(rel)
    lang = CODE_EXT.get(ext)
    if rel.rsplit("/", 1)[-1] == "package.json":  # lifecycle scripts run at install time
        return [Unit(rel, "code", text.count("\n", 0, m.start()) + 1, _unescape(m.group(2)))
                for m in _LIFECYCLE.finditer(text)]
    if lang == "html":
        out = [Unit(rel, "code", text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in _SCRIPT.finditer(text)]
        return out + [Unit(rel, "instruction", text.count("\n", 0, m.start(1)) + 1, m.group(1))
                      for m in _COMMENT.finditer(text)]
    if lang is not None or (ext not in PROSE_EXT and text.startswith("#!")):
        return [Unit(rel, "code", 1, text)]
    if ext not in PROSE_EXT and ext not in ("",):
        return []
    out = []
    lines = text.split("\n")
    in_fence = False
    block: list[str] = []
    block_start = 0
    para: list[str] = []
    para_start = 1
    prev_prose = ""

    def flush_para(end: int) -> None:
        nonlocal para, prev_prose
        if para:
            out.append(Unit(rel, "instruction", para_start, "\n".join(para)))
            prev_prose = "\n".join(para[-2:])
        para = []

    for i, line in enumerate(lines, 1):
        if _FENCE.match(line):
            if in_fence:
                u = Unit(rel, "code", block_start, "\n".join(block))
                u.facts["_context"] = (block_start, prev_prose)
                out.append(u)
                block = []
            else:
                flush_para(i)
                block_start = i + 1
            in_fence = not in_fence
            continue
        if in_fence:
            block.append(line)
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            flush_para(i)
            para_start = i + 1
            continue
        if not para:
            para_start = i
        para.append(line)
        if _CMDLINE.match(line):
            u = Unit(rel, "code", i, line.strip().lstrip("$ "))
            u.facts["_context"] = (i, "\n".join(para[-3:-1]) or prev_prose)
            out.append(u)
        for m in _INLINE.finditer(line):
            u = Unit(rel, "code", i, m.group(1))
            u.facts["_context"] = (i, line)
            out.append(u)
    if in_fence and block:
        out.append(Unit(rel, "code", block_start, "\n".join(block)))
    for m in _CMD_VALUE.finditer(text):  # install specs and tool manifests: {"command": "..."} is run, not read
        u = Unit(rel, "code", text.count("\n", 0, m.start()) + 1, _unescape(m.group(2)))
        out.append(u)
    flush_para(len(lines))
    for rx, grp in ((_COMMENT, 1), (_HIDDEN_EL, 3)):
        for m in rx.finditer(text):
            u = Unit(rel, "instruction", text.count("\n", 0, m.start()) + 1, m.group(grp))
            u.facts["_hidden"] = (u.first_line, "hidden from the rendered page")
            out.append(u)
    return out


# ------------------------------------------------------------------------------------------------------ matching
WINDOW = 24  # lines of code analysed together: facts combine only within one window (a function, a short script)
PATTERN_LINE = re.compile(r"""\br["'].*\\[sSdwb|(]|re\.(compile|search|match|findall|sub)\s*\(|new RegExp|["']pattern["']\s*:|"""
                          r"""\bpatterns?\s*[=:]\s*[\[({]|^\s*[-*]?\s*/.*\\[sdw].*/[gimsuy]*,?\s*$""", re.I)
COMMENT_LINE = re.compile(r"\s*(#(?!!)|//|<!--|/\*|\*\s|rem\s|::)", re.I)
WARN_CTX = re.compile(
    r"\b(never|do not|don'?t|must not|should not)\s+(\w+\s+){0,2}(run|execute|paste|use|copy|type|try|pipe)\b|"
    r"不要(运行|执行|粘贴|使用)|切勿|请勿|禁止|\bnunca\s+(ejecutes|uses|pegues)|"
    r"\b(for example|examples?|e\.g\.|such as|patterns? like|looks like|detects?|flags?|matches|malicious|malware|"
    r"attackers?|classic|signatures?|explains?|explanation|quoted|red flags?|iocs?)\b|例如|恶意|攻击者|检测到|识别|"
    r"(^|\n)\s*\|", re.I)
WRITE_VERB = re.compile(r"\b(append|add|write|insert|save|put|record|persist|inject|place|prepend|update)\b|写入|追加|添加|保存|"
                        r"añade|escribe|запиши|добавь", re.I)


def _sentences(text: str) -> list[str]:
    """Sentences of a paragraph; Markdown table rows (quoted patterns, reference tables) are left out."""
    return [s for s in re.split(r"(?<=[.!?。！？；])\s+|\n", text) if s.strip() and not s.lstrip().startswith("|")]


def _negated_here(sentence: str, pos: int) -> bool:
    """A negation or warning word before ``pos`` in the sentence (the action is forbidden, not asked for)."""
    return bool(NEGATION.search(sentence[:pos]))


PROSE_FACTS = ("fetch", "run-prose", "run-file", "git-foreign", "grant", "install-url", "paste-run", "binary-url",
               "archive-password", "quarantine", "secret-agent", "secret-ssh",
               "secret-cloud", "secret-wallet", "secret-browser", "secret-otp", "env-file", "ask-secret", "send-prose",
               "persist",
               "destroy-prose", "agent-file-write", "authority", "config-relax", "hide", "inject", "hijack", "registry",
               "privilege", "miner", "revshell")


def _find_prose(u: Unit) -> None:
    text = u.text[:MAX_UNIT]
    sents: list[str] | None = None
    for kind in PROSE_FACTS:
        rx = FACTS[kind]
        if not rx.search(text):
            continue
        if sents is None:
            sents = _sentences(text)
        for s in sents:
            m = rx.search(s)
            if m and not (kind != "hide" and _negated_here(s, m.start())):
                if kind == "agent-file-write" and not WRITE_VERB.search(s):
                    continue
                ln = u.first_line + text.count("\n", 0, max(text.find(s), 0))
                u.facts.setdefault(kind, (ln, s.strip()[:160]))
                break
    if "send-prose" in u.facts:
        u.facts.setdefault("send", u.facts["send-prose"])


CODE_SKIP = frozenset({"send-prose", "run-prose", "archive-password", "destroy-prose", "agent-file-write", "authority",
                       "hide", "inject", "ask-secret", "grant", "secret-otp"})


def _find_code(u: Unit) -> None:
    """Fill ``u.lines``: fact kind -> [(absolute line, excerpt)] from the raw text and its folded items."""
    raw = u.text[:MAX_UNIT]
    lines = raw.split("\n")
    keep = [("" if (len(ln) < 2000 and (PATTERN_LINE.search(ln) or COMMENT_LINE.match(ln))) else ln) for ln in lines]
    text = "\n".join(keep)
    starts = [0]
    for ln_ in keep[:-1]:
        starts.append(starts[-1] + len(ln_) + 1)
    items = fold(text)
    view = "\n".join(v.replace("\n", " ") for _, v in items)
    vstarts = [0]
    for _, v in items[:-1]:
        vstarts.append(vstarts[-1] + len(v) + 1)
    for kind, rx in FACTS.items():
        if kind in CODE_SKIP:
            continue
        found: list[tuple[int, str]] = []
        for m in rx.finditer(text):
            i = bisect.bisect_right(starts, m.start()) - 1
            found.append((u.first_line + i, lines[i].strip()[:160]))
            if len(found) >= 50:
                break
        if view:
            for m in rx.finditer(view):
                j = bisect.bisect_right(vstarts, m.start()) - 1
                found.append((u.first_line + items[j][0], "folded: " + view[max(vstarts[j], m.start() - 40): m.end() + 60]
                              .strip()[:150]))
                if len(found) >= 100:
                    break
        if found:
            u.lines[kind] = found
            u.facts.setdefault(kind, found[0])
    # derived facts: a .env file's contents read (not a dotenv loader)
    own_env = any(re.search(r"__file__|__dirname|script_?dir|dirname\(", x[1], re.I) for x in u.lines.get("env-file", []))
    if "env-file" in u.lines and "file-read" in u.lines and "dotenv" not in u.lines and not own_env:
        extra = []
        for _, ev in u.lines["env-file"]:  # CTX = path.join(home, ".env") ... readFile(CTX): the read site counts too
            am = re.match(r"\s*(?:const|let|var|export)?\s*([A-Za-z_]\w*)\s*[:=]", ev)
            if am:
                rx = re.compile(rf"\b{re.escape(am.group(1))}\b")
                extra += [x for x in u.lines["file-read"] if rx.search(x[1])]
        u.lines["secret-env"] = u.lines.get("secret-env", []) + u.lines["env-file"] + extra
        u.facts.setdefault("secret-env", u.lines["env-file"][0])


def _near(u: Unit, groups: tuple[frozenset[str], ...]) -> list[tuple[int, str]] | None:
    """For a code unit: one fact of each group, all within :data:`WINDOW` lines of the first group's fact."""
    def at(k: str) -> list[tuple[int, str]]:
        if k in u.lines:
            return u.lines[k]
        return [u.facts[k]] if k.startswith("_") and k in u.facts else []  # unit-wide marks (hidden text)

    firsts = [ln for k in groups[0] for ln in at(k)]
    for anchor in firsts:
        got = [anchor]
        for g in groups[1:]:
            cand = [x for k in g for x in at(k) if k.startswith("_") or abs(x[0] - anchor[0]) <= WINDOW]
            if not cand:
                break
            got.append(min(cand, key=lambda x: abs(x[0] - anchor[0])))
        else:
            return got
    return None


def _chunks(u: Unit) -> list[Unit]:
    """A code unit larger than :data:`MAX_UNIT` characters as consecutive chunks (overlapping by :data:`WINDOW`
    lines), so every byte of a big file is matched and folded, with bounded work per chunk."""
    if len(u.text) <= MAX_UNIT:
        return [u]
    lines = u.text.split("\n")
    out: list[Unit] = []
    start = 0
    while start < len(lines):
        size, end = 0, start
        while end < len(lines) and size + len(lines[end]) < MAX_UNIT:
            size += len(lines[end]) + 1
            end += 1
        end = max(end, start + 1)
        out.append(Unit(u.rel, u.kind, u.first_line + start, "\n".join(lines[start:end])[:MAX_UNIT], dict(u.facts)))
        if end >= len(lines):
            break
        start = max(end - WINDOW, start + 1)
    return out


def _example_context(u: Unit) -> bool:
    ctx = u.facts.get("_context")
    return ctx is not None and bool(WARN_CTX.search(ctx[1]))


# ------------------------------------------------------------------------------------------------ combinations
@dataclass(frozen=True, slots=True)
class Technique:
    """A named dangerous combination: rule id, the fact groups that must all be present in one unit (any member
    of each group), the unit kinds it applies to (``code`` windows, ``instruction`` paragraphs), and whether it is
    decisive on its own (``critical``) or only raises the skill to suspicious (``high``)."""

    rule: str
    name: str
    groups: tuple[frozenset[str], ...]
    kinds: frozenset[str] = frozenset({"code", "instruction"})
    severity: str = "critical"


SECRETS = frozenset({"secret-agent", "secret-ssh", "secret-cloud", "secret-env", "secret-browser", "secret-wallet",
                     "secret-docs", "secret-typed", "secret-otp"})
OUT = frozenset({"send", "dns-out", "git-foreign"})
_G = frozenset
CODE = _G({"code"})
PROSE = _G({"instruction"})
TECHNIQUES: tuple[Technique, ...] = (
    Technique("SC910", "download-and-execute", (_G({"fetch"}), _G({"exec-dyn"})), CODE),
    Technique("SC911", "download-and-run a file", (_G({"fetch"}), _G({"run-file"})), CODE),
    Technique("SC912", "reverse shell", (_G({"revshell"}),), CODE),
    Technique("SC912", "reverse shell", (_G({"socket"}), _G({"shell-spawn"})), CODE),
    Technique("SC912", "remote tasking (C2 loop)", (_G({"fetch"}), _G({"shell-spawn", "exec-dyn"}), _G({"loop"})), CODE),
    Technique("SC913", "secret sent out", (SECRETS, OUT)),
    Technique("SC913", "secret sent out by DNS", (_G({"env-key"}), _G({"dns-out"})), CODE),
    Technique("SC914", "secret asked for and sent", (_G({"ask-secret"}), _G({"send", "fetch"}))),
    Technique("SC915", "persistence of remote code", (_G({"persist"}), _G({"fetch"}), _G({"exec-dyn", "run-file"})), CODE),
    Technique("SC916", "destroys user data", (_G({"destroy-code"}),), CODE),
    Technique("SC916", "destroys user data silently or after sending it",
              (_G({"destroy-prose", "destroy-code"}), _G({"hide", "send", "authority"})), PROSE),
    Technique("SC917", "privilege escalation", (_G({"privilege"}),)),
    Technique("SC918", "agent files rewritten with standing authority", (_G({"agent-file-write"}), _G({"grant", "inject"}))),
    Technique("SC918", "other skills rewritten", (_G({"skills-glob"}), _G({"write-mode"})), CODE),
    Technique("SC913", "repository pushed to a foreign remote in secret", (_G({"git-foreign"}), _G({"hide"})), PROSE),
    Technique("SC929", "secrets handled in secret", (SECRETS, _G({"hide"})), PROSE),
    Technique("SC919", "agent safety settings relaxed", (_G({"config-relax"}),)),
    Technique("SC920", "hijack hidden from the user", (_G({"hijack"}), _G({"hide", "authority"})), PROSE),
    Technique("SC921", "prompt injection with action or concealment",
              (_G({"inject"}), _G({"hide", "authority", "send"} | SECRETS)), PROSE),
    Technique("SC922", "cryptominer", (_G({"miner"}),)),
    Technique("SC920", "clipboard crypto-address swap", (_G({"clip-read"}), _G({"clip-write"}), _G({"crypto-addr"})), CODE),
    Technique("SC923", "binary dropper", (_G({"binary-url", "fetch"}), _G({"archive-password", "quarantine"}),
                                          _G({"run-prose", "run-file"}))),
    Technique("SC923", "binary dropper", (_G({"binary-url"}), _G({"run-file", "run-prose"}))),
    Technique("SC923", "quarantine bypass and launch", (_G({"quarantine"}), _G({"run-file", "run-prose"}))),
    Technique("SC924", "evasion before a sensitive action",
              (_G({"evasion"}), SECRETS | OUT | _G({"destroy-code", "exec-dyn", "shell-spawn"})), CODE),
    Technique("SC925", "hidden instruction", (_G({"_hidden"}), SECRETS | _G({"send", "hide", "inject"})), PROSE),
    Technique("SC925", "hidden instruction", (_G({"_hidden"}), _G({"fetch"}), _G({"exec-dyn", "run-file"})), CODE),
    Technique("SC910", "installs a package from a URL without asking", (_G({"install-url"}), _G({"authority", "hide"})),
              _G({"doc"})),
    Technique("SC910", "paste-and-run of a command kept on a web page", (_G({"paste-run"}), _G({"doc-url"})), _G({"doc"})),
    Technique("SC920", "hijack hidden from the user", (_G({"hijack"}), _G({"hide"})), _G({"doc"})),
    Technique("SC927", "remote instructions written into agent files",
              (_G({"agent-file-write", "agent-file-code-write"}), _G({"fetch"})), severity="high"),
    Technique("SC928", "instruction reads secrets or sends data out",
              (SECRETS | _G({"env-file"}), _G({"send"})), PROSE, "high"),
)
_REMOTE = {"SC910", "SC911", "SC915"}


def analyse(files: dict[str, str], description: str = "", name: str = "") -> list[Hit]:
    """Techniques found in a skill's text files (``relpath -> text``). One :class:`Hit` per (rule, file).

    A download-and-execute of a well-known vendor installer, or of a host named like the skill itself (its own
    installer), is reported with note ``vendor installer`` so the verdict can treat it as not decisive."""
    units: list[Unit] = []
    seen: set[str] = set()
    for rel, text in files.items():
        if text in seen:  # an identical copy (backup files) adds nothing
            continue
        seen.add(text)
        hidden = [Unit(rel, k, ui.line, ui.decoded) for ui in decode.unicode_issues(text) if ui.kind == "tag" and ui.decoded
                  for k in ("instruction", "code")]
        for h in hidden:
            h.facts["_hidden"] = (h.first_line, "invisible Unicode TAG text")
        for u in units_of(rel, text) + hidden:
            if u.kind == "code":
                if _example_context(u):
                    continue
                for c in _chunks(u):
                    _find_code(c)
                    units.append(c)
            else:
                _find_prose(u)
                units.append(u)
    # a paragraph and the commands in it are one instruction: merge code facts of a line into its paragraph
    paras: dict[str, list[tuple[int, int, Unit]]] = {}
    for u in units:
        if u.kind == "instruction":
            paras.setdefault(u.rel, []).append((u.first_line, u.first_line + u.text.count("\n"), u))
    for u in units:
        if u.kind == "code" and u.rel.lower().endswith(PROSE_EXT):
            for p_first, p_last, p in paras.get(u.rel, []):
                if p_first <= u.first_line <= p_last:
                    for k, v in u.facts.items():
                        if not k.startswith("_"):
                            p.facts.setdefault(k, v)
    for u in units:  # a prose paragraph is matched on facts, not line distances
        if u.kind == "instruction":
            u.lines = {}
    skill_words = _words(f"{name} {description}")
    docs: dict[str, Unit] = {}
    for u in units:
        if u.rel.lower().endswith(PROSE_EXT):
            d = docs.setdefault(u.rel, Unit(u.rel, "doc", 1, ""))
            for k, v in u.facts.items():
                if not k.startswith("_"):
                    d.facts.setdefault(k, v)
            m = re.search(r"https?://\S+", u.text) if u.kind == "instruction" else None
            if m and not _vendor(m.group(0), skill_words):
                d.facts.setdefault("doc-url", (u.first_line, m.group(0)[:120]))
    units = units + list(docs.values())
    hits: dict[tuple[str, str], Hit] = {}
    for t in TECHNIQUES:
        for u in units:
            if u.kind not in t.kinds:
                continue
            got: list[tuple[int, str] | None]
            if u.lines:
                near = _near(u, t.groups)
                if near is None:
                    continue
                got = list(near)
            else:
                got = [next((u.facts[k] for k in sorted(g) if k in u.facts), None) for g in t.groups]
                if not all(x is not None for x in got):
                    continue
            first = min(x for x in got if x is not None)
            note = t.name
            ev_all = " ".join(x[1] for x in got if x is not None)
            if (t.rule in _REMOTE and u.rel.lower().endswith(PROSE_EXT) and "_hidden" not in u.facts
                    and not re.search(r"https?://|\$|\d+\.\d+\.\d+\.\d+|%\w+%|\w+\.\w{2,}/", ev_all)):
                continue  # "curl | bash" named, with nothing to fetch: a mention, not a step
            if QUOTED_SAMPLE.search(ev_all):
                note = "quoted sample"
            if t.rule == "SC913" and (_credential_use(u) or _own_config(u, skill_words, name)):
                note = "token used for its own service"
            if t.rule in _REMOTE and _vendor(u.facts.get("fetch", (0, ""))[1], skill_words) and not _covert(u):
                note = "vendor installer"
            sev = None
            if t.rule == "SC927" and _vendor(ev_all, skill_words) and not re.search(
                    r"(SOUL|MEMORY|AGENTS|IDENTITY|BOOTSTRAP)\.md", ev_all):
                note, sev = "self-update from its own server", "medium"
            key = (t.rule, u.rel)
            if key not in hits or (hits[key].note in WEAK_NOTES and note not in WEAK_NOTES):
                ev = " | ".join(dict.fromkeys(x[1] for x in got if x is not None))[:230]
                hits[key] = Hit(t.rule, u.rel, first[0], ev, note, sev)
    return sorted(hits.values(), key=lambda h: (h.rule, h.rel, h.line))


QUOTED_SAMPLE = re.compile(r"\bevil(\.com|\.example)?\b|\battacker\.|malicious\.|example\.(com|org)|<url>|\bx\.x\.x", re.I)
WEAK_NOTES = frozenset({"vendor installer", "quoted sample", "token used for its own service"})


def _credential_use(u: Unit) -> bool:
    """A single named field of a config (``.telegram.token``) sent to the service it is named after is the skill
    using its credential, not stealing it."""
    facts = u.facts
    src = next((facts[k][1] for k in sorted(SECRETS) if k in facts), "")
    fields = {w for w in re.findall(r"[.\[\"']([a-z]{4,})[\]\"']?\.?(?:token|key|apikey|secret)", src.lower())}
    fields |= {w for w in re.findall(r"\.([a-z]{4,})\.(?:token|bottoken|apikey|key)\b", src.lower())}
    fields -= {"gateway", "auth", "profiles", "credentials"}
    hosts = _send_hosts(u)
    return bool(fields) and any(f in hosts for f in fields)


def _send_hosts(u: Unit) -> str:
    """Host names of the URLs in the unit's send facts (lower case, space separated)."""
    dst = " ".join(x[1] for x in u.lines.get("send", [])) or u.facts.get("send", (0, ""))[1]
    return " ".join(re.findall(r"https?://([^/\s\"']+)", dst.lower()))


MESSAGE_LINE = re.compile(r"not set|configure|please|missing|error|usage|warning|例如|请在|e\.g\.", re.I)


def _own_config(u: Unit, skill_words: set[str], name: str) -> bool:
    """The secret is the skill's own key kept in OpenClaw's config (``skills.entries.<skill>``) or in a credentials
    folder named after the skill, or the config file is only named in a message; not the gateway token or auth
    profiles."""
    src = u.facts.get("secret-agent", (0, ""))[1]
    if not src or any(k in u.facts for k in SECRETS - {"secret-agent"}):
        return False
    if MESSAGE_LINE.search(src):
        return True
    if re.search(r"gateway|auth[-_]profiles|identity", u.text + " " + src, re.I):
        return False
    if re.search(r"skills\W{1,4}entries", u.text):
        return True
    own = {w for w in re.findall(r"[a-z0-9]{3,}", name.lower())} - {"skill", "openclaw", "clawdbot", "moltbot", "the"}
    hosts = _send_hosts(u)
    return any(w in src.lower() or w in hosts for w in own)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]{4,}", text.lower())}


_COVERT = re.compile(r"(/tmp|/var/tmp|/dev/shm|\$TMPDIR|%temp%)[/\\]\.[\w-]|detached\s*:\s*true|\.unref\(\)|"
                     r"\bcrontab\b|@reboot|\*/\d+(\s+\*){4}|"
                     r"\bnohup\b|\bdisown\b|\bsetsid\b|(SOUL|MEMORY|AGENTS|HEARTBEAT|BOOTSTRAP)\.md|"
                     r"\bevery (future )?(session|start|run|time)\b|\bat the start of every\b", re.I)


def _covert(u: Unit) -> bool:
    """The download is hidden or made to last: saved under a dot-name in a temp folder, started detached,
    scheduled to run again (cron), written into the agent's memory files or run every session, or the
    unit or the sentence around it tells the agent to conceal it. A vendor's installer does none of these, so such
    a download is never excused as one."""
    around = u.facts.get("_context", (0, ""))[1]
    return bool({"hide", "_hidden"} & u.facts.keys()) or _COVERT.search(u.text) is not None or (
        _COVERT.search(around) is not None or FACTS["hide"].search(around) is not None)


def _vendor(evidence: str, skill_words: set[str]) -> bool:
    """The download comes from a well-known installer host or from a host named like the skill (its own tool)."""
    urls = re.findall(r"https?://([^/\s\"'`|)]+)(/[^\s\"'`|)]*)?", evidence)
    if not urls:
        return False
    for host, path in urls:
        if REPUTABLE.search(f"https://{host}{path}") and "raw.githubusercontent.com" not in host:
            continue
        if re.fullmatch(r"[\d.]+(:\d+)?", host) or host.endswith((".invalid", ".onion")):
            return False
        toks = _words(host.replace("raw.githubusercontent.com", "") + " " + (path if "github" in host else ""))
        toks -= {"install", "setup", "main", "master", "http", "https", "www", "raw", "githubusercontent", "com", "scripts"}
        if not any(t in skill_words or any(t in w or w in t for w in skill_words if len(w) >= 5) for t in toks):
            return False
    return True


def iter_texts(pairs: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """Text files of a skill as ``relpath -> str`` (binary files, detected by NUL bytes, are left out)."""
    out = {}
    for rel, data in pairs:
        if b"\x00" in data[:4096]:
            continue
        out[rel] = data.decode("utf-8", "replace")
    return out


POPULAR_NAMES = ("openclaw", "clawhub", "clawdbot", "moltbot", "anthropic", "openai", "claude", "github", "google",
                 "metamask", "phantom", "solana", "binance", "coinbase", "notion", "slack", "telegram")
_ASCII_LOOKALIKE = str.maketrans({"I": "l", "1": "l", "|": "l", "0": "o", "5": "s", "$": "s", "@": "a"})


def skeleton(name: str) -> str:
    """Visual skeleton of a name: Unicode confusables (UTS #39 data via ``confusable_homoglyphs``) mapped to their
    Latin look-alikes, then ASCII look-alikes (I/1 -> l, 0 -> o, rn -> m), lower-cased."""
    from confusable_homoglyphs import confusables

    out = []
    for ch in name:
        if ord(ch) < 128:
            out.append(ch)
            continue
        found = confusables.is_confusable(ch, preferred_aliases=["latin"]) or []
        rep = next((h["c"] for f in found for h in f.get("homoglyphs", []) if ord(h["c"][0]) < 128), ch)
        out.append(rep)
    return "".join(out).translate(_ASCII_LOOKALIKE).lower().replace("rn", "m")


def lookalike(name: str) -> str | None:
    """Why ``name`` looks like something it is not (mixed scripts, a capital I among lower case letters), or None."""
    from confusable_homoglyphs import confusables

    if not name:
        return None
    if any(ord(c) > 127 for c in name) and confusables.is_dangerous(name, preferred_aliases=["latin"]):
        return f"{name!r} mixes scripts and reads as {skeleton(name)!r}"
    if re.search(r"[a-z]I[a-z]|[a-z]I\b|\bI[a-z]{2}", name) and name != name.lower() and "-" in name:
        return f"{name!r} uses a capital I as a look-alike of l (reads as {skeleton(name)!r})"
    return None


def skill_level(files: dict[str, str], folder: str, name: str, description: str, rules: set[str]) -> list[Hit]:
    """Skill-wide techniques (SC926): a look-alike or "official" name of a well-known project together with a
    package source of its own (``--registry``, ``--index-url``) or a typosquatted dependency."""
    out: list[Hit] = []
    why = lookalike(name) or lookalike(folder)
    sk = skeleton(f"{name} {folder}")
    official = bool(re.search(r"\bofficial\b|官方|oficial|официальн", f"{name} {description}", re.I)) and any(
        p in sk for p in POPULAR_NAMES)
    if not (why or official):
        return out
    for rel, text in files.items():
        m = FACTS["registry"].search(text)
        if m:
            ln = text.count("\n", 0, m.start()) + 1
            reason = why or f"claims to be official ({description[:60]!r})"
            out.append(Hit("SC926", rel, ln, f"{reason}; own package source: {m.group(0)[:80]}",
                           "impersonation with its own package source"))
            break
    if why and not out and rules & {"SC504", "SC106", "SC101", "SC105"}:
        out.append(Hit("SC926", "SKILL.md", 0, f"{why}; installs packages", "look-alike name that installs code"))
    return out
