"""The scheduler on both databases: a due job runs once and is scheduled on its beat; a handler
that raises is a failed run with its error recorded; the worker's start never overwrites an
operator's settings; a run whose runner died is retried when its lease ends, and the dead
runner's late outcome is refused (fenced)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from pesanan.bootstrap import Container
from pesanan.core.errors import Conflict
from pesanan.db.tx import transact
from pesanan.jobs import service as jobs
from pesanan.jobs.models import job_run
from pesanan.jobs.schemas import JobUpdate
from pesanan.worker import scheduler
from tests.worker.helpers import Recorder, job_row, only_jobs, spec


def _history(container: Container, name: str) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(job_run)
                                .where(job_run.c.name == name)).scalar_one())


def test_a_due_job_runs_once_and_is_next_due_one_interval_later(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    only_jobs(monkeypatch, spec("test.tick", rec.handler("test.tick"), every=600))
    assert scheduler.sync(container) == 1

    assert scheduler.run_due(container) == 1
    assert scheduler.run_due(container) == 0  # not due again for 10 minutes

    row = job_row(container, "test.tick")
    assert len(rec.runs) == 1
    assert (row["runs"], row["failures"], row["last_outcome"]) == (1, 0, "ok")
    assert row["last_detail"] == '{"slept":0}'
    assert row["lease_until"] is None and row["lease_token"] is None
    assert row["next_run_at"] - row["last_started_at"] <= timedelta(seconds=600)
    assert row["next_run_at"] - row["last_started_at"] > timedelta(seconds=590)
    assert _history(container, "test.tick") == 1


def test_a_handler_that_raises_is_a_failed_run_with_its_error_and_the_next_comes_anyway(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(c: Container, params: dict[str, Any], at: datetime) -> dict[str, Any]:
        raise RuntimeError("the supplier feed is down")

    only_jobs(monkeypatch, spec("test.broken", broken, every=1))
    scheduler.sync(container)

    assert scheduler.run_due(container) == 1  # no exception escapes to the loop
    row = job_row(container, "test.broken")
    assert (row["runs"], row["failures"], row["last_outcome"]) == (1, 1, "failed")
    assert row["last_detail"] == '{"error":"RuntimeError: the supplier feed is down"}'
    assert row["lease_until"] is None  # free for its next run

    transact(container.engine, lambda c: jobs.queue_now(c, "test.broken"))
    assert scheduler.run_due(container) == 1
    assert job_row(container, "test.broken")["failures"] == 2


def test_worker_start_keeps_the_operators_settings_and_adds_new_parameters(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    only_jobs(monkeypatch, spec("test.purge", rec.handler("test.purge"), hours=24))
    scheduler.sync(container)
    transact(container.engine, lambda c: jobs.update_job(c, "test.purge", JobUpdate(
        enabled=False, every_seconds=7200, params={"hours": 48})))

    # The next release of the code has a new parameter and other defaults.
    only_jobs(monkeypatch, spec("test.purge", rec.handler("test.purge"), every=60, hours=12,
                                batch=500))
    assert scheduler.sync(container) == 0

    row = job_row(container, "test.purge")
    assert (row["enabled"], row["every_seconds"]) == (False, 7200)
    assert row["params"] == {"hours": 48, "batch": 500}
    assert scheduler.run_due(container) == 0  # disabled: never claimed
    assert rec.runs == []


def test_a_run_whose_runner_died_is_retried_after_its_lease_and_the_late_outcome_is_refused(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    only_jobs(monkeypatch, spec("test.cut", rec.handler("test.cut"), every=3600, lease=30))
    scheduler.sync(container)
    lease = lambda name: timedelta(seconds=30)  # noqa: E731
    t0 = job_row(container, "test.cut")["next_run_at"]

    dead = jobs.claim_due(container.engine, ["test.cut"], lease, at=t0)  # then kill -9
    assert dead is not None
    assert jobs.claim_due(container.engine, ["test.cut"], lease,
                          at=t0 + timedelta(seconds=29)) is None  # the lease still holds
    retry = jobs.claim_due(container.engine, ["test.cut"], lease,
                           at=t0 + timedelta(seconds=31))
    assert retry is not None and retry.token != dead.token
    # The retry keeps the beat: the next scheduled run is still one hour after the first.
    assert job_row(container, "test.cut")["next_run_at"] == t0 + timedelta(seconds=3600)

    assert not jobs.finish(container.engine, dead, "ok", {"late": True})  # fenced
    assert jobs.finish(container.engine, retry, "ok", {"retried": True})
    row = job_row(container, "test.cut")
    assert (row["runs"], row["last_detail"]) == (1, '{"retried":true}')
    assert _history(container, "test.cut") == 1


def test_an_operators_run_now_waits_for_a_workers_run_of_the_same_job(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    only_jobs(monkeypatch, spec("test.once", rec.handler("test.once")))
    scheduler.sync(container)
    held = jobs.claim_due(container.engine, ["test.once"], lambda n: timedelta(seconds=60))
    assert held is not None

    with pytest.raises(Conflict, match="running on a worker"):
        scheduler.run_now(container, "test.once")
    assert rec.runs == []

    jobs.finish(container.engine, held, "ok", {})
    next_run = job_row(container, "test.once")["next_run_at"]
    assert scheduler.run_now(container, "test.once") == ("ok", {"slept": 0})
    row = job_row(container, "test.once")
    assert row["runs"] == 2
    assert row["next_run_at"] == next_run  # an extra run leaves the schedule alone


def test_the_history_keeps_the_latest_runs_of_each_job(
        container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    rec = Recorder()
    only_jobs(monkeypatch, spec("test.many", rec.handler("test.many")))
    monkeypatch.setattr(jobs, "RUNS_KEPT", 3)
    for _ in range(5):
        scheduler.run_now(container, "test.many")
    assert _history(container, "test.many") == 3
    assert job_row(container, "test.many")["runs"] == 5
