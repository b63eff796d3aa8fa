"""The job table (worker/handlers.py): every job the issue names, each with a validate that
accepts its own defaults and refuses what is not a set of named parameters."""

from __future__ import annotations

import pytest

from pesanan.auth.roles import may_read_event
from pesanan.core.errors import ValidationFailed
from pesanan.events.catalogue import EVENT_TYPES
from pesanan.worker.handlers import HANDLERS

JOBS = ["audit.nightly", "billing.overdue_reminders", "deliveries.purge", "idempotency.purge",
        "orders.cancel_unpaid", "orders.sla", "purchasing.replenish"]


def test_the_seven_scheduled_jobs_are_registered_with_their_schedules() -> None:
    assert sorted(HANDLERS) == JOBS
    assert {n: s.every_seconds for n, s in HANDLERS.items()} == {
        "audit.nightly": 86400, "billing.overdue_reminders": 3600, "idempotency.purge": 3600,
        "deliveries.purge": 3600,
        "orders.cancel_unpaid": 900, "orders.sla": 300, "purchasing.replenish": 3600}
    # The one that cancels customers' orders waits for the shop to turn it on.
    assert [n for n, s in HANDLERS.items() if not s.enabled] == ["orders.cancel_unpaid"]


@pytest.mark.parametrize("name", JOBS)
def test_each_jobs_defaults_pass_its_own_validate(name: str) -> None:
    spec = HANDLERS[name]
    assert spec.validate is not None
    assert spec.validate(spec.params) == spec.params


@pytest.mark.parametrize("name", JOBS)
def test_params_that_are_not_an_object_are_refused(name: str) -> None:
    validate = HANDLERS[name].validate
    assert validate is not None
    with pytest.raises(ValidationFailed) as e:
        validate([1, 2])  # type: ignore[arg-type]
    assert f"{name} params: params: must be an object of named parameters" in e.value.detail


def test_the_jobs_events_are_catalogued_and_readable_by_the_right_roles() -> None:
    assert {"sla.breached", "audit.completed", "invoice.overdue"} <= set(EVENT_TYPES)
    assert [r for r in ("admin", "clerk", "warehouse", "accountant")
            if may_read_event(r, "sla.breached")] == ["admin", "clerk", "warehouse", "accountant"]
    assert [r for r in ("admin", "clerk", "warehouse", "accountant")
            if may_read_event(r, "audit.completed")] == ["admin"]
