"""The outbound client's own HTTP/1.1 (outbound/http11.py) against raw peers on 127.0.0.1:
each framing of an answer read whole (Content-Length, chunked with trailers, the connection's
end), interim 1xx answers skipped, a connection reused only when the answer allows it, the
caps and refusals kept, and no header that could split the request sent."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import pytest

from pesanan.outbound import Client, OutboundError, Policy
from tests.outbound_servers import Peer, header_lines

Answer = Callable[[Peer, socket.socket], None]


def _send(raw: bytes) -> Answer:
    def answer(_: Peer, conn: socket.socket) -> None:
        conn.sendall(raw)
    return answer


@pytest.fixture
def peers() -> Iterator[list[Peer]]:
    made: list[Peer] = []
    yield made
    for p in made:
        p.close()


def _peer(peers: list[Peer], answer: Answer) -> Peer:
    p = Peer(answer)
    peers.append(p)
    return p


def _client(max_body: int = 1000) -> Client:
    return Client(Policy.parse("127.0.0.1"), deadline=3, max_body=max_body)


@pytest.mark.parametrize(("raw", "body"), [
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello", b"hello"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
     b"3;ext=1\r\nhel\r\n2\r\nlo\r\n0\r\nX-Trailer: t\r\n\r\n", b"hello"),
    (b"HTTP/1.0 200 OK\r\n\r\nhello", b"hello"),  # framed by the close
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n"
     b"Connection: close\r\n\r\nok", b"ok"),
    (b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", b""),
])
def test_each_framing_of_an_answer_is_read_whole(peers: list[Peer], raw: bytes, body: bytes
                                                 ) -> None:
    p = _peer(peers, _send(raw))
    answer = _client().post(p.url, b'{"a":1}', {"Content-Type": "application/json"})
    assert answer.body == body and answer.status in (200, 201, 204)
    request = p.requests[0]
    assert request.startswith(b"POST /orders HTTP/1.1\r\n")
    assert request.endswith(b'\r\n\r\n{"a":1}')
    lines = header_lines(request)
    assert lines["host"] == f"127.0.0.1:{p.port}" and lines["content-length"] == "7"
    assert lines["content-type"] == "application/json"


@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",  # declared past the cap
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"200\r\n" + b"x" * 512 + b"\r\n"
    + b"200\r\n" + b"x" * 512 + b"\r\n0\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 5000,
])
def test_an_answer_past_the_cap_fails_in_every_framing(peers: list[Peer], raw: bytes) -> None:
    p = _peer(peers, _send(raw))
    with pytest.raises(OutboundError) as failed:
        _client(max_body=1000).post(p.url, b"{}", {})
    assert failed.value.kind == "too_large"


@pytest.mark.parametrize("raw", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",  # hangs up inside the body
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
    b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
    b"HTTP/2 200\r\n\r\n",
])
def test_what_is_not_a_well_framed_answer_is_a_protocol_failure(peers: list[Peer], raw: bytes
                                                                ) -> None:
    p = _peer(peers, _send(raw))
    with pytest.raises(OutboundError) as failed:
        _client().post(p.url, b"{}", {})
    assert failed.value.kind == "protocol"
    assert str(failed.value).startswith("not an HTTP answer")


def test_a_header_that_would_split_the_request_is_never_sent(peers: list[Peer]) -> None:
    p = _peer(peers, _send(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
    for bad in ({"X-A": "1\r\nX-Injected: 2"}, {"X-A\r\nX-B": "1"}, {"X A": "1"}):
        with pytest.raises(OutboundError) as failed:
            _client().post(p.url, b"{}", bad)
        assert failed.value.kind == "protocol"
    assert p.requests == []  # refused before connecting


def test_a_caller_cannot_override_host_or_framing(peers: list[Peer]) -> None:
    p = _peer(peers, _send(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
    _client().post(p.url + "?a=b c", b"{}", {"Host": "evil.example", "Content-Length": "99",
                                             "Transfer-Encoding": "chunked"})
    request = p.requests[0]
    lines = header_lines(request)
    assert lines["host"] == f"127.0.0.1:{p.port}" and lines["content-length"] == "2"
    assert "transfer-encoding" not in lines
    assert request.startswith(b"POST /orders?a=b%20c HTTP/1.1\r\n")


class _KeepAlive:
    """Answers each request on a connection with the next of `answers` (then hangs up);
    counts the connections."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.connections = 0

    def __call__(self, peer: Peer, conn: socket.socket) -> None:
        self.connections += 1
        conn.sendall(self.answers[0])
        for raw in self.answers[1:]:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            peer.requests.append(data)
            conn.sendall(raw)


def test_a_connection_is_reused_only_when_the_answer_allows_it(peers: list[Peer]) -> None:
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    kept = _KeepAlive([ok, chunked, ok])
    p = _peer(peers, kept)
    client = _client()
    assert [client.post(p.url, b"{}", {}).body for _ in range(3)] == [b"ok"] * 3
    assert (len(p.requests), kept.connections) == (3, 1)  # one connection carried all three
    for closing in (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"):
        each = _KeepAlive([closing, ok])
        p = _peer(peers, each)
        client = _client()
        for _ in range(2):
            assert client.post(p.url, b"{}", {}).body == b"ok"
        assert each.connections == 2


def test_a_kept_connection_with_bytes_nobody_asked_for_is_not_used_again(peers: list[Peer]
                                                                          ) -> None:
    # The answer is followed by a stray second one: the connection is out of step.
    stray = _KeepAlive([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"])
    p = _peer(peers, stray)
    client = _client()
    assert client.post(p.url, b"{}", {}).status == 200
    assert client.post(p.url, b"{}", {}).status == 200  # a new connection, a fresh answer
    assert stray.connections == 2


def test_a_kept_connection_the_server_hung_up_is_noticed_before_the_request(
        peers: list[Peer]) -> None:
    once = _KeepAlive([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])  # then closes
    p = _peer(peers, once)
    client = _client()
    assert client.post(p.url, b"{}", {}).status == 200
    time.sleep(0.2)  # its FIN has arrived
    assert client.post(p.url, b"{}", {}).status == 200  # not "server closed the connection"
    assert once.connections == 2
