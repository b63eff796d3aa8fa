"""The outbound client keeps connections alive between calls (a webhook endpoint would
otherwise get a new TCP connection per event), and reuse never weakens a guarantee: one
connection carries many calls, each with its own deadline; a connection the server closed is
not used again; one whose answer was cut (too large) is never reused; another port is another
connection. Real HTTP/1.1 servers on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pesanan.outbound import Client, OutboundError, Policy


class KeepAlive:
    """Answers 200 over HTTP/1.1; counts the connections it accepted. `close_after` answers
    with `Connection: close`; `big` answers a body of that many bytes."""

    def __init__(self, close_after: bool = False, big: int = 0) -> None:
        self.connections = 0
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                outer.connections += 1

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                outer.requests += 1
                body = b"x" * big if big else b"ok"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                if close_after:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers() -> Iterator[list[KeepAlive]]:
    made: list[KeepAlive] = []
    yield made
    for s in made:
        s.close()


def _client(deadline: float = 5.0, max_body: int = 65536) -> Client:
    return Client(Policy.parse("127.0.0.1"), deadline=deadline, max_body=max_body)


def test_one_connection_carries_many_calls(servers: list[KeepAlive]) -> None:
    s = KeepAlive()
    servers.append(s)
    client = _client()
    answers = [client.post(s.url, b"{}", {"Content-Type": "application/json"})
               for _ in range(20)]
    assert [(a.status, a.body) for a in answers] == [(200, b"ok")] * 20
    assert (s.requests, s.connections) == (20, 1)


def test_each_call_on_a_kept_connection_has_its_own_deadline(servers: list[KeepAlive]
                                                             ) -> None:
    s = KeepAlive()
    servers.append(s)
    client = _client(deadline=0.5)
    assert client.post(s.url, b"{}", {}).status == 200
    time.sleep(0.7)  # past the first call's deadline, well inside the keep-alive time
    assert client.post(s.url, b"{}", {}).status == 200
    assert s.connections == 1


def test_a_connection_the_server_closed_is_not_used_again(servers: list[KeepAlive]) -> None:
    s = KeepAlive(close_after=True)
    servers.append(s)
    client = _client()
    for _ in range(3):
        assert client.post(s.url, b"{}", {}).status == 200
    assert (s.requests, s.connections) == (3, 3)


def test_a_cut_answer_never_leaves_its_connection_for_the_next_call(servers: list[KeepAlive]
                                                                     ) -> None:
    s = KeepAlive(big=10_000)
    servers.append(s)
    client = _client(max_body=1000)
    for _ in range(2):
        with pytest.raises(OutboundError) as cut:
            client.post(s.url, b"{}", {})
        assert cut.value.kind == "too_large"
    assert s.connections == 2


def test_another_port_is_another_connection(servers: list[KeepAlive]) -> None:
    a, b = KeepAlive(), KeepAlive()
    servers.extend([a, b])
    client = _client()
    for _ in range(3):
        assert client.post(a.url, b"{}", {}).status == 200
        assert client.post(b.url, b"{}", {}).status == 200
    assert (a.connections, b.connections, a.requests, b.requests) == (1, 1, 3, 3)


def test_parallel_calls_each_get_a_connection_and_keep_them(servers: list[KeepAlive]) -> None:
    s = KeepAlive()
    servers.append(s)
    client = _client()
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def sends() -> None:
        start.wait()
        try:
            for _ in range(10):
                assert client.post(s.url, b"{}", {}).status == 200
        except BaseException as exc:  # reported below, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=sends) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert s.requests == 40
    assert s.connections <= 4  # never one per call
