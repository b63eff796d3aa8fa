"""purchasing.replenish: drafts purchase orders below reorder points and submits those under
the shop's amount; a second run drafts nothing (the drafts count as incoming)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pesanan.core.errors import ValidationFailed
from pesanan.worker.handlers import HANDLERS
from tests.factories import Api
from tests.jobs.outbox import emitted

AT = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
SPEC = HANDLERS["purchasing.replenish"]


def _low_stock(api: Api, sku: str, price: str) -> None:
    """`sku` at 2 units, reorder point 5, reorder 10 from a supplier at `price` each."""
    wh = api.location()
    api.product(sku)
    api.stock(sku, wh["id"], 2)
    sup = api.ok(api.post("/suppliers", {"name": f"Mill {sku}", "currency": "USD"}), 201)
    api.ok(api.post("/supplier-offers", {"supplier_id": sup["id"], "sku": sku, "price": price,
                                         "currency": "USD", "lead_time_days": 3}), 201)
    api.ok(api.post("/reorder-rules", {"sku": sku, "location_id": wh["id"],
                                       "reorder_point": 5, "reorder_qty": 10}))


def _pos(api: Api) -> dict[str, dict[str, Any]]:
    return {po["lines"][0]["sku"]: po for po in api.ok(api.get("/purchase-orders"))["items"]}


def test_drafts_below_the_reorder_point_and_submits_only_those_under_the_amount(
        api: Api) -> None:
    _low_stock(api, "CHEAP", "4.00")  # 10 x 4.00 = 40.00
    _low_stock(api, "DEAR", "9.00")  # 10 x 9.00 = 90.00
    params = {"submit_under": "50.00", "currency": "USD"}
    out = SPEC.handler(api.container, params, AT)
    pos = _pos(api)
    assert sorted(out["drafted"]) == sorted(po["number"] for po in pos.values())
    assert out["submitted"] == [pos["CHEAP"]["number"]]
    assert (pos["CHEAP"]["status"], pos["CHEAP"]["total"]) == ("ordered", "40.00")
    assert (pos["DEAR"]["status"], pos["DEAR"]["total"]) == ("draft", "90.00")
    drafted = emitted(api.container, "purchase_order.drafted")
    assert {e["drafted_by"] for e in drafted} == {"job purchasing.replenish"}
    assert [e["ordered_by"] for e in emitted(api.container, "purchase_order.ordered")] == [
        "job purchasing.replenish"]
    # Again: the drafts are incoming stock now, so nothing is below its reorder point.
    assert SPEC.handler(api.container, params, AT) == {
        "drafted": [], "submitted": [], "unsourced": []}
    assert len(_pos(api)) == 2
    assert len(emitted(api.container, "purchase_order.drafted")) == 2


def test_with_no_amount_set_every_purchase_order_stays_a_draft(api: Api) -> None:
    _low_stock(api, "CHEAP", "4.00")
    out = SPEC.handler(api.container, SPEC.params, AT)
    assert (len(out["drafted"]), out["submitted"]) == (1, [])
    assert _pos(api)["CHEAP"]["status"] == "draft"


def test_an_amount_in_another_currency_submits_nothing(api: Api) -> None:
    _low_stock(api, "CHEAP", "4.00")
    out = SPEC.handler(api.container, {"submit_under": "1000000", "currency": "IDR"}, AT)
    assert (len(out["drafted"]), out["submitted"]) == (1, [])


@pytest.mark.parametrize(("params", "says"), [
    ({"submit_under": "50.001", "currency": "USD"},
     "submit_under: 50.001 has more than 2 decimal places for USD"),
    ({"submit_under": "50.00"},
     "currency: is needed with submit_under (an ISO 4217 code, e.g. IDR)"),
    ({"submit_under": 50, "currency": "USD"},
     'submit_under: must be a decimal string such as "500000.00", not 50'),
    ({"submit_under": "-1.00", "currency": "USD"}, "submit_under: must be above 0, not -1.00"),
])
def test_bad_params_are_refused_and_nothing_is_drafted(
        api: Api, params: dict[str, Any], says: str) -> None:
    _low_stock(api, "CHEAP", "4.00")
    with pytest.raises(ValidationFailed) as e:
        SPEC.handler(api.container, params, AT)
    assert e.value.detail == f"purchasing.replenish params: {says}"
    assert _pos(api) == {}
