"""THE ACCEPTANCE (issue 12): the invoice series rolls over at midnight in the shop's time zone.
23:30 UTC on 31 December is 06:30 on 1 January in Jakarta: a Jakarta shop numbers that invoice
in the new year, a UTC shop in the old one. Both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pesanan.billing import credit_notes
from pesanan.billing import service as billing
from tests.factories import Api

NEW_YEARS_EVE_2330_UTC = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)


def ordered(api: Api) -> str:
    product = api.product(currency="IDR", price="10000.00")
    location = api.location()
    api.stock(product["sku"], location["id"], 10)
    return str(api.order(api.customer()["id"], [(product["sku"], 1)])["id"])


def invoice_at(api: Api, monkeypatch: pytest.MonkeyPatch, at: datetime) -> dict[str, Any]:
    order_id = ordered(api)
    # The clock billing reads (pesanan.core.clock.now, imported by name into the service).
    monkeypatch.setattr(billing, "now", lambda: at)
    try:
        return api.ok(api.post(f"/orders/{order_id}/invoices", {}), 201)
    finally:
        monkeypatch.undo()


def set_zone(api: Api, zone: str, **more: str) -> None:
    resp = api.client.patch("/api/v1/shop", json={"time_zone": zone, **more},
                            headers=api.headers())
    assert resp.status_code == 200, resp.text


def test_a_jakarta_shop_numbers_an_invoice_at_2330_utc_on_31_december_in_the_new_year(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    set_zone(api, "Asia/Jakarta")
    invoice = invoice_at(api, monkeypatch, NEW_YEARS_EVE_2330_UTC)
    assert invoice["number"] == "INV-2027-000001"
    assert invoice["issued_at"] == "2026-12-31T23:30:00Z"  # stored times stay UTC


def test_a_utc_shop_numbers_the_same_moment_in_the_old_year(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    invoice = invoice_at(api, monkeypatch, NEW_YEARS_EVE_2330_UTC)
    assert invoice["number"] == "INV-2026-000001"


def test_the_jakarta_series_turns_at_1700_utc_and_starts_again_at_one(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    set_zone(api, "Asia/Jakarta", invoice_prefix="FAK")
    last_of_2026 = [invoice_at(api, monkeypatch, datetime(2026, 12, 31, h, 59, 59, tzinfo=UTC))
                    for h in (15, 16)]
    first_of_2027 = invoice_at(api, monkeypatch, datetime(2026, 12, 31, 17, 0, tzinfo=UTC))
    assert [i["number"] for i in last_of_2026] == ["FAK-2026-000001", "FAK-2026-000002"]
    assert first_of_2027["number"] == "FAK-2027-000001"


def test_a_jakarta_credit_note_at_2330_utc_on_31_december_is_in_the_new_year_with_its_prefix(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    set_zone(api, "Asia/Jakarta", credit_note_prefix="NK")
    product = api.product(currency="IDR", price="10000.00")
    location = api.location()
    api.stock(product["sku"], location["id"], 5)
    order = api.order(api.customer()["id"], [(product["sku"], 1)])
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    shipped = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": "T1"}), 201)
    for s in shipped["items"]:
        api.ok(api.post(f"/shipments/{s['id']}/deliver"))
    line = api.ok(api.get(f"/orders/{order['id']}"))["lines"][0]["id"]
    rma = api.ok(api.post("/returns", {"order_id": order["id"], "lines": [
        {"order_line_id": line, "quantity": 1, "reason": "does not fit"}]}), 201)
    api.ok(api.post(f"/returns/{rma['id']}/approve", {"note": "ok"}))
    monkeypatch.setattr(credit_notes, "now", lambda: NEW_YEARS_EVE_2330_UTC)
    received = api.ok(api.post(f"/returns/{rma['id']}/receive", {
        "location_id": location["id"],
        "lines": [{"rma_line_id": x["id"], "disposition": "restock"} for x in rma["lines"]]}))
    monkeypatch.undo()
    credit_note = api.ok(api.get(f"/credit-notes/{received['credit_note_id']}"))
    assert credit_note["number"] == "NK-2027-000001"
