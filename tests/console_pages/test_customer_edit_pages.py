"""The console's customer edit page: profile, credit limit (Money), payment terms (used for the
invoice's due date), and the address book (add, edit, set default, remove); refusals beside the
field with nothing changed; the same edits through the API (PATCH, addresses)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.dbs import snapshot
from tests.factories import Api
from tests.web.helpers import login


def _profile(token: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": token, "name": "Toko Maju", "email": "beli@tokomaju.example",
            "phone": "+62 21 555 0101", "kind": "b2b", "payment_preference": "invoice",
            "credit_limit": "50000000", "credit_currency": "IDR", "payment_terms_days": "14",
            **fields}


def _address(token: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": token, "kind": "shipping", "line1": "Jl. Sudirman 1",
            "city": "Jakarta", "postal_code": "10220", "country": "id", **fields}


def test_editing_the_profile_credit_and_terms(api: Api, client: TestClient,
                                              container: Container) -> None:
    cust = api.customer("Ada Buyer")
    token = login(client, container, "clerk")
    edit = f'href="/customers/{cust["id"]}/edit"'
    assert edit in client.get(f"/customers/{cust['id']}").text
    resp = client.post(f"/customers/{cust['id']}/edit", data=_profile(token),
                       follow_redirects=False)
    assert resp.status_code == 303, resp.text
    got = api.ok(api.get(f"/customers/{cust['id']}"))
    assert (got["name"], got["email"], got["phone"], got["kind"], got["payment_preference"],
            got["credit_limit"], got["credit_currency"], got["payment_terms_days"]) == (
        "Toko Maju", "beli@tokomaju.example", "+62 21 555 0101", "b2b", "invoice",
        "50000000", "IDR", 14)
    profile = client.get(f"/customers/{cust['id']}").text
    assert '<dd id="credit-limit">50,000,000 IDR</dd>' in profile
    assert '<dd id="payment-terms">14 days</dd>' in profile
    # Blank clears the credit limit, the terms and the phone.
    resp = client.post(f"/customers/{cust['id']}/edit", follow_redirects=False, data=_profile(
        token, credit_limit="", credit_currency="", payment_terms_days="", phone=""))
    assert resp.status_code == 303, resp.text
    got = api.ok(api.get(f"/customers/{cust['id']}"))
    assert (got["credit_limit"], got["credit_currency"], got["payment_terms_days"],
            got["phone"]) == (None, None, None, None)


def test_bad_profile_input_is_refused_beside_the_field(api: Api, client: TestClient,
                                                       container: Container) -> None:
    cust = api.customer("Ada Buyer")
    api.customer("Other", email="taken@example.com")
    token = login(client, container, "clerk")
    before = snapshot(container.engine)
    url = f"/customers/{cust['id']}/edit"
    cases = [
        ({"credit_limit": "abc"}, "credit_limit", ""),  # the wording is web/forms.py's
        ({"payment_terms_days": "400"}, "payment_terms_days", "less than or equal to 365"),
        ({"payment_terms_days": "abc"}, "payment_terms_days", ""),
        ({"name": ""}, "name", ""),
        ({"credit_currency": ""}, "credit_currency", "Give the credit limit"),
        ({"email": "taken@example.com"}, "email", "email must be unique"),
    ]
    for change, field, words in cases:
        resp = client.post(url, data=_profile(token, **change))
        assert resp.status_code == 422, (change, resp.text)
        assert f'id="{field}-error" role="alert">' in resp.text, change
        assert words in resp.text, change
    assert snapshot(container.engine) == before


def test_payment_terms_set_the_invoice_due_date(api: Api, client: TestClient,
                                                container: Container) -> None:
    cust = api.customer("Ada Buyer")
    api.ok(api.client.patch(f"/api/v1/customers/{cust['id']}", json={"payment_terms_days": 14},
                            headers=api.headers()))
    api.product("TEE", currency="USD", price="10.00")
    wh = api.location("WH-A")
    api.stock("TEE", wh["id"], 5)
    order = api.order(cust["id"], [("TEE", 1)])
    inv = api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    issued, due = (datetime.fromisoformat(inv[k]) for k in ("issued_at", "due_at"))
    assert due - issued == timedelta(days=14)


def test_the_address_book(api: Api, client: TestClient, container: Container) -> None:
    cust = api.customer("Ada Buyer")
    token = login(client, container, "clerk")
    base = f"/customers/{cust['id']}"

    def book() -> list[dict[str, Any]]:
        return sorted(api.ok(api.get(base))["addresses"], key=lambda a: a["line1"])

    start = len(book())
    assert client.post(f"{base}/addresses", data=_address(token, is_default="1"),
                       follow_redirects=False).status_code == 303
    assert client.post(f"{base}/addresses", data=_address(token, line1="Jl. Thamrin 2"),
                       follow_redirects=False).status_code == 303
    added = [a for a in book() if a["line1"].startswith("Jl.")]
    assert [(a["line1"], a["country"], a["is_default"]) for a in added] == [
        ("Jl. Sudirman 1", "ID", True), ("Jl. Thamrin 2", "ID", False)]
    sudirman, thamrin = added
    # Make the second default: the first is no longer.
    assert client.post(f"{base}/addresses/{thamrin['id']}/default", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    flags = {a["line1"]: a["is_default"] for a in book() if a["kind"] == "shipping"}
    assert flags["Jl. Thamrin 2"] is True and flags["Jl. Sudirman 1"] is False
    assert sum(flags.values()) == 1
    # Edit one.
    assert client.post(f"{base}/addresses/{sudirman['id']}", follow_redirects=False,
                       data=_address(token, line1="Jl. Sudirman 10", city="Bandung")
                       ).status_code == 303
    assert [(a["line1"], a["city"]) for a in book() if a["id"] == sudirman["id"]] == [
        ("Jl. Sudirman 10", "Bandung")]
    # A bad edit: beside the field, nothing changed.
    before = snapshot(container.engine)
    resp = client.post(f"{base}/addresses/{sudirman['id']}",
                       data=_address(token, country="Indonesia", city=""))
    assert resp.status_code == 422
    assert 'id="country-error" role="alert">' in resp.text
    assert 'id="city-error" role="alert">' in resp.text
    assert snapshot(container.engine) == before
    # Remove one.
    assert client.post(f"{base}/addresses/{sudirman['id']}/remove",
                       data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert [a["line1"] for a in book()][-1:] == ["Jl. Thamrin 2"]
    assert len(book()) == start + 1


def test_the_api_edits_the_same_way(api: Api, container: Container) -> None:
    cust = api.customer("Ada Buyer")
    h = api.headers()
    patched = api.ok(api.client.patch(f"/api/v1/customers/{cust['id']}", headers=h, json={
        "credit_limit": "2500.00", "credit_currency": "USD", "kind": "b2b"}))
    assert (patched["credit_limit"], patched["credit_currency"], patched["kind"],
            patched["name"]) == ("2500", "USD", "b2b", "Ada Buyer")
    bad = api.client.patch(f"/api/v1/customers/{cust['id']}", headers=h,
                           json={"credit_limit": "25.001", "credit_currency": "USD"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "credit_limit"
    with_address = api.ok(api.post(f"/customers/{cust['id']}/addresses", {
        "line1": "Jl. Asia Afrika 8", "city": "Bandung", "country": "ID"}), 201)
    [added] = [a for a in with_address["addresses"] if a["line1"] == "Jl. Asia Afrika 8"]
    removed = api.ok(api.client.delete(
        f"/api/v1/customers/{cust['id']}/addresses/{added['id']}", headers=h))
    assert all(a["id"] != added["id"] for a in removed["addresses"])
    assert api.client.delete(f"/api/v1/customers/{cust['id']}/addresses/{added['id']}",
                             headers=h).status_code == 404


def test_a_warehouse_user_cannot_edit_customers(api: Api, client: TestClient,
                                                container: Container) -> None:
    cust = api.customer("Ada Buyer")
    token = login(client, container, "accountant")
    assert client.get(f"/customers/{cust['id']}/edit").status_code == 403
    before = snapshot(container.engine)
    resp = client.post(f"/customers/{cust['id']}/edit", data=_profile(token))
    assert resp.status_code == 403
    assert snapshot(container.engine) == before
