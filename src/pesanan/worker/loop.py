"""The worker loop: every Task (worker/tasks.py) in turn, one bounded batch at a time.

A task that handled something is due again at once, but runs again only after every other due
task had its batch in this round (round-robin: a busy relay cannot starve the scheduler). An
idle task waits its `every`. A task that raises is logged with its traceback and tried again
after its `every`: the loop never dies of a task. `stop` is only looked at between batches, so
a stop (SIGTERM) lets the batch in progress finish.
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
IDLE_WAIT = 1.0  # with no tasks at all: how often to look at `stop`
ONCE_BATCHES = 100  # --once: a task that keeps finding work still ends


def step(container: Container, task: Task) -> int:
    """One batch of `task`: how many items it handled, or -1 when it raised."""
    try:
        with logs.bound(task_name=task.name):  # its log lines say which task wrote them
            return task.run(container)
    except Exception:
        log.exception("task %s failed; retrying in %g s", task.name, task.every)
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
    due = [0.0] * len(tasks)  # monotonic time each task is next due
    while not stop.is_set():
        ran = False
        for i, task in enumerate(tasks):
            if stop.is_set():
                break
            if due[i] > time.monotonic():
                continue
            handled = step(container, task)
            due[i] = time.monotonic() + (0.0 if handled > 0 else task.every)
            ran = True
        if not ran:
            stop.wait(max(0.0, min(due, default=time.monotonic() + IDLE_WAIT)
                          - time.monotonic()))
