"""billing.overdue_reminders: an invoice.overdue event per invoice still owed past its due
date (plus grace), at most once per every_days however often the job runs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from pesanan.core.errors import ValidationFailed
from pesanan.worker.handlers import HANDLERS
from tests.factories import Api
from tests.jobs.outbox import emitted

SPEC = HANDLERS["billing.overdue_reminders"]
PARAMS = {"every_days": 7, "grace_days": 1}


def _invoiced(api: Api) -> dict[str, Any]:
    """A b2c order invoiced now: due at once (b2c invoices have no terms)."""
    if not api.ok(api.get("/products"))["items"]:
        api.product("TEE", price="100.00")
        api.stock("TEE", api.location()["id"], 10)
    order = api.order(api.customer(payment_preference="bank_transfer")["id"], [("TEE", 1)])
    return api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)


def _run(api: Api, at: datetime) -> dict[str, Any]:
    return SPEC.handler(api.container, PARAMS, at)


def test_an_overdue_invoice_is_reminded_once_per_every_days(api: Api) -> None:
    inv = _invoiced(api)
    due = datetime.fromisoformat(inv["due_at"])
    assert _run(api, due + timedelta(hours=12))["reminded"] == 0  # within the grace day
    assert _run(api, due + timedelta(days=2)) == {"reminded": 1, "more": False}
    [event] = emitted(api.container, "invoice.overdue")
    assert (event["aggregate_id"], event["number"], event["amount_due"], event["currency"],
            event["days_overdue"], event["reminder"]) == (
        inv["id"], inv["number"], "110.00", "USD", 2, 1)
    # Again at once, and three days on: within the week, nothing new.
    assert _run(api, due + timedelta(days=2))["reminded"] == 0
    assert _run(api, due + timedelta(days=5))["reminded"] == 0
    # A week after the first reminder: the second.
    assert _run(api, due + timedelta(days=9))["reminded"] == 1
    assert [e["reminder"] for e in emitted(api.container, "invoice.overdue")] == [1, 2]


def test_a_paid_invoice_is_not_reminded(api: Api) -> None:
    paid = _invoiced(api)
    api.ok(api.post(f"/orders/{paid['order_id']}/payments", {"amount": "110.00"}), 201)
    owed = _invoiced(api)
    due = datetime.fromisoformat(owed["due_at"])
    assert _run(api, due + timedelta(days=2))["reminded"] == 1
    assert [e["aggregate_id"] for e in emitted(api.container, "invoice.overdue")] == [owed["id"]]


def test_a_batch_reminds_the_oldest_first_and_the_next_run_the_rest(api: Api) -> None:
    from pesanan.billing.reminders import remind_overdue
    from pesanan.db.tx import transact

    invoices = [_invoiced(api) for _ in range(3)]
    at = datetime.fromisoformat(invoices[-1]["due_at"]) + timedelta(days=2)

    def batch() -> dict[str, Any]:
        return transact(api.container.engine, lambda conn: remind_overdue(
            conn, at, timedelta(days=7), timedelta(days=1), limit=2))

    assert batch() == {"reminded": 2, "more": True}
    assert batch() == {"reminded": 1, "more": False}
    assert sorted(e["aggregate_id"] for e in emitted(api.container, "invoice.overdue")) == sorted(
        i["id"] for i in invoices)


@pytest.mark.parametrize(("params", "says"), [
    ({"every_days": 0}, "every_days: must be above 0, not 0"),
    ({"grace_days": -1}, "grace_days: must be at least 0, not -1"),
    ({"every_days": True}, "every_days: must be a number, not True"),
])
def test_bad_params_are_refused_and_nothing_is_reminded(
        api: Api, params: dict[str, Any], says: str) -> None:
    inv = _invoiced(api)
    with pytest.raises(ValidationFailed) as e:
        SPEC.handler(api.container, params,
                     datetime.fromisoformat(inv["due_at"]) + timedelta(days=30))
    assert e.value.detail == f"billing.overdue_reminders params: {says}"
    assert emitted(api.container, "invoice.overdue") == []
