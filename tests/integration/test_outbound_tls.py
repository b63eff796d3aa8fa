"""HTTPS through the outbound client while it connects to the vetted address (not the name):
the certificate is still verified against the URL's host name, which is also sent as SNI and
as Host. A real TLS server on 127.0.0.1 with a CA made here."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pesanan.outbound import Client, OutboundError, Policy
from pesanan.outbound.addresses import IPAddress


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pki(tmp: Path, host: str) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for `host` signed by it: (ca.pem, cert.pem, key.pem)."""
    start = datetime.now(UTC) - timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("test CA")).issuer_name(_name("test CA"))
          .public_key(ca_key.public_key()).serial_number(1).not_valid_before(start)
          .not_valid_after(start + timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name(host)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(2).not_valid_before(start)
            .not_valid_after(start + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = tmp / "ca.pem", tmp / "cert.pem", tmp / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


class TlsPeer:
    def __init__(self, cert: Path, key: Path) -> None:
        self.sni: list[str | None] = []
        self.requests: list[bytes] = []
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctx.sni_callback = lambda _sock, name, _ctx: self.sni.append(name)
        self.ctx = ctx
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            try:
                with self.ctx.wrap_socket(raw, server_side=True) as conn:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += conn.recv(65536)
                    # Read the body too: closing with it unread makes the kernel reset the
                    # connection, and the reset can overtake the answer.
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = next((int(h.split(b":", 1)[1]) for h in head.split(b"\r\n")
                                   if h.lower().startswith(b"content-length:")), 0)
                    while len(body) < length:
                        body += conn.recv(65536)
                    self.requests.append(data)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                 b"Connection: close\r\n\r\nok")
            except (OSError, ssl.SSLError):
                continue  # the client refused our certificate: what one test wants

    def close(self) -> None:
        self.sock.close()
        self.thread.join(2)


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[tuple[TlsPeer, Path]]:
    ca, cert, key = _pki(tmp_path, "3pl.example")
    p = TlsPeer(cert, key)
    yield p, ca
    p.close()


def _pinned(host: str, port: int) -> list[IPAddress]:
    return [ipaddress.ip_address("127.0.0.1")]


def _client(ca: Path) -> Client:
    return Client(Policy.parse("127.0.0.1"), deadline=5, resolver=_pinned,
                  ssl_context=ssl.create_default_context(cafile=str(ca)))


def test_https_to_the_vetted_address_verifies_the_name_and_sends_it_as_sni(
        peer: tuple[TlsPeer, Path]) -> None:
    server, ca = peer
    answer = _client(ca).post(f"https://3pl.example:{server.port}/in", b"{}", {})
    assert (answer.status, answer.body) == (200, b"ok")
    assert server.sni == ["3pl.example"]
    assert f"Host: 3pl.example:{server.port}" in server.requests[0].decode()


def test_a_certificate_for_another_name_is_refused(peer: tuple[TlsPeer, Path]) -> None:
    server, ca = peer
    with pytest.raises(OutboundError) as failed:
        _client(ca).post(f"https://other.example:{server.port}/in", b"{}", {})
    assert failed.value.kind == "connect"
    assert "certificate verify failed" in str(failed.value)
    assert server.requests == []
