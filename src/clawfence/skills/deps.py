"""SC504 typosquatted dependencies: names one edit away from a popular PyPI/npm package, found in
requirements*.txt, package.json dependencies and ``pip|npm|pnpm|yarn|bun install`` lines (pure functions)."""

from __future__ import annotations

import json
import re

from clawfence.skills.logic import _lev1, _line_of
from clawfence.skills.sensitive import CodeHit

POPULAR_PKGS = frozenset({
    "requests", "urllib3", "numpy", "pandas", "django", "flask", "fastapi", "boto3", "botocore", "pyyaml",
    "cryptography", "setuptools", "colorama", "beautifulsoup4", "selenium", "openai", "anthropic", "httpx",
    "aiohttp", "pillow", "scipy", "matplotlib", "python-dateutil", "certifi", "charset-normalizer", "pytest",
    "click", "pydantic", "jinja2", "psutil", "paramiko", "pymongo", "redis", "tensorflow", "torch",
    "transformers", "langchain", "playwright", "python-dotenv", "websocket-client", "solana", "web3",
    "lodash", "axios", "express", "react", "chalk", "commander", "moment", "request", "dotenv", "debug",
    "yargs", "node-fetch", "typescript", "webpack", "discord.js", "ethers", "puppeteer", "telegraf",
    "mongoose", "socket.io", "nodemailer",
})
#: Real packages one edit away from a popular one (never reported).
LEGIT_LOOKALIKES = frozenset({"preact", "dotenvx", "scapy", "openapi", "pillow-heif", "redis-py", "torchx", "clawdhub"})
_INSTALL_LINE = re.compile(r"\b(?:pip3?|uv pip|pipx|npm|pnpm|yarn|bun)\s+(?:install|i|add)\s+([^\n|;&#]+)", re.I)


def _dep_names(rel: str, text: str) -> list[tuple[str, int]]:
    base = rel.rsplit("/", 1)[-1].lower()
    out: list[tuple[str, int]] = []
    if base.startswith("requirements") and base.endswith(".txt"):
        for no, ln in enumerate(text.split("\n"), 1):
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9_.-]*)", ln)
            if m and not ln.lstrip().startswith(("#", "-")):
                out.append((m.group(1), no))
    elif base == "package.json":
        try:
            doc = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            doc = None
        if isinstance(doc, dict):
            for k in ("dependencies", "devDependencies", "optionalDependencies"):
                deps = doc.get(k)
                if isinstance(deps, dict):
                    out += [(n, _line_of(text, f'"{n}"')) for n in deps if isinstance(n, str)]
    for m in _INSTALL_LINE.finditer(text):
        no = text.count("\n", 0, m.start()) + 1
        for raw in m.group(1).split():
            tok = raw.strip("`'\",;()[]{}")
            if tok and not tok.startswith(("-", "$", "<", "http", ".", "/", "~", "@")) and "/" not in tok:
                out.append((re.split(r"[=<>~!\[@]", tok)[0], no))
    return out


def dependency_typos(rel: str, text: str) -> list[CodeHit]:
    """SC504: dependency names one edit (substitution, insertion, deletion, swap) from a popular package."""
    hits: list[CodeHit] = []
    for name, no in _dep_names(rel, text):
        n = name.lower().replace("_", "-")
        if len(n) < 5 or n in POPULAR_PKGS or n in LEGIT_LOOKALIKES:
            continue
        for p in POPULAR_PKGS:
            if len(p) >= 5 and _lev1(n, p):
                hits.append(CodeHit("SC504", no, f"{name!r} is one edit from {p!r}"))
                break
    return hits
