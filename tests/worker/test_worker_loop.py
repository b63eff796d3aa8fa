"""The worker loop (no database: tasks are plain functions): busy tasks take turns, an idle
one waits its interval, a raising one is logged and retried after its interval while the others
go on, and a stop lets the batch in progress finish and runs nothing after it."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from typing import Any, cast

import pytest

from pesanan.bootstrap import Container
from pesanan.worker import loop
from pesanan.worker.tasks import Task

NO_CONTAINER = cast(Container, None)


def _run_for(tasks: list[Task], seconds: float) -> None:
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    try:
        loop.run(NO_CONTAINER, stop, tasks)
    finally:
        timer.cancel()


def test_two_busy_tasks_take_turns_one_batch_each() -> None:
    calls: list[str] = []
    busy = [Task(n, lambda c, n=n: calls.append(n) or 1, 5.0) for n in ("relay", "deliver")]

    _run_for(busy, 0.2)

    assert len(calls) > 10
    assert all(a != b for a, b in itertools.pairwise(calls))  # strictly alternating


def test_an_idle_task_waits_its_interval_and_a_busy_one_cannot_starve_it() -> None:
    idle_at: list[float] = []
    busy = Task("busy", lambda c: 1, 5.0)
    idle = Task("idle", lambda c: idle_at.append(time.monotonic()) or 0, 0.1)

    _run_for([busy, idle], 0.55)

    assert 3 <= len(idle_at) <= 7  # (a loaded machine may lose one)
    gaps = [b - a for a, b in itertools.pairwise(idle_at)]
    assert all(0.09 <= g < 0.3 for g in gaps), gaps


def test_a_raising_task_is_logged_and_retried_after_its_interval_and_the_others_go_on(
        caplog: pytest.LogCaptureFixture) -> None:
    failed_at: list[float] = []
    ok: list[float] = []

    def broken(c: Any) -> int:
        failed_at.append(time.monotonic())
        raise RuntimeError("database went away")

    tasks = [Task("broken", broken, 0.1), Task("fine", lambda c: ok.append(1) or 0, 0.02)]
    with caplog.at_level(logging.ERROR, logger="pesanan.worker"):
        _run_for(tasks, 0.55)

    assert 3 <= len(failed_at) <= 7  # every 0.1 s, not in a tight loop
    assert len(ok) >= 15  # the loop went on
    errors = [r for r in caplog.records if r.getMessage().startswith("task broken failed")]
    assert len(errors) == len(failed_at)
    assert errors[0].exc_info is not None  # with the traceback
    assert "database went away" in caplog.text


def test_a_stop_lets_the_batch_in_progress_finish_then_runs_nothing_more() -> None:
    stop = threading.Event()
    log: list[str] = []

    def slow(c: Any) -> int:
        log.append("start")
        stop.set()  # SIGTERM arrives mid-batch
        time.sleep(0.1)
        log.append("end")
        return 1

    loop.run(NO_CONTAINER, stop, [Task("slow", slow, 1.0),
                                  Task("next", lambda c: log.append("next") or 0, 1.0)])

    assert log == ["start", "end"]


def test_once_runs_every_task_until_it_finds_nothing_and_reports_what_each_handled() -> None:
    def broken(c: Any) -> int:
        raise ValueError("bad")

    backlog = [3, 2, 0, 5]  # the 5 is work that arrives after the pass: not taken
    tasks = [Task("draining", lambda c: backlog.pop(0), 1.0), Task("idle", lambda c: 0, 1.0),
             Task("broken", broken, 1.0), Task("endless", lambda c: 1, 1.0)]
    assert loop.run_once(NO_CONTAINER, tasks) == {
        "draining": 5, "idle": 0, "broken": -1, "endless": loop.ONCE_BATCHES}
    assert backlog == [5]
