"""The trust boundary between the agent and the guard service (issue 10; guide P3.5, E3.3, E5.1, D3.2).

* **Who is calling** — :func:`peer_cred` reads ``SO_PEERCRED`` (pid, uid, gid) of a Unix-socket client;
  :func:`tcp_peer_uid` finds the owner uid of a loopback TCP client socket in ``/proc/net/tcp{,6}``;
  :func:`ancestry` walks ``/proc/<pid>/status`` ``PPid`` links. :class:`CallerRules` says what a caller may do:
  decide requests from the gateway's users; approval actions NEVER from a gateway uid nor from any process whose
  ancestor chain contains a process of a gateway uid or a configured gateway pid (the agent's shell is a child of
  the gateway even after ``setuid`` helpers).
* **Who is answering** — the service signs every decision with an Ed25519 key that lives in the service home
  (0600, service user); the plugin verifies with the public key (PEM, readable by all, written to the trust dir).
  The agent can read the public key but cannot produce a signature, so a rogue server on the port or socket cannot
  produce a valid ``allow``. The signed message binds the plugin's per-request nonce, the SHA-256 of the exact
  request body and the decision (:func:`decision_message`): a recorded answer cannot be replayed for another call.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from clawfence.core.atomic import atomic_write_text
from clawfence.core.paths import service_home, trust_dir

DOMAIN = b"clawfence-guard-decision-v1"
KEY_NAME = "decision.key"
PUB_NAME = "guard-decision.pub"


class TrustError(RuntimeError):
    """A key could not be created/read, or a caller is refused; ``str()`` is one line."""


# ------------------------------------------------------------------------------------------- keys
def key_path(home: Path | None = None) -> Path:
    """``<service home>/keys/decision.key`` (PEM PKCS#8 Ed25519 private key, 0600)."""
    return (home or service_home()) / "keys" / KEY_NAME


def socket_path() -> Path:
    """The decision socket: ``$CLAWFENCE_GUARD_SOCKET`` or ``/run/clawfence/guard.sock``. Its directory is the
    service user's (0755, systemd ``RuntimeDirectory=clawfence``) so the agent cannot replace the socket; the
    socket itself is 0660 with the gateway's group."""
    return Path(os.environ.get("CLAWFENCE_GUARD_SOCKET") or "/run/clawfence/guard.sock")


def serve_key_path() -> tuple[Path, bool]:
    """The key ``clawfence guard serve`` signs with, and whether it is out of the caller's reach: the service
    home's key when ``$CLAWFENCE_SERVICE_HOME`` is set or the service home exists (``install --service``), else
    ``$CLAWFENCE_HOME/guard/keys/decision.key`` (single-user mode: the user running serve can read it)."""
    if os.environ.get("CLAWFENCE_SERVICE_HOME") or service_home().is_dir():
        return key_path(), True
    from clawfence.core.paths import clawfence_home
    return clawfence_home() / "guard" / "keys" / KEY_NAME, False


def pub_path(tdir: Path | None = None) -> Path:
    """``<trust dir>/guard-decision.pub`` (PEM SubjectPublicKeyInfo, 0644): what the plugin pins."""
    return (tdir or trust_dir()) / PUB_NAME


def load_or_create_key(path: Path) -> Ed25519PrivateKey:
    """The signing key at ``path``; created (0600, parent 0700) when absent. Raises :class:`TrustError`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            atomic_write_text(path, pem, mode=0o600)
        except OSError as exc:
            raise TrustError(f"cannot create signing key {path}: {exc.strerror or exc}") from exc
        return key
    except OSError as exc:
        raise TrustError(f"cannot read signing key {path}: {exc.strerror or exc}") from exc
    k = serialization.load_pem_private_key(data, password=None)
    if not isinstance(k, Ed25519PrivateKey):
        raise TrustError(f"{path} is not an Ed25519 private key")
    return k


def public_pem(key: Ed25519PrivateKey) -> str:
    """PEM of the public half of ``key``."""
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def write_public(key: Ed25519PrivateKey, path: Path) -> None:
    """Write the public key PEM to ``path`` (0644)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    atomic_write_text(path, public_pem(key), mode=0o644)


def body_hash(body: bytes) -> str:
    """Hex SHA-256 of the exact request body bytes."""
    return hashlib.sha256(body).hexdigest()


def decision_message(nonce: str, req_hash: str, decision: dict[str, object]) -> bytes:
    """The bytes the service signs: domain, nonce, request hash, and the decision's ``decision``, ``rule_id``,
    ``approval_id`` and ``status`` as canonical JSON (sorted keys, no spaces) — the plugin rebuilds the same."""
    core = {k: decision.get(k) for k in ("decision", "rule_id", "approval_id", "status")}
    canon = json.dumps(core, sort_keys=True, separators=(",", ":"))
    return b"\n".join([DOMAIN, nonce.encode(), req_hash.encode(), canon.encode()])


def sign(key: Ed25519PrivateKey, nonce: str, req_hash: str, decision: dict[str, object]) -> str:
    """Base64 Ed25519 signature of :func:`decision_message`."""
    return base64.b64encode(key.sign(decision_message(nonce, req_hash, decision))).decode()


def verify(pub: Ed25519PublicKey, nonce: str, req_hash: str, decision: dict[str, object], sig: str) -> bool:
    """Whether ``sig`` is the service's signature over this nonce, request and decision."""
    from cryptography.exceptions import InvalidSignature
    try:
        pub.verify(base64.b64decode(sig), decision_message(nonce, req_hash, decision))
    except (InvalidSignature, ValueError):
        return False
    return True


# ------------------------------------------------------------------------------------------- callers
@dataclass(frozen=True)
class Peer:
    """A connected client: ``pid`` (None when unknown), ``uid``, ``gid``."""

    pid: int | None
    uid: int
    gid: int


def peer_cred(sock: socket.socket) -> Peer:
    """``SO_PEERCRED`` of a connected ``AF_UNIX`` socket (Linux). Raises ``OSError``."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return Peer(pid or None, uid, gid)


def _hexport(addr: str) -> tuple[str, int]:
    host, port = addr.split(":")
    return host, int(port, 16)


def tcp_peer(client: tuple[str, int], server: tuple[str, int]) -> tuple[int, int] | None:
    """``(uid, socket inode)`` of the loopback TCP socket ``client`` connected to ``server`` (from
    ``/proc/net/tcp``/``tcp6``: the row whose local port is the client's and remote port the server's), or None
    when not found or unreadable."""
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name, encoding="ascii") as fh:
                next(fh, None)
                for line in fh:
                    f = line.split()
                    if len(f) < 10:
                        continue
                    _, lport = _hexport(f[1])
                    _, rport = _hexport(f[2])
                    if lport == client[1] and rport == server[1]:
                        return int(f[7]), int(f[9])
        except (OSError, ValueError):
            continue
    return None


def tcp_peer_uid(client: tuple[str, int], server: tuple[str, int]) -> int | None:
    """Owner uid of the loopback TCP socket ``client`` connected to ``server`` (see :func:`tcp_peer`), or None."""
    row = tcp_peer(client, server)
    return row[0] if row else None


def _status(pid: int) -> dict[str, str]:
    out = {}
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except OSError:
        pass
    return out


def ancestry(pid: int, limit: int = 256) -> list[tuple[int, int | None]]:
    """``[(pid, real uid), (parent pid, uid), ...]`` up to pid 1 (uid None when the process vanished)."""
    out: list[tuple[int, int | None]] = []
    seen: set[int] = set()
    while pid > 0 and pid not in seen and len(out) < limit:
        seen.add(pid)
        st = _status(pid)
        uid = int(st["Uid"].split()[0]) if "Uid" in st else None
        out.append((pid, uid))
        try:
            pid = int(st.get("PPid", "0"))
        except ValueError:
            break
    return out


@dataclass
class CallerRules:
    """What a caller may do. ``gateway_uids``: the OS users the gateway (and so the agent) runs as;
    ``gateway_pids``: gateway process ids, if known; ``decide_uids``: extra uids allowed to ask for decisions
    (the service user and root are always allowed)."""

    gateway_uids: frozenset[int] = field(default_factory=frozenset)
    gateway_pids: frozenset[int] = field(default_factory=frozenset)
    decide_uids: frozenset[int] = field(default_factory=frozenset)

    def may_decide(self, peer: Peer) -> bool:
        """Decide requests: from a gateway uid, an extra decide uid, root or the service's own uid."""
        return peer.uid in self.gateway_uids or peer.uid in self.decide_uids or peer.uid in (0, os.geteuid())

    def approval_refusal(self, peer: Peer | None) -> str | None:
        """Why ``peer`` may not approve/deny/log in (None = may). Unknown peers are refused."""
        if peer is None:
            return "the caller could not be identified"
        if peer.uid in self.gateway_uids:
            return f"uid {peer.uid} is the gateway's (the agent's) user"
        if peer.pid is not None:
            for pid, uid in ancestry(peer.pid):
                if pid in self.gateway_pids:
                    return f"the caller descends from gateway process {pid}"
                if uid is not None and uid in self.gateway_uids:
                    return f"the caller descends from process {pid} of the gateway's user"
        return None


def uids_of(users: Iterable[str]) -> frozenset[int]:
    """Numeric uids of user names or numbers. Raises :class:`TrustError` for an unknown name."""
    import pwd
    out = set()
    for u in users:
        if u.isdigit():
            out.add(int(u))
            continue
        try:
            out.add(pwd.getpwnam(u).pw_uid)
        except KeyError as exc:
            raise TrustError(f"unknown user {u!r}") from exc
    return frozenset(out)


def self_refusal(rules: CallerRules) -> str | None:
    """Whether THIS process may act as an approver (used by ``clawfence guard approvals`` and ``approvers``)."""
    return rules.approval_refusal(Peer(os.getpid(), os.getuid(), os.getgid()))
