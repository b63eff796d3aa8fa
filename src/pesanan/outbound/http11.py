"""HTTP/1.1 on one connected socket: one request, its whole answer, and whether the
connection may carry the next one. Only what Pesanan's calls need (a request with a body; an
answer framed by Content-Length, chunked, or the connection's end), strict about the rest.

Why not httpcore (h11): its per-request state machine and event objects cost ~0.2 ms of CPU
per call, ten times the socket work itself; a worker relaying every event as a webhook made
that most of its cost per event. The guarantees stay with the caller (client.py): which
address the socket was connected to, the one deadline (`left()` before every socket
operation, so an answer dripped a byte at a time is cut at the deadline), and the cap on the
answer (`max_body`, checked while reading, also against a declared Content-Length). No
redirect is followed (a 3xx is an answer like any other) and nothing is read from the
environment.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
from collections.abc import Callable

HEAD_LIMIT = 64 * 1024  # bytes of status line and headers; past that it is no answer we want
_STATUS = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: [^\r\n]*)?")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_CHUNK = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?")
_BAD_FIELD = re.compile(r"[\r\n\x00]")


class ProtocolError(Exception):
    """The peer's bytes are not an HTTP/1.1 answer (or it hung up in the middle of one)."""


class TooLarge(Exception):
    """The answer's body is larger than the caller's cap."""


Left = Callable[[], float]  # seconds left before the deadline; raises once it passed


def request_bytes(method: str, target: str, host: str, headers: dict[str, str], body: bytes
                  ) -> bytes:
    """The request: Host and Content-Length are ours (a caller's own are dropped); a field
    that would end its line early (CR, LF, NUL) is refused rather than sent."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    for name, value in headers.items():
        if name.lower() in ("host", "content-length", "transfer-encoding"):
            continue
        if _BAD_FIELD.search(name) or _BAD_FIELD.search(value) or not _TOKEN.fullmatch(
                name.encode("latin-1", "replace")):
            raise ValueError(f"invalid header field {name!r}")
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Connection:
    """One kept TCP (or TLS) connection, used by one call at a time."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.reusable = False  # set when an answer was read whole and may be followed
        self.idle_since = 0.0

    def close(self) -> None:
        self.reusable = False
        with contextlib.suppress(OSError):
            self.sock.close()

    def is_stale(self) -> bool:
        """An idle connection with anything to read (the server's FIN, or bytes nobody asked
        for) cannot carry a request: the server is closing it, or it is out of step."""
        if self.buf:
            return True
        pending = getattr(self.sock, "pending", None)  # TLS: decrypted, not yet read
        if pending is not None and pending():
            return True
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def exchange(self, request: bytes, left: Left, max_body: int
                 ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send `request`, read its whole answer: (status, headers, body). Leaves
        `reusable` set only when the connection may carry the next request."""
        self.reusable = False
        self.sock.settimeout(left())
        self.sock.sendall(request)
        while True:
            version, status, fields = self._head(left)
            if 100 <= status < 200:
                if status == 101:
                    raise ProtocolError("unexpected 101 Switching Protocols")
                continue  # 100 Continue, 103 Early Hints: the answer follows
            break
        names = [(k.lower(), v) for k, v in fields]
        connection = {t.strip().lower() for k, v in names if k == "connection"
                      for t in v.split(",")}
        encodings = [t.strip().lower() for k, v in names if k == "transfer-encoding"
                     for t in v.split(",") if t.strip()]
        lengths = {v.strip() for k, v in names if k == "content-length"}
        keep = version == 1 and "close" not in connection
        if status in (204, 304):
            body = b""
        elif encodings:
            if encodings[-1] != "chunked":
                raise ProtocolError(f"unsupported transfer coding {encodings[-1]!r}")
            body = self._chunked(left, max_body)
            keep = keep and not lengths  # both framings: do not trust the connection after
        elif lengths:
            if len(lengths) > 1 or not all(c in "0123456789" for c in next(iter(lengths))) \
                    or not next(iter(lengths)):
                raise ProtocolError("invalid Content-Length")
            size = int(next(iter(lengths)))
            if size > max_body:
                raise TooLarge
            body = self._exactly(size, left)
        else:  # framed by the connection's end
            body = self._to_end(left, max_body)
            keep = False
        self.reusable = keep and not self.buf
        return status, fields, body

    def _fill(self, left: Left) -> None:
        self.sock.settimeout(left())
        data = self.sock.recv(65536)
        if not data:
            raise ProtocolError("the server closed the connection before the answer ended")
        self.buf += data

    def _line(self, left: Left) -> bytes:
        while (end := self.buf.find(b"\n")) < 0:
            if len(self.buf) > HEAD_LIMIT:
                raise ProtocolError("answer line too long")
            self._fill(left)
        line = bytes(self.buf[:end]).rstrip(b"\r")
        del self.buf[:end + 1]
        return line

    def _head(self, left: Left) -> tuple[int, int, list[tuple[str, str]]]:
        first = self._line(left)
        for _ in range(2):  # a blank line or two before the status line (RFC 9112 2.2)
            if first:
                break
            first = self._line(left)
        status = _STATUS.fullmatch(first)
        if status is None:
            raise ProtocolError(f"bad status line {first[:80]!r}")
        fields: list[tuple[str, str]] = []
        size = len(first)
        while line := self._line(left):
            size += len(line)
            if size > HEAD_LIMIT:
                raise ProtocolError("answer head too large")
            name, colon, value = line.partition(b":")
            if not colon or not _TOKEN.fullmatch(name):
                raise ProtocolError(f"bad header line {line[:80]!r}")
            fields.append((name.decode("latin-1"), value.strip(b" \t").decode("latin-1")))
        return int(status.group(1)), int(status.group(2)), fields

    def _exactly(self, size: int, left: Left) -> bytes:
        while len(self.buf) < size:
            self._fill(left)
        body = bytes(self.buf[:size])
        del self.buf[:size]
        return body

    def _chunked(self, left: Left, max_body: int) -> bytes:
        body = bytearray()
        while True:
            size_line = self._line(left)
            match = _CHUNK.fullmatch(size_line)
            if match is None:
                raise ProtocolError(f"bad chunk size {size_line[:40]!r}")
            size = int(match.group(1), 16)
            if size == 0:
                while self._line(left):  # trailers, up to the blank line
                    pass
                return bytes(body)
            if len(body) + size > max_body:
                raise TooLarge
            body += self._exactly(size, left)
            if self._line(left):
                raise ProtocolError("chunk not followed by CRLF")

    def _to_end(self, left: Left, max_body: int) -> bytes:
        while True:
            if len(self.buf) > max_body:
                raise TooLarge
            self.sock.settimeout(left())
            data = self.sock.recv(65536)
            if not data:
                body = bytes(self.buf)
                self.buf.clear()
                return body
            self.buf += data
