"""Input past what the database holds is a 4xx problem naming the field, and changes nothing
(issue 9): timestamps without a zone, integers past BIGINT, totals past the money column,
digits that are not ASCII, NUL characters, quantities that are not JSON integers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from httpx import Response

from pesanan.bootstrap import Container
from pesanan.inventory import imports
from tests.dbs import row_counts
from tests.factories import Api

BIG_PRICE = "99999999999999.99"


@pytest.fixture
def shop(api: Api) -> dict[str, Any]:
    api.product("TEE", price="12.50", currency="USD")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 50)
    customer = api.customer()
    order = api.order(customer["id"], [("TEE", 1)])
    return {"customer": customer, "wh": wh, "order": order}


def refused(api: Api, send: Callable[[], Response], status: int, problem: str,
            field: str | None = None) -> dict[str, Any]:
    api.key("admin")  # created lazily: make it before counting rows
    before = row_counts(api.container.engine)
    resp = send()
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    doc: dict[str, Any] = resp.json()
    assert doc["type"] == f"/problems/{problem}"
    assert doc["status"] == status
    if field is not None:
        assert field in [e["field"] for e in doc["errors"]], doc
    assert row_counts(api.container.engine) == before
    return doc


# --- 1. timestamps in query filters ----------------------------------------------------------

@pytest.mark.parametrize("path", ["/orders", "/fulfilment-orders", "/shipments", "/returns"])
@pytest.mark.parametrize("since", ["2026-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00Z"])
def test_a_date_or_naive_time_filter_is_read_as_utc(
        api: Api, shop: dict[str, Any], path: str, since: str) -> None:
    # The shop's order was placed now (after 2026-01-01): it is in `min`, not in `max`.
    expected = 1 if path in ("/orders", "/fulfilment-orders") else 0
    assert len(api.ok(api.get(path, created_at_min=since))["items"]) == expected
    assert api.ok(api.get(path, created_at_max=since))["items"] == []


def test_a_date_filter_starts_at_midnight_utc(api: Api, shop: dict[str, Any]) -> None:
    placed = shop["order"]["placed_at"][:10]  # YYYY-MM-DD, UTC
    assert [o["id"] for o in api.ok(api.get("/orders", created_at_min=placed))["items"]] == [
        shop["order"]["id"]]
    assert api.ok(api.get("/orders", created_at_max=placed))["items"] == []


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "2026-13-01", "yesterday"])
def test_a_timestamp_filter_out_of_range_or_malformed_is_refused(
        api: Api, shop: dict[str, Any], when: str) -> None:
    refused(api, lambda: api.get("/orders", created_at_min=when), 422, "validation-error",
            "created_at_min")


# --- 2. integers and amounts past the columns -------------------------------------------------

@pytest.mark.parametrize("quantity", [2**62, 2**63, 10**15, -2**63, 1_000_000_001])
def test_an_adjustment_past_the_bound_is_refused(
        api: Api, shop: dict[str, Any], quantity: int) -> None:
    body = {"sku": "TEE", "location_id": shop["wh"]["id"], "quantity": quantity,
            "reason": "typo"}
    refused(api, lambda: api.post("/inventory/adjustments", body), 422, "validation-error",
            "quantity")


def test_an_adjustment_whose_value_overflows_the_ledger_is_refused(api: Api) -> None:
    api.product("GOLD", price=BIG_PRICE, standard_cost=BIG_PRICE)
    wh = api.location("WH9")
    body = {"sku": "GOLD", "location_id": wh["id"], "quantity": 1_000_000_000,
            "reason": "opening"}
    refused(api, lambda: api.post("/inventory/adjustments", body), 422, "validation-error")


def test_an_order_of_1000_lines_at_the_largest_price_is_refused_as_too_large(api: Api) -> None:
    api.product("GOLD", price=BIG_PRICE, tax_rate="0.10")
    wh = api.location("WH9")
    api.stock("GOLD", wh["id"], 1000)
    customer = api.customer()
    body = api.order_body(customer["id"], [("GOLD", 1)] * 1000)
    doc = refused(api, lambda: api.post("/orders", body), 422, "validation-error", "lines")
    assert [e["code"] for e in doc["errors"]] == ["total_too_large"]


def test_one_line_whose_total_overflows_is_refused(api: Api) -> None:
    api.product("GOLD", price=BIG_PRICE, tax_rate="0")
    wh = api.location("WH9")
    api.stock("GOLD", wh["id"], 10)
    body = api.order_body(api.customer()["id"], [("GOLD", 10)])
    refused(api, lambda: api.post("/orders", body), 422, "validation-error", "lines")


def test_the_largest_order_that_fits_is_placed(api: Api) -> None:
    api.product("GOLD", price=BIG_PRICE, tax_rate="0")
    wh = api.location("WH9")
    api.stock("GOLD", wh["id"], 9)
    order = api.order(api.customer()["id"], [("GOLD", 9)])
    assert order["total"] == "899999999999999.91"


def test_an_edit_whose_total_overflows_is_refused(api: Api) -> None:
    api.product("GOLD", price=BIG_PRICE, tax_rate="0")
    wh = api.location("WH9")
    api.stock("GOLD", wh["id"], 20)
    order = api.order(api.customer()["id"], [("GOLD", 1)])
    body = {"changes": [{"op": "set_quantity", "line_id": order["lines"][0]["id"],
                         "quantity": 20}]}
    refused(api, lambda: api.post(f"/orders/{order['id']}/edits", body), 422,
            "validation-error", "changes")


def test_a_purchase_order_whose_total_overflows_is_refused(api: Api) -> None:
    api.product("GOLD")
    wh = api.location("WH9")
    sup = api.ok(api.post("/suppliers", {"name": "Mint", "currency": "USD"}), 201)
    body = {"supplier_id": sup["id"], "location_id": wh["id"],
            "lines": [{"sku": "GOLD", "quantity": 1_000_000, "unit_cost": BIG_PRICE}]}
    refused(api, lambda: api.post("/purchase-orders", body), 422, "validation-error")


@pytest.mark.parametrize("version", [2**63, 2**70])
def test_an_expected_version_past_bigint_is_refused(
        api: Api, shop: dict[str, Any], version: int) -> None:
    order = shop["order"]
    body = {"expected_version": version, "changes": [
        {"op": "set_quantity", "line_id": order["lines"][0]["id"], "quantity": 2}]}
    refused(api, lambda: api.post(f"/orders/{order['id']}/edits", body), 422,
            "validation-error", "expected_version")


def test_events_after_past_bigint_is_refused_and_the_last_bigint_is_fine(
        api: Api, shop: dict[str, Any]) -> None:
    refused(api, lambda: api.get("/events", after=str(2**63)), 422, "validation-error",
            "after")
    assert api.ok(api.get("/events", after=str(2**63 - 1)))["items"] == []


def _patch_product(api: Api, product_id: str, if_match: str) -> Response:
    # Header bytes arrive as Latin-1 ('²' is one byte there); what Latin-1 cannot hold is
    # sent as UTF-8, as a client would.
    try:
        raw = if_match.encode("latin-1")
    except UnicodeEncodeError:
        raw = if_match.encode()
    return api.client.patch(f"/api/v1/products/{product_id}", json={"name": "Renamed"},
                            headers={**api.headers(), "If-Match": raw})  # type: ignore[dict-item]


@pytest.mark.parametrize("tag", ['"1180591620717411303424"', '"9223372036854775808"', '"0"'])
def test_an_if_match_no_version_can_have_is_a_failed_precondition(
        api: Api, tag: str) -> None:
    product = api.product("TEE")
    refused(api, lambda: _patch_product(api, product["id"], tag), 412, "precondition-failed")
    assert api.ok(api.get(f"/products/{product['id']}"))["name"] == product["name"]


@pytest.mark.parametrize("tag", ['"²"', '"①"', '"1x"', '"-1"', "W/"])
def test_an_if_match_that_is_not_a_version_is_refused(api: Api, tag: str) -> None:
    product = api.product("TEE")
    refused(api, lambda: _patch_product(api, product["id"], tag), 422, "validation-error",
            "If-Match")
    assert api.ok(api.get(f"/products/{product['id']}"))["name"] == product["name"]


@pytest.mark.parametrize("tag", ['"1"', 'W/"1"', "1"])
def test_an_if_match_naming_the_current_version_updates(api: Api, tag: str) -> None:
    product = api.product("TEE")
    assert api.ok(_patch_product(api, product["id"], tag))["name"] == "Renamed"


# --- 3. CSV: digits that are not ASCII, huge numbers and fields --------------------------------

def _import(api: Api, csv: str) -> Response:
    return api.client.post("/api/v1/inventory/imports", content=csv.encode(),
                           params={"dry_run": "false"},
                           headers={**api.headers(), "Content-Type": "text/csv"})


@pytest.mark.parametrize("cell, code", [
    ("²", "not_integer"), ("①", "not_integer"), ("٣", "not_integer"),
    (str(2**63), "too_large"), ("1000001", "too_large"), ("9" * 30, "not_integer")])
def test_a_csv_quantity_that_is_not_a_bounded_ascii_number_is_refused(
        api: Api, shop: dict[str, Any], cell: str, code: str) -> None:
    doc = refused(api, lambda: _import(api, f"sku,location,on_hand\nTEE,WH1,{cell}\n"), 422,
                  "validation-error", "rows[2].on_hand")
    assert [e["code"] for e in doc["errors"]] == [code]


def test_a_csv_with_a_200_kb_field_is_refused(api: Api, shop: dict[str, Any]) -> None:
    csv = "sku,location,on_hand\n" + "T" * 200_000 + ",WH1,5\n"
    refused(api, lambda: _import(api, csv), 422, "validation-error")


def test_a_csv_with_a_long_field_is_refused_on_its_row(api: Api, shop: dict[str, Any]) -> None:
    csv = "sku,location,on_hand\nTEE,WH1,5\n" + "T" * 5000 + ",WH1,5\n"
    doc = refused(api, lambda: _import(api, csv), 422, "validation-error", "rows[3].row")
    assert [e["code"] for e in doc["errors"]] == ["too_long"]


def test_a_valid_csv_still_applies(api: Api, shop: dict[str, Any]) -> None:
    result = api.ok(_import(api, "sku,location,on_hand\nTEE,WH1,60\n"))
    assert result["applied"] is True
    assert api.level("TEE", shop["wh"]["id"])["on_hand"] == 60


# --- 4. NUL characters ----------------------------------------------------------------------

def test_a_nul_in_a_json_body_is_refused(api: Api) -> None:
    body = {"name": "a\u0000b", "addresses": []}
    refused(api, lambda: api.post("/customers", body), 422, "validation-error", "name")


def test_a_nul_in_a_nested_field_or_a_free_form_parameter_is_refused(
        api: Api, shop: dict[str, Any]) -> None:
    body = api.order_body(shop["customer"]["id"], [("TE\u0000E", 1)])
    refused(api, lambda: api.post("/orders", body), 422, "validation-error", "lines[0].sku")
    rule = {"kind": "country_not_served", "parameters": {"countries": ["I\u0000D"]}}
    refused(api, lambda: api.post("/hold-rules", rule), 422, "validation-error", "parameters")


@pytest.mark.parametrize("path", ["/orders/ab%00cd", "/products/%00", "/returns/x%00/approve"])
def test_a_nul_in_a_path_is_not_found(api: Api, shop: dict[str, Any], path: str) -> None:
    send = (lambda: api.post(path, {})) if path.endswith("approve") else (lambda: api.get(path))
    refused(api, send, 404, "not-found")


@pytest.mark.parametrize("query", ["customer_id=a%00b", "sku=%00", "cursor=%00",
                                   "q=x%00"])
def test_a_nul_in_a_query_is_refused(api: Api, shop: dict[str, Any], query: str) -> None:
    path = "/products" if query.startswith(("sku", "q")) else "/orders"
    refused(api, lambda: api.client.get(f"/api/v1{path}?{query}", headers=api.headers()),
            422, "validation-error", "query")


def test_a_nul_in_the_console_path_is_not_found(api: Api) -> None:
    assert api.client.get("/orders/ab%00cd").status_code == 404


def test_a_nul_in_a_csv_is_refused(api: Api, shop: dict[str, Any]) -> None:
    doc = refused(api, lambda: _import(api, "sku,location,on_hand\nTE\x00E,WH1,5\n"), 422,
                  "validation-error", "csv")
    assert "NUL" in doc["errors"][0]["message"]


def test_a_nul_in_a_csv_imported_directly_is_a_file_problem(
        container: Container) -> None:
    # The CLI reads a file and calls the service itself, without the API's schema.
    with container.engine.begin() as conn:
        result = imports.import_stock(conn, "sku,location,on_hand\nTE\x00E,WH1,5\n",
                                      dry_run=True)
    assert [e["code"] for e in result["file_errors"]] == ["nul_character"]


# --- 5. quantities are JSON integers ---------------------------------------------------------

@pytest.mark.parametrize("quantity", ["2", True, 2.0, "1e3"])
def test_an_order_quantity_that_is_not_a_json_integer_is_refused(
        api: Api, shop: dict[str, Any], quantity: Any) -> None:
    body = {"channel": "web", "customer_id": shop["customer"]["id"],
            "lines": [{"sku": "TEE", "quantity": quantity}]}
    refused(api, lambda: api.post("/orders", body), 422, "validation-error",
            "lines[0].quantity")


@pytest.mark.parametrize("path, body", [
    ("/inventory/adjustments", {"sku": "TEE", "quantity": "5", "reason": "count"}),
    ("/inventory/quarantine", {"sku": "TEE", "quantity": True, "reason": "damaged"}),
    ("/inventory/counts", {"lines": [{"sku": "TEE", "counted": "7"}]}),
])
def test_stock_quantities_that_are_not_json_integers_are_refused(
        api: Api, shop: dict[str, Any], path: str, body: dict[str, Any]) -> None:
    refused(api, lambda: api.post(path, {**body, "location_id": shop["wh"]["id"]}), 422,
            "validation-error")


# --- 8. emails --------------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["ada@shop.test", "ada@demo.pesanan.local", "ada@example.org",
                                   "ada@example.com"])
def test_a_customer_email_on_a_special_use_domain_is_accepted(api: Api, email: str) -> None:
    customer = api.customer(email=email)
    assert customer["email"] == email


def test_a_supplier_email_on_a_local_domain_is_accepted(api: Api) -> None:
    sup = api.ok(api.post("/suppliers", {"name": "Mint", "currency": "USD",
                                         "email": "buyer@mint.local"}), 201)
    assert sup["email"] == "buyer@mint.local"


@pytest.mark.parametrize("email", ["ada", "ada@", "@shop.test", "ada@@shop.test", "a b@shop.test"])
def test_a_malformed_email_is_refused(api: Api, email: str) -> None:
    body = {"name": "Ada", "email": email}
    refused(api, lambda: api.post("/customers", body), 422, "validation-error", "email")


# --- 9. replenish reads its body --------------------------------------------------------------

def _reorder_setup(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    api.product("MUG", price="5.00", standard_cost="2.00")
    wh1, wh2 = api.location("WH1"), api.location("WH2")
    sup = api.ok(api.post("/suppliers", {"name": "Mugs Ltd", "currency": "USD"}), 201)
    api.ok(api.post("/supplier-offers", {"supplier_id": sup["id"], "sku": "MUG",
                                         "price": "2.10", "currency": "USD",
                                         "lead_time_days": 2}), 201)
    for wh in (wh1, wh2):
        api.ok(api.post("/reorder-rules", {"sku": "MUG", "location_id": wh["id"],
                                           "reorder_point": 5, "reorder_qty": 12}))
    return wh1, wh2


@pytest.mark.parametrize("body, field", [
    ({"location_id": "nope", "bogus": 1}, "bogus"),
    ({"location_id": "nope"}, "location_id"),
    ({"location_id": ""}, "location_id"),
])
def test_replenish_refuses_unknown_fields_and_locations_and_drafts_nothing(
        api: Api, body: dict[str, Any], field: str) -> None:
    _reorder_setup(api)
    refused(api, lambda: api.post("/purchase-orders/replenish", body), 422,
            "validation-error", field)
    assert api.ok(api.get("/purchase-orders"))["items"] == []


def test_replenish_with_a_location_drafts_only_there(api: Api) -> None:
    wh1, wh2 = _reorder_setup(api)
    drafted = api.ok(api.post("/purchase-orders/replenish", {"location_id": wh2["id"]}))
    assert [po["location_id"] for po in drafted["items"]] == [wh2["id"]]
    rest = api.ok(api.post("/purchase-orders/replenish"))
    assert [po["location_id"] for po in rest["items"]] == [wh1["id"]]


# --- the rest of the API: free-form amounts, timestamps in bodies ------------------------------

@pytest.mark.parametrize("limit", ["1e30", "99999999999999999999", "1e999999"])
def test_a_hold_limit_past_the_money_column_is_refused(api: Api, limit: str) -> None:
    rule = {"kind": "order_total_above", "parameters": {"limits": {"USD": limit}}}
    refused(api, lambda: api.post("/hold-rules", rule), 422, "validation-error",
            "parameters.limits.USD")


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-01:00", "2026-12-24T10:00:00"])
def test_a_purchase_order_date_out_of_range_or_without_a_zone_is_refused(
        api: Api, when: str) -> None:
    api.product("GOLD")
    wh = api.location("WH9")
    sup = api.ok(api.post("/suppliers", {"name": "Mint", "currency": "USD"}), 201)
    body = {"supplier_id": sup["id"], "location_id": wh["id"], "expected_at": when,
            "lines": [{"sku": "GOLD", "quantity": 1, "unit_cost": "1.00"}]}
    refused(api, lambda: api.post("/purchase-orders", body), 422, "validation-error",
            "expected_at")
