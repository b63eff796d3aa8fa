"""The whole cycle over HTTP, on SQLite and PostgreSQL: product -> stock -> customer -> orders in
every channel -> replenish -> receive -> invoice -> pay -> ship -> deliver -> completed, with
the books balanced and every invariant clean."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from typer.testing import CliRunner

from pesanan.cli import app as cli
from pesanan.config import get_settings
from tests.factories import Api


def _balances(api: Api) -> dict[str, str]:
    tb = api.ok(api.get("/ledger/trial-balance"))
    assert tb["balanced"] is True
    (usd,) = tb["currencies"]
    assert usd["total_debit"] == usd["total_credit"]
    return {a["code"]: a["balance"] for a in usd["accounts"]}


def _through_to_completion(api: Api, order: dict[str, Any]) -> dict[str, Any]:
    oid = order["id"]
    invoice = api.ok(api.post(f"/orders/{oid}/invoices", {}), 201)
    api.ok(api.post(f"/orders/{oid}/payments", {"amount": order["total"], "method": "card",
                                               "reference": f"pay-{order['number']}"}), 201)
    shipped = api.ok(api.post(f"/orders/{oid}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": f"JNE{order['number']}"}), 201)
    for shipment in shipped["items"]:
        api.ok(api.post(f"/shipments/{shipment['id']}/deliver"))
    done = api.ok(api.get(f"/orders/{oid}"))
    assert (done["status"], done["financial_status"], done["fulfillment_status"]) == (
        "completed", "paid", "fulfilled"), done
    return invoice


def test_an_order_goes_from_capture_to_completed_with_balanced_books(api: Api) -> None:
    api.product("TEE", price="100.00", tax_rate="0.10", standard_cost="40.00")
    wh = api.location("WH", kind="warehouse")
    store = api.location("STORE", kind="store")
    api.stock("TEE", wh["id"], 10)
    api.stock("TEE", store["id"], 1)
    buyer = api.customer("Sari")

    web = api.order(buyer["id"], [("TEE", 2)], channel="web")
    pos = api.order(buyer["id"], [("TEE", 1)], channel="pos", keyed_by="clerk-ana",
                    keyed_at_location_id=store["id"])
    phone = api.order(buyer["id"], [("TEE", 3)], channel="phone", keyed_by="rep-budi",
                      keyed_at_location_id=wh["id"])
    assert [o["total"] for o in (web, pos, phone)] == ["220.00", "110.00", "330.00"]
    assert api.level("TEE", store["id"])["reserved"] == 1  # a POS sale takes from its store
    assert api.level("TEE", wh["id"])["available"] == 5

    # Stock is low: replenish drafts a PO from the cheapest offer whose MOQ the quantity meets.
    cheap = api.ok(api.post("/suppliers", {"name": "Cheap Mill", "currency": "USD"}), 201)
    fair = api.ok(api.post("/suppliers", {"name": "Fair Mill", "currency": "USD"}), 201)
    api.ok(api.post("/supplier-offers", {"supplier_id": cheap["id"], "sku": "TEE",
                                         "price": "30.00", "currency": "USD",
                                         "lead_time_days": 7, "min_order_qty": 50}), 201)
    api.ok(api.post("/supplier-offers", {"supplier_id": fair["id"], "sku": "TEE",
                                         "price": "35.00", "currency": "USD",
                                         "lead_time_days": 3, "min_order_qty": 1}), 201)
    api.ok(api.post("/reorder-rules", {"sku": "TEE", "location_id": wh["id"],
                                       "reorder_point": 8, "reorder_qty": 20}))
    drafted = api.ok(api.post("/purchase-orders/replenish"))["items"]
    assert len(drafted) == 1
    (po,) = drafted
    assert po["supplier_id"] == fair["id"]
    assert [(line["sku"], line["quantity"]) for line in po["lines"]] == [("TEE", 20)]
    received = api.ok(api.post(f"/purchase-orders/{po['id']}/receipts", {}))
    assert received["status"] == "received"
    assert api.level("TEE", wh["id"])["on_hand"] == 30

    invoices = [_through_to_completion(api, o) for o in (web, pos, phone)]
    year = datetime.now(UTC).year
    assert [i["number"] for i in invoices] == [f"INV-{year}-00000{n}" for n in (1, 2, 3)]
    level = api.level("TEE", wh["id"])
    assert (level["on_hand"], level["reserved"], level["available"]) == (25, 0, 25)
    assert api.level("TEE", store["id"])["on_hand"] == 0

    # Opening stock 11 x 40.00 (standard cost) = 440.00; receipt 20 x 35.00 = 700.00; moving
    # average over the 31 units = 36.7742. Shipments, each rounded once: 2 -> 73.55,
    # 1 -> 36.77, 3 -> 110.32; cost of goods sold 220.64.
    books = _balances(api)
    assert books["1000"] == "660.00"  # cash: all three orders paid
    assert books["1100"] == "0.00"  # nothing left receivable
    assert books["4000"] == "-600.00"  # revenue (credit)
    assert books["2100"] == "-60.00"  # tax payable
    assert books["2000"] == "-700.00"  # owed to the supplier
    assert books["5000"] == "220.64"  # cost of goods sold
    assert books["1200"] == "919.36"  # inventory: 440 + 700 - 220.64
    assert books["5100"] == "-440.00"  # opening stock counted in

    completed = api.ok(api.get("/orders", status="completed"))["items"]
    assert sorted(o["channel"] for o in completed) == ["phone", "pos", "web"]
    profile = api.ok(api.get(f"/customers/{buyer['id']}"))
    assert (profile["order_count"], profile["lifetime_value"]) == (3, {"USD": "660.00"})

    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["audit"], env={
        "PESANAN_DATABASE_URL": api.container.settings.database_url})
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
