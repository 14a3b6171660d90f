"""Ed25519 signing keys and signed checkpoints for clawfence's hash-chained logs and baselines.

Keys: ``$CLAWFENCE_HOME/keys/ed25519.key`` (PKCS#8 PEM, mode 0600, dir 0700) and ``ed25519.pub`` (raw public
key, hex). They are generated on first use. ``key_id`` = first 16 hex chars of sha256(raw public key).

A *head* is a small JSON file next to a log (``<log>.head``) holding the signed position of the log's last
record: ``{"v":1,"seq","hash","records","key_id","ts","sig"}``. It is replaced atomically after every
one-shot append and every writer checkpoint; a log shorter than its head was truncated. In-chain
``log.checkpoint`` records carry the same signature over ``(seq, hash)`` so a rewritten chain is caught even
when the head file is deleted. Signatures are domain-separated (``clawfence-log-head-v1`` etc.) so a
signature for one purpose cannot be replayed for another. Guide E4.2 (tamper-proof audit logs), D3.3.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from clawfence.core.atomic import atomic_write_bytes
from clawfence.core.canonical import canonical
from clawfence.core.paths import clawfence_home, service_home, trust_dir

HEAD_DOMAIN = b"clawfence-log-head-v1\n"
CHECKPOINT_DOMAIN = b"clawfence-log-checkpoint-v1\n"
BASELINE_DOMAIN = b"clawfence-baseline-v1\n"




def key_dir() -> Path:
    """Directory holding the signing keys: ``$CLAWFENCE_KEY_DIR``; else ``<service home>/keys`` when the guard
    service's home exists (the key then lives outside the agent's reach, readable only by the ``clawfence``
    user); else ``$CLAWFENCE_HOME/keys`` (a single-user install, where the agent's user can read it: say so in
    reports)."""
    env = os.environ.get("CLAWFENCE_KEY_DIR")
    if env:
        return Path(env)
    svc = service_home()
    if svc.is_dir() and os.access(svc, os.W_OK | os.X_OK):
        return svc / "keys"
    return clawfence_home() / "keys"


def public_hex(pub: Ed25519PublicKey) -> str:
    """Raw public key as 64 hex characters."""
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def pin_path(log: Path) -> Path:
    """Where the public key of ``log`` is pinned: ``<trust dir>/logs/<sha256(realpath)[:32]>.json``."""
    h = hashlib.sha256(os.path.realpath(log).encode()).hexdigest()[:32]
    return trust_dir() / "logs" / f"{h}.json"


def pin_key(log: Path, pub: Ed25519PublicKey) -> bool:
    """Pin ``pub`` for ``log`` on first use (no-op when a pin exists or the trust dir is not writable, as for
    the agent's user). Returns True when a pin was written."""
    p = pin_path(log)
    if p.exists():
        return False
    try:
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        doc = {"log": os.path.realpath(log), "pub": public_hex(pub), "key_id": key_id(pub),
               "pinned_at": datetime.now(UTC).isoformat(timespec="seconds")}
        atomic_write_bytes(p, json.dumps(doc).encode() + b"\n", mode=0o644)
    except OSError:
        return False
    return True


def pinned_key(log: Path) -> tuple[Ed25519PublicKey, dict[str, Any]] | None:
    """The pinned public key of ``log`` and its pin record, or None. Raises ``ValueError`` for a corrupt pin."""
    p = pin_path(log)
    try:
        doc = json.loads(p.read_bytes())
    except FileNotFoundError:
        return None
    if not isinstance(doc, dict):
        raise ValueError(f"{p}: not a key pin")
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(doc.get("pub")))), doc
    except ValueError as exc:
        raise ValueError(f"{p}: not a key pin") from exc


def key_id(pub: Ed25519PublicKey) -> str:
    """Short stable id of a public key: 16 hex chars of sha256 of its raw bytes."""
    raw = pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class Signer:
    """A loaded private key and its id."""

    key: Ed25519PrivateKey
    key_id: str

    def sign(self, domain: bytes, obj: Any) -> str:
        """Base64 Ed25519 signature over ``domain + canonical(obj)``."""
        return base64.b64encode(self.key.sign(domain + canonical(obj))).decode()


_SIGNERS: dict[str, Signer] = {}


def load_signer(create: bool = True) -> Signer:
    """Load (or, with ``create``, generate) the signing key under :func:`key_dir`.

    Raises ``OSError`` if the key cannot be read or written, ``FileNotFoundError`` if absent and not ``create``,
    ``ValueError`` if the key file is not an Ed25519 PEM key.
    """
    d = key_dir()
    cached = _SIGNERS.get(str(d))
    if cached is not None:
        return cached
    priv_path, pub_path = d / "ed25519.key", d / "ed25519.pub"
    if not priv_path.exists():
        if not create:
            raise FileNotFoundError(str(priv_path))
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(d, 0o700)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # Write to a temp file, then hard-link into place: concurrent first users either win the link or
        # load the winner's complete key; nobody ever reads a half-written key.
        fd, tmp = tempfile.mkstemp(prefix=".ed25519.", dir=str(d))
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, priv_path)
            except FileExistsError:
                return load_signer(create=False)
        finally:
            os.unlink(tmp)
        raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        atomic_write_bytes(pub_path, raw.hex().encode() + b"\n", mode=0o600)
    loaded = serialization.load_pem_private_key(priv_path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise ValueError(f"{priv_path} is not an Ed25519 private key")
    signer = Signer(loaded, key_id(loaded.public_key()))
    _SIGNERS[str(d)] = signer
    return signer


def load_public_key(path: Path | None = None) -> Ed25519PublicKey | None:
    """The trusted public key: ``path`` (hex or PEM) or ``<key_dir>/ed25519.pub``; None when absent.

    Raises ``ValueError`` for a file that is not an Ed25519 public key.
    """
    p = path or key_dir() / "ed25519.pub"
    try:
        data = p.read_bytes().strip()
    except FileNotFoundError:
        if path is None:
            with contextlib.suppress(FileNotFoundError, ValueError, OSError):
                return load_signer(create=False).key.public_key()
        return None
    if data.startswith(b"-----BEGIN"):
        pub = serialization.load_pem_public_key(data)
        if not isinstance(pub, Ed25519PublicKey):
            raise ValueError(f"{p} is not an Ed25519 public key")
        return pub
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(data.decode()))
    except ValueError as exc:
        raise ValueError(f"{p} is not an Ed25519 public key (hex)") from exc


def check_sig(pub: Ed25519PublicKey, domain: bytes, obj: Any, sig: str) -> bool:
    """True if ``sig`` (base64) is a valid signature by ``pub`` over ``domain + canonical(obj)``."""
    try:
        pub.verify(base64.b64decode(sig, validate=True), domain + canonical(obj))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def head_path(log: Path) -> Path:
    """Sidecar file holding a log's signed head."""
    return log.with_name(log.name + ".head")


def write_head(log: Path, seq: int, hash_: str, signer: Signer) -> dict[str, Any]:
    """Atomically replace ``<log>.head`` with a signed head for record ``seq`` with hash ``hash_``; returns the
    head document (the anchor gets a copy)."""
    body = {"v": 1, "seq": seq, "hash": hash_, "key_id": signer.key_id,
            "ts": datetime.now(UTC).isoformat(timespec="seconds")}
    doc = dict(body, sig=signer.sign(HEAD_DOMAIN, body))
    atomic_write_bytes(head_path(log), json.dumps(doc).encode() + b"\n", mode=0o600)
    return doc


def read_head(log: Path) -> dict[str, Any] | None:
    """The head document, or None when there is no head file. Raises ``ValueError`` if it is not JSON."""
    try:
        raw = head_path(log).read_bytes()
    except FileNotFoundError:
        return None
    doc = json.loads(raw)
    if not isinstance(doc, dict):
        raise ValueError("head is not a JSON object")
    return doc


def head_sig_ok(pub: Ed25519PublicKey, head: dict[str, Any]) -> bool:
    """True if the head's signature is valid for ``pub``."""
    body = {k: v for k, v in head.items() if k != "sig"}
    return check_sig(pub, HEAD_DOMAIN, body, str(head.get("sig", "")))
