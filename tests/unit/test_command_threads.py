"""pesanan/slots.py's command threads: a command handed over from the event loop runs on one
of them with the caller's context; its result or exception comes back; a cancelled caller still
waits for the command to finish; the threads end when their slots are dropped."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import threading
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

from pesanan.slots import CommandSlots, run_in_slot

who: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own: the browser tests (Playwright's sync API) leave an
    event loop running on the main thread, and asyncio.run refuses to nest in one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_result_exception_and_context_come_back() -> None:
    async def main() -> None:
        slots = CommandSlots(2)
        who.set("request-7")
        main_thread = threading.get_ident()
        got = await run_in_slot(slots, lambda: (who.get(), threading.get_ident()))
        assert got[0] == "request-7" and got[1] != main_thread

        def fails() -> None:
            raise LookupError("no such order")

        with pytest.raises(LookupError, match="no such order"):
            await run_in_slot(slots, fails)

    run(main())


def test_as_many_commands_at_once_as_threads() -> None:
    async def main() -> int:
        slots = CommandSlots(3)
        running = 0
        most = 0
        lock = threading.Lock()

        def command() -> None:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.05)
            with lock:
                running -= 1

        await asyncio.gather(*(run_in_slot(slots, command) for _ in range(3)))
        return most

    assert run(main()) == 3


def test_a_cancelled_caller_waits_for_the_command_to_finish() -> None:
    finished: list[float] = []

    async def main() -> float:
        slots = CommandSlots(1)

        def command() -> None:
            time.sleep(0.2)
            finished.append(time.monotonic())

        task = asyncio.create_task(run_in_slot(slots, command))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic()

    returned = run(main())
    assert finished and finished[0] <= returned


def test_the_threads_end_when_their_slots_are_dropped() -> None:
    def names() -> set[str]:
        return {t.name for t in threading.enumerate() if t.name.startswith("pesanan-command")}

    before = len([t for t in threading.enumerate() if t.name.startswith("pesanan-command")])

    async def main() -> None:
        slots = CommandSlots(2)
        await asyncio.gather(run_in_slot(slots, lambda: time.sleep(0.02)),
                             run_in_slot(slots, lambda: time.sleep(0.02)))

    run(main())
    gc.collect()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        alive = [t for t in threading.enumerate() if t.name.startswith("pesanan-command")]
        if len(alive) <= before:
            break
        time.sleep(0.02)
    assert len([t for t in threading.enumerate()
                if t.name.startswith("pesanan-command")]) <= before, names()
