"""Several worker processes behind one port, with connections dealt out in turn.

Why not uvicorn's own `--workers`: its workers share one listening socket and each accepts every
pending connection it sees, so a burst of keep-alive connections lands unevenly — we counted
11/21, 31/1 and 32/0 splits of 32 clients over 2 workers (bench/README.md). Place order is CPU-
bound per process, so the busier worker's clients wait about twice as long: that was the p99.

Here the parent process owns the listening socket and does nothing but accept: each new
connection's file descriptor goes to the next worker in turn over a Unix socket pair
(SCM_RIGHTS), and the worker hands it to its own uvicorn server as an accepted connection. The
parent never reads a byte of HTTP, so it costs one accept and one sendmsg per connection (not
per request: clients keep connections alive). A worker that dies is started again.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import socket
import threading
from multiprocessing.context import SpawnProcess
from typing import Any

import uvicorn

# The composition root's factory: each worker process configures its logs and builds its own
# app (and container).
APP = "pesanan.app:serve_app"


def config(host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(APP, factory=True, host=host, port=port, log_level="warning",
                          access_log=False)


class _HandedServer(uvicorn.Server):
    """A uvicorn server that listens on nothing itself: it serves the connections its parent
    hands it over `channel`."""

    def __init__(self, cfg: uvicorn.Config, channel: socket.socket) -> None:
        super().__init__(cfg)
        self.channel = channel

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # lifespan, state; no listener of its own
        if self.should_exit:
            return
        loop = asyncio.get_running_loop()
        self.channel.setblocking(False)
        loop.add_reader(self.channel.fileno(), self._take, loop)

    def _take(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            _, fds, _, _ = socket.recv_fds(self.channel, 1, 64)
        except BlockingIOError:
            return
        except OSError:
            fds = []
        if not fds:  # the parent is gone: finish what is in flight and stop
            loop.remove_reader(self.channel.fileno())
            self.should_exit = True
            return
        for fd in fds:
            conn = socket.socket(fileno=fd)
            conn.setblocking(False)
            loop.create_task(loop.connect_accepted_socket(self._protocol, conn))

    def _protocol(self) -> asyncio.Protocol:
        # What uvicorn's own startup builds for each connection.
        cfg = self.config
        proto: asyncio.Protocol = cfg.http_protocol_class(  # type: ignore[call-arg]
            config=cfg, server_state=self.server_state, app_state=self.lifespan.state)
        return proto


def _worker(host: str, port: int, channel: socket.socket) -> None:
    _HandedServer(config(host, port), channel).run()


class _Worker:
    def __init__(self, ctx: Any, host: str, port: int) -> None:
        self.ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.process: SpawnProcess = ctx.Process(target=_worker, args=(host, port, theirs),
                                                 daemon=True)
        self.process.start()
        theirs.close()

    def give(self, conn: socket.socket) -> bool:
        try:
            socket.send_fds(self.ours, [b"c"], [conn.fileno()])
            return True
        except OSError:
            return False

    def stop(self) -> None:
        self.ours.close()  # the worker sees its channel close and drains
        if self.process.is_alive():
            self.process.terminate()


def run(host: str, port: int, workers: int) -> None:
    """Serve with `workers` processes until SIGINT or SIGTERM."""
    ctx = multiprocessing.get_context("spawn")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family, backlog=2048)
    pool = [_Worker(ctx, host, port) for _ in range(workers)]
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        stopping.set()
        listener.close()  # wakes accept()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    turn = 0
    try:
        while not stopping.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                if stopping.is_set():
                    break
                raise
            with conn:
                for _ in range(len(pool)):
                    i, turn = turn, (turn + 1) % len(pool)
                    if pool[i].process.is_alive() and pool[i].give(conn):
                        break
                    pool[i].stop()
                    pool[i] = _Worker(ctx, host, port)  # died: start another
                    if pool[i].give(conn):
                        break
    finally:
        for w in pool:
            w.stop()
        for w in pool:
            w.process.join(timeout=10)
            if w.process.is_alive():
                w.process.kill()
