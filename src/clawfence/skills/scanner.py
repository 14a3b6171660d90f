"""Scan one skill (files in memory) into a :class:`SkillResult`; discover skills under a path.

Pipeline per text file: segment (Markdown or code) -> regex rules per line in context -> language analysers on
code units (Python ``ast``, JS tree-sitter, shell tree-sitter) -> hidden Unicode -> encoded payloads decoded and
rescanned (depth <= :data:`MAX_DEPTH`) -> IOC feed. Then skill-level logic (install hooks, agent-file writes,
secret collection, capability mismatch, impersonation) and the verdict. Nothing in a skill is executed.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from clawfence.core.redact import redact, redact_assignments
from clawfence.skills import behaviour, decode, deps, ioc, jsflow, logic, pyflow, shflow
from clawfence.skills.result import ScanFinding, SkillFile, SkillResult
from clawfence.skills.rules import Rule, RuleSet, load_rules
from clawfence.skills.sensitive import AGENT_SECRETS, FIELD_EXTRACT, PIPE_TO_SHELL, CodeHit
from clawfence.skills.source import Loaded, SourceError, is_archive, load_archive, load_dir
from clawfence.skills.text import DAMP, Segmented, run_regex, segment_code, segment_markdown
from clawfence.skills.verdict import score, verdict

MAX_DEPTH = 3
SKILL_MD_NAMES = frozenset({"skill.md", "skills.md"})  # any casing: OpenClaw authors use both
MD_EXT = (".md", ".markdown", ".mdx", ".txt", ".rst")
PY_EXT = (".py", ".pyw")
JS_EXT = (".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".mts", ".cts")
SH_EXT = (".sh", ".bash", ".zsh", ".command", ".ksh")
BIN_MAGIC = (
    b"\x7fELF",
    b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xfe\xed\xfa\xce",
    b"\xca\xfe\xba\xbe",
    b"MZ",
)
MEDIA_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"RIFF",
    b"%PDF",
    b"\x00\x00\x01\x00",
    b"wOFF",
    b"wOF2",
    b"OTTO",
    b"\x00\x01\x00\x00",
)
AGENT_MD = {"SKILL.MD", "SKILLS.MD", "HEARTBEAT.MD", "AGENTS.MD", "SOUL.MD", "TOOLS.MD", "MEMORY.MD", "BOOTSTRAP.MD",
            "IDENTITY.MD"}
DOC_FILE = re.compile(
    r"(^|/)(README|CHANGELOG|CONTRIBUTING|LICENSE|SECURITY|HISTORY|CHANGES)[^/]*$|(^|/)(docs?|examples?|tests?|test|spec|fixtures?)/",
    re.I,
)
PREREQ = re.compile(
    r"prerequisite|required|requirement|dependency|dependencies|setup|set up|install|first run|before (using|you)|"
    r"one-time|important|critical|will not work|won't work|will fail|必需|前置|依赖|安装|首次|requisito|instalaci",
    re.I,
)
REVSHELL = re.compile(r"/dev/tcp/|\bnc\b[^\n]{0,40}\s-e\s|socket\.socket|IEX|DownloadString|Invoke-Expression", re.I)
SCRIPT_TAG = re.compile(r"<script[^>]*>(.*?)</script>", re.I | re.S)
AGENT_HINT = re.compile(r"\.openclaw|\.clawdbot|\.moltbot|auth-profiles", re.I)
RAW_IP_URL = re.compile(r"\b(https?|ftp)://\d{1,3}(\.\d{1,3}){3}|\bhttp://(?!localhost|127\.)")


def _redact(s: str) -> str:
    from clawfence.detect.secrets import find_secrets

    for m in sorted(find_secrets(s), key=lambda m: -m.start):
        s = s[: m.start] + redact(m.value) + s[m.end :]
    return redact_assignments(s)[:200]


@dataclass(slots=True)
class _Ctx:
    rules: RuleSet
    regex_rules: list[Rule]
    feed: tuple[ioc.Indicator, ...]
    findings: list[ScanFinding] = field(default_factory=list)
    seen: set[tuple[str, str, int]] = field(default_factory=set)

    def add(
        self,
        rule_id: str,
        rel: str,
        line: int,
        evidence: str,
        conf_mult: float = 1.0,
        note: str = "",
        severity: str | None = None,
    ) -> None:
        key = (rule_id, rel, line)
        r = self.rules.get(rule_id)
        if key in self.seen:
            conf = min(1.0, r.confidence * conf_mult)
            for i, old in enumerate(self.findings):
                if (old.rule, old.path, old.line) == key and old.confidence < conf:
                    self.findings[i] = ScanFinding(old.rule, severity or old.severity, conf, rel, line, old.evidence,
                                                   old.guide, old.capability, note or old.note)
            return
        if DOC_FILE.search(rel):
            conf_mult *= 0.6
        elif (rel.lower().endswith(MD_EXT) and rel.rsplit("/", 1)[-1].upper() not in AGENT_MD
              and not rel.rsplit("/", 1)[-1].lower().startswith("requirements")):
            conf_mult *= 0.75
        self.seen.add(key)
        ev = _redact(evidence.strip())
        if note:
            ev = f"{ev} [{note}]"[:240]
        self.findings.append(
            ScanFinding(
                rule_id,
                severity or r.severity.value,
                min(1.0, r.confidence * conf_mult),
                rel,
                line,
                ev,
                r.guide,
                r.capability,
                note,
            )
        )


def _lang_of(rel: str) -> str:
    low = rel.lower()
    if low.endswith(MD_EXT):
        return "md"
    if low.endswith(PY_EXT):
        return "py"
    if low.endswith(JS_EXT):
        return "js"
    if low.endswith(SH_EXT):
        return "sh"
    if low.endswith((".ps1", ".psm1", ".bat", ".cmd")):
        return "ps"
    return "text"


def _py_too_deep(text: str) -> bool:
    """The source failed to parse because of nesting depth or memory (not a syntax error)."""
    import ast

    try:
        ast.parse(text)
    except (RecursionError, MemoryError):
        return True
    except (SyntaxError, ValueError):
        return False
    return False


def _guess_lang(s: str) -> str:
    if re.search(r"^\s*(import |from \w+ import|def |exec\(|print\()", s, re.M):
        return "py"
    if re.search(r"=>|\brequire\(|\bfetch\(|\bconst |\bfunction\b|process\.", s):
        return "js"
    return "sh"


def _analyse_unit(lang: str, text: str) -> list[CodeHit]:
    mods = {"py": pyflow.analyse, "js": jsflow.analyse, "sh": shflow.analyse}
    fn = mods.get(lang)
    if fn is None:
        return []
    res = fn(text)
    if res is None and lang == "py" and _py_too_deep(text):
        return [CodeHit("SC708", 1, "Python nesting too deep for the parser", "not fully analysed")]
    if lang in ("js", "sh") and len(text) > (2_000_000 if lang == "js" else 1_500_000):
        return [CodeHit("SC708", 1, f"{len(text)} characters: above the {lang} parser cap", "not fully analysed")]
    hits = list(res or [])
    if not any(h.rule == "SC210" for h in hits) and AGENT_HINT.search(text):
        for h in fn(text, AGENT_SECRETS, True) or []:
            if h.rule == "SC210":
                field = "field-extract" if FIELD_EXTRACT.search(text) else "whole"
                hits.append(CodeHit("SC217", h.line, h.evidence, field))
    return hits


def _scan_text(ctx: _Ctx, text: str, rel: str, lang: str, depth: int, fixed_line: int | None = None, note: str = "") -> Segmented:
    seg = segment_markdown(text) if lang == "md" else segment_code(text, lang)
    boost = 1.15 if depth else 1.0

    def line_no(n: int) -> int:
        return fixed_line if fixed_line is not None else n

    for rule, line, match, damped in run_regex(seg.lines, ctx.regex_rules, text):
        sev = None
        if rule.id == "SC101" and RAW_IP_URL.search(line.text):
            sev = "high"
        if rule.id == "SC105" and not damped and PREREQ.search(line.heading + " " + line.text):
            sev = "critical"
        ctx.add(
            rule.id,
            rel,
            line_no(line.no),
            line.text if len(line.text) < 200 else match,
            (DAMP if damped else 1.0) * boost,
            note,
            sev,
        )
    for unit in seg.units:
        for h in _analyse_unit(unit.lang, unit.text):
            ctx.add(
                h.rule, rel, line_no(unit.first_line + h.line - 1), h.evidence, DAMP if unit.damped else boost, note or h.note
            )
        if unit.lang not in ("py", "js", "sh") or lang == "md":
            for h in logic.code_logic(unit.text):
                ctx.add(h.rule, rel, line_no(unit.first_line + h.line - 1), h.evidence, DAMP if unit.damped else 1.0, note)
    if lang == "md":
        for h in logic.markdown_logic(seg):
            sev = "critical" if h.rule == "SC408" and h.note == "network command hidden" else None
            mult = boost * (0.6 if h.note == "direct" else 1.0)
            ctx.add(h.rule, rel, line_no(h.line), h.evidence, mult, note or h.note, sev)
    for ui in decode.unicode_issues(text):
        if ui.kind == "tag":
            ctx.add("SC704", rel, line_no(ui.line), f"{ui.count} TAG characters decode to: {ui.decoded[:120]!r}", 1.0, note)
            if depth < MAX_DEPTH and ui.decoded:
                _scan_text(ctx, ui.decoded, rel, "md", depth + 1, line_no(ui.line), "decoded Unicode TAG text")
        elif ui.kind == "bidi":
            ctx.add("SC705", rel, line_no(ui.line), f"{ui.count} bidi control character(s)", 1.0, note)
        else:
            ctx.add("SC705", rel, line_no(ui.line), f"{ui.count} zero-width character(s) inside words", 0.8, note)
    if depth < MAX_DEPTH:
        for p in decode.find_payloads(text):
            ln = line_no(text.count("\n", 0, p.offset) + 1)
            if decode.is_suspicious_plain(p.decoded):
                shown = p.decoded.replace("\n", " ")[:140]
                sev = "critical" if PIPE_TO_SHELL.search(p.decoded) or REVSHELL.search(p.decoded) else None
                ctx.add("SC301", rel, ln, f"{p.encoding} decodes to: {shown}", boost, note, sev)
                _scan_text(ctx, p.decoded, rel, _guess_lang(p.decoded), depth + 1, ln, f"decoded {p.encoding}")
    for ind, off in ioc.match_text(text, ctx.feed):
        ctx.add(
            "SC601" if ind.high else "SC602",
            rel,
            line_no(text.count("\n", 0, off) + 1),
            f"{ind.type} {ind.value[:80]} - {ind.context[:80]}",
            1.0,
            note,
        )
    return seg


def scan_loaded(loaded: Loaded, path: str, folder: str, rules: RuleSet | None = None, use_ioc: bool = True) -> SkillResult:
    """Scan a loaded skill. ``path`` is shown in results, ``folder`` is the skill's directory/archive name.
    ``use_ioc=False`` runs the analysis alone (no indicator list: SC601/SC602 never fire)."""
    rs = rules or load_rules()
    ctx = _Ctx(rs, [r for r in rs.rules if r.kind == "regex"], ioc.load_feed() if use_ioc else ())
    files: dict[str, str] = {}
    fm: dict[str, object] = {}
    for f in sorted(loaded.files, key=lambda f: (f.rel.lower() not in SKILL_MD_NAMES, f.rel)):
        files[f.rel] = hashlib.sha256(f.data).hexdigest()
        _scan_file(ctx, f, files[f.rel], fm)
    for s in loaded.structural:
        ctx.add(s.rule, s.rel, 0, s.evidence)
    name = str(fm.get("name") or folder)
    desc = str(fm.get("description") or "")
    if not logic.declares_credentials(desc, fm):
        for sf in [x for x in ctx.findings if x.rule == "SC217" and x.note == "whole"]:
            ctx.add("SC210", sf.path, sf.line, sf.evidence, 1.0, "OpenClaw secrets sent by a skill that declares no credentials")
    caps = {
        f.capability
        for f in ctx.findings
        if f.confidence >= 0.6 and f.severity in ("critical", "high") and not f.path.lower().endswith(MD_EXT)
    }
    slug = ioc.match_slug(folder, ctx.feed)
    if slug:
        ctx.add("SC602", "SKILL.md", 0, f"slug {folder!r} - {slug.context[:80]}")
    for h in logic.mismatch(name, desc, caps) + logic.impersonation(folder, name, desc):
        ctx.add(h.rule, "SKILL.md", h.line, h.evidence)
    texts = behaviour.iter_texts((f.rel, f.data) for f in loaded.files if f.data and not f.data.startswith(BIN_MAGIC))
    for bh in behaviour.analyse(texts, desc, f"{name} {folder}"):
        ctx.add(bh.rule, bh.rel, bh.line, bh.evidence, 0.55 if bh.note in behaviour.WEAK_NOTES else 1.0, bh.note, bh.severity)
    for bh in behaviour.skill_level(texts, folder, name, desc, {f.rule for f in ctx.findings}):
        ctx.add(bh.rule, bh.rel, bh.line, bh.evidence, 1.0, bh.note)
    findings = sorted(ctx.findings, key=lambda f: (-_rank(f.severity), f.path, f.line, f.rule))
    total = score(findings)
    caps_out = sorted({f.capability for f in findings if f.confidence >= 0.5})
    return SkillResult(path, name, verdict(total, findings), round(total, 1), findings, caps_out, files, desc[:300])


def _rank(sev: str) -> int:
    return {"critical": 4, "high": 3, "medium": 2, "low": 1}.get(sev, 0)


def _scan_file(ctx: _Ctx, f: SkillFile, sha: str, fm: dict[str, object]) -> None:
    hit = ioc.match_hash(sha, ctx.feed)
    if hit:
        ctx.add("SC601", f.rel, 0, f"sha256 {sha[:16]}… - {hit.context[:80]}")
    if not f.data:
        if is_archive(Path(f.rel)):
            ctx.add("SC702", f.rel, 0, f"archive of {f.size} bytes (contents scanned in memory)")
        return
    head = f.data[:8]
    if (head.startswith(BIN_MAGIC) and not head.startswith(b"MZ\x00\x00\x00\x00")) or head[:2] == b"MZ":
        kind = "ELF" if head.startswith(b"\x7fELF") else "PE" if head[:2] == b"MZ" else "Mach-O"
        ctx.add("SC701", f.rel, 0, f"{kind} executable, {f.size} bytes")
        return
    if head.startswith(MEDIA_MAGIC) or b"\x00" in f.data[:4096]:
        return
    text = f.data.decode("utf-8", "replace")
    if (
        f.truncated
        or f.size > 1024 * 1024
        or (f.size > 256 * 1024 and len(zlib.compress(f.data[:1_000_000], 1)) * 25 < len(f.data[:1_000_000]))
    ):
        ctx.add("SC707", f.rel, 0, f"{f.size} bytes{' (head and tail scanned)' if f.truncated else ''}")
    if f.truncated:
        ctx.add("SC708", f.rel, 0, f"{f.size} bytes: larger than the per-file cap, only head and tail analysed")
    lang = _lang_of(f.rel)
    if lang == "text" and text.startswith("#!"):
        shebang = text.split("\n", 1)[0]
        lang = "py" if "python" in shebang else "js" if "node" in shebang else "sh"
    seg = _scan_text(ctx, text, f.rel, lang, 0)
    if f.rel.lower().endswith((".html", ".htm", ".svg", ".xhtml", ".xml")):
        svg = f.rel.lower().endswith(".svg")
        for sm in SCRIPT_TAG.finditer(text[:2_000_000]):
            top = text.count("\n", 0, sm.start(1)) + 1
            for h in jsflow.analyse(sm.group(1), browser=svg):
                if h.rule != "SC211":
                    ctx.add(h.rule, f.rel, top + h.line - 1, h.evidence, 1.0, h.note or "script in markup")
    base = f.rel.rsplit("/", 1)[-1]
    if base.lower() in SKILL_MD_NAMES and "/" not in f.rel and not fm:
        fm.update(logic.frontmatter(text))
        fm.setdefault("_fm", seg.frontmatter)
    if lang in ("py", "js", "sh", "ps", "text"):
        for h in logic.code_logic(text):
            ctx.add(h.rule, f.rel, h.line, h.evidence)
    if lang == "text":
        for h in logic.secret_exfil_lines(text):
            ctx.add(h.rule, f.rel, h.line, h.evidence, 0.6, h.note)
    for h in deps.dependency_typos(f.rel, text):
        ctx.add(h.rule, f.rel, h.line, h.evidence)
    hooks, cmds = logic.install_hooks(f.rel, text, logic.frontmatter(text) if base.lower() in SKILL_MD_NAMES else {})
    for h in hooks:
        ctx.add(h.rule, f.rel, h.line, h.evidence)
    for c in cmds:
        _scan_text(ctx, c, f.rel, "sh", 1, hooks[0].line if hooks else 1, "install hook command")
    if base == "_meta.json":
        m = re.search(r'"owner"\s*:\s*"([^"]+)"', text)
        acc = ioc.match_account(m.group(1), ctx.feed) if m else None
        if acc and m:
            ctx.add("SC601", f.rel, 0, f"publisher {m.group(1)} - {acc.context[:80]}")


def scan_path(path: Path, exclude: frozenset[str] = frozenset(), use_ioc: bool = True, jobs: int = 1) -> list[SkillResult]:
    """Scan a skill folder, a folder of skills, or an archive; one result per skill, in :func:`discover` order.

    ``jobs`` > 1 scans skills in that many processes (results identical to one process).
    Raises :class:`SourceError` when the path is missing or unreadable."""
    if not path.exists() and not path.is_symlink():
        raise SourceError(f"no such file or directory: {path}")
    if path.is_file():
        if not is_archive(path):
            raise SourceError(f"{path}: not a skill folder or a .zip/.tar.gz archive")
        stem = re.sub(r"\.(zip|tar\.gz|tgz|tar|tar\.bz2|tar\.xz|skill)$", "", path.name, flags=re.I)
        return [scan_loaded(load_archive(path), str(path), stem, use_ioc=use_ioc)]
    dirs = discover(path)
    if jobs > 1 and len(dirs) > 1:
        import concurrent.futures
        import multiprocessing

        ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
        with concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, len(dirs)), mp_context=ctx) as pool:
            return list(pool.map(_scan_dir, dirs, [exclude] * len(dirs), [use_ioc] * len(dirs), chunksize=4))
    return [_scan_dir(d, exclude, use_ioc) for d in dirs]


def _scan_dir(d: Path, exclude: frozenset[str], use_ioc: bool) -> SkillResult:
    return scan_loaded(load_dir(d, exclude), str(d), d.name, use_ioc=use_ioc)


def discover(root: Path, max_depth: int = 4) -> list[Path]:
    """Skill folders under ``root``: ``root`` itself if it holds a SKILL.md, else every folder holding one
    (not descending into a skill; symlinks not followed). Falls back to ``[root]``."""
    if _has_skill_md(root):
        return [root]
    out: list[Path] = []
    stack = [(root, 0)]
    while stack:
        d, depth = stack.pop()
        try:
            subs = sorted(p for p in d.iterdir() if p.is_dir() and not p.is_symlink() and p.name not in (".git", "node_modules"))
        except OSError:
            continue
        for s in subs:
            if _has_skill_md(s):
                out.append(s)
            elif depth + 1 < max_depth:
                stack.append((s, depth + 1))
    return sorted(out) or [root]


def _has_skill_md(d: Path) -> bool:
    try:
        return any(p.name.lower() in SKILL_MD_NAMES and p.is_file() and not p.is_symlink() for p in d.iterdir())
    except OSError:
        return False


__all__ = ["SourceError", "discover", "scan_loaded", "scan_path"]
