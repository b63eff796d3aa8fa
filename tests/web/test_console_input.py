"""Console input (issue 9): amounts are read the way the user's locale writes them (issue 12:
en_US here, the shop's default; tests/i18n has id_ID) and one that needs a guess is refused
with a sentence beside the field, the edit form shows each server-side error beside its line, form
integers are parsed from ASCII digits, and console users' emails take the customers' check."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pesanan.auth import users
from pesanan.bootstrap import Container
from pesanan.core.errors import ValidationFailed
from tests.dbs import row_counts, snapshot
from tests.factories import Api
from tests.web.helpers import login

# core.amounts' sentences in en_US (the default shop's locale).
NO_DECIMALS = "IDR amounts have no decimals: type 50,000."
NOT_AN_AMOUNT = "is not an amount: type it as"


def _beside(html: str, name: str) -> str:
    """The message the page shows beside field `name` (field_error in _macros.html)."""
    slug = name.replace(".", "-").replace("[", "-").replace("]", "")
    m = re.search(rf'<small class="field-error" id="{re.escape(slug)}-error"[^>]*>([^<]*)<',
                  html)
    assert m, f"no error beside {name}"
    return m.group(1)


def _received(api: Api) -> dict[str, Any]:
    """A paid, delivered order with one unit returned and received: ready for a refund."""
    api.product("TEE", price="100.00", tax_rate="0")
    wh = api.location("WH")
    api.stock("TEE", wh["id"], 5)
    order = api.order(api.customer()["id"], [("TEE", 2)])
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    api.ok(api.post(f"/orders/{order['id']}/payments", {"amount": order["total"],
                                                        "method": "card"}), 201)
    shipped = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": "T1"}), 201)
    for s in shipped["items"]:
        api.ok(api.post(f"/shipments/{s['id']}/deliver"))
    rma = api.ok(api.post("/returns", {"order_id": order["id"], "lines": [
        {"sku": "TEE", "quantity": 1, "reason": "torn"}]}), 201)
    api.ok(api.post(f"/returns/{rma['id']}/approve"))
    api.ok(api.post(f"/returns/{rma['id']}/receive", {"location_id": wh["id"], "lines": [
        {"rma_line_id": rma["lines"][0]["id"], "disposition": "restock"}]}))
    return rma


def _idr_order(api: Api) -> dict[str, Any]:
    api.product("KAOS", price="150000.00", currency="IDR", tax_rate="0")
    wh = api.location("WH1")
    api.stock("KAOS", wh["id"], 5)
    order = api.order(api.customer()["id"], [("KAOS", 1)])
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    return order


@pytest.mark.parametrize("amount, message", [
    ("50.000", NO_DECIMALS), ("50000.5", NO_DECIMALS), ("50000.001", NO_DECIMALS),
    ("1.500.000", f"“1.500.000” {NOT_AN_AMOUNT} 50,000."),
    ("50 000", f"“50 000” {NOT_AN_AMOUNT} 50,000."),
    ("50,00", f"“50,00” {NOT_AN_AMOUNT} 50,000."),
])
def test_a_payment_that_needs_a_guess_is_refused_beside_the_field(
        api: Api, client: TestClient, container: Container, amount: str, message: str) -> None:
    order = _idr_order(api)
    csrf = login(client, container, "accountant")
    before = row_counts(container.engine)
    resp = client.post(f"/orders/{order['id']}/pay", data={
        "csrf_token": csrf, "amount": amount, "method": "cash"})
    assert resp.status_code == 422
    assert _beside(resp.text, "amount") == message
    assert f'value="{amount}"' in resp.text  # what was typed is kept
    assert row_counts(container.engine) == before


@pytest.mark.parametrize("amount, paid", [
    ("50000", "50000.00"), ("50,000", "50000.00"), ("Rp 50,000", "50000.00"),
    ("IDR 150,000.00", "150000.00"),
])
def test_a_plain_payment_is_recorded_exactly(
        api: Api, client: TestClient, container: Container, amount: str, paid: str) -> None:
    order = _idr_order(api)
    csrf = login(client, container, "accountant")
    resp = client.post(f"/orders/{order['id']}/pay", data={
        "csrf_token": csrf, "amount": amount, "method": "cash"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    assert api.ok(api.get(f"/orders/{order['id']}"))["amount_paid"] == paid


def test_a_refund_typed_with_a_separator_is_refused_beside_the_field(
        api: Api, client: TestClient, container: Container) -> None:
    rma = _received(api)
    csrf = login(client, container, "accountant")
    before = row_counts(container.engine)
    resp = client.post(f"/returns/{rma['id']}/refund", data={
        "csrf_token": csrf, "amount": "1.000", "method": "card"})
    assert resp.status_code == 422
    assert _beside(resp.text, "amount") == (
        "“1.000” has 3 decimals, but USD has 2: type it as 50,000.00.")
    assert row_counts(container.engine) == before


def test_an_offer_price_typed_with_a_separator_is_refused_beside_the_field(
        api: Api, client: TestClient, container: Container) -> None:
    api.product("KAOS", price="150000.00", currency="IDR")
    sup = api.ok(api.post("/suppliers", {"name": "Konveksi", "currency": "IDR"}), 201)
    csrf = login(client, container, "admin")
    before = row_counts(container.engine)
    resp = client.post("/purchasing/offers", data={
        "csrf_token": csrf, "supplier_id": sup["id"], "sku": "KAOS", "price": "75.000",
        "currency": "IDR", "lead_time_days": "3", "min_order_qty": "1"})
    assert resp.status_code == 422
    assert _beside(resp.text, "price") == NO_DECIMALS
    assert row_counts(container.engine) == before


def test_a_malformed_offer_price_gets_the_sentence_not_a_regex(
        api: Api, client: TestClient, container: Container) -> None:
    api.product("TEE")
    sup = api.ok(api.post("/suppliers", {"name": "Tees", "currency": "USD"}), 201)
    csrf = login(client, container, "admin")
    resp = client.post("/purchasing/offers", data={
        "csrf_token": csrf, "supplier_id": sup["id"], "sku": "TEE", "price": "abc",
        "currency": "USD", "lead_time_days": "3", "min_order_qty": "1"})
    assert resp.status_code == 422
    assert _beside(resp.text, "price") == f"“abc” {NOT_AN_AMOUNT} 50,000.00."
    assert "pattern" not in resp.text


def test_a_hold_limit_typed_with_a_separator_is_refused_beside_the_field(
        client: TestClient, container: Container) -> None:
    csrf = login(client, container, "admin")
    before = row_counts(container.engine)
    resp = client.post("/holds/rules", data={
        "csrf_token": csrf, "kind": "order_total_above", "limits": "IDR=15.000.000"})
    assert resp.status_code == 422
    assert _beside(resp.text, "limits") == f"“15.000.000” {NOT_AN_AMOUNT} 50,000."
    assert row_counts(container.engine) == before


def test_form_integers_are_still_parsed_from_digits(
        api: Api, client: TestClient, container: Container) -> None:
    api.product("TEE")
    sup = api.ok(api.post("/suppliers", {"name": "Tees", "currency": "USD"}), 201)
    csrf = login(client, container, "admin")
    resp = client.post("/purchasing/offers", data={
        "csrf_token": csrf, "supplier_id": sup["id"], "sku": "TEE", "price": "4.50",
        "currency": "USD", "lead_time_days": "3", "min_order_qty": "12"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    [made] = api.ok(api.get("/supplier-offers"))["items"]
    assert (made["lead_time_days"], made["min_order_qty"]) == (3, 12)
    resp = client.post("/purchasing/offers", data={
        "csrf_token": csrf, "supplier_id": sup["id"], "sku": "TEE", "price": "4.50",
        "currency": "USD", "lead_time_days": "³", "min_order_qty": "1"})
    assert resp.status_code == 422
    assert _beside(resp.text, "lead_time_days") == "Enter a whole number."


# --- the order edit form ------------------------------------------------------------------------

def _order(api: Api) -> dict[str, Any]:
    api.product("TEE", price="20.00", tax_rate="0.10")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 10)
    return api.order(api.customer()["id"], [("TEE", 2)])


@pytest.mark.parametrize("qty, message", [
    ("-1", "Input should be greater than 0"),
    ("abc", "Enter a whole number."),
    ("2000000", "Input should be less than or equal to 1000000"),
])
def test_a_bad_quantity_in_the_edit_form_is_shown_beside_its_line(
        api: Api, client: TestClient, container: Container, qty: str, message: str) -> None:
    order = _order(api)
    line = order["lines"][0]["id"]
    csrf = login(client, container, "clerk")
    before = snapshot(container.engine)
    resp = client.post(f"/orders/{order['id']}/edit", data={
        "csrf_token": csrf, f"was-{line}": "2", f"qty-{line}": qty})
    assert resp.status_code == 422
    assert _beside(resp.text, f"qty-{line}") == message
    assert "The edit was not saved: see the fields marked below" in resp.text
    assert snapshot(container.engine) == before


def test_an_unknown_sku_in_the_edit_form_is_shown_beside_the_add_field(
        api: Api, client: TestClient, container: Container) -> None:
    order = _order(api)
    line = order["lines"][0]["id"]
    csrf = login(client, container, "clerk")
    before = snapshot(container.engine)
    resp = client.post(f"/orders/{order['id']}/edit", data={
        "csrf_token": csrf, f"was-{line}": "2", f"qty-{line}": "2", "add_sku": "NOPE",
        "add_qty": "1"})
    assert resp.status_code == 422
    assert _beside(resp.text, "add_sku") == "no product with SKU NOPE"
    assert 'value="NOPE"' in resp.text
    assert snapshot(container.engine) == before


def test_a_bad_added_quantity_is_shown_beside_the_add_quantity(
        api: Api, client: TestClient, container: Container) -> None:
    order = _order(api)
    line = order["lines"][0]["id"]
    csrf = login(client, container, "clerk")
    before = snapshot(container.engine)
    resp = client.post(f"/orders/{order['id']}/edit", data={
        "csrf_token": csrf, f"was-{line}": "2", f"qty-{line}": "2", "add_sku": "TEE",
        "add_qty": "-3"})
    assert resp.status_code == 422
    assert _beside(resp.text, "add_qty") == "Input should be greater than 0"
    assert snapshot(container.engine) == before


# --- console users' emails ----------------------------------------------------------------------

def test_a_console_user_on_a_local_domain_is_created_and_a_malformed_email_is_refused(
        container: Container) -> None:
    with container.engine.begin() as conn:
        made = users.create_user(conn, "Ops@Demo.Pesanan.Local", "Ops", "clerk",
                                 "correct horse battery")
    assert made["email"] == "ops@demo.pesanan.local"
    before = row_counts(container.engine)
    for bad in ("ops@", "ops", "ops@@demo.local"):
        with pytest.raises(ValidationFailed) as refused, container.engine.begin() as conn:
            users.create_user(conn, bad, "Ops", "clerk", "correct horse battery")
        assert [e.field for e in refused.value.errors] == ["email"]
    assert row_counts(container.engine) == before
