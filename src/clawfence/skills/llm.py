"""Optional model-assisted skill review (rule SC900): the intent of prose that static analysis cannot judge.

OFF by default: nothing here runs unless the user passes ``clawfence skills scan --llm`` (configuration from the
environment, :meth:`LlmConfig.from_env`) or ``--llm-config FILE`` (TOML or JSON, :meth:`LlmConfig.from_file`).
The endpoint is any OpenAI-compatible ``POST {base_url}/chat/completions`` (llama.cpp server, ollama, vLLM, a
hosted API). Guide: P4.1 (vet skills before use), D3.1 (supply-chain review of skills).

What is sent: the fixed, versioned prompt of ``llm_prompt.yaml`` plus the skill's instruction files only (SKILL.md
first, then other markdown/text files and manifests; never scripts or binaries), each cut to
``max_file_chars`` and all together to ``max_total_chars`` with a visible truncation marker. Every secret the
shared kernel recognises (:func:`clawfence.detect.secrets.find_secrets`) and every ``token=VALUE`` assignment is
replaced by its redacted form (first 4 chars + length) before anything leaves the process.

Trust model (the skill is the adversary and may address the model): the model's answer is untrusted input.
It is parsed strictly (pydantic); anything malformed becomes a "not analysed by model" note, never a crash.
Evidence quotes must be found verbatim in the named file or they are dropped; without at least one verified
quote the answer cannot change anything. The model can RAISE a deterministic ``benign`` verdict to
``suspicious`` and nothing more: it never makes a skill ``malicious`` alone and never lowers a verdict, so a
skill that talks the model into "benign" gains nothing. The API key is read at request time from an environment
variable or a file, sent only in the ``Authorization`` header (redirects are not followed), and never appears in
a log, note, cache entry or report.

Answers are cached under ``clawfence_home()/cache/llm`` keyed by sha256 of (prompt version, model, payload);
writes are atomic. A cache entry can only reproduce what the model may do, so a tampered cache cannot lower a
verdict either.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import os
import re
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from clawfence.core.atomic import atomic_write_text
from clawfence.core.errors import UsageError
from clawfence.core.paths import clawfence_home
from clawfence.core.redact import redact, redact_assignments, redact_in_text
from clawfence.detect.secrets import find_secrets
from clawfence.skills.result import ScanFinding, SkillResult

log = logging.getLogger(__name__)

RULE_ID = "SC900"
GUIDE = ("P4.1", "D3.1")
DEFAULT_KEY_ENV = "CLAWFENCE_LLM_API_KEY"
#: Model verdict -> SC900 severity. Deliberately below the scan's default ``--fail-on high``: the model is advisory.
SEVERITY = {"malicious": "medium", "suspicious": "low", "benign": "info"}
MAX_RESPONSE_BYTES = 1024 * 1024
MIN_QUOTE_CHARS = 8
RAISE_CONFIDENCE = 0.5
INSTRUCTION_EXT = (".md", ".markdown", ".mdx", ".txt", ".rst")
MANIFESTS = frozenset({"skill.json", "_meta.json", "package.json", "manifest.json", "openclaw.plugin.json", "clawhub.json"})
ROOT_CONFIG_EXT = (".yaml", ".yml", ".toml")
SKILL_MD = frozenset({"skill.md", "skills.md"})
GIVE_UP_AFTER = 3
MARKER_CHARS = 40  # one <<<FILE/END tag> marker line, without the path


class LlmConfigError(UsageError):
    """The model-review configuration is missing or invalid (the CLI prints it and exits 2)."""


class LlmConfig(BaseModel):
    """Where and how to ask the model. ``base_url`` is the OpenAI-compatible API root (e.g.
    ``http://127.0.0.1:8080/v1``); the key comes from ``api_key_env`` (an environment variable NAME) or
    ``api_key_file`` (a file holding only the key), never from the config itself. ``timeout`` is seconds per
    request; ``retries`` extra attempts (0..3) after a timeout, connection error, HTTP 429 or 5xx. Plain
    ``http://`` is refused for non-loopback hosts unless ``allow_insecure_http`` (the key and the skill would
    travel in clear)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = Field(min_length=8)
    model: str = Field(min_length=1, max_length=200)
    api_key_env: str | None = None
    api_key_file: Path | None = None
    timeout: float = Field(default=60.0, gt=0, le=600)
    retries: int = Field(default=1, ge=0, le=3)
    max_file_chars: int = Field(default=12_000, ge=1_000, le=500_000)
    max_total_chars: int = Field(default=40_000, ge=1_000, le=2_000_000)
    cache_dir: Path | None = None
    use_cache: bool = True
    allow_insecure_http: bool = False

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        u = urlsplit(v)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ValueError(f"base_url must be an http(s) URL with a host, got {v!r}")
        if u.username or u.password:
            raise ValueError("base_url must not carry credentials; use api_key_env or api_key_file")
        return v.rstrip("/")

    @field_validator("api_key_env")
    @classmethod
    def _env(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,127}", v):
            raise ValueError("api_key_env is the NAME of an environment variable (letters, digits, _)")
        return v

    @model_validator(mode="after")
    def _clear_text(self) -> LlmConfig:
        u = urlsplit(self.base_url)
        if u.scheme == "http" and not self.allow_insecure_http and not _is_loopback(u.hostname or ""):
            raise ValueError(f"refusing plain http to non-loopback host {u.hostname!r}: use https or allow_insecure_http")
        return self

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LlmConfig:
        """From ``CLAWFENCE_LLM_BASE_URL``, ``CLAWFENCE_LLM_MODEL`` (both required), ``CLAWFENCE_LLM_API_KEY_ENV``
        (default ``CLAWFENCE_LLM_API_KEY`` when that variable is set), ``CLAWFENCE_LLM_API_KEY_FILE``,
        ``CLAWFENCE_LLM_TIMEOUT`` (s), ``CLAWFENCE_LLM_RETRIES``, ``CLAWFENCE_LLM_CACHE`` (``0`` disables).
        Raises :class:`LlmConfigError`."""
        e = os.environ if env is None else env
        missing = [k for k in ("CLAWFENCE_LLM_BASE_URL", "CLAWFENCE_LLM_MODEL") if not e.get(k)]
        if missing:
            raise LlmConfigError(f"--llm needs {' and '.join(missing)} set (or use --llm-config FILE)")
        doc: dict[str, Any] = {"base_url": e["CLAWFENCE_LLM_BASE_URL"], "model": e["CLAWFENCE_LLM_MODEL"]}
        if e.get("CLAWFENCE_LLM_API_KEY_ENV"):
            doc["api_key_env"] = e["CLAWFENCE_LLM_API_KEY_ENV"]
        elif e.get(DEFAULT_KEY_ENV):
            doc["api_key_env"] = DEFAULT_KEY_ENV
        if e.get("CLAWFENCE_LLM_API_KEY_FILE"):
            doc["api_key_file"] = e["CLAWFENCE_LLM_API_KEY_FILE"]
        for k, name in (("timeout", "CLAWFENCE_LLM_TIMEOUT"), ("retries", "CLAWFENCE_LLM_RETRIES")):
            if e.get(name):
                doc[k] = e[name]
        if e.get("CLAWFENCE_LLM_CACHE") == "0":
            doc["use_cache"] = False
        return _validate(doc, "environment")

    @classmethod
    def from_file(cls, path: Path) -> LlmConfig:
        """From a TOML (``.toml``) or JSON file: the keys of this class, flat or under an ``[llm]`` table. A
        relative ``api_key_file`` is taken relative to the config file. An inline ``api_key`` is refused.
        Raises :class:`LlmConfigError`."""
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise LlmConfigError(f"cannot read LLM config {path}: {exc.strerror or exc}") from exc
        try:
            doc: Any = tomllib.loads(raw.decode("utf-8")) if path.suffix.lower() == ".toml" else json.loads(raw)
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise LlmConfigError(f"{path}: not valid {'TOML' if path.suffix.lower() == '.toml' else 'JSON'}: {exc}") from exc
        if isinstance(doc, dict) and isinstance(doc.get("llm"), dict) and len(doc) == 1:
            doc = doc["llm"]
        if not isinstance(doc, dict):
            raise LlmConfigError(f"{path}: top level must be a table/object")
        if "api_key" in doc:
            raise LlmConfigError(f"{path}: do not put the API key in the config; use api_key_env or api_key_file")
        kf = doc.get("api_key_file")
        if isinstance(kf, str) and not Path(kf).expanduser().is_absolute():
            doc = {**doc, "api_key_file": str(path.parent / kf)}
        return _validate(doc, str(path))

    def api_key(self) -> str | None:
        """The API key (stripped) or None when none is configured. Raises :class:`LlmConfigError` when the
        configured variable is unset or the key file cannot be read."""
        if self.api_key_file is not None:
            try:
                key = self.api_key_file.expanduser().read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise LlmConfigError(f"cannot read api_key_file {self.api_key_file}: {exc}") from exc
            return key or None
        if self.api_key_env is not None:
            val = os.environ.get(self.api_key_env, "").strip()
            if not val:
                raise LlmConfigError(f"environment variable {self.api_key_env} (api_key_env) is not set")
            return val
        return None

    def cache_root(self) -> Path:
        """``cache_dir`` or ``clawfence_home()/cache/llm``."""
        return self.cache_dir or clawfence_home() / "cache" / "llm"


def _validate(doc: dict[str, Any], source: str) -> LlmConfig:
    try:
        return LlmConfig.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "config"
        raise LlmConfigError(f"LLM config ({source}): {where}: {err['msg']}") from exc


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --- the model's answer (untrusted) ---------------------------------------------------------------------------


class _Evidence(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)

    file: str = Field(max_length=500)
    quote: str = Field(max_length=2000)


class ModelVerdict(BaseModel):
    """The JSON object the prompt asks for; validated strictly (types, ranges, sizes)."""

    model_config = ConfigDict(extra="ignore", strict=True)

    verdict: Literal["malicious", "suspicious", "benign"]
    techniques: list[str] = Field(default_factory=list, max_length=32)
    evidence: list[_Evidence] = Field(default_factory=list, max_length=32)
    confidence: float = Field(ge=0.0, le=1.0)

    @field_validator("confidence", mode="before")
    @classmethod
    def _num(cls, v: Any) -> Any:
        return float(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("techniques")
    @classmethod
    def _tech(cls, v: list[str]) -> list[str]:
        out = []
        for t in v:
            t = re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-")[:60]
            if t and t not in out:
                out.append(t)
        return out[:12]


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    content: str


class _Choice(BaseModel):
    model_config = ConfigDict(extra="ignore")
    message: _Message


class _Completion(BaseModel):
    model_config = ConfigDict(extra="ignore")
    choices: list[_Choice] = Field(min_length=1)


# --- results ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """A model quote found verbatim in ``file`` at 1-based ``line`` (secrets already redacted)."""

    file: str
    quote: str
    line: int


@dataclass(frozen=True, slots=True)
class LlmReview:
    """Outcome of one review. ``status`` ``ok`` (the model answered validly) or ``not-analysed`` (``note`` says
    why: timeout, HTTP status, malformed answer...). ``evidence`` holds only verified quotes; ``dropped`` counts
    quotes not found in the files. ``sent_chars`` is the size of the file payload; ``truncated`` the files cut or
    omitted by the size caps. ``transient``: the failure was a timeout, unreachable endpoint, 429 or 5xx."""

    status: Literal["ok", "not-analysed"]
    model: str
    prompt_version: str
    verdict: str = ""
    techniques: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    dropped: int = 0
    confidence: float = 0.0
    note: str = ""
    cached: bool = False
    sent_chars: int = 0
    truncated: tuple[str, ...] = ()
    transient: bool = False

    def raises_to_suspicious(self) -> bool:
        """True when this review may lift a benign verdict: a malicious/suspicious answer with confidence >=
        :data:`RAISE_CONFIDENCE` and at least one verified quote."""
        return (
            self.status == "ok"
            and self.verdict in ("malicious", "suspicious")
            and self.confidence >= RAISE_CONFIDENCE
            and bool(self.evidence)
        )


@dataclass(frozen=True, slots=True)
class Prompt:
    """The packaged prompt: ``version`` (part of the cache key), ``system`` text, ``user`` template."""

    version: str
    system: str
    user: str


@lru_cache(maxsize=1)
def load_prompt() -> Prompt:
    """The fixed prompt from ``llm_prompt.yaml`` (cached). Raises ``RuntimeError`` if the packaged file is broken."""
    doc = yaml.safe_load(resources.files("clawfence.skills").joinpath("llm_prompt.yaml").read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or not all(isinstance(doc.get(k), str) for k in ("version", "system", "user")):
        raise RuntimeError("llm_prompt.yaml: needs string keys version, system, user")
    return Prompt(doc["version"], doc["system"], doc["user"])


# --- what is sent ----------------------------------------------------------------------------------------------


def is_instruction_file(rel: str) -> bool:
    """True for files the agent reads as instructions: markdown/text anywhere, known manifests anywhere, and
    YAML/TOML at the skill root."""
    low = rel.lower()
    base = low.rsplit("/", 1)[-1]
    return low.endswith(INSTRUCTION_EXT) or base in MANIFESTS or ("/" not in low and low.endswith(ROOT_CONFIG_EXT))


def redact_secrets(text: str) -> str:
    """``text`` with every kernel-recognised secret and ``key=VALUE`` assignment redacted; line count kept."""
    out: list[str] = []
    pos = 0
    for m in find_secrets(text):
        out.append(text[pos:m.start])
        out.append(redact(m.value) + "\n" * m.value.count("\n"))
        pos = m.end
    out.append(text[pos:])
    return redact_assignments("".join(out))


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    room = max(limit - 60, 0)  # the marker line fits inside the limit
    head, tail = room * 2 // 3, room // 3
    return f"{text[:head]}\n[… clawfence truncated {len(text) - head - tail} chars …]\n{text[len(text) - tail:]}"


def _safe_name(rel: str) -> str:
    return re.sub(r"[^\w.\-/ ]", "_", rel)[:200]


def select_files(files: Mapping[str, str], cfg: LlmConfig) -> tuple[list[tuple[str, str]], list[str]]:
    """The (path, redacted and cut text) pairs sent, SKILL.md/skills.md (any casing) first, then by depth and
    name; and the paths cut or omitted by :attr:`LlmConfig.max_file_chars` / :attr:`LlmConfig.max_total_chars`
    (an omitted path is in the second list but not in the first). The budget counts the file markers too.
    Secrets are redacted before cutting, so a cut never leaves half a secret."""
    names = sorted((r for r in files if is_instruction_file(r)), key=lambda r: (r.lower() not in SKILL_MD, r.count("/"), r))
    sent: list[tuple[str, str]] = []
    cut: list[str] = []
    budget = cfg.max_total_chars
    for rel in names:
        overhead = 2 * MARKER_CHARS + len(_safe_name(rel))
        if budget - overhead < 200:
            cut.append(rel)
            continue
        text = redact_secrets(files[rel])
        short = _cut(text, min(cfg.max_file_chars, budget - overhead))
        if short != text:
            cut.append(rel)
        sent.append((rel, short))
        budget -= len(short) + overhead
    return sent, cut


def build_messages(
    name: str, sent: list[tuple[str, str]], prompt: Prompt | None = None, omitted: list[str] | None = None
) -> list[dict[str, str]]:
    """Chat messages for ``sent`` files (and one line naming up to 1,000 chars of ``omitted`` paths). File
    markers carry a tag derived from the content's sha256, so the skill cannot forge a closing marker without
    knowing the hash of itself."""
    p = prompt or load_prompt()
    tag = hashlib.sha256(json.dumps(sent, ensure_ascii=False).encode()).hexdigest()[:16]
    body = "\n".join(f'<<<FILE {tag} path="{_safe_name(rel)}">\n{text}\n<<<END {tag}>' for rel, text in sent)
    if omitted:
        body += f"\n[clawfence omitted {len(omitted)} more instruction file(s) over the size budget: "
        body += ", ".join(_safe_name(r) for r in omitted)[:1000] + "]"
    user = p.user.replace("{name}", _safe_name(name)).replace("{tag}", tag).replace("{files}", body)
    return [{"role": "system", "content": p.system}, {"role": "user", "content": user}]


def cache_key(prompt_version: str, model: str, messages: list[dict[str, str]]) -> str:
    """sha256 hex of (prompt version, model, the exact messages sent)."""
    blob = json.dumps([prompt_version, model, messages], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --- transport -------------------------------------------------------------------------------------------------


class _Failed(Exception):
    """One request failed; ``retry`` says whether another attempt may help."""

    def __init__(self, reason: str, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


def _post_once(client: httpx.Client, cfg: LlmConfig, messages: list[dict[str, str]], key: str | None) -> str:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = {
        "model": cfg.model,
        "messages": messages,
        "temperature": 0,
        "max_tokens": 1200,
        "response_format": {"type": "json_object"},
    }
    deadline = time.monotonic() + cfg.timeout  # whole-answer bound: a trickling endpoint cannot hold the scan
    try:
        with client.stream("POST", f"{cfg.base_url}/chat/completions", json=body, headers=headers) as resp:
            if resp.status_code == 429 or resp.status_code >= 500:
                raise _Failed(f"HTTP {resp.status_code} from the model endpoint", True)
            if resp.status_code != 200:
                raise _Failed(f"HTTP {resp.status_code} from the model endpoint", False)
            buf = bytearray()
            for chunk in resp.iter_bytes():
                buf += chunk
                if len(buf) > MAX_RESPONSE_BYTES:
                    raise _Failed(f"model answer larger than {MAX_RESPONSE_BYTES} bytes", False)
                if time.monotonic() > deadline:
                    raise _Failed(f"timed out after {cfg.timeout:g}s", True)
    except httpx.TimeoutException as exc:
        raise _Failed(f"timed out after {cfg.timeout:g}s", True) from exc
    except httpx.TransportError as exc:
        raise _Failed(f"cannot reach the model endpoint ({type(exc).__name__})", True) from exc
    except httpx.HTTPError as exc:
        raise _Failed(f"bad exchange with the model endpoint ({type(exc).__name__})", False) from exc
    try:
        comp = _Completion.model_validate_json(bytes(buf))
    except ValidationError as exc:
        raise _Failed("the endpoint's reply is not an OpenAI chat completion", False) from exc
    return comp.choices[0].message.content


def _post(cfg: LlmConfig, messages: list[dict[str, str]], key: str | None, client: httpx.Client | None) -> str:
    own = client is None
    host = urlsplit(cfg.base_url).hostname or ""
    cl = client or httpx.Client(timeout=cfg.timeout, follow_redirects=False, trust_env=not _is_loopback(host))
    try:
        for attempt in range(cfg.retries + 1):
            try:
                return _post_once(cl, cfg, messages, key)
            except _Failed as f:
                if not f.retry or attempt == cfg.retries:
                    raise
                log.debug("model request failed (%s); retry %d of %d", f.reason, attempt + 1, cfg.retries)
                time.sleep(min(0.25 * 2**attempt, 2.0))
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        if own:
            cl.close()


def parse_answer(content: str) -> ModelVerdict:
    """The model's text as a :class:`ModelVerdict`: one JSON object, optionally inside a single markdown code
    fence. Raises ``ValueError`` with a short reason otherwise."""
    s = content.strip()
    m = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", s, re.S)
    if m:
        s = m.group(1)
    try:
        doc = json.loads(s)
    except json.JSONDecodeError as exc:
        raise ValueError(f"model answer is not JSON ({exc.msg} at char {exc.pos})") from exc
    if not isinstance(doc, dict):
        raise ValueError("model answer is not a JSON object")
    try:
        return ModelVerdict.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "top"
        raise ValueError(f"model answer fails the schema at {where}: {err['msg']}") from exc


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def verify_evidence(mv: ModelVerdict, sent: list[tuple[str, str]]) -> tuple[tuple[Evidence, ...], int]:
    """Keep quotes (>= :data:`MIN_QUOTE_CHARS`, whitespace-normalised) found in the text sent for the named file
    (or, when the name is wrong, in exactly one sent file). Returns (verified, number dropped)."""
    texts = dict(sent)
    out: list[Evidence] = []
    dropped = 0
    for ev in mv.evidence:
        q = _norm(ev.quote)
        if len(q) < MIN_QUOTE_CHARS:
            dropped += 1
            continue
        cands = [ev.file] if ev.file in texts and q in _norm(texts[ev.file]) else [r for r, t in sent if q in _norm(t)]
        if len(cands) != 1:
            dropped += 1
            continue
        rel = cands[0]
        out.append(Evidence(rel, q[:300], _line_of(texts[rel], q)))
    return tuple(out), dropped


def _line_of(text: str, q: str) -> int:
    """1-based line where the whitespace-normalised ``q`` starts in ``text`` (0 if absent)."""
    norm: list[str] = []
    where: list[int] = []
    space = True
    for i, ch in enumerate(text):
        if ch.isspace():
            if not space:
                norm.append(" ")
                where.append(i)
            space = True
            continue
        norm.append(ch)
        where.append(i)
        space = False
    at = "".join(norm).find(q)
    return text.count("\n", 0, where[at]) + 1 if at >= 0 else 0


def _scrub(mv: ModelVerdict, api_key: str | None) -> ModelVerdict:
    """The answer with secrets (and the API key, should the endpoint echo it) redacted from every string, before
    it is cached, compared or shown."""
    def clean(s: str) -> str:
        return redact_secrets(redact_in_text(s, [api_key or ""]))

    ev = [_Evidence(file=clean(e.file), quote=clean(e.quote)) for e in mv.evidence]
    return mv.model_copy(update={"techniques": [clean(t) for t in mv.techniques], "evidence": ev})


# --- cache -----------------------------------------------------------------------------------------------------


def _cache_path(cfg: LlmConfig, key: str) -> Path:
    return cfg.cache_root() / key[:2] / f"{key}.json"


def _cache_get(cfg: LlmConfig, key: str) -> ModelVerdict | None:
    if not cfg.use_cache:
        return None
    try:
        doc = json.loads(_cache_path(cfg, key).read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("key") != key:
            return None
        return ModelVerdict.model_validate(doc.get("answer"))
    except (OSError, ValueError):
        return None


def _cache_put(cfg: LlmConfig, key: str, mv: ModelVerdict) -> None:
    if not cfg.use_cache:
        return
    p = _cache_path(cfg, key)
    try:
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        doc = {"key": key, "prompt_version": load_prompt().version, "model": cfg.model, "answer": mv.model_dump()}
        atomic_write_text(p, json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n", mode=0o600)
    except OSError as exc:
        log.debug("cannot write model cache %s: %s", p, exc.strerror or exc)


# --- entry points ----------------------------------------------------------------------------------------------


def review_skill(
    files: Mapping[str, str], cfg: LlmConfig, name: str = "", client: httpx.Client | None = None
) -> LlmReview | None:
    """Ask the configured model about a skill's instruction files (``files``: relative path -> text).

    Returns None when the skill has no instruction file (nothing to ask), else an :class:`LlmReview`:
    ``ok`` with verified evidence, or ``not-analysed`` with a one-line reason (timeout, HTTP error, malformed
    answer, unreadable key). Never raises for network or model failures; the API key never appears in the
    result. ``client`` is for tests and connection reuse."""
    prompt = load_prompt()
    sent, cut = select_files(files, cfg)
    if not sent:
        return None
    sent_names = {r for r, _ in sent}
    messages = build_messages(name, sent, prompt, [r for r in cut if r not in sent_names])
    size = sum(len(t) for _, t in sent)
    base = LlmReview("not-analysed", cfg.model, prompt.version, sent_chars=size, truncated=tuple(cut))
    key = cache_key(prompt.version, cfg.model, messages)
    mv = _cache_get(cfg, key)
    cached = mv is not None
    api_key: str | None = None
    if mv is None:
        try:
            api_key = cfg.api_key()
            content = _post(cfg, messages, api_key, client)
            mv = _scrub(parse_answer(content), api_key)
        except (_Failed, ValueError, LlmConfigError) as exc:
            note = exc.reason if isinstance(exc, _Failed) else str(exc)
            transient = isinstance(exc, _Failed) and exc.retry
            note = redact_in_text(f"not analysed by model: {note}", [api_key or ""])[:300]
            return replace(base, note=note, transient=transient)
        _cache_put(cfg, key, mv)
    evidence, dropped = verify_evidence(mv, sent)
    return replace(
        base,
        status="ok",
        verdict=mv.verdict,
        techniques=tuple(mv.techniques),
        evidence=evidence,
        dropped=dropped,
        confidence=mv.confidence,
        cached=cached,
    )


def to_findings(review: LlmReview) -> list[ScanFinding]:
    """The review as SC900 findings in the scanner's shape: one per verified quote (severity from the verdict:
    malicious -> medium, suspicious -> low, benign -> info), or a single info finding for a benign answer, an
    answer without verified evidence, or a "not analysed by model" note."""
    def f(sev: str, conf: float, path: str, line: int, ev: str, note: str) -> ScanFinding:
        return ScanFinding(RULE_ID, sev, conf, path, line, ev[:400], GUIDE, "model-review", note)

    if review.status != "ok":
        return [f("info", 1.0, "SKILL.md", 0, review.note, "not-analysed")]
    tech = ", ".join(review.techniques) or "none named"
    head = f"model {review.model} ({review.prompt_version}) says {review.verdict} (confidence {review.confidence:.2f}; {tech})"
    if review.truncated:
        head += f"; saw {len(review.truncated)} file(s) cut by size caps"
    if review.verdict == "benign" or not review.evidence:
        extra = "" if review.verdict == "benign" else f"; none of its {review.dropped} quote(s) was found in the files, ignored"
        return [f("info", review.confidence if review.verdict == "benign" else 0.3, "SKILL.md", 0, head + extra, "model")]
    sev = SEVERITY[review.verdict]
    return [f(sev, review.confidence, e.file, e.line, f"{head}: «{e.quote}»", "model") for e in review.evidence]


def apply_review(result: SkillResult, review: LlmReview | None) -> SkillResult:
    """``result`` with the review's findings added. The verdict only moves ``benign`` -> ``suspicious`` (when
    :meth:`LlmReview.raises_to_suspicious`); it is never lowered and never made ``malicious``; the score is
    the deterministic one, unchanged."""
    if review is None:
        return result
    verdict = "suspicious" if result.verdict == "benign" and review.raises_to_suspicious() else result.verdict
    return replace(result, verdict=verdict, findings=[*result.findings, *to_findings(review)])


def instruction_texts(path: Path) -> dict[str, str]:
    """The instruction files of the skill at ``path`` (folder or archive) as text, loaded with the scanner's
    bounded, no-follow loader. Raises :class:`clawfence.skills.source.SourceError` when unreadable."""
    from clawfence.skills.source import is_archive, load_archive, load_dir

    loaded = load_archive(path) if path.is_file() and is_archive(path) else load_dir(path)
    return {
        f.rel: f.data.decode("utf-8", "replace")
        for f in loaded.files
        if f.data and is_instruction_file(f.rel) and b"\x00" not in f.data[:4096]
    }


def cli_config(config_file: Path | None) -> LlmConfig:
    """The configuration for ``skills scan --llm`` (environment) or ``--llm-config FILE``. Raises
    :class:`LlmConfigError` (also when the configured key cannot be read: fail before scanning)."""
    cfg = LlmConfig.from_file(config_file) if config_file is not None else LlmConfig.from_env()
    cfg.api_key()
    return cfg


def review_results(results: list[SkillResult], cfg: LlmConfig) -> list[SkillResult]:
    """Run :func:`review_skill` on every scanned skill and :func:`apply_review` its answer. A skill that can no
    longer be read gets a "not analysed by model" note. One HTTP connection is reused. After
    :data:`GIVE_UP_AFTER` transient failures in a row (endpoint down or overloaded) the remaining skills are not
    sent and each gets a note saying so, so a dead endpoint cannot stretch a scan to hours."""
    from clawfence.skills.source import SourceError

    version = load_prompt().version
    host = urlsplit(cfg.base_url).hostname or ""
    out: list[SkillResult] = []
    streak = 0
    with httpx.Client(timeout=cfg.timeout, follow_redirects=False, trust_env=not _is_loopback(host)) as client:
        for r in results:
            if streak >= GIVE_UP_AFTER:
                note = f"not analysed by model: skipped after {streak} failed requests in a row"
                out.append(apply_review(r, LlmReview("not-analysed", cfg.model, version, note=note)))
                continue
            try:
                files = instruction_texts(Path(r.path))
            except (SourceError, OSError) as exc:
                note = f"not analysed by model: {exc}"[:300]
                out.append(apply_review(r, LlmReview("not-analysed", cfg.model, version, note=note)))
                continue
            review = review_skill(files, cfg, r.name, client)
            streak = streak + 1 if review is not None and review.transient else 0
            out.append(apply_review(r, review))
    return out
