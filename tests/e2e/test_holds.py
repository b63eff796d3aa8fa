"""Holds: automatic rules at placement, manual hold and release, the review queue, rule CRUD."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dbs import row_counts, snapshot
from tests.factories import Api


@pytest.fixture
def shop(api: Api) -> dict[str, Any]:
    api.product("TEE", price="20.00", tax_rate="0.10")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 50)
    return {"customer": api.customer(), "wh": wh}


def _rule(api: Api, kind: str, parameters: dict[str, Any], enabled: bool = True
          ) -> dict[str, Any]:
    return api.ok(api.post("/hold-rules", {"kind": kind, "parameters": parameters,
                                           "enabled": enabled}), 201)


def _address(country: str) -> dict[str, Any]:
    return {"name": "Ada", "line1": "1 Jalan", "city": "Kota", "country": country}


def _refused(api: Api, path: str, body: Any, status: int, problem: str,
             field: str | None = None, role: str = "admin") -> dict[str, Any]:
    api.key(role)
    before = snapshot(api.container.engine)
    resp = api.post(path, body, role=role)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    doc = resp.json()
    assert doc["type"] == f"/problems/{problem}"
    if field is not None:
        assert field in [e["field"] for e in doc["errors"]], doc
    assert snapshot(api.container.engine) == before
    return doc


def test_an_order_with_no_rule_enabled_is_open(api: Api, shop: dict[str, Any]) -> None:
    _rule(api, "order_total_above", {"limits": {"USD": "10.00"}}, enabled=False)
    order = api.order(shop["customer"]["id"], [("TEE", 2)])
    assert order["status"] == "open"
    assert api.ok(api.get("/holds"))["items"] == []


def test_an_order_above_the_total_limit_is_held_with_its_reason_and_keeps_its_stock(
        api: Api, shop: dict[str, Any]) -> None:
    rule = _rule(api, "order_total_above", {"limits": {"USD": "100.00", "IDR": "1000000"}})
    small = api.order(shop["customer"]["id"], [("TEE", 4)])  # 88.00
    big = api.order(shop["customer"]["id"], [("TEE", 5)])  # 110.00
    assert small["status"] == "open"
    assert big["status"] == "on_hold"
    level = api.level("TEE", shop["wh"]["id"])
    assert (level["on_hand"], level["reserved"]) == (50, 9)
    holds = api.ok(api.get(f"/orders/{big['id']}/holds"))["items"]
    assert [(h["kind"], h["rule_id"], h["status"]) for h in holds] == [
        ("order_total_above", rule["id"], "active")]
    assert "110.00 USD is above the limit 100.00" in holds[0]["reason"]
    kinds = [e["kind"] for e in api.ok(api.get(f"/orders/{big['id']}/timeline"))["items"]]
    assert kinds[:2] == ["order.placed", "order.held"]
    # A held order does not leave the warehouse.
    resp = api.post(f"/orders/{big['id']}/shipments",
                    {"carrier": "JNE", "service": "parcel", "tracking_number": "T1"})
    assert resp.status_code == 409, resp.text


def test_a_customer_over_its_credit_limit_is_held(api: Api, shop: dict[str, Any]) -> None:
    buyer = api.ok(api.post("/customers", {
        "name": "Toko", "email": "toko@example.com", "kind": "b2b",
        "payment_preference": "invoice", "credit_limit": "100.00", "credit_currency": "USD"}),
        201)
    assert buyer["credit_currency"] == "USD"
    api.product("KAOS", price="150000.00", currency="IDR")
    api.stock("KAOS", shop["wh"]["id"], 5)
    _rule(api, "credit_limit", {})
    first = api.order(buyer["id"], [("TEE", 4)])  # 88.00 of 100.00
    second = api.order(buyer["id"], [("TEE", 1)])  # 88 + 22 = 110 > 100
    other = api.order(shop["customer"]["id"], [("TEE", 10)])  # no limit: never held
    rupiah = api.order(buyer["id"], [("KAOS", 1)])  # a USD limit says nothing about IDR
    assert [first["status"], second["status"], other["status"], rupiah["status"]] == [
        "open", "on_hold", "open", "open"]
    reason = api.ok(api.get(f"/orders/{second['id']}/holds"))["items"][0]["reason"]
    assert "exposure 110.00 USD" in reason and "credit limit 100.00" in reason


def test_a_country_not_served_is_held_and_an_order_without_address_is_not(
        api: Api, shop: dict[str, Any]) -> None:
    _rule(api, "country_not_served", {"countries": ["ID", "SG"]})
    cid = shop["customer"]["id"]
    served = api.order(cid, [("TEE", 1)], shipping_address=_address("ID"))
    abroad = api.order(cid, [("TEE", 1)], shipping_address=_address("FR"))
    none = api.order(cid, [("TEE", 1)])
    assert [served["status"], abroad["status"], none["status"]] == ["open", "on_hold", "open"]


def test_the_third_order_within_the_window_is_held(api: Api, shop: dict[str, Any]) -> None:
    _rule(api, "order_velocity", {"orders": 3, "minutes": 10})
    cid = shop["customer"]["id"]
    statuses = [api.order(cid, [("TEE", 1)])["status"] for _ in range(4)]
    assert statuses == ["open", "open", "on_hold", "on_hold"]
    queue = api.ok(api.get("/holds"))["items"]
    assert len(queue) == 2
    assert "3 orders from this customer within 10 minutes" in queue[0]["reasons"][0]["reason"]


def test_two_rules_hit_give_two_reasons(api: Api, shop: dict[str, Any]) -> None:
    _rule(api, "order_total_above", {"limits": {"USD": "10.00"}})
    _rule(api, "country_not_served", {"countries": ["ID"]})
    order = api.order(shop["customer"]["id"], [("TEE", 1)], shipping_address=_address("FR"))
    queue = api.ok(api.get("/holds"))["items"]
    assert [q["order_id"] for q in queue] == [order["id"]]
    assert [r["kind"] for r in queue[0]["reasons"]] == ["order_total_above",
                                                       "country_not_served"]


def test_release_clears_the_reasons_and_the_order_can_ship(api: Api, shop: dict[str, Any]
                                                           ) -> None:
    _rule(api, "order_total_above", {"limits": {"USD": "10.00"}})
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    released = api.ok(api.post(f"/orders/{order['id']}/release", {"note": "called buyer"},
                               role="clerk"))
    assert released["status"] == "open"
    assert [(h["status"], h["resolution_note"]) for h in released["holds"]] == [
        ("released", "called buyer")]
    assert api.ok(api.get("/holds"))["items"] == []
    api.ok(api.post(f"/orders/{order['id']}/shipments",
                    {"carrier": "JNE", "service": "parcel", "tracking_number": "T1"}), 201)


def test_manual_hold_then_cancel_from_the_queue_releases_the_stock(
        api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 3)])
    held = api.ok(api.post(f"/orders/{order['id']}/hold", {"reason": "address looks odd"},
                           role="clerk"))
    assert held["status"] == "on_hold"
    assert [(h["kind"], h["reason"]) for h in held["holds"]] == [
        ("manual", "address looks odd")]
    queue = api.ok(api.get("/holds"))["items"]
    assert [q["number"] for q in queue] == [order["number"]]
    done = api.ok(api.post(f"/orders/{order['id']}/cancel-held", {"note": "fraud"}))
    assert done["status"] == "cancelled"
    assert [h["status"] for h in done["holds"]] == ["cancelled"]
    assert api.level("TEE", shop["wh"]["id"])["reserved"] == 0
    assert api.ok(api.get("/holds"))["items"] == []


def test_plain_cancel_of_a_held_order_resolves_its_holds(api: Api, shop: dict[str, Any]
                                                         ) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 3)])
    api.ok(api.post(f"/orders/{order['id']}/hold", {"reason": "check"}))
    api.ok(api.post(f"/orders/{order['id']}/cancel", {"reason": "buyer asked"}))
    holds = api.ok(api.get(f"/orders/{order['id']}/holds"))["items"]
    assert [(h["status"], h["resolution_note"]) for h in holds] == [("cancelled", "buyer asked")]


def test_the_queue_pages_oldest_first_with_a_cursor(api: Api, shop: dict[str, Any]) -> None:
    cid = shop["customer"]["id"]
    ids = []
    for _ in range(3):
        o = api.order(cid, [("TEE", 1)])
        api.ok(api.post(f"/orders/{o['id']}/hold", {"reason": "review"}))
        ids.append(o["id"])
    first = api.ok(api.get("/holds", limit=2))
    assert [x["order_id"] for x in first["items"]] == ids[:2]
    rest = api.ok(api.get("/holds", limit=2, cursor=first["next_cursor"]))
    assert [x["order_id"] for x in rest["items"]] == ids[2:]
    assert rest["next_cursor"] is None


def test_rule_crud_is_admin_only_and_a_disabled_rule_holds_nothing(
        api: Api, shop: dict[str, Any]) -> None:
    rule = _rule(api, "order_total_above", {"limits": {"USD": "10.00"}})
    assert api.get("/hold-rules", role="clerk").status_code == 403
    _refused(api, "/hold-rules", {"kind": "credit_limit", "parameters": {}}, 403, "forbidden",
             role="clerk")
    assert api.order(shop["customer"]["id"], [("TEE", 1)])["status"] == "on_hold"
    resp = api.client.patch(f"/api/v1/hold-rules/{rule['id']}", json={"enabled": False},
                            headers=api.headers())
    assert resp.status_code == 200, resp.text
    assert resp.json()["enabled"] is False
    assert api.order(shop["customer"]["id"], [("TEE", 1)])["status"] == "open"
    assert [r["enabled"] for r in api.ok(api.get("/hold-rules"))["items"]] == [False]


@pytest.mark.parametrize(("kind", "parameters", "field"), [
    ("order_total_above", {"limits": {"USD": "10.005"}}, "parameters.limits.USD"),
    ("order_total_above", {"limits": {"XYZ": "10"}}, "parameters.limits.XYZ"),
    ("order_total_above", {}, "parameters.limits"),
    ("country_not_served", {"countries": ["id"]}, "parameters.countries"),
    ("order_velocity", {"orders": 0, "minutes": 10}, "parameters.orders"),
    ("credit_limit", {"limit": "5"}, "parameters.limit"),
    ("fraud_score", {}, "kind"),
])
def test_bad_rule_parameters_are_refused(api: Api, kind: str, parameters: dict[str, Any],
                                         field: str) -> None:
    _refused(api, "/hold-rules", {"kind": kind, "parameters": parameters}, 422,
             "validation-error", field)


def test_holding_a_held_or_cancelled_order_is_refused(api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    api.ok(api.post(f"/orders/{order['id']}/hold", {"reason": "one"}))
    _refused(api, f"/orders/{order['id']}/hold", {"reason": "two"}, 409, "invalid-transition")
    api.ok(api.post(f"/orders/{order['id']}/cancel"))
    _refused(api, f"/orders/{order['id']}/release", {}, 409, "invalid-transition")
    _refused(api, f"/orders/{order['id']}/cancel-held", {"note": "x"}, 409,
             "invalid-transition")


def test_releasing_an_open_order_and_an_empty_reason_are_refused(
        api: Api, shop: dict[str, Any]) -> None:
    order = api.order(shop["customer"]["id"], [("TEE", 1)])
    _refused(api, f"/orders/{order['id']}/release", {}, 409, "invalid-transition")
    _refused(api, f"/orders/{order['id']}/hold", {"reason": " "}, 422, "validation-error",
             "reason")
    before = row_counts(api.container.engine)
    assert api.post("/orders/01900000-0000-7000-8000-000000000000/hold",
                    {"reason": "x"}).status_code == 404
    assert row_counts(api.container.engine) == before
