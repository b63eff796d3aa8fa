"""Real misbehaving HTTP peers on 127.0.0.1 (a free port each), for the outbound-HTTP tests:
one that redirects, one that answers garbage, one that drips its answer a byte at a time and
one that answers an endless body. Each records the requests it got."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable


class Peer:
    """A raw TCP server: reads one request head (and its body), hands the socket to `answer`.
    Raw sockets rather than http.server so an answer can be anything, even not HTTP."""

    def __init__(self, answer: Callable[[Peer, socket.socket], None]) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/orders"
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + body)
                self.answer(self, conn)
            except OSError:
                pass  # the client hung up: that is what several tests want

    def close(self) -> None:
        self.stopping.set()
        self.sock.close()
        self.thread.join(2)


def redirect_to(target: str) -> Callable[[Peer, socket.socket], None]:
    def answer(_: Peer, conn: socket.socket) -> None:
        conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n".encode())
    return answer


def garbage(_: Peer, conn: socket.socket) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6 this is not HTTP\r\n\r\n")


def drip(interval: float, total_seconds: float) -> Callable[[Peer, socket.socket], None]:
    """A valid 200 answer, one byte every `interval` seconds, lasting about `total_seconds`."""
    def answer(_: Peer, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
        pad = b"X-Pad: " + b"a" * max(1, int(total_seconds / interval) - len(head) - 4)
        for byte in head + pad + b"\r\n\r\n":
            conn.sendall(bytes([byte]))
            time.sleep(interval)
    return answer


def endless_body(_: Peer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"x" * 65536
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        conn.sendall(b"%x\r\n%b\r\n" % (len(chunk), chunk))


def ok(_: Peer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


def header_lines(request: bytes) -> dict[str, str]:
    head = request.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
    return {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in head)}

