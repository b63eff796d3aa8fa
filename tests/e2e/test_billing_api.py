"""Invoicing orders and recording payments over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pesanan.events.queries import list_events
from tests.dbs import row_counts, snapshot
from tests.factories import Api

YEAR = datetime.now(UTC).year


def _shop(api: Api, kind: str = "b2c") -> dict[str, Any]:
    """TEE-BLK-M at 12.50 + 11% tax, 10 on hand; returns a customer of the given kind."""
    api.product("TEE-BLK-M", price="12.50", tax_rate="0.11")
    wh = api.location("WH1")
    api.stock("TEE-BLK-M", wh["id"], 10)
    return api.ok(api.post("/customers", {"name": "Ada Buyer", "kind": kind,
                                          "email": f"ada-{kind}@example.com"}), 201)


def _order(api: Api, customer: dict[str, Any], quantity: int = 3) -> dict[str, Any]:
    """3 units: subtotal 37.50, tax 4.13, total 41.63 USD."""
    return api.order(customer["id"], [("TEE-BLK-M", quantity)])


def _invoiced_order(api: Api) -> dict[str, Any]:
    order = _order(api, _shop(api))
    api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
    return order


def _pay(api: Api, order_id: str, amount: Any, **extra: Any) -> Any:
    return api.post(f"/orders/{order_id}/payments",
                    {"amount": amount, "method": "card", **extra})


def _events(api: Api, type_: str) -> list[dict[str, Any]]:
    with api.container.engine.connect() as conn:
        return [e for e in list_events(conn, 0, 1000) if e["type"] == type_]


# --- invoices -----------------------------------------------------------------------------------

def test_invoicing_an_order_bills_its_whole_total_under_the_first_number_of_the_year(
        api: Api) -> None:
    order = _order(api, _shop(api))
    resp = api.post(f"/orders/{order['id']}/invoices")
    invoice = api.ok(resp, 201)
    assert resp.headers["Location"] == f"/api/v1/invoices/{invoice['id']}"
    assert invoice["number"] == f"INV-{YEAR}-000001"
    assert (invoice["subtotal"], invoice["tax_total"], invoice["total"]) == (
        "37.50", "4.13", "41.63")
    assert (invoice["amount_paid"], invoice["amount_due"], invoice["status"]) == (
        "0.00", "41.63", "issued")
    assert (invoice["order_id"], invoice["customer_id"], invoice["currency"]) == (
        order["id"], order["customer_id"], "USD")
    after = api.ok(api.get(f"/orders/{order['id']}"))
    assert (after["amount_invoiced"], after["financial_status"]) == ("41.63", "pending")
    timeline = api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]
    assert [e["kind"] for e in timeline] == ["order.placed", "invoice.issued"]
    assert api.ok(api.get(f"/invoices/{invoice['id']}")) == {**invoice, "payments": [],
                                                             "credit_notes": []}
    assert [e["data"] for e in _events(api, "invoice.issued")] == [invoice]


def test_invoice_numbers_follow_each_other_without_gaps(api: Api) -> None:
    customer = _shop(api)
    first, second = _order(api, customer, 1), _order(api, customer, 2)
    numbers = [api.ok(api.post(f"/orders/{o['id']}/invoices"), 201)["number"]
               for o in (second, first)]
    assert numbers == [f"INV-{YEAR}-000001", f"INV-{YEAR}-000002"]


def test_a_b2c_invoice_is_due_on_issue_and_a_b2b_invoice_thirty_days_later(api: Api) -> None:
    consumer = _shop(api, "b2c")
    business = api.ok(api.post("/customers", {"name": "Toko Maju", "kind": "b2b"}), 201)
    due = {}
    for customer in (consumer, business):
        order = _order(api, customer, 1)
        invoice = api.ok(api.post(f"/orders/{order['id']}/invoices"), 201)
        issued = datetime.fromisoformat(invoice["issued_at"])
        due[customer["kind"]] = datetime.fromisoformat(invoice["due_at"]) - issued
    assert due == {"b2c": timedelta(0), "b2b": timedelta(days=30)}


def test_invoicing_an_order_twice_is_refused_and_changes_nothing(api: Api) -> None:
    order = _invoiced_order(api)
    before = row_counts(api.container.engine)
    again = api.post(f"/orders/{order['id']}/invoices")
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["type"] == "/problems/conflict"
    assert "already fully invoiced" in again.json()["detail"]
    assert row_counts(api.container.engine) == before
    assert api.ok(api.get(f"/orders/{order['id']}"))["amount_invoiced"] == "41.63"


def test_a_cancelled_order_cannot_be_invoiced_and_uses_up_no_number(api: Api) -> None:
    customer = _shop(api)
    cancelled = _order(api, customer)
    api.ok(api.post(f"/orders/{cancelled['id']}/cancel", {"reason": "changed mind"}))
    before = row_counts(api.container.engine)
    resp = api.post(f"/orders/{cancelled['id']}/invoices")
    assert resp.status_code == 409
    assert resp.json()["type"] == "/problems/invalid-transition"
    assert row_counts(api.container.engine) == before
    later = api.ok(api.post(f"/orders/{_order(api, customer)['id']}/invoices"), 201)
    assert later["number"] == f"INV-{YEAR}-000001"


def test_a_free_order_has_nothing_to_invoice(api: Api) -> None:
    customer = _shop(api)
    api.product("SAMPLE", price="0.00")
    api.stock("SAMPLE", api.location("WH2")["id"], 5)
    order = api.order(customer["id"], [("SAMPLE", 1)])
    before = row_counts(api.container.engine)
    resp = api.post(f"/orders/{order['id']}/invoices")
    assert resp.status_code == 409
    assert resp.json()["detail"] == "order SO-000001 has nothing to invoice (its total is 0.00 USD)"
    assert row_counts(api.container.engine) == before


def test_invoicing_an_unknown_order_is_not_found(api: Api) -> None:
    resp = api.post("/orders/0190a4a0-0000-7000-8000-000000000000/invoices")
    assert resp.status_code == 404
    assert resp.json()["type"] == "/problems/not-found"


def test_invoices_list_by_status_order_and_customer_and_page_by_cursor(api: Api) -> None:
    customer = _shop(api)
    orders = [_order(api, customer, 1) for _ in range(3)]
    invoices = [api.ok(api.post(f"/orders/{o['id']}/invoices"), 201) for o in orders]
    api.ok(_pay(api, orders[0]["id"], "13.88"), 201)  # 12.50 + 1.38 tax: paid in full
    first = api.ok(api.get("/invoices", limit=2))
    rest = api.ok(api.get("/invoices", limit=2, cursor=first["next_cursor"]))
    assert [i["number"] for i in first["items"] + rest["items"]] == [
        f"INV-{YEAR}-00000{n}" for n in (3, 2, 1)]
    assert rest["next_cursor"] is None
    paid = api.ok(api.get("/invoices", status="paid"))["items"]
    assert [(i["id"], i["status"], i["amount_due"]) for i in paid] == [
        (invoices[0]["id"], "paid", "0.00")]
    assert [i["id"] for i in api.ok(api.get("/invoices", order_id=orders[1]["id"]))["items"]] \
        == [invoices[1]["id"]]
    assert len(api.ok(api.get("/invoices", customer_id=customer["id"]))["items"]) == 3
    assert api.ok(api.get("/invoices", customer_id="nobody"))["items"] == []


# --- payments -----------------------------------------------------------------------------------

def test_a_partial_then_a_full_payment_move_the_order_from_pending_to_partially_paid_to_paid(
        api: Api) -> None:
    order = _invoiced_order(api)
    first = api.ok(_pay(api, order["id"], "20.00", reference="txn-1"), 201)
    assert (first["amount"], first["currency"], first["method"], first["reference"]) == (
        "20.00", "USD", "card", "txn-1")
    assert first["order"]["financial_status"] == "partially_paid"
    assert (first["order"]["amount_paid"], first["order"]["balance_due"]) == ("20.00", "21.63")
    assert [(a["amount"], a["invoice_status"]) for a in first["applied_to"]] == [
        ("20.00", "partially_paid")]
    invoice = api.ok(api.get(f"/invoices/{first['invoice_id']}"))
    assert (invoice["status"], invoice["amount_paid"], invoice["amount_due"]) == (
        "partially_paid", "20.00", "21.63")

    second = api.ok(api.post(f"/orders/{order['id']}/payments",
                             {"amount": "21.63", "method": "bank_transfer"}), 201)
    assert (second["order"]["financial_status"], second["order"]["balance_due"]) == (
        "paid", "0.00")
    after = api.ok(api.get(f"/orders/{order['id']}"))
    assert (after["financial_status"], after["amount_paid"], after["status"]) == (
        "paid", "41.63", "open")  # still to ship and deliver before it completes
    invoice = api.ok(api.get(f"/invoices/{first['invoice_id']}"))
    assert (invoice["status"], invoice["amount_due"]) == ("paid", "0.00")
    assert [p["amount"] for p in invoice["payments"]] == ["20.00", "21.63"]
    kinds = [(e["kind"], e["to_status"]) for e in
             api.ok(api.get(f"/orders/{order['id']}/timeline"))["items"]]
    assert kinds == [("order.placed", "open"), ("invoice.issued", None),
                     ("payment.recorded", None), ("financial_status.changed", "partially_paid"),
                     ("payment.recorded", None), ("financial_status.changed", "paid")]
    assert [e["data"]["amount"] for e in _events(api, "payment.recorded")] == ["20.00", "21.63"]


@pytest.mark.parametrize(("paid_first", "owed", "too_much"), [
    (None, "41.63", "41.64"), ("20.00", "21.63", "21.64"),
], ids=["unpaid", "partly-paid"])
def test_paying_more_than_is_owed_is_refused_and_changes_nothing(
        api: Api, paid_first: str | None, owed: str, too_much: str) -> None:
    order = _invoiced_order(api)
    if paid_first:
        api.ok(_pay(api, order["id"], paid_first), 201)
    before, rows_before = row_counts(api.container.engine), snapshot(api.container.engine)
    resp = _pay(api, order["id"], too_much)
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert problem["type"] == "/problems/validation-error"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [
        ("amount", "exceeds_amount_owed")]
    assert f"{owed} USD" in problem["errors"][0]["message"]
    assert row_counts(api.container.engine) == before
    assert snapshot(api.container.engine) == rows_before  # no row updated either
    assert api.ok(api.get(f"/orders/{order['id']}"))["amount_paid"] == (paid_first or "0.00")


def test_a_payment_before_any_invoice_is_refused_and_changes_nothing(api: Api) -> None:
    order = _order(api, _shop(api))
    before = row_counts(api.container.engine)
    resp = _pay(api, order["id"], "10.00")
    assert resp.status_code == 409
    assert resp.json()["type"] == "/problems/conflict"
    assert [(e["field"], e["code"]) for e in resp.json()["errors"]] == [("amount", "nothing_owed")]
    assert row_counts(api.container.engine) == before


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"amount": "12.345"}, "amount", "invalid_money"),  # USD has 2 decimals
    ({"amount": 12.5}, "amount", "string_type"),  # a JSON number, not a decimal string
    ({"amount": "abc"}, "amount", "string_pattern_mismatch"),
    ({"amount": "-5.00"}, "amount", "not_positive"),
    ({"amount": "0.00"}, "amount", "not_positive"),
    ({"amount": "5.00", "currency": "EUR"}, "currency", "wrong_currency"),
    ({"amount": "5.00", "method": "cheque"}, "method", "literal_error"),
    ({"amount": "5.00", "tip": "1.00"}, "tip", "extra_forbidden"),
], ids=["too-many-decimals", "json-number", "not-a-number", "negative", "zero",
        "wrong-currency", "unknown-method", "unknown-field"])
def test_a_malformed_payment_is_refused_with_a_field_error_and_changes_nothing(
        api: Api, body: dict[str, Any], field: str, code: str) -> None:
    order = _invoiced_order(api)
    before = row_counts(api.container.engine)
    resp = api.post(f"/orders/{order['id']}/payments", {"method": "card", **body})
    assert resp.status_code == 422, resp.text
    assert resp.json()["type"] == "/problems/validation-error"
    assert [(e["field"], e["code"]) for e in resp.json()["errors"]] == [(field, code)]
    assert row_counts(api.container.engine) == before


def test_a_payment_sent_twice_with_one_idempotency_key_is_recorded_once(api: Api) -> None:
    order = _invoiced_order(api)
    body = {"amount": "10.00", "method": "cash"}
    first = api.post(f"/orders/{order['id']}/payments", body, idem="pay-1")
    second = api.post(f"/orders/{order['id']}/payments", body, idem="pay-1")
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotency-Replayed"] == "true"
    assert second.json() == first.json()
    assert api.ok(api.get(f"/orders/{order['id']}"))["amount_paid"] == "10.00"


def test_a_clerk_may_read_invoices_but_not_invoice_or_take_payments(api: Api) -> None:
    order = _order(api, _shop(api))
    api.key("clerk")  # the key itself is a row; make it before counting
    before = row_counts(api.container.engine)
    assert api.post(f"/orders/{order['id']}/invoices", role="clerk").status_code == 403
    assert _pay_as(api, order["id"], "clerk").status_code == 403
    assert row_counts(api.container.engine) == before
    assert api.get("/invoices", role="clerk").status_code == 200
    assert api.post(f"/orders/{order['id']}/invoices", role="accountant").status_code == 201
    assert _pay_as(api, order["id"], "accountant").status_code == 201


def _pay_as(api: Api, order_id: str, role: str) -> Any:
    return api.post(f"/orders/{order_id}/payments", {"amount": "1.00", "method": "cash"},
                    role=role)


def test_the_payment_that_settles_a_delivered_order_completes_it(api: Api) -> None:
    order = _invoiced_order(api)
    [shipment] = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": "JNE-1"}), 201)["items"]
    api.ok(api.post(f"/shipments/{shipment['id']}/deliver"))
    part = api.ok(_pay(api, order["id"], "41.00"), 201)
    assert (part["order"]["status"], part["order"]["financial_status"]) == (
        "open", "partially_paid")
    rest = api.ok(_pay(api, order["id"], "0.63"), 201)
    assert (rest["order"]["status"], rest["order"]["financial_status"]) == ("completed", "paid")
    with api.container.engine.connect() as conn:
        types = [e["type"] for e in list_events(conn, 0, 1000)]
    assert types[-2:] == ["payment.recorded", "order.completed"]
