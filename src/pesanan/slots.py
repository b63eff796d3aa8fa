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
import contextvars
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from typing import TypeVar

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
        # The async routes' commands run on these threads (as many as slots). A plain executor,
        # not anyio's to_thread: its hand-off (a C SimpleQueue) costs ~85 us of CPU where
        # anyio's (a Python Queue and Condition) costs ~170 us, on every order (bench/README.md).
        self.executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="pesanan-command")
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


async def run_in_slot(slots: CommandSlots, fn: Callable[[], T]) -> T:
    """Run `fn` on a slot's thread, in a copy of this task's context (the request id, a test's
    clock). Like anyio's to_thread, a cancelled caller still waits for the command to finish:
    it cannot be stopped halfway, and its connection must not be returned mid-transaction."""
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(slots.executor, contextvars.copy_context().run, fn)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait([future])
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
