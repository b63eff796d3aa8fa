"""The one client for every call Pesanan makes to the outside (webhooks, the 3PL dispatch):
SSRF-checked, pinned to the vetted address, no redirects, one total deadline and a cap on the
answer's size.

- The URL's host is resolved once (in a thread of _dns_pool, so the deadline also bounds a DNS
  server that never answers), the call is refused unless every address is allowed
  (outbound/addresses.py), and the socket is connected to that very address. There is no
  second lookup, so a name that answers a public address to the check and 127.0.0.1 to the
  connect (DNS rebinding) gains nothing. TLS still verifies the certificate against the host
  name and sends it as SNI, and `Host:` is the URL's, as written.
- Every socket operation gets the time left until the deadline as its timeout, so an answer
  dripped a byte at a time is cut at the deadline, not after n times the timeout.
- The wire is outbound/http11.py: a redirect is just an answer (never followed), nothing is
  read from the environment (no proxy variables can route a request around the address
  check), and an answer past `max_body` fails the call.

Connections are kept alive between calls of one Client (a worker's sends to one webhook
endpoint would otherwise open a TCP connection, and cost the receiver one, per event). A kept
connection stays on the address vetted when it was opened, so reuse gains a rebinding DNS
nothing; it is reused only for the same scheme, host and port, only after its answer was read
whole (and the server did not ask to close), only while idle less than KEEPALIVE_SECONDS and
with nothing to read (a server that hung up is noticed before the request, not after), and
each call gets its own deadline on it.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from functools import cache, lru_cache
from urllib.parse import quote, urlsplit

import certifi

from pesanan.outbound import http11
from pesanan.outbound.addresses import (
    AddressRefused,
    IPAddress,
    Policy,
    Target,
    check_url,
    refusal,
)

DEADLINE_SECONDS = 10.0
MAX_BODY_BYTES = 64 * 1024
# Below the 5 s idle timeout of common servers (uvicorn, Node), so a kept connection is rarely
# one the receiver is closing at that very moment.
KEEPALIVE_SECONDS = 4.0
# As many as one batch sends to an origin in parallel (webhooks' fan-out: 64), so a steady
# load reuses its connections instead of closing some after every batch.
IDLE_PER_ORIGIN = 64
Resolver = Callable[[str, int], list[IPAddress]]
_dns_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound-dns")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


class OutboundError(Exception):
    """A call that got no usable answer. `kind`: refused, dns, connect, timeout, protocol,
    network, too_large. The message is for operators: it can reveal the network."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for host (in its order, without repeats)."""
    found: list[IPAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if ip not in found:
            found.append(ip)
    return found


# check_url is a pure function of the URL and the policy (the URL's form and what a literal
# address or a local-only name is allowed): kept for the few URLs a worker calls over and
# over (parsing it was ~4 % of the worker's CPU per webhook). A refusal raises, so it is not
# kept. The name's addresses are still resolved and checked for every new connection.
_checked = lru_cache(maxsize=256)(check_url)


@cache
def _default_tls() -> ssl.SSLContext:
    # Made once (loading the CA bundle per call would cost more than the call): certifi's
    # CAs, the host name checked, as httpcore's default was.
    context = ssl.create_default_context()
    context.load_verify_locations(certifi.where())
    return context


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no complete answer within {self.seconds:g} s")
        return left


class _ConnectFailed(Exception):
    pass


class _Idle:
    """A Client's idle kept connections by (scheme, host, port); a connection is in use by one
    call at a time: taken out while the call runs, given back once its answer was read."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.links: dict[tuple[str, str, int], list[http11.Connection]] = {}

    def take(self, key: tuple[str, str, int]) -> http11.Connection | None:
        stale: list[http11.Connection] = []
        found = None
        with self.lock:
            links = self.links.get(key, [])
            while links:
                conn = links.pop()  # the most recently used: the least likely to be closing
                if time.monotonic() - conn.idle_since < KEEPALIVE_SECONDS:
                    found = conn
                    break
                stale.append(conn)
        for conn in stale:
            conn.close()
        if found is not None and found.is_stale():
            found.close()
            return self.take(key)
        return found

    def give(self, key: tuple[str, str, int], conn: http11.Connection) -> None:
        conn.idle_since = time.monotonic()
        with self.lock:
            links = self.links.setdefault(key, [])
            if len(links) < IDLE_PER_ORIGIN:
                links.append(conn)
                return
        conn.close()


@dataclass(frozen=True)
class Client:
    """policy: which non-public addresses are allowed (none by default); deadline: for the
    whole call, DNS to last byte; max_body: bytes of answer read, past that the call fails."""

    policy: Policy = field(default_factory=Policy)
    deadline: float = DEADLINE_SECONDS
    max_body: int = MAX_BODY_BYTES
    resolver: Resolver = resolve
    # None: certifi's CAs, hostname checked (_default_tls). Tests pass their own CA.
    ssl_context: ssl.SSLContext | None = None
    _idle: _Idle = field(default_factory=_Idle, compare=False, repr=False)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        try:
            return self._send("POST", url, _checked(url, self.policy), body, headers)
        except AddressRefused as exc:
            raise OutboundError("refused", f"refused: {exc}") from None
        except TimeoutError:
            raise OutboundError(
                "timeout", f"timed out: no complete answer within {self.deadline:g} s") from None
        except http11.TooLarge:
            raise OutboundError("too_large", f"answer larger than {self.max_body} bytes"
                                ) from None
        except _ConnectFailed as exc:
            raise OutboundError("connect", f"cannot connect: {exc}") from None
        except http11.ProtocolError as exc:
            raise OutboundError("protocol", f"not an HTTP answer: {exc}") from None
        except ValueError as exc:  # a header we would not send (http11.request_bytes)
            raise OutboundError("protocol", f"invalid request: {exc}") from None
        except OSError as exc:
            raise OutboundError("network", f"connection failed: {exc}") from None

    def _send(self, method: str, url: str, target: Target, body: bytes,
              headers: dict[str, str]) -> Answer:
        deadline = _Deadline(self.deadline)
        parts = urlsplit(url)
        path = quote(parts.path or "/", safe=_PATH_SAFE)
        if parts.query:
            path += "?" + quote(parts.query, safe=_PATH_SAFE + "?")
        request = http11.request_bytes(method, path, parts.netloc, headers, body)
        key = (target.scheme, target.host, target.port)
        conn = self._idle.take(key)
        if conn is None:
            conn = http11.Connection(self._connect(target, deadline))
        try:
            status, fields, data = conn.exchange(request, deadline.left, self.max_body)
        except BaseException:
            conn.close()  # an answer not read whole never carries the next request
            raise
        if conn.reusable:
            self._idle.give(key, conn)
        else:
            conn.close()
        return Answer(status, fields, data)

    def _addresses(self, target: Target, deadline: _Deadline) -> list[IPAddress]:
        if target.ip is not None:
            return [target.ip]
        future = _dns_pool.submit(self.resolver, target.host, target.port)
        try:
            found = future.result(deadline.left())
        except FutureTimeout:
            raise TimeoutError(f"no DNS answer for {target.host}") from None
        except OSError as exc:
            raise OutboundError("dns", f"cannot resolve {target.host}: {exc}") from None
        if not found:
            raise OutboundError("dns", f"cannot resolve {target.host}: no address")
        return found

    def _connect(self, target: Target, deadline: _Deadline) -> socket.socket:
        """A socket connected to a vetted address of the target (TLS set up on it for
        https): every address the name has must be allowed, one bad one refuses the name."""
        host = target.host
        addresses = self._addresses(target, deadline)
        for ip in addresses:
            why = refusal(ip, self.policy)
            if why is not None:
                raise AddressRefused(why, f"{host} -> {ip}" if str(ip) != host else host)
        last: OSError | None = None
        for ip in addresses:
            sock = socket.socket(socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                                 socket.SOCK_STREAM)
            try:
                sock.settimeout(deadline.left())
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.connect((str(ip), target.port))
            except TimeoutError:
                sock.close()
                raise
            except OSError as exc:
                sock.close()
                last = exc
                continue
            if target.scheme != "https":
                return sock
            try:
                sock.settimeout(deadline.left())
                return (self.ssl_context or _default_tls()).wrap_socket(
                    sock, server_hostname=host)
            except TimeoutError:
                sock.close()
                raise
            except (ssl.SSLError, OSError) as exc:
                sock.close()
                raise _ConnectFailed(str(exc)) from None
        raise _ConnectFailed(str(last) if last else f"{host} has no address")
