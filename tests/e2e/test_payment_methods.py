"""A payment or refund that names no method takes the one the customer uses: a payment the
customer's payment preference, a refund the method of the order's payment (not "card")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Api


def _invoiced(api: Api, preference: str) -> dict[str, Any]:
    api.product("TEE", price="100.00", tax_rate="0.10")
    api.stock("TEE", api.location("WH")["id"], 10)
    order = api.order(api.customer(payment_preference=preference)["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    return order


@pytest.mark.parametrize(("preference", "method"), [
    ("card", "card"), ("bank_transfer", "bank_transfer"), ("cash", "cash"), ("cod", "cod"),
    ("invoice", "bank_transfer")])
def test_a_payment_without_a_method_is_recorded_by_the_customers_payment_preference(
        api: Api, preference: str, method: str) -> None:
    order = _invoiced(api, preference)
    paid = api.ok(api.post(f"/orders/{order['id']}/payments", {"amount": "110.00"}), 201)
    assert paid["method"] == method
    timeline = [e["message"] for e in
                api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]]
    assert f"Payment of 110.00 USD by {method}" in timeline


def returned(api: Api, preference: str, paid_by: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A delivered order paid in full by `paid_by`, returned and received: (order, rma)."""
    order = _invoiced(api, preference)
    oid = order["id"]
    api.ok(api.post(f"/orders/{oid}/payments", {"amount": "110.00", "method": paid_by}), 201)
    shipped = api.ok(api.post(f"/orders/{oid}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": "T1"}), 201)
    for s in shipped["items"]:
        api.ok(api.post(f"/shipments/{s['id']}/deliver"))
    rma = api.ok(api.post("/returns", {"order_id": oid, "lines": [
        {"order_line_id": order["lines"][0]["id"], "quantity": 1, "reason": "too big"}]}), 201)
    api.ok(api.post(f"/returns/{rma['id']}/approve", {"note": "ok"}))
    rma = api.ok(api.post(f"/returns/{rma['id']}/receive", {
        "location_id": api.ok(api.get("/locations"))["items"][0]["id"],
        "lines": [{"rma_line_id": rma["lines"][0]["id"], "disposition": "restock"}]}))
    return order, rma


def test_a_refund_without_a_method_goes_back_the_way_the_order_was_paid(api: Api) -> None:
    order, rma = returned(api, "card", paid_by="cash")
    refunded = api.ok(api.post(f"/returns/{rma['id']}/refund", {}))
    assert (refunded["refund"]["method"], refunded["refund"]["amount"]) == ("cash", "110.00")
    assert api.ok(api.get(f"/orders/{order['id']}"))["amount_refunded"] == "110.00"


def test_a_refund_may_still_name_its_method(api: Api) -> None:
    _, rma = returned(api, "cash", paid_by="cash")
    refunded = api.ok(api.post(f"/returns/{rma['id']}/refund", {"method": "bank_transfer"}))
    assert refunded["refund"]["method"] == "bank_transfer"
