"""Anchors: copies of every signed head of a log kept where the attacker of the host cannot rewrite them.

As Certificate Transparency logs publish signed tree heads to monitors, every signed head of a clawfence log is
appended to an *anchor*: a file named by ``$CLAWFENCE_LOG_ANCHOR`` (opened ``O_APPEND``; make it append-only with
``chattr +a`` or owned by another user, or on another host) and/or a syslog/SIEM receiver named by
``$CLAWFENCE_LOG_ANCHOR_SYSLOG`` (``tcp://host:port`` or ``udp://host:port``; RFC 5424 structured data
``clawfence-anchor@32473``). An anchor entry is one JSON line::

    {"v": 1, "log": "<realpath of the log>", "seq": N, "hash": "<hash of record N>", "key_id": "...",
     "pub": "<hex Ed25519 public key>", "ts": "...", "sig": "<head signature>"}

:func:`check` compares a log with its anchor: the first entry pins the public key (trust on first use), every
entry must be signed by it, every anchored ``(seq, hash)`` must be in the log (else *rollback* when the log is
shorter, *fork/rewrite* when the record differs), and records after the last anchored head are a *missing
tail*. Guide E4.2. What this cannot catch: an attacker who can also rewrite the anchor (see docs/integrity.md).
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from clawfence.core import safeio
from clawfence.integrity.checkpoint import head_sig_ok, key_id

#: Largest anchor file read (bytes).
MAX_ANCHOR_BYTES = 256 * 1024 * 1024


def anchor_file() -> Path | None:
    """The anchor file from ``$CLAWFENCE_LOG_ANCHOR`` (None when unset)."""
    v = os.environ.get("CLAWFENCE_LOG_ANCHOR")
    return Path(v) if v else None


def log_id(log: Path) -> str:
    """The identity of a log in anchors: its resolved absolute path."""
    return os.path.realpath(log)


def entry(log: Path, head: dict[str, Any], pub_hex: str) -> dict[str, Any]:
    """The anchor entry of a signed head."""
    return {"v": 1, "log": log_id(log), **{k: head[k] for k in ("seq", "hash", "key_id", "ts", "sig")},
            "pub": pub_hex}


def publish(log: Path, head: dict[str, Any], pub_hex: str) -> None:
    """Append the head to the anchor file and send it to the anchor syslog, when configured. The file write is
    ``O_APPEND`` + fsync; raises ``OSError`` when the configured anchor cannot be written (a writer must not
    go on silently without its anchor)."""
    e = entry(log, head, pub_hex)
    path = anchor_file()
    if path is not None:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, json.dumps(e, sort_keys=True, separators=(",", ":")).encode() + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
    target = os.environ.get("CLAWFENCE_LOG_ANCHOR_SYSLOG")
    if target:
        _send_syslog(target, e)


def _send_syslog(target: str, e: dict[str, Any]) -> None:
    """One RFC 5424 record with the head as structured data, over UDP or TCP (RFC 6587 octet counting)."""
    u = urlparse(target)
    if u.scheme not in ("udp", "tcp", "syslog") or not u.hostname or not u.port:
        raise OSError(f"CLAWFENCE_LOG_ANCHOR_SYSLOG {target!r}: use tcp://host:port or udp://host:port")
    def esc(v: object) -> str:
        return str(v).replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")

    sd = " ".join(f'{k}="{esc(e[k])}"' for k in ("log", "seq", "hash", "key_id", "pub", "ts", "sig"))
    ts = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    host = "".join(c if "!" <= c <= "~" else "_" for c in socket.gethostname())[:255] or "-"
    line = f"<110>1 {ts} {host} clawfence - anchor [clawfence-anchor@32473 {sd}] signed head".encode()
    if u.scheme == "tcp":
        with socket.create_connection((u.hostname, u.port), timeout=5) as s:
            s.sendall(str(len(line)).encode() + b" " + line)
    else:
        with socket.socket(socket.AF_INET6 if ":" in u.hostname else socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(line, (u.hostname, u.port))


def read(anchor: Path, log: Path) -> list[dict[str, Any]]:
    """The anchor's entries for ``log``, in order. Raises :class:`~clawfence.core.safeio.InputError` when the
    anchor cannot be read; lines that are not entries are returned as ``{"_bad": line_no}``."""
    text = safeio.read_text(anchor, MAX_ANCHOR_BYTES)
    lid = log_id(log)
    out: list[dict[str, Any]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = safeio.loads_json(line, 8, f"{anchor}:{n}")
        except safeio.InputError:
            out.append({"_bad": n})
            continue
        if isinstance(doc, dict) and doc.get("log") == lid:
            out.append(doc)
    return out


@dataclass
class AnchorCheck:
    """Result of :func:`check`: ``ok``; ``problems`` (each ``kind: text`` with kind rollback|fork|rewrite|
    missing-tail|key|anchor); ``pub`` the key the anchor pins; ``anchored`` entries for this log; ``last``
    the last anchored seq."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    pub: Ed25519PublicKey | None = None
    anchored: int = 0
    last: int | None = None


def pinned_pub(entries: list[dict[str, Any]]) -> Ed25519PublicKey | None:
    """The key the anchor pins: the first entry's ``pub`` (trust on first use)."""
    for e in entries:
        if "_bad" not in e:
            try:
                return Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(e.get("pub"))))
            except ValueError:
                return None
    return None


def check(log: Path, entries: list[dict[str, Any]], hashes: dict[int, str], n_records: int,
          pub: Ed25519PublicKey | None) -> AnchorCheck:
    """Compare ``log`` (``hashes``: record hash by seq for at least every anchored seq; ``n_records`` whole
    records) with its anchor ``entries``, under the pinned key ``pub`` (see :func:`pinned_pub`)."""
    res = AnchorCheck(ok=True, pub=pub)
    good = [e for e in entries if "_bad" not in e]
    if not good:
        res.problems.append("anchor: the anchor holds no signed head for this log (not anchored, or anchored "
                            "under another path)")
    if pub is None and good:
        res.problems.append("anchor: the anchor's first entry carries no usable public key")
    for e in entries:
        if "_bad" in e:
            res.problems.append(f"anchor: line {e['_bad']} of the anchor is not an entry (anchor damaged)")
    for e in good:
        seq, h = e.get("seq"), e.get("hash")
        head: dict[str, Any] = {k: e[k] for k in ("v", "seq", "hash", "key_id", "ts", "sig") if k in e}
        if pub is not None and (e.get("key_id") != key_id(pub) or not head_sig_ok(pub, head)):
            res.problems.append(f"key: the anchored head for seq {seq} ({e.get('ts')}) is not signed by the pinned "
                                "key (the anchor was written with another key)")
            continue
        if not isinstance(seq, int):
            continue
        res.anchored += 1
        res.last = seq if res.last is None else max(res.last, seq)
        if seq >= n_records:
            res.problems.append(f"rollback: the anchor recorded seq {seq} at {e.get('ts')} but the log ends at seq "
                                f"{n_records - 1} (log rolled back or truncated)")
        elif hashes.get(seq) != h:
            res.problems.append(f"fork: record seq {seq} differs from the head anchored at {e.get('ts')} (log "
                                "rewritten or forked)")
    if res.last is not None and n_records - 1 > res.last:
        res.problems.append(f"missing-tail: {n_records - 1 - res.last} record(s) after the last anchored head "
                            f"(seq {res.last}) were never anchored (forged, or written without the anchor)")
    res.ok = not res.problems
    # one line per kind of problem is enough to read; keep the first few of each
    seen: dict[str, int] = {}
    kept = []
    for p in res.problems:
        k = p.split(":", 1)[0]
        seen[k] = seen.get(k, 0) + 1
        if seen[k] <= 3:
            kept.append(p)
        elif seen[k] == 4:
            kept.append(f"{k}: ... more")
    res.problems = kept
    return res


@dataclass
class LogCheck:
    """Everything ``clawfence log verify`` reports: the chain/head result, the anchor check (when an anchor was
    given), which key was trusted and why (``key_source``)."""

    chain: Any
    anchor: AnchorCheck | None
    key_source: str

    @property
    def ok(self) -> bool:
        """True when the chain, the signed head, the incidents and the anchor all check out."""
        return bool(self.chain.ok) and (self.anchor is None or self.anchor.ok)


def check_log(log: Path, *, pubkey: Ed25519PublicKey | None = None, pubkey_source: str = "",
              anchor_path: Path | None = None, allow_incidents: bool = False, require_head: bool = True) -> LogCheck:
    """Verify ``log``: trusted key = ``pubkey`` (``--pubkey``), else the key the anchor pins, else the key pinned
    for this log in the trust dir, else the local key (said so, since the agent's user may be able to replace
    it). With an anchor, the log is also checked against every anchored head (:func:`check`). Raises
    :class:`~clawfence.core.safeio.InputError` when the anchor cannot be read, ``OSError`` for the log."""
    from clawfence.integrity.checkpoint import load_public_key, pinned_key
    from clawfence.integrity.verify import verify

    entries = read(anchor_path, log) if anchor_path is not None else []
    anchor_pub = pinned_pub(entries)
    pub, source = pubkey, pubkey_source or "--pubkey"
    problems: list[str] = []
    if pub is None and anchor_pub is not None:
        pub, source = anchor_pub, f"key pinned by the anchor {anchor_path} (first entry)"
    if pub is None:
        pin = pinned_key(log)
        if pin is not None:
            pub, source = pin[0], f"key pinned at {pin[1].get('pinned_at')} in {pin_location(log)}"
    if pub is None:
        pub = load_public_key()
        source = "local key (not pinned: whoever can write the key dir can re-sign the log)" if pub else "no key"
    elif anchor_pub is not None and key_id(anchor_pub) != key_id(pub):
        problems.append("key: the anchor pins another key than the one given (log re-signed with a fresh key?)")
    wanted = {e["seq"] for e in entries if isinstance(e.get("seq"), int)}
    chain = verify(log, pub, require_head=require_head, allow_incidents=allow_incidents, want_hashes=wanted)
    ac = None
    if anchor_path is not None:
        ac = check(log, entries, chain.hashes, chain.records, anchor_pub or pub)
        ac.problems = problems + ac.problems
        ac.ok = not ac.problems
    return LogCheck(chain, ac, source)


def pin_location(log: Path) -> str:
    """Where the pin of ``log`` lives (for messages)."""
    from clawfence.integrity.checkpoint import pin_path

    return str(pin_path(log))
