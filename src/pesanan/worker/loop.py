"""The worker loop: every Task (worker/tasks.py) on a thread of its own, one bounded batch at a
time.

A thread per task, not one loop taking turns: a webhook batch can spend its whole send deadline
(10 s) on one slow receiver, and in a shared loop the relay would wait that long too, so every
consumer, GET /events included, would fall 10 s behind. Each task's lane: a full batch runs
again at once; one that drained the backlog (or found nothing) waits its `every`, or less
when a task it depends on found work (the relay stamped events: fan-out wakes at once, so it
need not poll often); one that raises is logged with its
traceback and tried again after its `every`, doubling with each failure in a row up to
MAX_BACKOFF (a database outage would otherwise log ten tracebacks a second from the relay).
The loop never dies of a task. `stop` is looked at between batches only, so a stop (SIGTERM)
lets every batch in progress finish; `run` returns once they all have.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from pesanan.bootstrap import Container
from pesanan.telemetry import logs
from pesanan.worker.tasks import Task

log = logging.getLogger("pesanan.worker")
MAX_BACKOFF = 30.0  # seconds: the longest a failing task waits between tries
ONCE_BATCHES = 100  # --once: a task that keeps finding work still ends


def step(container: Container, task: Task) -> int:
    """One batch of `task`: how many items it handled, or -1 when it raised."""
    try:
        with logs.bound(task_name=task.name):  # its log lines say which task wrote them
            return task.run(container)
    except Exception:
        log.exception("task %s failed; trying again after its interval", task.name)
        return -1


def run_once(container: Container, tasks: Sequence[Task]) -> dict[str, int]:
    """One pass of every task (`pesanan worker --once`, for cron): each task's batches until
    it finds nothing more (every due job, every stamped event), at most ONCE_BATCHES of them.
    Handled per task; -1 when it raised."""
    handled: dict[str, int] = {}
    for task in tasks:
        total = 0
        for _ in range(ONCE_BATCHES):
            n = step(container, task)
            if n < 0:
                total = -1
                break
            total += n
            if n == 0:
                break
        handled[task.name] = total
    return handled


def run(container: Container, stop: threading.Event, tasks: Sequence[Task]) -> None:
    # One event per task: set when a task it waits on found work (Task.wakes), and by a stop.
    wake = {task.name: threading.Event() for task in tasks}
    lanes = [threading.Thread(target=_lane, args=(container, stop, task, wake), daemon=True,
                              name=f"task-{task.name}") for task in tasks]
    for lane in lanes:
        lane.start()
    stop.wait()  # the main thread keeps the signal handlers; the lanes do the work
    for event in wake.values():
        event.set()  # a lane waiting for work or its interval looks at `stop` now
    for lane in lanes:
        lane.join()


def _lane(container: Container, stop: threading.Event, task: Task,
          wake: dict[str, threading.Event]) -> None:
    failures = 0
    mine = wake[task.name]
    while not stop.is_set():
        mine.clear()  # before the batch: a wake during it means another pass at once
        handled = step(container, task)
        if handled > 0 and (task.wake_if is None or task.wake_if()):
            for name in task.wakes:  # e.g. the relay stamped events: fan-out has work
                if name in wake:
                    wake[name].set()
        if handled >= task.full:
            failures = 0
            continue
        failures = failures + 1 if handled < 0 else 0
        if failures > 1:  # backing off: no wake cuts the wait short (only a stop does)
            _wait_unless_stopped(stop, mine, retry_wait(task.every, failures))
        else:
            mine.wait(task.every)


def _wait_unless_stopped(stop: threading.Event, mine: threading.Event, seconds: float
                         ) -> None:
    deadline = time.monotonic() + seconds
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        mine.wait(left)
        mine.clear()


def retry_wait(every: float, failures: int) -> float:
    """Seconds before the next batch: `every`, doubled per failure in a row past the first,
    never more than MAX_BACKOFF (unless `every` itself is longer)."""
    if failures <= 1:
        return every
    return max(every, min(MAX_BACKOFF, every * 2.0 ** (failures - 1)))
