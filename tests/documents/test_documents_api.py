"""Every document as PDF over the API: credit note, delivery note, pick list, purchase order,
customer statement; 404 problem documents for unknown ids; the JSON resource's permission."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update

from pesanan.billing.models import credit_note, invoice, payment, refund
from pesanan.documents import render
from tests.documents.helpers import (
    LEGAL_NAME,
    NPWP,
    ledger_receivable,
    set_shop,
    shown,
    text_of,
)
from tests.factories import Api

UNKNOWN = "0190a8c2-0000-7000-8000-000000000000"


def _shop(api: Api) -> dict[str, Any]:
    set_shop(api)
    api.product("TEE", price="100.00", tax_rate="0.10", standard_cost="40.00")
    api.product("MUG", price="20.00", tax_rate="0.10", standard_cost="8.00")
    wh = api.location("WH1")
    for sku in ("TEE", "MUG"):
        api.stock(sku, wh["id"], 10)
    return {"wh": wh, "buyer": api.customer("Sari Dewi")}


def _order(api: Api, shop: dict[str, Any], lines: list[tuple[str, int]],
           pay: str | None = None, deliver: bool = False) -> dict[str, Any]:
    order = api.order(shop["buyer"]["id"], lines, shipping_address={
        "name": "Sari Dewi", "line1": "Jl. Merdeka 5", "city": "Bandung", "country": "ID"},
        note="Titip di satpam")
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    if pay:
        api.ok(api.post(f"/orders/{order['id']}/payments",
                        {"amount": pay, "method": "card"}), 201)
    if deliver:
        shipped = api.ok(api.post(f"/orders/{order['id']}/shipments", {
            "carrier": "JNE", "service": "parcel", "tracking_number": "JNE123"}), 201)
        for s in shipped["items"]:
            api.ok(api.post(f"/shipments/{s['id']}/deliver"))
    return api.ok(api.get(f"/orders/{order['id']}"))


def _fo(api: Api, order_id: str) -> dict[str, Any]:
    [fo] = api.ok(api.get(f"/orders/{order_id}/fulfilment-orders"))["items"]
    return api.ok(api.get(f"/fulfilment-orders/{fo['id']}"))


def _pdf(api: Api, path: str, role: str = "admin", **params: Any) -> str:
    resp = api.get(path, role=role, **params)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/pdf"
    return text_of(resp.content)


def _credit_note(api: Api, shop: dict[str, Any], order: dict[str, Any]) -> dict[str, Any]:
    """Return 1 TEE of a delivered order: credit 100.00 + 10.00 = 110.00."""
    tee = next(x["id"] for x in order["lines"] if x["sku"] == "TEE")
    rma = api.ok(api.post("/returns", {"order_id": order["id"], "lines": [
        {"order_line_id": tee, "quantity": 1, "reason": "too small"}]}), 201)
    api.ok(api.post(f"/returns/{rma['id']}/approve", {"note": "ok"}))
    received = api.ok(api.post(f"/returns/{rma['id']}/receive", {
        "location_id": shop["wh"]["id"],
        "lines": [{"rma_line_id": x["id"], "disposition": "restock"} for x in rma["lines"]]}))
    return {"rma": rma, "cn": api.ok(api.get(f"/credit-notes/{received['credit_note_id']}"))}


def test_the_credit_note_pdf_carries_its_number_lines_and_total(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 2), ("MUG", 1)], pay="242.00", deliver=True)
    cn = _credit_note(api, shop, order)["cn"]
    resp = api.get(f"/credit-notes/{cn['id']}/pdf")
    assert resp.headers["content-disposition"] == f'attachment; filename="{cn["number"]}.pdf"'
    text = text_of(resp.content)
    assert LEGAL_NAME in text and f"NPWP: {NPWP}" in text
    assert cn["number"] in text and "Sari Dewi" in text
    assert f"Total credited {shown(Decimal(cn['total']), 'USD')}" in text
    invoice_no = api.ok(api.get("/invoices", order_id=order["id"]))["items"][0]["number"]
    assert f"Against invoice {invoice_no}" in text


def test_the_delivery_note_lists_lines_and_quantities_without_prices(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 2), ("MUG", 3)], deliver=True)
    fo = _fo(api, order["id"])
    resp = api.get(f"/fulfilment-orders/{fo['id']}/delivery-note.pdf", role="warehouse")
    assert resp.headers["content-disposition"] == (
        f'attachment; filename="{fo["number"]}-delivery-note.pdf"')
    text = text_of(resp.content)
    assert "DELIVERY NOTE" in text and fo["number"] in text and order["number"] in text
    assert "Jl. Merdeka 5" in text and "Titip di satpam" in text and "JNE123" in text
    assert "Product TEE TEE 2 2" in text and "Product MUG MUG 3 3" in text
    for price in ("100.00", "20.00", "USD"):  # quantities only
        assert price not in text


def test_the_pick_list_pdf_walks_the_location_by_sku(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 2), ("MUG", 3)])
    fo = _fo(api, order["id"])
    text = _pdf(api, f"/fulfilment-orders/{fo['id']}/pick-list.pdf", role="warehouse")
    assert "PICK LIST" in text and fo["number"] in text
    assert text.index("WH1 MUG Product MUG 3") < text.index("WH1 TEE Product TEE 2")


def test_the_purchase_order_pdf_names_the_supplier_lines_and_total(api: Api) -> None:
    set_shop(api)
    tee = api.product("TEE", price="100.00", standard_cost="40.00")
    wh = api.location("WH1")
    acme = api.ok(api.post("/suppliers", {"name": "CV Benang Emas", "currency": "USD",
                                          "email": "order@benang.example"}), 201)
    po = api.ok(api.post("/purchase-orders", {
        "supplier_id": acme["id"], "location_id": wh["id"],
        "lines": [{"sku": tee["sku"], "quantity": 12, "unit_cost": "38.25"}]}), 201)
    resp = api.get(f"/purchase-orders/{po['id']}/pdf", role="warehouse")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-disposition"] == f'attachment; filename="{po["number"]}.pdf"'
    text = text_of(resp.content)
    assert LEGAL_NAME in text and po["number"] in text
    assert "CV Benang Emas" in text and "order@benang.example" in text
    unit, line = shown(Decimal("38.25"), "USD"), shown(Decimal("459.00"), "USD")
    assert f"Product TEE TEE 12 {unit} {line}" in text
    assert po["total"] == "459.00"
    assert f"Total {shown(Decimal(po['total']), 'USD')}" in text
    with api.container.engine.connect() as conn:  # what the mail attaches is the same PDF
        assert text_of(render.purchase_order_pdf(conn, po["id"])) == text


def test_the_statement_closes_at_the_customers_receivable_balance(api: Api) -> None:
    shop = _shop(api)
    buyer = shop["buyer"]
    first = _order(api, shop, [("TEE", 1)], pay="110.00", deliver=True)  # paid in full
    _order(api, shop, [("MUG", 2)], pay="20.00")  # 44.00, 20.00 paid
    returned = _credit_note(api, shop, first)
    api.ok(api.post(f"/returns/{returned['rma']['id']}/refund", {"method": "card"}))
    owed = ledger_receivable(api, buyer["id"], "USD")
    assert owed == Decimal("24.00")  # 110 + 44 - 110 - 20 - 110 credited + 110 refunded
    text = _pdf(api, f"/customers/{buyer['id']}/statement.pdf", role="accountant")
    assert LEGAL_NAME in text and "STATEMENT OF ACCOUNT" in text and "Sari Dewi" in text
    assert f"Opening balance {shown(Decimal(0), 'USD')}" in text
    assert f"Closing balance {shown(owed, 'USD')}" in text
    for kind in ("Invoice", "Payment", "Credit note", "Refund"):
        assert kind in text
    assert returned["cn"]["number"] in text


def test_the_statement_of_a_later_period_opens_with_the_balance_before_it(api: Api) -> None:
    shop = _shop(api)
    buyer = shop["buyer"]
    _order(api, shop, [("TEE", 1)])  # 110.00 owed
    _order(api, shop, [("MUG", 1)], pay="22.00")  # paid
    # Move the first invoice ten days back: it is before the period asked for.
    month_ago = datetime.now(UTC) - timedelta(days=10)
    with api.container.engine.begin() as conn:
        first = conn.execute(select(invoice.c.id).order_by(invoice.c.id)).scalars().first()
        conn.execute(update(invoice).where(invoice.c.id == first).values(issued_at=month_ago))
    today = datetime.now(UTC).date()
    text = _pdf(api, f"/customers/{buyer['id']}/statement.pdf", role="accountant",
                **{"from": str(today - timedelta(days=2)), "to": str(today)})
    assert f"Opening balance {shown(Decimal('110.00'), 'USD')}" in text
    assert f"Closing balance {shown(Decimal('110.00'), 'USD')}" in text
    assert ledger_receivable(api, buyer["id"], "USD") == Decimal("110.00")
    earlier = _pdf(api, f"/customers/{buyer['id']}/statement.pdf", role="accountant",
                   **{"from": str(today - timedelta(days=30)),
                      "to": str(today - timedelta(days=5))})
    assert f"Opening balance {shown(Decimal(0), 'USD')}" in earlier
    assert f"Closing balance {shown(Decimal('110.00'), 'USD')}" in earlier


def test_a_statement_period_that_ends_before_it_starts_is_a_422(api: Api) -> None:
    buyer = _shop(api)["buyer"]
    resp = api.get(f"/customers/{buyer['id']}/statement.pdf",
                   **{"from": "2026-12-10", "to": "2026-12-01"})
    assert resp.status_code == 422
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["errors"][0]["field"] == "from"


@pytest.mark.parametrize("path", [
    f"/invoices/{UNKNOWN}/pdf", f"/credit-notes/{UNKNOWN}/pdf",
    f"/fulfilment-orders/{UNKNOWN}/delivery-note.pdf",
    f"/fulfilment-orders/{UNKNOWN}/pick-list.pdf", f"/purchase-orders/{UNKNOWN}/pdf",
    f"/customers/{UNKNOWN}/statement.pdf",
])
def test_a_pdf_of_an_unknown_id_is_a_404_problem(api: Api, path: str) -> None:
    resp = api.get(path)
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["type"].endswith("/not-found")


def test_a_pdf_needs_the_permission_of_its_json_resource(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 1)])
    inv = api.ok(api.get("/invoices", order_id=order["id"]))["items"][0]
    fo = _fo(api, order["id"])
    assert api.get(f"/invoices/{inv['id']}/pdf", role="warehouse").status_code == 403
    assert api.get(f"/invoices/{inv['id']}/pdf", role="accountant").status_code == 200
    assert api.get(f"/fulfilment-orders/{fo['id']}/pick-list.pdf",
                   role="warehouse").status_code == 200
    assert api.get(f"/customers/{shop['buyer']['id']}/statement.pdf",
                   role="warehouse").status_code == 403
    assert api.client.get(f"/api/v1/invoices/{inv['id']}/pdf").status_code == 401


def test_the_books_are_untouched_by_printing(api: Api) -> None:
    shop = _shop(api)
    order = _order(api, shop, [("TEE", 1)], pay="50.00")
    inv = api.ok(api.get("/invoices", order_id=order["id"]))["items"][0]

    def rows() -> list[Any]:
        with api.container.engine.connect() as conn:
            return [conn.execute(select(t)).all() for t in (invoice, payment, credit_note,
                                                            refund)]
    before = rows()
    _pdf(api, f"/invoices/{inv['id']}/pdf")
    _pdf(api, f"/customers/{shop['buyer']['id']}/statement.pdf")
    assert rows() == before


def test_a_credit_spent_on_an_exchange_moves_the_statement_as_the_ledger(api: Api) -> None:
    shop = _shop(api)
    buyer = shop["buyer"]
    first = _order(api, shop, [("TEE", 1)], pay="110.00", deliver=True)
    tee = next(x["id"] for x in first["lines"] if x["sku"] == "TEE")
    rma = api.ok(api.post("/returns", {"order_id": first["id"], "lines": [
        {"order_line_id": tee, "quantity": 1, "reason": "wants mugs"}]}), 201)
    api.ok(api.post(f"/returns/{rma['id']}/approve", {"note": "ok"}))
    received = api.ok(api.post(f"/returns/{rma['id']}/receive", {
        "location_id": shop["wh"]["id"],
        "lines": [{"rma_line_id": x["id"], "disposition": "restock"} for x in rma["lines"]]}))
    api.ok(api.post(f"/returns/{received['id']}/exchange",
                    {"lines": [{"sku": "MUG", "quantity": 2}], "note": "wants mugs"}))
    owed = ledger_receivable(api, buyer["id"], "USD")
    assert owed == Decimal("-66.00")  # the shop owes the customer the rest of the credit
    text = _pdf(api, f"/customers/{buyer['id']}/statement.pdf")
    assert f"Closing balance {shown(owed, 'USD')}" in text
