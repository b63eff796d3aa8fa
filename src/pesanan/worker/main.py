"""`pesanan worker`: build the tasks, make sure every scheduled job has its row, run the loop
until SIGTERM or SIGINT (the batch in progress finishes, then the process exits 0)."""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType

from pesanan.bootstrap import Container
from pesanan.config import Settings
from pesanan.worker import loop, scheduler
from pesanan.worker.tasks import tasks

log = logging.getLogger("pesanan.worker")
# Connections the worker keeps: one per task lane (each holds one while its batch runs), and
# room for a job and a cursor's first claim. With the server's 4 + 2, the lanes took the
# overflow connections in turn, and each was opened and closed again per batch: a new
# PostgreSQL backend several times a second, most of the idle worker's cost.
POOL_SIZE = 14


def worker_settings(settings: Settings) -> Settings:
    """The settings a worker process runs with: its pool sized for its lanes."""
    return settings.model_copy(update={"pool_size": max(settings.pool_size, POOL_SIZE)})


def serve(container: Container, *, once: bool = False,
          stop: threading.Event | None = None) -> dict[str, int] | None:
    """Run the worker: one pass of every task with `once` (returns what each handled),
    else until `stop` is set, by a signal when none is given."""
    todo = tasks(container)
    made = scheduler.sync(container)
    log.info("worker %d starting%s: %s; %d job(s) new to the schedule", os.getpid(),
             " (one pass)" if once else "",
             ", ".join(f"{t.name} every {t.every:g} s" for t in todo) or "no tasks", made)
    if once:
        handled = loop.run_once(container, todo)
        log.info("worker %d: one pass done: %s", os.getpid(), handled)
        return handled
    if stop is None:
        stop = threading.Event()
        _on_signals(stop)
    loop.run(container, stop, todo)
    log.info("worker %d stopped", os.getpid())
    return None


def _on_signals(stop: threading.Event) -> None:
    def handle(signum: int, frame: FrameType | None) -> None:
        if not stop.is_set():
            log.info("worker %d: %s: finishing the batch in progress", os.getpid(),
                     signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
