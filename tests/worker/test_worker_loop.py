"""The worker loop (no database: tasks are plain functions): each task on its own thread, so a
slow one never holds up another; an idle one waits its interval; a raising one is logged and
retried after its interval, doubling while it keeps failing, while the others go on; and a stop
lets the batch in progress finish and starts nothing after it."""

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


def test_a_slow_task_never_holds_up_another() -> None:
    # A webhook batch waiting on a slow receiver must not hold up the relay: in one loop
    # taking turns, the relay would run about twice in this time; on its own thread, freely.
    relay: list[float] = []
    slow = Task("deliver", lambda c: time.sleep(0.3) or 1, 5.0)
    fast = Task("relay", lambda c: relay.append(time.monotonic()) or 0, 0.01)

    _run_for([slow, fast], 0.5)

    assert len(relay) >= 15
    assert max(b - a for a, b in itertools.pairwise(relay)) < 0.2


def test_an_idle_task_waits_its_interval_and_a_busy_one_cannot_starve_it() -> None:
    idle_at: list[float] = []
    busy = Task("busy", lambda c: 1, 5.0)
    idle = Task("idle", lambda c: idle_at.append(time.monotonic()) or 0, 0.1)

    _run_for([busy, idle], 0.55)

    assert 3 <= len(idle_at) <= 7  # (a loaded machine may lose one)
    gaps = [b - a for a, b in itertools.pairwise(idle_at)]
    assert all(0.09 <= g < 0.3 for g in gaps), gaps


def test_a_full_batch_runs_again_at_once_and_a_drained_backlog_waits_its_interval() -> None:
    # Under steady load a task finds a few items on every pass; running again at once would
    # spin a transaction per event or two. Only a full batch (more may wait) goes again.
    full_at: list[float] = []
    part_at: list[float] = []
    full = Task("full", lambda c: full_at.append(time.monotonic()) or 10, 0.2, full=10)
    part = Task("part", lambda c: part_at.append(time.monotonic()) or 9, 0.2, full=10)

    _run_for([full, part], 0.5)

    assert len(full_at) > 20  # again and again, no wait
    assert 2 <= len(part_at) <= 4, part_at  # about 0.5 / 0.2 passes
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(part_at))


def test_a_task_that_found_work_wakes_the_tasks_waiting_on_it() -> None:
    # The relay stamps events every 0.1 s; fan-out polls only every 5 s on its own, yet runs
    # right after each pass of the relay that stamped something (and not after idle ones).
    stamped = iter([0, 3, 0, 0, 2] + [0] * 100)
    fanned: list[float] = []
    relay_at: list[tuple[float, int]] = []

    def relay(c: Any) -> int:
        n = next(stamped)
        relay_at.append((time.monotonic(), n))
        return n

    _run_for([Task("relay", relay, 0.1, full=1000, wakes=("fanout",)),
              Task("fanout", lambda c: fanned.append(time.monotonic()) or 0, 5.0)], 0.7)

    busy = [t for t, n in relay_at if n > 0]
    assert len(busy) == 2
    assert len(fanned) == 3  # its first pass, then once per busy relay pass
    # Far sooner than its 5 s interval (a loaded machine may be slow to schedule it).
    assert all(0 <= f - b < 1.0 for f, b in zip(fanned[1:], busy, strict=True))


def test_a_task_wakes_the_others_only_after_a_pass_that_left_them_work() -> None:
    # Fan-out handles events on every pass, but the delivery lane has work at once only
    # after a pass that left deliveries due: the second of three busy passes here.
    passes = iter([(3, 0), (2, 1), (4, 0)] + [(0, 0)] * 100)
    left = [0]
    fan_at: list[tuple[float, int]] = []
    delivered: list[float] = []

    def fan(c: Any) -> int:
        taken, left[0] = next(passes)
        fan_at.append((time.monotonic(), left[0]))
        return taken

    _run_for([Task("fanout", fan, 0.1, full=1000, wakes=("deliver",),
                   wake_if=lambda: left[0] > 0),
              Task("deliver", lambda c: delivered.append(time.monotonic()) or 0, 5.0)], 0.7)

    [due_at] = [t for t, n in fan_at if n > 0]
    assert len(delivered) == 2  # its first pass, then once after the pass that left work
    assert 0 <= delivered[1] - due_at < 1.0


def test_a_raising_task_is_logged_and_retried_ever_later_while_the_others_go_on(
        caplog: pytest.LogCaptureFixture) -> None:
    failed_at: list[float] = []
    ok: list[float] = []

    def broken(c: Any) -> int:
        failed_at.append(time.monotonic())
        raise RuntimeError("database went away")

    tasks = [Task("broken", broken, 0.05), Task("fine", lambda c: ok.append(1) or 0, 0.02)]
    with caplog.at_level(logging.ERROR, logger="pesanan.worker"):
        _run_for(tasks, 0.6)

    # Tried at 0, 0.05, 0.15, 0.35 s: its interval, then doubling, not a tight loop.
    assert 3 <= len(failed_at) <= 5
    gaps = [b - a for a, b in itertools.pairwise(failed_at)]
    assert all(g >= 0.045 * 2 ** i for i, g in enumerate(gaps)), gaps
    assert len(ok) >= 15  # the others went on
    errors = [r for r in caplog.records if r.getMessage().startswith("task broken failed")]
    assert len(errors) == len(failed_at)
    assert errors[0].exc_info is not None  # with the traceback
    assert "database went away" in caplog.text


def test_the_wait_after_failures_doubles_up_to_a_cap() -> None:
    assert [loop.retry_wait(1.0, n) for n in (0, 1, 2, 3, 4)] == [1.0, 1.0, 2.0, 4.0, 8.0]
    assert loop.retry_wait(0.1, 50) == loop.MAX_BACKOFF
    assert loop.retry_wait(3600.0, 5) == 3600.0  # a long interval is never shortened


def test_a_stop_lets_the_batch_in_progress_finish_then_runs_nothing_more() -> None:
    stop = threading.Event()
    log: list[str] = []
    stopped_at: list[float] = []
    others: list[float] = []

    def slow(c: Any) -> int:
        log.append("start")
        time.sleep(0.05)
        stop.set()  # SIGTERM arrives mid-batch
        stopped_at.append(time.monotonic())
        time.sleep(0.1)
        log.append("end")
        return 1

    loop.run(NO_CONTAINER, stop, [Task("slow", slow, 1.0),
                                  Task("next", lambda c: others.append(time.monotonic()) or 0,
                                       0.01)])

    assert log == ["start", "end"]  # finished, and run() waited for it; never started again
    assert others and max(others) <= stopped_at[0] + 0.02  # nothing began after the stop


def test_once_runs_every_task_until_it_finds_nothing_and_reports_what_each_handled() -> None:
    def broken(c: Any) -> int:
        raise ValueError("bad")

    backlog = [3, 2, 0, 5]  # the 5 is work that arrives after the pass: not taken
    tasks = [Task("draining", lambda c: backlog.pop(0), 1.0), Task("idle", lambda c: 0, 1.0),
             Task("broken", broken, 1.0), Task("endless", lambda c: 1, 1.0)]
    assert loop.run_once(NO_CONTAINER, tasks) == {
        "draining": 5, "idle": 0, "broken": -1, "endless": loop.ONCE_BATCHES}
    assert backlog == [5]
