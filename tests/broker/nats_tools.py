"""The real NATS server on 127.0.0.1:4222 seen from the tests: a stream of one's own per test,
read back through a JetStream consumer, and a TCP proxy to cut the broker off and bring it
back. Coroutines run on a loop in a thread of their own: the main thread's loop is
Playwright's when the browser tests share the process."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import nats
from nats.js.api import StreamInfo
from nats.js.errors import NotFoundError

NATS_URL = "nats://127.0.0.1:4222"
T = TypeVar("T")


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result(30)


@dataclass(frozen=True)
class Received:
    subject: str
    data: bytes
    msg_id: str | None
    stream_seq: int


def read_stream(stream: str, prefix: str) -> list[Received]:
    """Every message in `stream`, through an ephemeral pull consumer, in stream order."""
    async def go() -> list[Received]:
        nc = await nats.connect(NATS_URL)
        try:
            js = nc.jetstream()
            try:
                total = (await js.stream_info(stream)).state.messages
            except NotFoundError:
                return []
            got: list[Received] = []
            if total == 0:
                return got
            sub = await js.pull_subscribe(f"{prefix}.>", stream=stream)
            while len(got) < total:
                for m in await sub.fetch(total - len(got), timeout=5):
                    got.append(Received(m.subject, m.data, (m.headers or {}).get("Nats-Msg-Id"),
                                        m.metadata.sequence.stream))
                    await m.ack()
            await sub.unsubscribe()
            return got
        finally:
            await nc.close()
    return run_async(go)


def stream_info(stream: str) -> StreamInfo:
    async def go() -> StreamInfo:
        nc = await nats.connect(NATS_URL)
        try:
            return await nc.jetstream().stream_info(stream)
        finally:
            await nc.close()
    return run_async(go)


def delete_stream(stream: str) -> None:
    async def go() -> None:
        nc = await nats.connect(NATS_URL)
        try:
            await nc.jetstream().delete_stream(stream)
        except NotFoundError:
            pass  # the test never got as far as creating it
        finally:
            await nc.close()
    run_async(go)


class Proxy:
    """127.0.0.1:<port> forwarding to the NATS server while started; stop() refuses new
    connections and cuts the live ones, as a broker outage would."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 4222)) -> None:
        probe = socket.create_server(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.target = target
        self._server: socket.socket | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self.frozen = threading.Event()  # set: bytes are swallowed, connections stay open

    def start(self) -> None:
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._stopping = threading.Event()
        self._acceptor = threading.Thread(target=self._accept,
                                          args=(self._server, self._stopping), daemon=True)
        self._acceptor.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            # close() alone does not wake a thread blocked in accept(), which would go on
            # accepting: the loop polls this flag and the listener is closed by it too.
            self._stopping.set()
            server.close()
            # The kernel frees the port only when the acceptor's poll() lets go of the socket:
            # wait for it, so start() can bind the same port at once.
            self._acceptor.join(5)
        with self._lock:
            cut, self._open = self._open, []
        for s in cut:
            with contextlib.suppress(OSError):  # the other side went first
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _accept(self, server: socket.socket, stopping: threading.Event) -> None:
        server.settimeout(0.05)
        while not stopping.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # stopped
            if stopping.is_set():
                client.close()
                return
            client.settimeout(None)
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                if not self.frozen.is_set():  # frozen: a broker that hangs, not one that is gone
                    dst.sendall(chunk)
        except OSError:
            pass  # cut by stop()
        for s in (src, dst):  # one side closed: close the other, as a real peer would
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
