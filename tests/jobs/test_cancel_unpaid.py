"""orders.cancel_unpaid: prepaid orders left unpaid past N hours are cancelled through the
cancel flow (stock released, order.cancelled), by the job; others are left alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pesanan.core.clock import now
from pesanan.core.errors import ValidationFailed
from pesanan.worker.handlers import HANDLERS
from tests.factories import Api
from tests.jobs.outbox import emitted

SPEC = HANDLERS["orders.cancel_unpaid"]
PARAMS = {"hours": 48, "payment_preferences": ["bank_transfer"]}


def _shop(api: Api) -> str:
    wh = api.location()
    api.product("TEE", price="100.00")
    api.stock("TEE", wh["id"], 10)
    return str(wh["id"])


def _order(api: Api, preference: str, qty: int = 1) -> dict[str, Any]:
    return api.order(api.customer(payment_preference=preference)["id"], [("TEE", qty)])


def _status(api: Api, order: dict[str, Any]) -> str:
    return str(api.ok(api.get(f"/orders/{order['id']}"))["status"])


def test_an_unpaid_transfer_order_is_cancelled_after_the_hours_and_its_stock_released(
        api: Api) -> None:
    wh = _shop(api)
    transfer = _order(api, "bank_transfer", 2)
    cod = _order(api, "cod", 3)
    assert api.level("TEE", wh)["reserved"] == 5
    # Not yet: 47 hours.
    early = SPEC.handler(api.container, PARAMS, now() + timedelta(hours=47))
    assert early["cancelled"] == []
    assert _status(api, transfer) == "open"

    out = SPEC.handler(api.container, PARAMS, now() + timedelta(hours=49))
    assert out == {"cancelled": [transfer["number"]], "refused": [], "skipped_invoiced": 0,
                   "more": False}
    assert (_status(api, transfer), _status(api, cod)) == ("cancelled", "open")
    assert api.level("TEE", wh)["reserved"] == 3  # the cod order's units stay reserved
    [event] = emitted(api.container, "order.cancelled")
    assert (event["id"], event["reason"], event["released_units"]) == (
        transfer["id"], "unpaid after 48 hours", 2)
    timeline = api.ok(api.get(f"/orders/{transfer['id']}/timeline"))["items"]
    cancelled = [e for e in timeline if e["to_status"] == "cancelled"]
    assert [e["actor"] for e in cancelled] == ["job orders.cancel_unpaid"]

    # Again: nothing more to cancel, nothing emitted twice.
    again = SPEC.handler(api.container, PARAMS, now() + timedelta(hours=49))
    assert again["cancelled"] == []
    assert len(emitted(api.container, "order.cancelled")) == 1
    assert api.level("TEE", wh)["reserved"] == 3


def test_invoiced_and_paid_orders_are_left_alone(api: Api) -> None:
    _shop(api)
    invoiced = _order(api, "bank_transfer")
    api.ok(api.post(f"/orders/{invoiced['id']}/invoices", {}), 201)
    paid = _order(api, "bank_transfer")
    api.ok(api.post(f"/orders/{paid['id']}/invoices", {}), 201)
    api.ok(api.post(f"/orders/{paid['id']}/payments", {"amount": "110.00"}), 201)
    out = SPEC.handler(api.container, PARAMS, now() + timedelta(hours=49))
    # The invoiced one is counted: cancelling it needs a credit note first.
    assert (out["cancelled"], out["skipped_invoiced"]) == ([], 1)
    assert (_status(api, invoiced), _status(api, paid)) == ("open", "open")


def test_a_held_unpaid_order_is_cancelled_too(api: Api) -> None:
    wh = _shop(api)
    held = _order(api, "card", 4)
    api.ok(api.post(f"/orders/{held['id']}/hold", {"reason": "address check"}))
    out = SPEC.handler(api.container, SPEC.params, now() + timedelta(hours=49))
    assert out["cancelled"] == [held["number"]]
    assert api.level("TEE", wh)["reserved"] == 0


def test_a_refusal_of_one_order_is_reported_and_the_others_are_cancelled(api: Api) -> None:
    _shop(api)
    packed = _order(api, "card")
    other = _order(api, "card")
    [fo] = api.ok(api.get(f"/orders/{packed['id']}/fulfilment-orders"))["items"]
    api.ok(api.post(f"/fulfilment-orders/{fo['id']}/pick"))
    api.ok(api.post(f"/fulfilment-orders/{fo['id']}/pack"))
    out = SPEC.handler(api.container, SPEC.params, now() + timedelta(hours=49))
    assert out["cancelled"] == [other["number"]]
    assert [r["order_id"] for r in out["refused"]] == [packed["id"]]
    assert _status(api, packed) == "open"


@pytest.mark.parametrize(("params", "says"), [
    ({"hours": 0}, "hours: must be above 0, not 0"),
    ({"payment_preferences": ["card", "bitcoin"]},
     "payment_preferences: unknown bitcoin (known: bank_transfer, card, cash, cod, invoice)"),
    ({"payment_preferences": "card"},
     "payment_preferences: must be a list of names among bank_transfer, card, cash, cod, "
     "invoice"),
])
def test_bad_params_are_refused_and_nothing_is_cancelled(
        api: Api, params: dict[str, Any], says: str) -> None:
    _shop(api)
    order = _order(api, "card")
    with pytest.raises(ValidationFailed) as e:
        SPEC.handler(api.container, params, now() + timedelta(hours=49))
    assert e.value.detail == f"orders.cancel_unpaid params: {says}"
    assert _status(api, order) == "open"
