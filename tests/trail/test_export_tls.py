"""``tls://`` export: RFC 6587 octet-counted frames over TLS to a loopback server with a test CA; certificate
verification is on (an unknown CA is refused)."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from clawfence.trail import siem as export


def _cert(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    import ipaddress
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    c, k = tmp / "cert.pem", tmp / "key.pem"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    return c, k


def _server(cert: Path, key: Path) -> tuple[int, list[bytes], threading.Thread]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lsock = socket.create_server(("127.0.0.1", 0))
    port = lsock.getsockname()[1]
    got: list[bytes] = []

    def run() -> None:
        with lsock:
            conn, _ = lsock.accept()
            try:
                with ctx.wrap_socket(conn, server_side=True) as s:
                    while chunk := s.recv(65536):
                        got.append(chunk)
            except (ssl.SSLError, OSError):
                pass

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return port, got, t


def test_tls_frames_arrive(tmp_path: Path) -> None:
    cert, key = _cert(tmp_path)
    port, got, t = _server(cert, key)
    lines = ["<110>1 2026-11-21T06:00:00Z h clawfence - event - hello é", "second line"]
    assert export.send(lines, f"tls://127.0.0.1:{port}", cafile=str(cert)) == 2
    t.join(5)
    data = b"".join(got)
    first = lines[0].encode()
    assert data == str(len(first)).encode() + b" " + first + b"11 second line"


def test_tls_unknown_ca_refused(tmp_path: Path) -> None:
    cert, key = _cert(tmp_path)
    port, _, t = _server(cert, key)
    with pytest.raises(ssl.SSLError):
        export.send(["x"], f"tls://127.0.0.1:{port}")
    t.join(5)


def test_bad_target() -> None:
    with pytest.raises(ValueError):
        export.send(["x"], "http://127.0.0.1:1")
