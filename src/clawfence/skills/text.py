"""Line-level view of skill files: Markdown segmentation (front matter, prose, fenced code blocks with their
declared language, HTML comments, headings, tables), context damping, and the regex rule runner.

Damping: a prose line inside a table, under a warning-like heading (``Red flags``, ``Safety``...), containing a
negation/warning word outside the match, or a match inside double quotes is treated as quoted guidance,
not as an instruction; its confidence is multiplied by :data:`DAMP`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from clawfence.skills.rules import Rule

DAMP = 0.25

WARN_HEADING = re.compile(
    r"(red.?flag|warning|danger|avoid|never|don'?t|do not|scam|phishing|attack|threat|malicious|injection|detect|"
    r"patterns?|examples? of|what not|caution|anti-|unsafe|bad |security|safety|protect|defen[cs]e|blocked|"
    r"风险|警告|危险|注意|禁止|安全|防护|示例)",
    re.I,
)
NEGATION = re.compile(
    r"(\bnever\b|\brefuse|\bavoid|\bscam|\bred.?flag|\bbeware|\bwarn|\bmalicious|\bphishing|\bsuspicious|"
    r"\battack|\bstop\b|\bblocked\b|\bdetect(s|ed|ion)?\b|\bflagged\b|\bdangerous|\bfake\b|\bexample|\be\.g\.|\bsuch as\b|"
    r"\bnot\s+(needed|required|necessary)|\bdo not (run|paste|execute|install|trust|follow|share|give|type|enter)|"
    r"\bdon'?t (run|paste|execute|install|trust|follow|share|give|type|enter)|"
    r"不要|切勿|禁止|警惕|诈骗|绝不|永远不要|nunca|no compartas)",
    re.I,
)
SHELL_LANGS = {
    "bash": "sh",
    "sh": "sh",
    "shell": "sh",
    "zsh": "sh",
    "console": "sh",
    "terminal": "sh",
    "shellsession": "sh",
    "powershell": "ps",
    "ps1": "ps",
    "pwsh": "ps",
    "cmd": "ps",
    "bat": "ps",
}
PY_LANGS = {"python": "py", "py": "py", "python3": "py"}
JS_LANGS = {"javascript": "js", "js": "js", "node": "js", "typescript": "js", "ts": "js", "mjs": "js", "jsx": "js", "tsx": "js"}


@dataclass(slots=True)
class Line:
    """One line: 1-based ``no``, text, ``ctx`` prose|code, damped flag, current heading, code language."""

    no: int
    text: str
    ctx: str
    damped: bool = False
    heading: str = ""
    lang: str = ""
    comment: bool = False


@dataclass(slots=True)
class CodeUnit:
    """A parseable code fragment: language (py|js|sh|ps|text), source, first line number in its file."""

    lang: str
    text: str
    first_line: int
    damped: bool = False


@dataclass(slots=True)
class Segmented:
    """A file split into lines, code units, HTML comments (first line, text) and front matter."""

    lines: list[Line] = field(default_factory=list)
    units: list[CodeUnit] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)
    frontmatter: str = ""
    fm_lines: int = 0


def norm_lang(info: str) -> str:
    """Map a fence info string / extension to py|js|sh|ps|text."""
    key = info.strip().lower().split()[0] if info.strip() else ""
    key = key.lstrip("{.").rstrip("}")
    return SHELL_LANGS.get(key) or PY_LANGS.get(key) or JS_LANGS.get(key) or ("text" if key else "")


FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*([^`\n]*)$")


def segment_markdown(text: str) -> Segmented:
    """Split Markdown into contextual lines and code units (fenced blocks keep their declared language)."""
    seg = Segmented()
    raw = text.split("\n")
    i = 0
    if raw and raw[0].strip() == "---":
        for j in range(1, min(len(raw), 400)):
            if raw[j].strip() in ("---", "..."):
                seg.frontmatter = "\n".join(raw[1:j])
                seg.fm_lines = j + 1
                for k in range(0, j + 1):
                    seg.lines.append(Line(k + 1, raw[k], "prose"))
                i = j + 1
                break
    heading = ""
    hwarn = False
    fence: str | None = None
    block: list[str] = []
    block_lang = ""
    block_start = 0
    in_comment = False
    comment_buf: list[str] = []
    comment_start = 0
    while i < len(raw):
        ln = raw[i]
        no = i + 1
        i += 1
        if fence is not None:
            if ln.strip().startswith(fence):
                seg.units.append(
                    CodeUnit(block_lang or "text", "\n".join(block), block_start, hwarn)
                )
                fence = None
                seg.lines.append(Line(no, ln, "prose", heading=heading))
                continue
            block.append(ln)
            seg.lines.append(Line(no, ln, "code", hwarn, heading, block_lang))
            continue
        m = FENCE.match(ln)
        if m:
            fence = m.group(1)
            block_lang = norm_lang(m.group(2))
            block = []
            block_start = no + 1
            seg.lines.append(Line(no, ln, "prose", heading=heading))
            continue
        stripped = ln.strip()
        if stripped.startswith("#"):
            heading = stripped.lstrip("#").strip()
            hwarn = bool(WARN_HEADING.search(heading))
        if "<!--" in ln and not in_comment:
            in_comment = True
            comment_start = no
            comment_buf = []
        if in_comment:
            comment_buf.append(ln)
            seg.lines.append(Line(no, ln, "prose", False, heading, comment=True))
            if "-->" in ln:
                in_comment = False
                seg.comments.append((comment_start, "\n".join(comment_buf)))
            continue
        damped = stripped.startswith("|") or hwarn
        seg.lines.append(Line(no, ln, "prose", damped, heading))
    if fence is not None:
        seg.units.append(CodeUnit(block_lang or "text", "\n".join(block), block_start))
    if in_comment:
        seg.comments.append((comment_start, "\n".join(comment_buf)))
    return seg


def segment_code(text: str, lang: str) -> Segmented:
    """Every line is code (``mixed`` for data/text files: JSON/YAML manifests and requirements files, matched by
    prose and code rules alike); the whole file is one unit."""
    seg = Segmented()
    ctx = "mixed" if lang == "text" else "code"
    for n, ln in enumerate(text.split("\n"), 1):
        seg.lines.append(Line(n, ln, ctx, lang=lang))
    seg.units.append(CodeUnit(lang, text, 1))
    return seg


QUOTED = re.compile(r"[\"“«]([^\"”»\n]{0,300})[\"”»]")


def line_damped(line: Line, start: int, end: int) -> bool:
    """True when the match ``[start, end)`` on ``line`` reads as quoted guidance rather than an instruction."""
    if line.damped:
        return True
    if line.ctx == "code":
        return False
    rest = line.text[:start] + " " + line.text[end:]
    if NEGATION.search(rest):
        return True
    return line.ctx == "prose" and any(q.start() <= start and end <= q.end() for q in QUOTED.finditer(line.text))


Hit = tuple[Rule, Line, str, bool]


def run_regex(lines: list[Line], rules: list[Rule], full: str, max_line: int = 4000) -> list[Hit]:
    """Match every regex rule on each line in its scope; one hit per (rule, line). Long lines are clipped.

    Prefilter: a rule with ``keywords`` is tried only on lines containing one of them (found with ``str.find`` on
    the lower-cased text; every pattern of a rule must contain one of its keywords, a test enforces it)."""
    hits: list[Hit] = []
    low = full.lower()
    starts: list[int] = []
    pos = 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln.text) + 1
    if len(starts) != len(lines) or pos - 1 != len(full):
        starts = []  # lines do not map 1:1 onto ``full``: fall back to per-line keyword checks
    for rule in rules:
        if rule.keywords:
            if not any(k in low for k in rule.keywords):
                continue
            cand = _candidates(low, rule.keywords, starts) if starts else None
        else:
            cand = None
        idxs = sorted(cand) if cand is not None else range(len(lines))
        pats = rule.compiled()
        for i in idxs:
            line = lines[i]
            if line.ctx not in rule.scope and line.ctx != "mixed":
                continue
            text = line.text if len(line.text) <= max_line else line.text[:max_line]
            if cand is None and rule.keywords:
                lt = text.lower()
                if not any(k in lt for k in rule.keywords):
                    continue
            for rx in pats:
                m = rx.search(text)
                if m:
                    damped = rule.dampen and line_damped(line, m.start(), m.end())
                    hits.append((rule, line, m.group(0), damped))
                    break
    hits.sort(key=lambda h: h[1].no)
    return hits


def _candidates(low: str, keywords: tuple[str, ...], starts: list[int], cap: int = 20000) -> set[int]:
    """Indexes of lines containing any keyword (bounded number of occurrences per keyword)."""
    out: set[int] = set()
    for k in keywords:
        p = low.find(k)
        n = 0
        while p != -1 and n < cap:
            out.add(bisect_right(starts, p) - 1)
            p = low.find(k, p + 1)
            n += 1
    return out
