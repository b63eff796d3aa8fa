"""The handlers as the worker runs them (worker/scheduler.run_now: the same claim and recorded
outcome as a worker pass): an outcome is stored as the run's detail, and a bad parameter set
with `jobs set` fails the run with the handler's sentence, changing nothing."""

from __future__ import annotations

from pesanan.bootstrap import Container
from pesanan.db.tx import transact
from pesanan.jobs import service as jobs
from pesanan.jobs.schemas import JobUpdate
from pesanan.worker import scheduler
from tests.jobs.outbox import emitted


def test_the_nightly_audit_runs_through_the_scheduler_and_its_outcome_is_recorded(
        container: Container) -> None:
    outcome, detail = scheduler.run_now(container, "audit.nightly")
    assert (outcome, detail["ok"], detail["breaches"]) == ("ok", True, 0)
    assert [e["ok"] for e in emitted(container, "audit.completed")] == [True]


def test_a_bad_parameter_set_by_the_operator_fails_the_run_with_its_sentence(
        container: Container) -> None:
    scheduler.sync(container)
    transact(container.engine, lambda conn: jobs.update_job(
        conn, "idempotency.purge", JobUpdate(params={"hours": 12})))
    outcome, detail = scheduler.run_now(container, "idempotency.purge")
    assert (outcome, detail) == ("failed", {
        "error": "ValidationFailed: idempotency.purge params: hours: must be at least 24, "
                 "not 12"})
