"""``clawfence explain PG001``: what a guard rule of the built-in baseline policy does and why."""

from __future__ import annotations

from clawfence.guard.policy import builtin_policy

#: rule id -> (English, Chinese) explanation of what triggers it and what to do instead.
_TEXT: dict[str, tuple[str, str]] = {
    "PG001": ("Blocks commands that irreversibly destroy the system, the home directory, the OpenClaw state dir "
              "or the workspace root: rm -rf on those (also via sh -c, eval, $(...), xargs, sudo, interpreters, "
              "here-docs or base64), find -delete on them, mkfs, dd of=/dev/..., chmod/chown -R on system "
              "directories, fork bombs. Delete specific build outputs inside the workspace instead.",
              "阻止不可逆破坏系统、主目录、OpenClaw 状态目录或工作区根目录的命令（rm -rf、find -delete、mkfs、"
              "dd of=/dev/...、chmod -R 777 / 等，包括经 sh -c、eval、base64 隐藏的形式）。"),
    "PG002": ("Blocks changes to authentication or permission configuration: openclaw config set gateway.auth..., "
              "bind, exec security, dmPolicy/allowFrom, exec approvals, pairing/device approval, SSH "
              "authorized_keys, sudoers, and edits of those files through write/edit/apply_patch.",
              "阻止修改认证或权限配置（gateway.auth、执行审批、配对、allowFrom、authorized_keys、sudoers 等）。"),
    "PG003": ("Blocks outbound content carrying credentials: provider API keys, JWTs, private keys, BIP-39 "
              "mnemonics (checksum-validated), the gateway token and your own secrets (matched by hash).",
              "阻止向外发送令牌、私钥、助记词（校验和验证）、网关令牌及用户登记的秘密（按哈希匹配）。"),
    "PG004": ("Blocks blind download-and-execute: curl|sh, saved-then-run scripts, bash <(curl ...), "
              "pip/npm installs straight from URLs or git, and base64-hidden payloads.",
              "阻止盲目“一键安装”：curl|sh、下载后执行、从 URL/git 直接安装及 base64 隐藏载荷。"),
    "PG005": ("Blocks reads and writes of protected files: OpenClaw config, auth profiles, credentials/, "
              "exec approvals, ~/.ssh, wallets, cloud credentials. Paths are normalised (.., ~, symlinks).",
              "阻止读写受保护文件（配置、auth-profiles、credentials/、~/.ssh、钱包、云凭据），路径经规范化。"),
    "PG006": ("Blocks requests to cloud metadata endpoints and link-local addresses (SSRF, credential theft).",
              "阻止访问云元数据端点和链路本地地址。"),
    "PG007": ("Blocks financial transactions outside the working-hours window (Asia/Shanghai, Mon-Fri 09-18).",
              "在工作时间窗口之外阻止金融交易。"),
    "PG008": ("Financial transactions wait for two distinct approvers, one with a TOTP code.",
              "金融交易需两名不同审批人批准，其中一人提供 TOTP 动态码。"),
    "PG009": ("Core configuration changes wait for two distinct approvers, one with a TOTP code.",
              "核心配置修改需两名审批人（含 TOTP）批准。"),
    "PG010": ("Recursive deletion outside the workspace, or of targets that depend on unset variables, waits "
              "for a second confirmation.", "工作区外的批量删除需二次确认。"),
    "PG011": ("Bank card numbers (Luhn) and PRC resident ID numbers (GB 11643 check digit) in outbound content "
              "wait for a person.", "外发内容含银行卡号或身份证号时需人工确认。"),
    "PG012": ("Installing packages outside the approved set, or skills/plugins, waits for a person; route "
              "skill installs through clawfence skills.", "安装未批准的软件包、技能或插件需人工确认。"),
    "PG013": ("Command-line network access to hosts outside the egress allowlist waits for a person.",
              "命令行访问出站白名单以外的主机需人工确认。"),
    "PG014": ("sudo/doas waits for a second confirmation.", "sudo/doas 提权需二次确认。"),
    "PG015": ("Commands the shell parser cannot read wait for a person.", "无法解析的命令需人工确认。"),
    "PG016": ("System commands requested by a non-owner sender on a channel wait for a second confirmation.",
              "渠道中非所有者发起的系统命令需二次确认。"),
}


def explain(rule_id: str, lang: str = "en") -> str | None:
    """Explanation of guard rule ``rule_id`` (e.g. ``PG001``) in ``lang`` (en|zh), or None if unknown."""
    rule = builtin_policy().rule(rule_id.upper())
    if rule is None:
        return None
    en, zh = _TEXT.get(rule.id, (rule.description, rule.description))
    body = zh if lang == "zh" else en
    extra = ""
    if rule.decision == "ask":
        extra = f"\napprovals: {rule.approvals}{' + TOTP' if rule.totp else ''}, timeout {rule.timeout_s}s (then denied)"
    return (f"{rule.id} [guard rule, decision: {rule.decision}] {rule.description}\n"
            f"guide: {', '.join(rule.guide)}\n{body}{extra}\n")
