"""Safe loading of skills from folders and archives into memory. Nothing is executed or extracted to disk.

Bounds (module constants): files per skill, bytes per file (head+tail kept beyond), total bytes, directory
depth, archive entry count, compression ratio. Symlinks are never followed (``O_NOFOLLOW``); links pointing
outside the skill, absolute or ``..`` archive members and archive bombs become SC706 structure findings;
encrypted zip members become SC703.
"""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from clawfence.skills.result import SkillFile

MAX_FILES = 2000
MAX_FILE_BYTES = 16 * 1024 * 1024  # every byte of a file up to this size is analysed
HEAD_BYTES = 1024 * 1024
TAIL_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 24
MAX_RATIO = 200
MAX_ARCHIVE_DEPTH = 2
SKIP_DIRS = frozenset({".git", "node_modules", "__pycache__", ".venv"})
ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz", ".skill")


@dataclass(frozen=True, slots=True)
class Structural:
    """A finding about structure (not content): rule id, relative path, evidence."""

    rule: str
    rel: str
    evidence: str


@dataclass(slots=True)
class Loaded:
    """A skill in memory: its files plus structure findings."""

    files: list[SkillFile] = field(default_factory=list)
    structural: list[Structural] = field(default_factory=list)
    total: int = 0


class SourceError(Exception):
    """The path cannot be read as a skill (missing, unreadable, not an archive)."""


def is_archive(path: Path) -> bool:
    """True for .zip/.tar(.gz|.bz2|.xz)/.tgz/.skill by name."""
    return path.name.lower().endswith(ARCHIVE_SUFFIXES)


def _cap(data: bytes) -> tuple[bytes, bool]:
    if len(data) <= MAX_FILE_BYTES:
        return data, False
    return data[:HEAD_BYTES] + b"\n" + data[-TAIL_BYTES:], True


def _read_nofollow(path: Path, size: int) -> tuple[bytes, bool]:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        with os.fdopen(fd, "rb") as fh:
            if size <= MAX_FILE_BYTES:
                return fh.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES], False
            head = fh.read(HEAD_BYTES)
            fh.seek(max(size - TAIL_BYTES, HEAD_BYTES))
            return head + b"\n" + fh.read(TAIL_BYTES), True
    except BaseException:
        raise


def load_dir(root: Path, exclude: frozenset[str] = frozenset()) -> Loaded:
    """Load every regular file under ``root`` (bounded). Raises :class:`SourceError` if ``root`` is unreadable."""
    out = Loaded()
    try:
        root_real = root.resolve(strict=True)
    except OSError as exc:
        raise SourceError(f"cannot read {root}: {exc.strerror or exc}") from exc
    stack: list[tuple[Path, int]] = [(root, 0)]
    while stack:
        d, depth = stack.pop()
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            rel_d = d.relative_to(root).as_posix() if d != root else "."
            out.structural.append(Structural("SC708", rel_d, f"directory unreadable ({exc.strerror or exc}): not analysed"))
            continue
        for e in entries:
            p = Path(e.path)
            rel = p.relative_to(root).as_posix()
            try:
                st = os.lstat(p)
            except OSError as exc:
                out.structural.append(Structural("SC708", rel, f"cannot stat ({exc.strerror or exc}): not analysed"))
                continue
            if stat.S_ISLNK(st.st_mode):
                try:
                    target = os.readlink(p)
                    real = (p.parent / target).resolve()
                    inside = real == root_real or root_real in real.parents
                except (OSError, RuntimeError):
                    target, inside = "?", False
                if not inside:
                    out.structural.append(
                        Structural("SC706", rel, f"symlink -> {target[:120]} (outside the skill, not followed)")
                    )
                continue
            if stat.S_ISDIR(st.st_mode):
                if e.name in SKIP_DIRS:
                    continue
                if depth + 1 > MAX_DEPTH:
                    out.structural.append(Structural("SC706", rel, f"directory nesting deeper than {MAX_DEPTH} (not scanned)"))
                    continue
                stack.append((p, depth + 1))
                continue
            if not stat.S_ISREG(st.st_mode) or e.name in exclude:
                continue
            if len(out.files) >= MAX_FILES or out.total >= MAX_TOTAL_BYTES:
                out.structural.append(Structural("SC708", rel, "file/byte cap reached; remaining files not analysed"))
                return out
            try:
                data, trunc = _read_nofollow(p, st.st_size)
            except OSError as exc:
                out.structural.append(Structural("SC708", rel, f"unreadable ({exc.strerror or exc}): not analysed"))
                continue
            out.total += len(data)
            if is_archive(p):
                out.files.append(SkillFile(rel, data[:0], st.st_size, False))
                _load_archive_bytes(data, rel, out, 1)
                continue
            out.files.append(SkillFile(rel, data, st.st_size, trunc))
    return out


def load_archive(path: Path) -> Loaded:
    """Load a .zip/.tar.* skill archive into memory. Raises :class:`SourceError` when unreadable."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            data = fh.read(MAX_TOTAL_BYTES + 1)
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if size > MAX_TOTAL_BYTES:
        raise SourceError(f"{path}: archive larger than {MAX_TOTAL_BYTES // 2**20} MiB")
    out = Loaded()
    if not _load_archive_bytes(data, "", out, 0):
        raise SourceError(f"{path}: not a readable zip or tar archive")
    _strip_common_root(out)
    return out


def _strip_common_root(out: Loaded) -> None:
    tops = {f.rel.split("/", 1)[0] for f in out.files}
    if len(tops) == 1 and all("/" in f.rel for f in out.files):
        top = next(iter(tops)) + "/"
        out.files = [SkillFile(f.rel[len(top) :], f.data, f.size, f.truncated) for f in out.files]


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name.replace("\\", "/"))
    return not (p.is_absolute() or ".." in p.parts or (len(name) > 1 and name[1] == ":"))


def _join(prefix: str, name: str) -> str:
    return f"{prefix}!/{name}" if prefix else name


def _load_archive_bytes(data: bytes, prefix: str, out: Loaded, depth: int) -> bool:
    """Add the members of an in-memory archive; returns False if it is neither zip nor tar."""
    if depth > MAX_ARCHIVE_DEPTH:
        out.structural.append(Structural("SC706", prefix, "archive nested too deep (not opened)"))
        return True
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        _load_zip(data, prefix, out, depth)
        return True
    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, EOFError, OSError, ValueError):
        return False
    with tf:
        _load_tar(tf, prefix, out, depth)
    return True


def _add_member(name: str, blob: bytes, size: int, prefix: str, out: Loaded, depth: int) -> None:
    rel = _join(prefix, name)
    out.total += len(blob)
    if name.lower().endswith(ARCHIVE_SUFFIXES):
        out.files.append(SkillFile(rel, b"", size, False))
        _load_archive_bytes(blob, rel, out, depth + 1)
        return
    capped, trunc = _cap(blob)
    out.files.append(SkillFile(rel, capped, size, trunc))


def _load_zip(data: bytes, prefix: str, out: Loaded, depth: int) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        out.structural.append(Structural("SC703", prefix or "(archive)", "corrupt zip archive (not scanned)"))
        return
    with zf:
        for info in zf.infolist()[:MAX_FILES]:
            name = info.filename
            if not _safe_member(name):
                out.structural.append(
                    Structural("SC706", _join(prefix, name), "archive member escapes the skill (path traversal, not extracted)")
                )
                continue
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                out.structural.append(
                    Structural("SC703", _join(prefix, name), "password-protected zip member (cannot be scanned)")
                )
                continue
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                out.structural.append(Structural("SC706", _join(prefix, name), "symlink inside archive (not followed)"))
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_FILE_BYTES * 4 and ratio > MAX_RATIO:
                out.structural.append(
                    Structural(
                        "SC706",
                        _join(prefix, name),
                        f"archive bomb: {info.file_size} bytes at ratio {ratio:.0f}:1 (not extracted)",
                    )
                )
                continue
            if out.total >= MAX_TOTAL_BYTES or len(out.files) >= MAX_FILES:
                out.structural.append(Structural("SC707", _join(prefix, name), "byte/file cap reached in archive"))
                return
            try:
                with zf.open(info) as fh:
                    blob = fh.read(MAX_FILE_BYTES * 4 + 1)
            except (zipfile.BadZipFile, RuntimeError, OSError, NotImplementedError, ValueError, EOFError) as exc:
                out.structural.append(Structural("SC703", _join(prefix, name), f"unreadable zip member ({type(exc).__name__})"))
                continue
            _add_member(name, blob, info.file_size, prefix, out, depth)


def _load_tar(tf: tarfile.TarFile, prefix: str, out: Loaded, depth: int) -> None:
    count = 0
    try:
        for m in tf:
            count += 1
            if count > MAX_FILES:
                out.structural.append(Structural("SC707", prefix or "(archive)", "too many archive members"))
                return
            if not _safe_member(m.name):
                out.structural.append(
                    Structural("SC706", _join(prefix, m.name), "archive member escapes the skill (path traversal, not extracted)")
                )
                continue
            if m.issym() or m.islnk():
                if not _safe_member(m.linkname) or m.linkname.startswith("/"):
                    out.structural.append(
                        Structural("SC706", _join(prefix, m.name), f"link -> {m.linkname[:120]} outside the skill (not followed)")
                    )
                continue
            if not m.isfile():
                continue
            if out.total >= MAX_TOTAL_BYTES:
                out.structural.append(Structural("SC707", _join(prefix, m.name), "byte cap reached in archive"))
                return
            fh = tf.extractfile(m)
            if fh is None:
                continue
            blob = fh.read(MAX_FILE_BYTES * 4 + 1)
            if m.size > MAX_FILE_BYTES * 4:
                out.structural.append(
                    Structural("SC707", _join(prefix, m.name), f"member of {m.size} bytes exceeds the cap (head only)")
                )
            _add_member(m.name, blob, m.size, prefix, out, depth)
    except (tarfile.TarError, EOFError, OSError, ValueError, zlib_error()) as exc:
        out.structural.append(Structural("SC703", prefix or "(archive)", f"corrupt tar archive ({type(exc).__name__})"))


def zlib_error() -> type[Exception]:
    """zlib.error (lazy import)."""
    import zlib

    return zlib.error
