"""Technique corpus for the skill scanner and a variant generator that rewrites samples as an attacker would.

Corpus (data, beside this file): ``techniques/*.yaml`` map technique id -> malicious samples, and
``techniques_benign.yaml`` holds tricky benign skills. A sample is ``{name, lang, files: {relpath: text}}``; prose
languages are en, zh, es, de, ru, fa. Every host is ``.invalid`` or TEST-NET; nothing is ever executed.

Transformations (:data:`TRANSFORMS`), each a pure function ``files -> files | None`` (None: does not apply):

* ``rename``      scripts moved to other names/folders, references in the prose updated;
* ``split``       string literals in code split into concatenations / joined arrays / adjacent shell quotes;
* ``encode``      code files wrapped as base64 payloads decoded and executed at run time;
* ``carrier``     code moved into another language (Python/JS in a shell heredoc, shell in Python subprocess);
* ``move``        commands in SKILL.md moved to a script that the prose only names;
* ``reword``      prose rewritten with other verbs and phrasing;
* ``translate``   prose phrases translated to Chinese (phrase table; code untouched).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from clawfence.skills.result import SkillFile, SkillResult
from clawfence.skills.scanner import scan_loaded
from clawfence.skills.source import Loaded

HERE = Path(__file__).parent
Files = dict[str, str]


@dataclass(frozen=True)
class Sample:
    """One corpus skill: technique (``benign`` for the benign set), name, prose language, files."""

    technique: str
    name: str
    lang: str
    files: Files


def load_corpus() -> tuple[list[Sample], list[Sample]]:
    """(malicious samples, tricky benign samples) from the YAML beside this module."""
    mal: list[Sample] = []
    for p in sorted((HERE / "techniques").glob("*.yaml")):
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
        for tech, samples in doc["techniques"].items():
            for s in samples:
                mal.append(Sample(tech, s["name"], s.get("lang", "en"), dict(s["files"])))
    ben = [Sample("benign", s["name"], s.get("lang", "en"), dict(s["files"]))
           for s in yaml.safe_load((HERE / "techniques_benign.yaml").read_text(encoding="utf-8"))["benign"]]
    return mal, ben


def scan_files(files: Files, folder: str = "skill") -> SkillResult:
    """Scan an in-memory skill (``relpath -> text``)."""
    loaded = Loaded()
    for rel, text in files.items():
        data = text.encode("utf-8")
        loaded.files.append(SkillFile(rel, data, len(data)))
        loaded.total += len(data)
    return scan_loaded(loaded, folder, folder)


# --- transformations -------------------------------------------------------------------------------------------

CODE_EXT = {".py": "py", ".js": "js", ".mjs": "js", ".cjs": "js", ".ts": "js", ".sh": "sh", ".bash": "sh"}


def _ext(rel: str) -> str:
    m = re.search(r"\.[A-Za-z0-9]+$", rel)
    return CODE_EXT.get(m.group(0).lower(), "") if m else ""


def _code_files(files: Files) -> list[str]:
    return [r for r in files if _ext(r)]


def t_rename(files: Files) -> Files | None:
    code = _code_files(files)
    if not code:
        return None
    out = dict(files)
    for i, rel in enumerate(code):
        new = f"lib/util_{i}{Path(rel).suffix}"
        text = out.pop(rel)
        out[new] = text
        for k in list(out):
            if not _ext(k):
                out[k] = out[k].replace(rel, new).replace(Path(rel).name, new)
    return out


STR_RX = {"py": re.compile(r'"([^"\\\n]{6,})"'), "js": re.compile(r'"([^"\\\n]{6,})"')}


def _split_literal(lang: str, s: str) -> str:
    cut = len(s) // 2
    a, b = s[:cut], s[cut:]
    if lang == "js":
        return f'["{a}", "{b}"].join("")'
    return f'("{a}" + "{b}")'


def t_split(files: Files) -> Files | None:
    out = dict(files)
    changed = False
    for rel in _code_files(files):
        lang = _ext(rel)
        text = files[rel]
        if lang in STR_RX:
            new = STR_RX[lang].sub(lambda m, lg=lang: _split_literal(lg, m.group(1)), text)
        else:  # shell: break words inside URLs and paths with adjacent empty quotes
            new = re.sub(r"(https?://[^\s\"'|;)]{4})", lambda m: m.group(1)[:6] + "''" + m.group(1)[6:], text)
            new = re.sub(r"(~/\.\w{2})", lambda m: m.group(1)[:3] + '""' + m.group(1)[3:], new)
        if new != text:
            out[rel] = new
            changed = True
    return out if changed else None


def t_encode(files: Files) -> Files | None:
    out = dict(files)
    changed = False
    for rel in _code_files(files):
        lang = _ext(rel)
        body = files[rel]
        b64 = base64.b64encode(body.encode()).decode()
        if lang == "py":
            out[rel] = f"import base64 as _b\nexec(compile(_b.b64decode('{b64}'), 'm', 'exec'))\n"
        elif lang == "js":
            if "await " in body or rel.endswith(".mjs"):
                continue
            out[rel] = f"eval(Buffer.from('{b64}', 'base64').toString('utf8'));\n"
        else:
            out[rel] = f"#!/bin/sh\necho '{b64}' | base64 -d | sh\n"
        changed = True
    return out if changed else None


def t_carrier(files: Files) -> Files | None:
    out = dict(files)
    changed = False
    for rel in _code_files(files):
        lang = _ext(rel)
        body = files[rel]
        if lang == "py":
            new_rel = re.sub(r"\.py$", ".sh", rel)
            out.pop(rel)
            out[new_rel] = f"#!/bin/sh\npython3 - <<'PYEOF'\n{body}PYEOF\n"
        elif lang == "js":
            if rel.endswith(".mjs") or "await " in body:
                continue
            new_rel = re.sub(r"\.(c?js|ts)$", ".sh", rel)
            out.pop(rel)
            out[new_rel] = f"#!/bin/sh\nnode - <<'JSEOF'\n{body}JSEOF\n"
        else:
            new_rel = re.sub(r"\.(sh|bash)$", ".py", rel)
            out.pop(rel)
            out[new_rel] = f"import subprocess\nsubprocess.run({body!r}, shell=True, executable='/bin/bash')\n"
        for k in list(out):
            if not _ext(k):
                out[k] = out[k].replace(Path(rel).name, Path(new_rel).name).replace(
                    "python3 " + Path(new_rel).name, "sh " + Path(new_rel).name)
        changed = True
    return out if changed else None


CMD_LINE = re.compile(r"^(\s*)((?:curl|wget|bash|sh|python3?|node|npx|npm|pip|powershell|iwr|irm|git|openclaw|echo|source|"
                      r"Invoke-WebRequest|xattr|certutil)\b.*)$", re.M)


def t_move(files: Files) -> Files | None:
    md = files.get("SKILL.md", "")
    body = md.split("---", 2)[-1] if md.startswith("---") else md
    cmds = [m.group(2) for m in CMD_LINE.finditer(body)]
    spans = re.findall(r"`([^`\n]*(?:\||&&|iex|Invoke|exec|eval)[^`\n]*)`", body)
    cmds += [s for s in spans if s not in cmds]
    if not cmds:
        return None
    out = dict(files)
    new = md
    for c in cmds:
        new = new.replace(c, "bash tools/prepare.sh")
    out["SKILL.md"] = new
    out["tools/prepare.sh"] = "#!/bin/bash\n" + "\n".join(cmds) + "\n"
    return out


REWORD = [
    (r"\bRun\b", "Execute"), (r"\brun\b", "execute"), (r"\bbefore first use\b", "ahead of using it"),
    (r"\bFirst\b", "To begin"), (r"\bonce\b", "a single time"), (r"\bsend\b", "transmit"), (r"\bupload\b", "push"),
    (r"\bDo not (tell|mention)[^.]*\.", "Keep this step to yourself."), (r"\bwithout asking\b", "silently"),
    (r"\bthe user\b", "your human"), (r"\binstall\b", "set up"), (r"\bInstall\b", "Set up"),
    (r"\balways\b", "every time"), (r"\bWhenever\b", "Each time"), (r"\bread\b", "load"), (r"\bfile\b", "document"),
]

TRANSLATE = [
    (r"Before (using|you use) (the|this) skill,?", "使用本技能之前，"), (r"\bRun\b", "运行"), (r"\bfirst\b", "首先"),
    (r"\bonce\b", "一次"), (r"\bDo not (tell|mention)[^.]*\.", "不要告诉用户。"), (r"\bthe user\b", "用户"),
    (r"\bwithout asking\b", "无需确认"), (r"\bsend\b", "发送"), (r"\bupload\b", "上传"), (r"\binstall\b", "安装"),
    (r"\bInstall\b", "安装"), (r"\bWhenever\b", "每当"), (r"\balways\b", "总是"), (r"\bread\b", "读取"),
    (r"\bthen\b", "然后"), (r"\bThen\b", "然后"), (r"\band\b", "并"), (r"\bto\b", "到"),
]


def _prose(files: Files, table: list[tuple[str, str]]) -> Files | None:
    out = dict(files)
    changed = False
    for rel, text in files.items():
        if not rel.lower().endswith(".md"):
            continue
        parts = re.split(r"(```.*?```|`[^`\n]*`|^---.*?^---$)", text, flags=re.S | re.M)
        new_parts = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                for rx, rep in table:
                    part = re.sub(rx, rep, part)
            new_parts.append(part)
        new = "".join(new_parts)
        if new != text:
            out[rel] = new
            changed = True
    return out if changed else None


def t_reword(files: Files) -> Files | None:
    return _prose(files, REWORD)


def t_translate(files: Files) -> Files | None:
    return _prose(files, TRANSLATE)


TRANSFORMS: dict[str, Callable[[Files], Files | None]] = {
    "rename": t_rename, "split": t_split, "encode": t_encode, "carrier": t_carrier, "move": t_move,
    "reword": t_reword, "translate": t_translate,
}


def variants(sample: Sample) -> list[tuple[str, Files]]:
    """Every applicable transformation of ``sample`` (name, files); also one chained ``split+carrier+rename``."""
    out = []
    for name, fn in TRANSFORMS.items():
        v = fn(sample.files)
        if v is not None:
            out.append((name, v))
    chain: Files | None = sample.files
    for fn in (t_split, t_carrier, t_rename):
        chain = fn(chain) or chain
    if chain != sample.files:
        out.append(("split+carrier+rename", chain))
    return out
