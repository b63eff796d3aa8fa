"""The connection to NATS JetStream, on an event loop of its own.

nats-py is asyncio; the worker is a plain synchronous loop, and the main thread's event loop
may belong to someone else (Playwright's, in the tests). So the client lives on a private loop
in a daemon thread, and callers hand it coroutines (asyncio.run_coroutine_threadsafe) and wait
for the result with a deadline.

Reconnecting is ours, not the library's: a connection that fails is dropped and the next pass
connects afresh. The library's reconnect would buffer publishes while it retries and send them
after our pass had given up; with a fresh connection a pass either got every ack or failed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from pesanan.broker.subjects import Message

log = logging.getLogger("pesanan.broker")
T = TypeVar("T")
# JetStream drops a message whose Nats-Msg-Id it saw within this window. It must outlast the
# time from a crash after publish to the next pass (a worker restarted by its supervisor);
# ten minutes of event ids is a few MB at most.
DEDUP_WINDOW = 600.0


class Link:
    def __init__(self, url: str, stream: str, prefix: str, timeout: float) -> None:
        self.url, self.stream, self.prefix, self.timeout = url, stream, prefix, timeout
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="nats-link",
                                        daemon=True)
        self._thread.start()

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        # The coroutines carry their own deadlines (wait_for: connect, stream, acks); this one
        # only guards against a loop that stopped answering.
        done = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return done.result(self.timeout * 4)
        except TimeoutError:
            done.cancel()
            raise

    def connect(self) -> None:
        """Connected, and the stream there (made if missing); raises when the broker is not
        reachable, before the caller has opened a transaction."""
        self._call(self._connect())

    def publish(self, messages: list[Message]) -> int:
        """Publish in order and wait for every acknowledgement; returns how many the stream
        already had (republished after a crash). Raises, having dropped the connection, when
        any is not acknowledged within the timeout."""
        return self._call(self._publish(messages))

    def close(self) -> None:
        self._call(self._drop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.timeout)

    async def _connect(self) -> JetStreamContext:
        if self._nc is not None and self._nc.is_connected and self._js is not None:
            return self._js
        await self._drop()
        try:
            nc = await asyncio.wait_for(nats.connect(
                self.url, name="pesanan-broker", connect_timeout=self.timeout,
                allow_reconnect=False, max_reconnect_attempts=1, reconnect_time_wait=0.1,
                error_cb=self._on_error), self.timeout)
            js = nc.jetstream(timeout=self.timeout)
        except Exception as exc:
            log.warning("NATS at %s not reachable: %r", self.url, exc)
            raise
        self._nc, self._js = nc, js
        await asyncio.wait_for(self._ensure_stream(js), self.timeout)
        return js

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        try:
            info = await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(name=self.stream, subjects=[f"{self.prefix}.>"],
                                duplicate_window=DEDUP_WINDOW)
            log.info("created JetStream stream %s for %s.>", self.stream, self.prefix)
            return
        # Someone else's stream (made by hand, or by ops with other limits): left as it is,
        # but a short dedup window lets a republish after a crash through twice.
        window = info.config.duplicate_window or 0
        if window < DEDUP_WINDOW:
            log.warning("stream %s deduplicates over %ss only (want %ss)", self.stream,
                        window, DEDUP_WINDOW)

    async def _publish(self, messages: list[Message]) -> int:
        try:
            js = await self._connect()
            return await asyncio.wait_for(self._send(js, messages), self.timeout)
        except BaseException as exc:
            log.warning("publish to NATS failed, dropping the connection: %r", exc)
            await self._drop()
            raise

    async def _send(self, js: JetStreamContext, messages: list[Message]) -> int:
        duplicates = 0
        # One at a time, each acked before the next: the stream then holds them in feed
        # order even when one is refused halfway (the rest wait for the next pass).
        for m in messages:
            ack = await js.publish(m.subject, m.payload, stream=self.stream,
                                   headers=m.headers, timeout=self.timeout)
            duplicates += bool(ack.duplicate)
        return duplicates

    async def _drop(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        if nc is None or nc.is_closed:
            return
        try:
            await asyncio.wait_for(nc.close(), self.timeout)
        except Exception as exc:  # a broken connection may not close cleanly: it is gone
            log.info("closing the NATS connection: %r", exc)

    async def _on_error(self, exc: Exception) -> None:
        log.info("NATS: %r", exc)
