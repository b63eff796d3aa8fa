"""A real local HTTP receiver for webhook tests: records every request it gets, answers with
a status the test chooses, and can stop listening (connections refused) and start again on the
same port."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self, status: Callable[[Received], int] = lambda _: 204) -> None:
        self.status = status
        self.got: list[Received] = []
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.location: str | None = None  # sent with a 3xx answer
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                got = Received({k.lower(): v for k, v in self.headers.items()}, body)
                with outer.lock:
                    outer.got.append(got)
                code = outer.status(got)
                self.send_response(code)
                reply = b'{"ok": true}' if code < 300 else b"nope"
                self.send_header("Content-Length", str(len(reply)))
                if outer.location and 300 <= code < 400:
                    self.send_header("Location", outer.location)
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            # socketserver's default backlog is 5: a worker's parallel batch overflowed it
            # and the kernel dropped SYNs, each costing a 1 s retransmit.
            request_queue_size = 128

        self.server = Server(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening: new connections are refused until start()."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.got)
