"""The process's command slots: one fair queue that every command takes, whatever the
entrypoint (async API routes, plain `def` API routes, console form posts).

At most N commands run in threads at once; the rest wait their turn in FIFO order on the event
loop. Without one queue for all, commands from `def` routes ran as soon as the thread pool gave
them a thread and contended for the GIL and the SQLite writer with the slotted ones: 8 such
writers cut order throughput 6x (166 -> 26 orders/s, issue 9).

A plain `def` route already runs in a worker thread: it waits for its slot on the event loop
(`anyio.from_thread`), so it queues in the same line as the async routes. An async route's
command then runs on a thread of the slots' own executor (as many threads as slots): it can
always get one, even when every thread of the shared pool is a `def` route waiting for a slot,
so the two kinds of waiter can never deadlock each other.

It sits below the API and the console (next to bootstrap) because both take the same queue,
and they must not import each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import queue
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Generic, TypeVar

import anyio
import anyio.from_thread
from starlette.requests import HTTPConnection

T = TypeVar("T")


class CommandSlots:
    def __init__(self, size: int) -> None:
        self.size = size
        # asyncio.Semaphore wakes waiters in arrival order and a newcomer does not jump the
        # queue while others wait (CPython >= 3.11.1).
        self._sem = asyncio.Semaphore(size)
        # The async routes' commands run on these threads (as many as slots).
        self.threads = CommandThreads(size)
        self.waiting = 0  # commands queued for a slot now (tests and diagnostics)

    async def acquire(self) -> None:
        self.waiting += 1
        try:
            await self._sem.acquire()
        finally:
            self.waiting -= 1

    def release(self) -> None:
        self._sem.release()


def slots_of(conn: HTTPConnection) -> CommandSlots:
    """The slots for the running event loop (one loop per server process; tests may drive one
    app from several loops, and a semaphore must not cross loops)."""
    state = conn.app.state
    by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CommandSlots] | None = (
        getattr(state, "command_slots", None))
    if by_loop is None:
        by_loop = state.command_slots = weakref.WeakKeyDictionary()
    loop = asyncio.get_running_loop()
    slots = by_loop.get(loop)
    if slots is None:
        settings = state.container.settings
        slots = by_loop[loop] = CommandSlots(
            settings.command_slots or max(1, settings.pool_size + settings.pool_overflow))
    return slots


@asynccontextmanager
async def slot(conn: HTTPConnection) -> AsyncIterator[CommandSlots]:
    """Hold a slot (on the event loop); yields the slots, whose `executor` runs the command
    (`run_in_slot`)."""
    slots = slots_of(conn)
    await slots.acquire()
    try:
        yield slots
    finally:
        slots.release()


class CommandThreads:
    """Threads that run commands handed over from the event loop, one at a time each.

    Why not a ThreadPoolExecutor with run_in_executor: its hand-off is a concurrent Future
    chained to an asyncio one (callbacks, a Condition, state copied across), plus a shield —
    ~8 % of the server's CPU per order in a py-spy profile (bench/README.md, issue 13). Here
    a job goes on a C SimpleQueue and its result comes back in one call_soon_threadsafe.
    The threads exit when the slots are dropped (an app in the test suite), as an executor's
    do."""

    def __init__(self, size: int) -> None:
        self._jobs: queue.SimpleQueue[_Job[Any] | None] = queue.SimpleQueue()
        self._size = size
        self._started = [0]  # a list: the finalizer reads it without holding this object
        self._lock = threading.Lock()
        weakref.finalize(self, _stop, self._jobs, self._started)

    def submit(self, loop: asyncio.AbstractEventLoop, fn: Callable[[], T]) -> _Job[T]:
        job = _Job(loop, fn)
        if self._started[0] < self._size:
            self._start_one()
        self._jobs.put(job)
        return job

    def _start_one(self) -> None:
        with self._lock:
            if self._started[0] >= self._size:
                return
            self._started[0] += 1
            threading.Thread(target=_work, args=(self._jobs,), daemon=True,
                             name=f"pesanan-command-{self._started[0]}").start()


def _stop(jobs: queue.SimpleQueue[Any], started: list[int]) -> None:
    for _ in range(started[0]):  # one stop for each thread, after any job queued before
        jobs.put(None)


def _work(jobs: queue.SimpleQueue[_Job[Any] | None]) -> None:
    while (job := jobs.get()) is not None:
        job.run()
        del job  # not kept alive while this thread waits for the next


class _Job(Generic[T]):
    """One command: run on a command thread, its outcome set on the loop's future."""

    __slots__ = ("done", "finished", "fn", "future", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop, fn: Callable[[], T]) -> None:
        self.loop = loop
        self.fn = fn
        self.future: asyncio.Future[T] = loop.create_future()
        self.finished: asyncio.Future[None] | None = None  # a cancelled caller waits on it
        self.done = False

    def run(self) -> None:  # on a command thread
        try:
            outcome: tuple[Any, BaseException | None] = (self.fn(), None)
        except BaseException as exc:  # handed to the caller, who raises it
            outcome = (None, exc)
        # RuntimeError: the loop is closed, nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._resolve, *outcome)

    def _resolve(self, result: Any, exc: BaseException | None) -> None:  # on the loop
        self.done = True
        if not self.future.done():
            if exc is not None:
                self.future.set_exception(exc)
            else:
                self.future.set_result(result)
        if self.finished is not None and not self.finished.done():
            self.finished.set_result(None)


async def run_in_slot(slots: CommandSlots, fn: Callable[[], T]) -> T:
    """Run `fn` on a slot's thread, in a copy of this task's context (the request id, a test's
    clock). Like anyio's to_thread, a cancelled caller still waits for the command to finish:
    it cannot be stopped halfway, and its connection must not be returned mid-transaction."""
    loop = asyncio.get_running_loop()
    job = slots.threads.submit(loop, functools.partial(contextvars.copy_context().run, fn))
    try:
        return await job.future
    except asyncio.CancelledError:
        if not job.done:
            job.finished = loop.create_future()
            await asyncio.shield(job.finished)
        raise


@contextmanager
def slot_from_thread(conn: HTTPConnection) -> Iterator[None]:
    """Hold a slot from a worker thread (a plain `def` route or console view): the thread
    blocks, without running, until the event loop hands it the slot."""
    async def acquire() -> CommandSlots:
        slots = slots_of(conn)
        await slots.acquire()
        return slots

    slots = anyio.from_thread.run(acquire)
    try:
        yield
    finally:
        anyio.from_thread.run_sync(slots.release)
