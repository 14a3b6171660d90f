"""Verification of clawfence's hash-chained logs (see ``clawfence.integrity.actionlog`` for the record format).

Streams the file once (constant memory). Checks per record: whole line, JSON, ``seq`` continuity (deleted,
inserted or reordered records), ``prev`` link, ``hash`` over the canonical body (edits); per ``log.checkpoint``
record: its Ed25519 signature and that it signs the chain actually present; at the end: the signed head
(``<log>.head``) — a head pointing past the last record means truncation, a head whose hash differs means the
chain was rewritten. Fast path: lines written by ``auditlog`` are canonical bytes, so the hash is taken over the
raw bytes and ``prev``/``seq`` are read by position; any other line is parsed and re-serialised.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from clawfence.core.canonical import canonical
from clawfence.integrity.checkpoint import CHECKPOINT_DOMAIN, check_sig, head_sig_ok, key_id, load_public_key, read_head

GENESIS = "0" * 64
_HASH_TAIL = len(b',"hash":"') + 64 + len(b'"}')
_CKPT_END = b'"type":"log.checkpoint"'
#: Record types a writer appends when it found damage (see ``actionlog``): breaks until a person has looked.
INCIDENT_TYPES = ("log.torn_tail", "log.unverified_tail")
_INCIDENT_ENDS = tuple(b'"type":"' + t.encode() + b'"' for t in INCIDENT_TYPES)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Outcome of :func:`verify`.

    ``ok``; ``records`` whole records that verified; ``bad_line`` (1-based) and ``reason`` of the first break;
    ``torn_tail`` a partial last line (crash mid-append, not a break); ``checkpoints`` valid in-chain signatures;
    ``signed_upto`` last seq covered by a valid signature (head or checkpoint); ``head`` one of
    ``ok|absent|unchecked|bad``; ``warnings`` notes that are not breaks (records after the signed head, ...);
    ``incidents`` damage a writer found and quarantined (``log.torn_tail``/``log.unverified_tail`` records);
    ``hashes`` record hash by seq for the seqs asked for (anchor checks).
    """

    ok: bool
    records: int
    bad_line: int | None = None
    reason: str | None = None
    torn_tail: bool = False
    checkpoints: int = 0
    signed_upto: int | None = None
    head: str = "absent"
    warnings: tuple[str, ...] = field(default_factory=tuple)
    incidents: tuple[str, ...] = field(default_factory=tuple)
    hashes: dict[int, str] = field(default_factory=dict)


def _parse_fast(raw: bytes) -> tuple[int, str, str] | None:
    """(seq, prev, hash) from a line in the writer's canonical layout whose hash matches, else None."""
    if len(raw) < _HASH_TAIL + 20 or raw[-_HASH_TAIL:-66] != b',"hash":"' or raw[-2:] != b'"}':
        return None
    body = raw[:-_HASH_TAIL] + b"}"
    h = raw[-66:-2].decode("ascii", "replace")
    if hashlib.sha256(body).hexdigest() != h:
        return None
    i = body.rfind(b',"prev":"')
    if i < 0 or body[i + 73:i + 81] != b'","seq":':
        return None
    j = body.find(b",", i + 81)
    try:
        return int(body[i + 81:j]), body[i + 9:i + 73].decode("ascii"), h
    except ValueError:
        return None


def verify(path: Path, pubkey: Ed25519PublicKey | None = None, *, require_head: bool = False,
           allow_incidents: bool = False, want_hashes: set[int] | None = None) -> VerifyResult:
    """Verify a log. ``pubkey`` defaults to the key under ``$CLAWFENCE_HOME/keys``.

    ``require_head``: a missing head (or no key to check it) is a break, not a warning — use it when the log
    is known to be signed (the CLI does). Incident records (damage a writer quarantined) are breaks unless
    ``allow_incidents``. ``want_hashes``: seqs whose record hashes to return in ``hashes``. Raises ``OSError``
    if the file cannot be read.
    """
    pub = pubkey if pubkey is not None else load_public_key()
    prev, seq, n, ckpts, signed_upto = GENESIS, 0, 0, 0, None
    warnings: list[str] = []
    incidents: list[str] = []
    hashes: dict[int, str] = {}
    torn = False
    line_no = 0

    def fail(reason: str, line: int | None = None) -> VerifyResult:
        return VerifyResult(False, n, line if line is not None else line_no, reason, torn, ckpts, signed_upto,
                            "unchecked", tuple(warnings), tuple(incidents), hashes)

    with open(path, "rb") as fh:
        for line_no, raw in enumerate(fh, 1):
            if not raw.endswith(b"\n"):
                torn = True  # crash mid-append: not a break, the next writer cuts it off
                warnings.append(f"line {line_no} is a partial record (interrupted append); ignored")
                break
            raw = raw[:-1]
            if not raw.strip():
                return fail("empty line inside the log (edited)")
            fast = _parse_fast(raw)
            if fast is not None:
                r_seq, r_prev, r_hash = fast
                rec: dict[str, Any] | None = None
            else:
                try:
                    rec = json.loads(raw)
                except ValueError:
                    return fail("not valid JSON (edited or corrupted line)")
                if not isinstance(rec, dict):
                    return fail("not a JSON object (edited)")
                r_seq, r_prev, r_hash = rec.get("seq"), rec.get("prev"), rec.get("hash")  # type: ignore[assignment]
            if r_seq != seq:
                what = "deleted" if isinstance(r_seq, int) and r_seq > seq else "reordered or inserted"
                return fail(f"seq {r_seq} where {seq} was expected (record {what})")
            if r_prev != prev:
                return fail("prev does not match the previous record's hash (record deleted, inserted or reordered)")
            if rec is not None and hashlib.sha256(
                    canonical({k: v for k, v in rec.items() if k != "hash"})).hexdigest() != r_hash:
                return fail("hash does not match the record's content (edited)")
            body_end = raw[:-_HASH_TAIL] if rec is None else b""
            if (rec.get("type") in INCIDENT_TYPES) if rec is not None else body_end.endswith(_INCIDENT_ENDS):
                doc = rec if rec is not None else json.loads(raw)
                d = doc.get("data") or {}
                what = "records after the signed head" if doc.get("type") == "log.unverified_tail" else \
                    "a partial or joined last line"
                incidents.append(f"line {line_no}: a writer found {what} ({d.get('records', d.get('bytes'))} "
                                 f"{'records' if 'records' in d else 'bytes'}, sha256 {str(d.get('sha256'))[:16]}) and "
                                 f"kept it in {d.get('quarantine')}")
            if want_hashes is not None and seq in want_hashes:
                hashes[seq] = str(r_hash)
            if (rec.get("type") == "log.checkpoint") if rec is not None else body_end.endswith(_CKPT_END):
                doc = rec if rec is not None else json.loads(raw)
                d = doc.get("data") or {}
                upto, uh = d.get("upto_seq"), d.get("upto_hash")
                if pub is None:
                    warnings.append("no public key: checkpoint signatures not checked")
                elif not check_sig(pub, CHECKPOINT_DOMAIN, {"seq": upto, "hash": uh}, str(d.get("sig", ""))):
                    return fail("checkpoint signature invalid (chain rewritten or signed by another key)")
                elif upto != seq - 1 or uh != prev:
                    return fail(f"checkpoint signs seq {upto} with a hash the chain does not have (rewritten)")
                else:
                    ckpts, signed_upto = ckpts + 1, upto
            prev, seq, n = str(r_hash), seq + 1, n + 1
    res = _check_head(path, pub, n, prev, torn, ckpts, signed_upto, warnings, require_head)
    res = replace(res, incidents=tuple(incidents), hashes=hashes)
    if incidents and res.ok and not allow_incidents:
        return replace(res, ok=False, reason=f"{len(incidents)} incident(s): {incidents[0]} (forged or joined "
                                             "records, or a crashed writer; inspect, then --allow-incidents)")
    return res


def _check_head(path: Path, pub: Ed25519PublicKey | None, n: int, last_hash: str, torn: bool, ckpts: int,
                signed_upto: int | None, warnings: list[str], require_head: bool) -> VerifyResult:
    """Compare the chain with the signed head; see :func:`verify`."""
    def res(ok: bool, head: str, line: int | None = None, reason: str | None = None) -> VerifyResult:
        return VerifyResult(ok, n, line, reason, torn, ckpts, signed_upto, head, tuple(warnings))

    try:
        head = read_head(path)
    except ValueError:
        return res(False, "bad", None, "head file is not valid JSON (tampered)")
    if head is None:
        if ckpts or require_head:
            return res(False, "absent", None, "signed head file is missing (deleted? the log may be truncated)")
        if n:
            warnings.append("no signed head: truncation cannot be detected")
        return res(True, "absent")
    if pub is None:
        if require_head:
            return res(False, "unchecked", None, "no public key to check the signed head")
        warnings.append("no public key: signed head not checked")
        return res(True, "unchecked")
    if head.get("key_id") != key_id(pub) or not head_sig_ok(pub, head):
        return res(False, "bad", None, "signed head has an invalid signature or an unknown key (tampered)")
    hseq, hhash = head.get("seq"), head.get("hash")
    if not isinstance(hseq, int) or hseq >= n:
        return res(False, "bad", n + 1,
                   f"truncated: the signed head covers seq {hseq} but the log ends after seq {n - 1} "
                   f"(record seq {n} and later are missing)")
    if hseq == n - 1:
        if hhash != last_hash:
            return res(False, "bad", n, f"record seq {hseq} differs from the signed head (chain rewritten)")
        return VerifyResult(True, n, None, None, torn, ckpts, hseq, "ok", tuple(warnings))
    # The head is behind the end: re-scan only for the hash at hseq (rare: writer died before the head).
    with open(path, "rb") as fh:
        for i, raw in enumerate(fh):
            if i == hseq:
                fast = _parse_fast(raw.rstrip(b"\n"))
                h = fast[2] if fast else json.loads(raw).get("hash")
                if h != hhash:
                    return res(False, "bad", i + 1, f"record seq {hseq} differs from the signed head (rewritten)")
                break
    warnings.append(f"{n - 1 - hseq} record(s) after the signed head (seq {hseq}) are not yet signed")
    return VerifyResult(True, n, None, None, torn, ckpts, hseq, "ok", tuple(warnings))
