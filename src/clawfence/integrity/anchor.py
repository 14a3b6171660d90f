"""Anchors: copies of every signed log head kept where the host attacker cannot rewrite them (guide E4.2, E4.3).

Model: Certificate Transparency / Trillian signed tree heads (STH). Each head (``size`` as ``seq``/``bytes``,
root = the hash-chain ``hash`` at ``seq``, Ed25519 signature) is published when it is written to

* the file named by ``$CLAWFENCE_LOG_ANCHOR``: one JSON line per head, opened ``O_APPEND`` (make it append-only
  with ``chattr +a`` or give it another owner / a remote mount; see docs/integrity.md), and/or
* the syslog/SIEM named by ``$CLAWFENCE_LOG_ANCHOR_SYSLOG`` (``syslog://host:514``, ``tcp://``, ``tls://``): an
  RFC 5424 record with structured data ``[clawfence-sth@32473 v= log= genesis= seq= hash= bytes= key_id= ts=
  sig= pub=]`` sent with :func:`clawfence.trail.siem.send`. A file written by the collector (rsyslog) can be
  given to ``--anchor`` as is.

:func:`check` is the consistency check: the log's record at every anchored ``seq`` must have the anchored hash
(the chain makes the prefix a hash of everything before it, like a CT consistency proof), no two anchored heads
may disagree, no anchored head may be beyond the log's end. It names rollback, fork, rewrite (another key or
another genesis), forged anchor entries and a missing (unanchored) tail.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from clawfence.core.safeio import InputError, loads_json

if TYPE_CHECKING:
    from clawfence.integrity.checkpoint import Signer

SD_ID = "clawfence-sth@32473"
_INT_FIELDS = ("v", "seq", "bytes")
_FIELDS = ("v", "log", "genesis", "seq", "hash", "bytes", "key_id", "ts", "sig", "pub")
_SD_RE = re.compile(r"\[" + re.escape(SD_ID) + r"((?:\s+[A-Za-z_]+=\"(?:[^\"\\]|\\.)*\")*)\s*\]")
_PARAM_RE = re.compile(r"([A-Za-z_]+)=\"((?:[^\"\\]|\\.)*)\"")


class AnchorError(OSError):
    """A configured anchor could not be written (the head is written; the anchor is not)."""


def anchor_file() -> Path | None:
    """``$CLAWFENCE_LOG_ANCHOR`` as a path, or None."""
    v = os.environ.get("CLAWFENCE_LOG_ANCHOR")
    return Path(v) if v else None


def _sd_escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def to_syslog(entry: dict[str, Any], hostname: str | None = None) -> str:
    """RFC 5424 line for one anchor entry (facility 13 log audit, severity 6; MSGID ``sth``); every value is
    escaped per RFC 5424 6.3.3 and contains no line break."""
    sd = " ".join(f'{k}="{_sd_escape(str(entry[k]))}"' for k in _FIELDS if k in entry)
    host = (hostname or socket.gethostname() or "-")[:255].replace(" ", "-")
    ts = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    line = f"<110>1 {ts} {host} clawfence - sth [{SD_ID} {sd}] signed log head seq {entry.get('seq')}"
    return line.replace("\n", " ").replace("\r", " ")


def publish(head: dict[str, Any], signer: Signer) -> None:
    """Send a signed head to every configured anchor. Raises :class:`AnchorError` when one fails."""
    from clawfence.integrity.checkpoint import pub_hex
    entry = dict(head, pub=pub_hex(signer.key.public_key()))
    af = anchor_file()
    if af is not None:
        line = json.dumps(entry, sort_keys=True, separators=(",", ":")).encode() + b"\n"
        try:
            fd = os.open(af, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
            try:
                os.write(fd, line)  # one write of one line: O_APPEND keeps concurrent lines whole
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise AnchorError(f"cannot append to the log anchor {af}: {exc.strerror or exc}") from exc
    target = os.environ.get("CLAWFENCE_LOG_ANCHOR_SYSLOG")
    if target:
        from clawfence.trail.siem import send
        try:
            send([to_syslog(entry)], target)
        except (OSError, ValueError) as exc:
            raise AnchorError(f"cannot send the signed head to {target}: {exc}") from exc


def _from_syslog(line: str) -> dict[str, Any] | None:
    m = _SD_RE.search(line)
    if not m:
        return None
    out: dict[str, Any] = {}
    for k, v in _PARAM_RE.findall(m.group(1)):
        val = re.sub(r"\\(.)", r"\1", v)
        out[k] = int(val) if k in _INT_FIELDS and val.lstrip("-").isdigit() else val
    return out


def read_entries(path: Path) -> tuple[list[dict[str, Any]], int]:
    """(entries in file order, number of lines that are not anchor entries). Accepts the JSON lines written by
    :func:`publish` and RFC 5424 lines with ``[clawfence-sth@32473 ...]`` (as a syslog collector stores them).

    Raises :class:`clawfence.core.safeio.InputError` when the file cannot be read (not a regular file, ...).
    """
    from clawfence.core.safeio import read_bytes
    data = read_bytes(path, 1 << 30)
    entries: list[dict[str, Any]] = []
    junk = 0
    for raw in data.decode("utf-8", "replace").splitlines():
        s = raw.strip()
        if not s:
            continue
        doc: Any = None
        if s.startswith("{"):
            try:
                doc = loads_json(s, 20, "anchor line")
            except InputError:
                doc = None
        else:
            doc = _from_syslog(s)
        if isinstance(doc, dict) and "sig" in doc and "seq" in doc:
            entries.append(doc)
        else:
            junk += 1
    return entries, junk


def _iter_hashes(log: Path) -> Iterator[tuple[int, str | None]]:
    """(line index = expected seq, record hash or None) for every whole line of the log."""
    from clawfence.integrity.verify import _parse_fast
    with open(log, "rb") as fh:
        for i, raw in enumerate(fh):
            if not raw.endswith(b"\n"):
                return
            fast = _parse_fast(raw[:-1])
            if fast is not None:
                yield i, fast[2]
                continue
            try:
                rec = loads_json(raw.decode("utf-8", "replace"), 200, "record")
            except InputError:
                yield i, None
                continue
            h = rec.get("hash") if isinstance(rec, dict) else None
            yield i, h if isinstance(h, str) else None


@dataclass
class AnchorResult:
    """Outcome of :func:`check`: ``ok``; ``problems`` (each starts with rollback|fork|rewrite|missing tail|
    forged anchor entry|not anchored); ``anchored`` valid entries for this log; ``last_seq`` highest anchored
    seq (None when none); ``notes`` informational lines."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    anchored: int = 0
    last_seq: int | None = None
    notes: list[str] = field(default_factory=list)


def check(log: Path, anchor: Path, pub: Ed25519PublicKey) -> AnchorResult:
    """Check ``log`` against the signed heads in ``anchor`` trusted under ``pub`` (see module doc).

    Raises :class:`clawfence.core.safeio.InputError` when the anchor cannot be read.
    """
    from clawfence.integrity.checkpoint import first_hash, head_sig_ok, key_id
    entries, junk = read_entries(anchor)
    me = str(log.resolve())
    genesis = first_hash(log)
    kid = key_id(pub)
    res = AnchorResult(ok=True)
    if junk:
        res.notes.append(f"{junk} line(s) of the anchor are not signed heads (ignored)")
    mine = [e for e in entries if e.get("log") == me or (genesis is not None and e.get("genesis") == genesis)]
    valid: list[dict[str, Any]] = []
    for e in mine:
        body = {k: v for k, v in e.items() if k != "pub"}
        if e.get("key_id") != kid or not head_sig_ok(pub, body):
            other = e.get("key_id")
            res.problems.append(
                f"forged anchor entry / rewrite with another key: head seq {e.get('seq')} anchored at {e.get('ts')} "
                f"is signed by key {other}, not the trusted key {kid}")
            continue
        if not isinstance(e.get("seq"), int) or not isinstance(e.get("hash"), str):
            res.problems.append(f"forged anchor entry: malformed head anchored at {e.get('ts')}")
            continue
        valid.append(e)
    res.anchored = len(valid)
    if not valid:
        res.problems.append(f"not anchored: {anchor} holds no head signed by the trusted key {kid} for this log")
        res.ok = False
        return res
    for e in valid:
        if genesis is not None and e.get("genesis") != genesis:
            res.problems.append(f"rewrite: the log's first record differs from the one anchored at {e.get('ts')} "
                                "(the log was replaced)")
            break
    by_seq: dict[int, dict[str, Any]] = {}
    top = -1
    for e in valid:
        s = int(e["seq"])
        prior = by_seq.get(s)
        if prior is not None and prior["hash"] != e["hash"]:
            res.problems.append(f"fork: two signed heads for seq {s} with different hashes (anchored at "
                                f"{prior.get('ts')} and {e.get('ts')}): the log was rolled back and rewritten")
        by_seq.setdefault(s, e)
        if s < top:
            res.problems.append(f"rollback: a head for seq {s} was anchored at {e.get('ts')} after one for seq "
                                f"{top} (the log went backwards)")
        top = max(top, s)
    res.last_seq = top
    last = -1
    mismatch_reported = 0
    for i, h in _iter_hashes(log):
        last = i
        a = by_seq.get(i)
        if a is not None and h != a["hash"] and mismatch_reported < 3:
            mismatch_reported += 1
            res.problems.append(f"fork/rewrite: record seq {i} differs from the head anchored at {a.get('ts')} "
                                "(same position, different hash)")
    if last < top:
        e = by_seq[top]
        res.problems.append(f"rollback: the log ends at seq {last} but a head for seq {top} was anchored at "
                            f"{e.get('ts')} (records {last + 1}..{top} are missing: older copy restored or "
                            "truncated)")
    elif last > top:
        res.problems.append(f"missing tail: {last - top} record(s) after the last anchored head (seq {top}) are "
                            "not signed and anchored (forged, or appended without the signing key)")
    res.ok = not res.problems
    return res


__all__ = ["SD_ID", "AnchorError", "AnchorResult", "anchor_file", "check", "publish", "read_entries", "to_syslog"]
