"""Two workers (threads, each with its own Container and connection pool, like two processes)
against one PostgreSQL: a job never runs twice at once, not even one that runs longer than its
lease (the heartbeat keeps it), and no due run is skipped."""

from __future__ import annotations

import itertools
import threading

import pytest

from pesanan.bootstrap import Container, build
from pesanan.config import Settings
from pesanan.worker import loop, scheduler
from pesanan.worker.tasks import Task
from tests.worker.helpers import Recorder, job_row, only_jobs, spec

SECONDS = 4.5
QUICK = ("test.a", "test.b", "test.c")


@pytest.mark.postgres_only
def test_two_workers_never_run_one_job_at_once_and_run_every_due_run(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    # Three jobs due every second that take a quarter of it, and one that runs 1.6 s on a 1 s
    # lease: only the renewals keep the other worker from starting it again.
    only_jobs(monkeypatch, *(spec(n, rec.handler(n), every=1, sleep=0.25) for n in QUICK),
              spec("test.long", rec.handler("test.long"), every=1, lease=1, sleep=1.6))
    scheduler.sync(container)
    stop = threading.Event()
    workers = [build(Settings(database_url=container.settings.database_url, pool_size=3))
               for _ in range(2)]
    threads = [threading.Thread(target=loop.run, name=f"worker-{i}",
                                args=(w, stop, [Task("scheduler", scheduler.run_due, 0.02)]))
               for i, w in enumerate(workers)]
    try:
        for t in threads:
            t.start()
        stop.wait(SECONDS)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        for w in workers:
            w.close()

    for name in (*QUICK, "test.long"):
        runs = rec.of(name)
        for before, after in itertools.pairwise(runs):
            assert after[2] >= before[3], f"{name} ran twice at once: {before} {after}"
        assert job_row(container, name)["runs"] == len(runs)  # every run recorded once
    for name in QUICK:
        starts = [r[2] for r in rec.of(name)]
        assert len(starts) >= 4, starts
        # On its one-second beat: no due run was skipped.
        assert all(b - a < 1.5 for a, b in itertools.pairwise(starts)), starts
    # The long job ran back to back (each run due before the last one ended), never beside.
    assert len(rec.of("test.long")) >= 2
    # Both workers did work.
    assert {r[1] for r in rec.runs} == {f"container-{id(w)}" for w in workers}
