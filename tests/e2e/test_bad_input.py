"""Bad input gets an RFC 9457 problem naming the field, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dbs import row_counts
from tests.factories import Api


@pytest.fixture
def shop(api: Api) -> dict[str, Any]:
    api.product("TEE", price="12.50", currency="USD")
    api.product("KAOS", price="150000.00", currency="IDR")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 5)
    api.stock("KAOS", wh["id"], 5)
    return {"customer": api.customer(), "wh": wh}


def _refused(api: Api, path: str, body: Any, status: int, problem: str,
             field: str | None = None) -> dict[str, Any]:
    api.key("admin")  # created lazily: make it before counting rows
    before = row_counts(api.container.engine)
    resp = api.post(path, body)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    doc = resp.json()
    assert doc["type"] == f"/problems/{problem}"
    assert doc["status"] == status
    assert doc["title"] and doc["detail"]
    if field is not None:
        assert field in [e["field"] for e in doc["errors"]], doc
    assert row_counts(api.container.engine) == before
    return doc


def test_unknown_sku_is_refused(api: Api, shop: dict[str, Any]) -> None:
    body = api.order_body(shop["customer"]["id"], [("TEE", 1), ("NOPE", 1)])
    _refused(api, "/orders", body, 422, "validation-error", "lines[1].sku")


@pytest.mark.parametrize("quantity", [0, -3])
def test_quantity_must_be_positive(api: Api, shop: dict[str, Any], quantity: int) -> None:
    body = api.order_body(shop["customer"]["id"], [("TEE", quantity)])
    _refused(api, "/orders", body, 422, "validation-error", "lines[0].quantity")


@pytest.mark.parametrize("price", ["12.345", "abc", 12.5, "1e3", ""])
def test_malformed_money_is_refused(api: Api, price: Any) -> None:
    body = {"sku": "NEW", "name": "New", "price": price, "currency": "USD"}
    _refused(api, "/products", body, 422, "validation-error", "price")


def test_unknown_currency_is_refused(api: Api) -> None:
    body = {"sku": "NEW", "name": "New", "price": "1.00", "currency": "XYZ"}
    _refused(api, "/products", body, 422, "validation-error", "currency")


def test_lines_in_another_currency_are_refused(api: Api, shop: dict[str, Any]) -> None:
    body = api.order_body(shop["customer"]["id"], [("TEE", 1), ("KAOS", 1)])
    _refused(api, "/orders", body, 422, "validation-error", "lines[1].sku")
    body = api.order_body(shop["customer"]["id"], [("TEE", 1)], currency="IDR")
    _refused(api, "/orders", body, 422, "validation-error", "lines[0].sku")


def test_unknown_fields_are_refused(api: Api, shop: dict[str, Any]) -> None:
    body = api.order_body(shop["customer"]["id"], [("TEE", 1)], discount="100%")
    _refused(api, "/orders", body, 422, "validation-error", "discount")


def test_unknown_customer_is_refused(api: Api, shop: dict[str, Any]) -> None:
    body = api.order_body("01900000-0000-7000-8000-000000000000", [("TEE", 1)])
    _refused(api, "/orders", body, 422, "validation-error", "customer_id")


def test_phone_orders_must_say_who_keyed_them(api: Api, shop: dict[str, Any]) -> None:
    body = api.order_body(shop["customer"]["id"], [("TEE", 1)], channel="phone")
    _refused(api, "/orders", body, 422, "validation-error")
    body["keyed_by"] = "rep-7"
    body["keyed_at_location_id"] = shop["wh"]["id"]
    assert api.post("/orders", body).status_code == 201


def test_an_illegal_status_transition_is_refused(api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{order['id']}/cancel", {"reason": "test"}))
    _refused(api, f"/orders/{order['id']}/cancel", {"reason": "again"}, 409,
             "invalid-transition")


def test_removing_reserved_stock_is_refused(api: Api, shop: dict[str, Any]) -> None:
    api.order(shop["customer"]["id"], [("TEE", 4)])
    body = {"sku": "TEE", "location_id": shop["wh"]["id"], "quantity": -2, "reason": "damaged"}
    _refused(api, "/inventory/adjustments", body, 409, "insufficient-stock", "quantity")


def test_a_duplicate_sku_is_a_conflict(api: Api, shop: dict[str, Any]) -> None:
    body = {"sku": "TEE", "name": "Again", "price": "1.00", "currency": "USD"}
    _refused(api, "/products", body, 409, "conflict", "sku")


def test_a_bad_cursor_is_a_validation_error(api: Api) -> None:
    resp = api.get("/orders", cursor="%%%")
    assert resp.status_code == 422
    assert resp.json()["type"] == "/problems/validation-error"
