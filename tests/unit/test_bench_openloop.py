"""bench/openloop.py: the schedule, and latency counted from each request's scheduled time.

A tiny HTTP server in its own thread stops its event loop dead (time.sleep) on one request, as
a server does on a GC pause or a lock; the requests scheduled during that stall must show it in
their latency, even when they had to wait for a connection rather than for the server."""

from __future__ import annotations

import asyncio
import itertools
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import openloop
from httpload import raw_sender


@dataclass
class Stall:
    at: int  # the request number (1-based) on which the server stalls
    seconds: float
    status: bytes = b"201 Created"
    fail_at: int = 0  # answer this request with a 503
    count: int = 0
    start: float = 0.0
    end: float = 0.0


class TinyServer:
    """HTTP/1.1 keep-alive, answers every request; its whole loop blocks on request `at`."""

    def __init__(self, stall: Stall) -> None:
        self.stall = stall
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.port = 0

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()
        server.close()
        self.loop.run_until_complete(server.wait_closed())

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        s = self.stall
        while await reader.readline():
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            s.count += 1
            if s.count == s.at:
                s.start = time.perf_counter()
                time.sleep(s.seconds)  # blocks every connection: the whole server stalls
                s.end = time.perf_counter()
            status = b"503 Service Unavailable" if s.count == s.fail_at else s.status
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\n\r\n{}")
            await writer.drain()
        writer.close()

    def __enter__(self) -> TinyServer:
        self.thread.start()
        self.ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def stall() -> Iterator[Stall]:
    yield Stall(at=11, seconds=0.3)


def _run(server: TinyServer, rate: float, duration: float, connections: int
         ) -> openloop.Result:
    async def go() -> openloop.Result:
        url = f"http://127.0.0.1:{server.port}"
        pool = openloop.Pool(lambda: raw_sender(url, ""), connections, prefill=connections)
        offsets = openloop.schedule(rate, duration)
        try:
            return await openloop.run_open_loop(pool, offsets, [b"{}"] * len(offsets),
                                                [{}] * len(offsets), rate, duration, 5.0)
        finally:
            pool.close()

    # In a thread of its own: in the full suite the browser tests (Playwright's sync API) leave
    # an event loop running on the main thread, and asyncio.run refuses to nest in one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


# The stall comes on the 11th request the server reads, ~0.2 s in on a quiet machine; a busy CI
# machine once got there only 1.1 s in, when a 1.2 s schedule had two requests left to fall in
# it. Scheduling well past that keeps ~15 requests inside the stall however late it starts.
_SPAN = 3


def _in_stall(res: openloop.Result, s: Stall) -> list[int]:
    return [i for i, due in enumerate(res.due) if s.start <= due < s.end]


def test_fixed_schedule_is_evenly_spaced_over_the_duration() -> None:
    offsets = openloop.schedule(40, 1.5)
    assert len(offsets) == 60
    assert offsets[0] == 0.0
    assert offsets[-1] == pytest.approx(59 / 40)
    assert all(b - a == pytest.approx(1 / 40) for a, b in itertools.pairwise(offsets))


def test_poisson_schedule_keeps_the_mean_rate_and_is_reproducible() -> None:
    offsets = openloop.schedule(1000, 10, "poisson", seed=3)
    assert offsets == openloop.schedule(1000, 10, "poisson", seed=3)
    assert 9500 < len(offsets) < 10500  # mean 10,000, sd 100
    gaps = [b - a for a, b in itertools.pairwise(offsets)]
    assert len(set(gaps)) > len(gaps) // 2  # not evenly spaced
    assert max(offsets) < 10


def test_requests_scheduled_during_a_stall_carry_it_in_their_latency(stall: Stall) -> None:
    with TinyServer(stall) as server:
        res = _run(server, rate=50, duration=_SPAN, connections=64)
    caught = _in_stall(res, stall)
    assert len(caught) >= 10, "the stall should span ~15 scheduled requests"
    assert res.ok == len(res.due) == 50 * _SPAN
    for i in caught:
        lat = res.latencies[i]
        assert lat is not None
        # Answered only once the server resumed, counted from when it was due.
        assert lat >= stall.end - res.due[i]
    assert max(x for x in res.latencies if x is not None) >= stall.seconds * 0.9
    # The generator kept its schedule: it did not wait on the stalled server to send.
    assert max(res.lateness) < stall.seconds / 2
    assert max(res.send_lag[i] for i in caught) < stall.seconds / 2


def test_waiting_for_a_connection_counts_in_the_latency(stall: Stall) -> None:
    """One connection: the requests due during the stall are *sent* only after it, so a
    latency counted from the actual send would hide the stall; from the schedule it shows."""
    with TinyServer(stall) as server:
        res = _run(server, rate=50, duration=_SPAN, connections=1)
    caught = _in_stall(res, stall)
    assert len(caught) >= 10
    assert res.ok == 50 * _SPAN
    assert res.waited >= len(caught)
    for i in caught:
        lat = res.latencies[i]
        assert lat is not None
        assert lat >= stall.end - res.due[i]
    # The first half of the stalled requests were due well before it ended.
    assert sum(1 for i in caught if (res.latencies[i] or 0) > 0.1) >= len(caught) // 2
    assert max(res.lateness) < stall.seconds / 2  # the dispatcher itself never blocked
    report = openloop.report(res, "test")
    assert "5xx=0 timeouts=0" in report


def test_a_5xx_answer_is_counted_and_fails_the_exit_code() -> None:
    with TinyServer(Stall(at=0, seconds=0, fail_at=5)) as server:
        res = _run(server, rate=100, duration=0.3, connections=4)
    assert res.statuses == {"201": 29, "503": 1}
    assert res.five_xx == 1
    assert sum(x is None for x in res.latencies) == 1
    assert openloop.exit_code([res]) == 1
    assert "5xx=1" in openloop.report(res, "test")


def test_no_5xx_exits_zero() -> None:
    with TinyServer(Stall(at=0, seconds=0)) as server:
        res = _run(server, rate=100, duration=0.3, connections=4)
    assert res.statuses == {"201": 30}
    assert openloop.exit_code([res]) == 0
