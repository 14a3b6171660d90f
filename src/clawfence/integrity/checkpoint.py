"""Ed25519 signing keys and signed checkpoints for clawfence's hash-chained logs and baselines.

Keys: ``<service home>/keys/ed25519.key`` (PKCS#8 PEM, mode 0600, dirs 0700; ``core.paths.service_home()``,
default ``/var/lib/clawfence``, the clawfence service user's private state the agent cannot read) and
``ed25519.pub`` (raw public key, hex). They are generated on first use. Only when the service home is not
usable (not root, not set, not writable) the key falls back to ``$CLAWFENCE_HOME/keys`` and every verifier says
that this key is within the agent's reach. ``key_id`` = first 16 hex chars of sha256(raw public key).

Pin: at first use the public key is pinned in ``core.paths.trust_dir()/signing-key.json`` (root-owned, the
agent cannot write it); ``log verify`` / ``baseline verify`` trust the pin by default and say so.

A *head* is a small JSON file next to a log (``<log>.head``) holding the signed position of the log's last
record, a signed tree head as in Certificate Transparency: ``{"v":2,"log","genesis","seq","hash","bytes",
"key_id","ts","sig"}`` (``bytes`` = file offset just after record ``seq``; ``genesis`` = hash of record 0;
``log`` = absolute path). Each head is also published to the anchors
(``clawfence.integrity.anchor``). It is replaced atomically after every
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




PIN_NAME = "signing-key.json"


def service_keys_usable() -> bool:
    """True when the signing key belongs in :func:`clawfence.core.paths.service_home` (explicitly configured,
    running as root, or the directory exists and is writable by this user)."""
    sh = service_home()
    return bool(os.environ.get("CLAWFENCE_SERVICE_HOME")) or os.geteuid() == 0 or (
        sh.is_dir() and os.access(sh, os.W_OK | os.X_OK))


def key_dir() -> Path:
    """Directory holding the signing keys: ``<service home>/keys``, or ``$CLAWFENCE_HOME/keys`` when the
    service home is not usable (see :func:`key_in_reach`)."""
    return service_home() / "keys" if service_keys_usable() else clawfence_home() / "keys"


def key_in_reach() -> bool:
    """True when the signing key lives in the user's ``$CLAWFENCE_HOME`` (the agent may read it)."""
    return not service_keys_usable()


def pin_path() -> Path:
    """``<trust dir>/signing-key.json``: the pinned public key."""
    return trust_dir() / PIN_NAME


def pub_hex(pub: Ed25519PublicKey) -> str:
    """Raw public key as hex."""
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def read_pin() -> dict[str, Any] | None:
    """The pin document ``{"pub","key_id","pinned_at","source"}`` or None when absent/unreadable.

    Raises ``ValueError`` when the pin exists but is not a valid pin (a verifier must not fall back silently).
    """
    p = pin_path()
    try:
        raw = p.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise ValueError(f"cannot read the key pin {p}: {exc.strerror}") from exc
    try:
        doc = json.loads(raw)
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(doc["pub"])))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"key pin {p} is not a valid pin") from exc
    if not isinstance(doc, dict):
        raise ValueError(f"key pin {p} is not a valid pin")
    return doc


def pin_key(pub: Ed25519PublicKey, source: str) -> Path | None:
    """Pin ``pub`` in the trust dir if nothing is pinned yet (trust on first use). Returns the pin path when a
    pin was written, None when one exists already or the trust dir is not writable (never raises)."""
    p = pin_path()
    if p.exists():
        return None
    doc = {"pub": pub_hex(pub), "key_id": key_id(pub),
           "pinned_at": datetime.now(UTC).isoformat(timespec="seconds"), "source": source}
    try:
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        atomic_write_bytes(p, json.dumps(doc, indent=1).encode() + b"\n", mode=0o644)
    except OSError:
        return None
    return p


@dataclass(frozen=True)
class TrustedKey:
    """The public key a verifier trusts and a one-line statement of why (``how``); ``pinned`` True when it
    comes from the pin or ``--pubkey``, False when it was read from the (possibly reachable) key dir."""

    pub: Ed25519PublicKey
    how: str
    pinned: bool


def trusted_key(pubkey: Path | None = None) -> TrustedKey | None:
    """The key to verify with: ``pubkey`` (file, hex or PEM) > the pin in the trust dir > the key dir's public
    key (pinned now if the trust dir is writable). None when there is no key at all.

    Raises ``ValueError`` for an unreadable/invalid ``pubkey`` or pin.
    """
    if pubkey is not None:
        pub = load_public_key(pubkey)
        if pub is None:
            raise ValueError(f"cannot read public key {pubkey}")
        return TrustedKey(pub, f"key {key_id(pub)} from --pubkey {pubkey}", True)
    pin = read_pin()
    if pin is not None:
        pub = Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(pin["pub"])))
        return TrustedKey(pub, f"key {key_id(pub)} pinned {pin.get('pinned_at')} from {pin.get('source')} "
                               f"({pin_path()})", True)
    pub0 = load_public_key()
    if pub0 is None:
        return None
    src = str(key_dir())
    where = "within the agent's reach" if key_in_reach() else "service home"
    if pin_key(pub0, src) is not None:
        return TrustedKey(pub0, f"key {key_id(pub0)} from {src} ({where}), pinned now at {pin_path()} "
                                "(first use)", True)
    return TrustedKey(pub0, f"key {key_id(pub0)} from {src} ({where}); NOT pinned ({pin_path()} not "
                            "writable): a rewrite re-signed with a new key would not be caught", False)


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
        if not key_in_reach() and not service_home().exists():
            service_home().mkdir(parents=True, mode=0o700)
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
        atomic_write_bytes(pub_path, pub_hex(key.public_key()).encode() + b"\n", mode=0o644)
        pin_key(key.public_key(), str(d))
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


def make_head(log: Path, seq: int, hash_: str, signer: Signer, *, size: int, genesis: str) -> dict[str, Any]:
    """A signed tree head (see module doc) for record ``seq`` with hash ``hash_`` ending at byte ``size``."""
    body = {"v": 2, "log": str(log.resolve()), "genesis": genesis, "seq": seq, "hash": hash_, "bytes": size,
            "key_id": signer.key_id, "ts": datetime.now(UTC).isoformat(timespec="microseconds")}
    return dict(body, sig=signer.sign(HEAD_DOMAIN, body))


def write_head(log: Path, seq: int, hash_: str, signer: Signer, *, size: int | None = None,
               genesis: str | None = None) -> dict[str, Any]:
    """Atomically replace ``<log>.head`` with a signed head and publish it to the anchors
    (:func:`clawfence.integrity.anchor.publish`). ``size`` defaults to the log's size, ``genesis`` to the hash
    of its first record. Returns the head. Raises ``OSError`` when the head or a configured anchor cannot be
    written."""
    from clawfence.integrity.anchor import publish
    if size is None:
        size = log.stat().st_size
    if genesis is None:
        genesis = first_hash(log) or hash_
    doc = make_head(log, seq, hash_, signer, size=size, genesis=genesis)
    atomic_write_bytes(head_path(log), json.dumps(doc).encode() + b"\n", mode=0o600)
    publish(doc, signer)
    return doc


def first_hash(log: Path) -> str | None:
    """The ``hash`` of the log's first record, or None (empty/unreadable/not a record)."""
    try:
        with open(log, "rb") as fh:
            line = fh.readline(1 << 20)
        from clawfence.core.safeio import loads_json
        h = loads_json(line.decode("utf-8", "replace"), 64, "record").get("hash")
    except (OSError, ValueError, AttributeError):
        return None
    return h if isinstance(h, str) else None


def read_head(log: Path) -> dict[str, Any] | None:
    """The head document, or None when there is no head file. Raises ``ValueError`` if it is not JSON."""
    from clawfence.core.safeio import loads_json
    try:
        raw = head_path(log).read_bytes()[: 1 << 16]
    except FileNotFoundError:
        return None
    try:
        doc = loads_json(raw.decode("utf-8", "replace"), 20, "head")
    except ValueError as exc:
        raise ValueError("head is not JSON") from exc
    if not isinstance(doc, dict):
        raise ValueError("head is not a JSON object")
    return doc


def head_sig_ok(pub: Ed25519PublicKey, head: dict[str, Any]) -> bool:
    """True if the head's signature is valid for ``pub``."""
    body = {k: v for k, v in head.items() if k != "sig"}
    return check_sig(pub, HEAD_DOMAIN, body, str(head.get("sig", "")))
