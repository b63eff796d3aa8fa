"""The one client for every call Pesanan makes to the outside (3PL dispatch now; webhooks and
email later): SSRF-checked, pinned to the vetted address, no redirects, one total deadline and
a cap on the answer's size.

Built on httpcore (the transport under httpx, by the same maintainers) rather than httpx's
client, because the two guarantees below live at the network-backend layer, which httpcore
exposes as a public interface (`httpcore.NetworkBackend`) and httpx's transport does not:

- `connect_tcp` gets the URL's host: this backend resolves it once, refuses the call unless
  every address is allowed (outbound/addresses.py), and connects to that very address. There
  is no second lookup, so a name that answers a public address to the check and 127.0.0.1 to
  the connect (DNS rebinding) gains nothing. TLS still verifies the certificate against the
  host name and sends it as SNI, and `Host:` is the name, because the URL is left as it was.
- every read and write gets the time left until the deadline as its timeout, so an answer
  dripped a byte at a time is cut at the deadline, not after n times the timeout.

httpcore never follows redirects (a 3xx is just an answer) and reads no proxy variables from
the environment, so neither can route a request around the address check.

Connections are kept alive between calls of one Client (a worker's sends to one webhook
endpoint would otherwise open a TCP connection, and cost the receiver one, per event). A kept
connection stays on the address vetted when it was opened, so reuse gains a rebinding DNS
nothing; it is reused only for the same scheme, host and port, only after its answer was read
whole, only while idle less than KEEPALIVE_SECONDS and still open (a server that hung up is
noticed before the request, not after), and each call gets its own deadline on it.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

import httpcore

from pesanan.outbound.addresses import (
    AddressRefused,
    IPAddress,
    Policy,
    check_url,
    host_address,
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
# Lookups run here so the deadline also bounds a DNS server that never answers (getaddrinfo
# itself takes no timeout); a stuck lookup holds one of these threads, not the caller.
_dns_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound-dns")


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


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self, timeout: float | None, exc: type[Exception]) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise exc(f"no complete answer within {self.seconds:g} s")
        return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A connection whose every operation ends by the request's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self.inner = inner
        self.deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, self.deadline.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, self.deadline.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        # The same wrapper carries on over TLS, so a kept connection's renewed deadline
        # (_PinnedBackend.renew) reaches the stream actually read.
        self.inner = self.inner.start_tls(ssl_context, server_hostname,
                                          self.deadline.left(timeout, httpcore.ConnectTimeout))
        return self

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Resolve once, vet every address, connect to a vetted one (see the module docstring)."""

    def __init__(self, policy: Policy, deadline: _Deadline, resolver: Resolver) -> None:
        self.policy = policy
        self.deadline = deadline
        self.resolver = resolver
        self.tcp = httpcore.SyncBackend()
        self.stream: _Stream | None = None  # the one connection this backend opened

    def renew(self, deadline: _Deadline) -> None:
        """A kept connection's next call: its own deadline, on the same vetted address."""
        self.deadline = deadline
        if self.stream is not None:
            self.stream.deadline = deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
                    ) -> httpcore.NetworkStream:
        addresses = self._addresses(host, port)
        for ip in addresses:
            why = refusal(ip, self.policy)
            if why is not None:  # one bad address refuses the name: it may be the one used
                raise AddressRefused(why, f"{host} -> {ip}" if str(ip) != host else host)
        last: Exception | None = None
        for ip in addresses:
            try:
                stream = self.tcp.connect_tcp(
                    str(ip), port, self.deadline.left(timeout, httpcore.ConnectTimeout),
                    local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
                continue
            self.stream = _Stream(stream, self.deadline)
            return self.stream
        raise last or httpcore.ConnectError(f"{host} has no address")

    def _addresses(self, host: str, port: int) -> list[IPAddress]:
        literal = host_address(host)
        if literal is not None:
            return [literal]
        future = _dns_pool.submit(self.resolver, host, port)
        try:
            found = future.result(self.deadline.left(None, httpcore.ConnectTimeout))
        except FutureTimeout:
            raise httpcore.ConnectTimeout(
                f"no DNS answer for {host} within {self.deadline.seconds:g} s") from None
        except OSError as exc:
            raise OutboundError("dns", f"cannot resolve {host}: {exc}") from None
        if not found:
            raise OutboundError("dns", f"cannot resolve {host}: no address")
        return found

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
                            ) -> httpcore.NetworkStream:
        raise AddressRefused("scheme")


@dataclass
class _Link:
    """One kept connection and the backend that opened it (which pins its address)."""

    conn: httpcore.HTTPConnection
    backend: _PinnedBackend
    idle_since: float = 0.0


class _Idle:
    """A Client's idle kept connections by (scheme, host, port); a connection is in use by one
    call at a time: taken out while the call runs, given back once its answer was read."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.links: dict[tuple[bytes, bytes, int], list[_Link]] = {}

    def take(self, key: tuple[bytes, bytes, int]) -> _Link | None:
        stale: list[_Link] = []
        found = None
        with self.lock:
            links = self.links.get(key, [])
            while links:
                link = links.pop()  # the most recently used: the least likely to be closing
                if (time.monotonic() - link.idle_since < KEEPALIVE_SECONDS
                        and link.conn.is_idle() and not link.conn.has_expired()):
                    found = link
                    break
                stale.append(link)
        for link in stale:
            link.conn.close()
        return found

    def give(self, key: tuple[bytes, bytes, int], link: _Link) -> None:
        if link.conn.is_idle() and not link.conn.has_expired():
            link.idle_since = time.monotonic()
            with self.lock:
                links = self.links.setdefault(key, [])
                if len(links) < IDLE_PER_ORIGIN:
                    links.append(link)
                    return
        link.conn.close()


@dataclass(frozen=True)
class Client:
    """policy: which non-public addresses are allowed (none by default); deadline: for the
    whole call, DNS to last byte; max_body: bytes of answer read, past that the call fails."""

    policy: Policy = field(default_factory=Policy)
    deadline: float = DEADLINE_SECONDS
    max_body: int = MAX_BODY_BYTES
    resolver: Resolver = resolve
    # None: httpcore's default (certifi's CAs, hostname checked). Tests pass their own CA.
    ssl_context: ssl.SSLContext | None = None
    _idle: _Idle = field(default_factory=_Idle, compare=False, repr=False)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        try:
            check_url(url, self.policy)
            return self._send("POST", url, body, headers)
        except AddressRefused as exc:
            raise OutboundError("refused", f"refused: {exc}") from None
        except httpcore.TimeoutException:
            raise OutboundError(
                "timeout", f"timed out: no complete answer within {self.deadline:g} s") from None
        except httpcore.ConnectError as exc:
            raise OutboundError("connect", f"cannot connect: {exc}") from None
        except httpcore.ProtocolError as exc:
            raise OutboundError("protocol", f"not an HTTP answer: {exc}") from None
        except (httpcore.NetworkError, OSError) as exc:
            raise OutboundError("network", f"connection failed: {exc}") from None

    def _send(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        deadline = _Deadline(self.deadline)
        budget = {k: self.deadline for k in ("connect", "read", "write", "pool")}
        origin = httpcore.URL(url).origin
        key = (origin.scheme, origin.host, origin.port)
        link = self._idle.take(key)
        if link is None:
            backend = _PinnedBackend(self.policy, deadline, self.resolver)
            link = _Link(httpcore.HTTPConnection(
                origin, ssl_context=self.ssl_context, keepalive_expiry=KEEPALIVE_SECONDS,
                network_backend=backend), backend)
        else:
            link.backend.renew(deadline)
        whole = False
        try:
            # stream() adds Host and Content-Length, as the pool did.
            with link.conn.stream(method, url, headers=list(headers.items()), content=body,
                                  extensions={"timeout": budget}) as resp:
                data = bytearray()
                for chunk in resp.iter_stream():
                    data += chunk
                    if len(data) > self.max_body:
                        raise OutboundError("too_large",
                                            f"answer larger than {self.max_body} bytes")
                whole = True
            return Answer(resp.status,
                          [(k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.headers],
                          bytes(data))
        finally:
            # Only a connection whose answer was read whole can carry the next request.
            if whole:
                self._idle.give(key, link)
            else:
                link.conn.close()
