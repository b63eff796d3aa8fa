"""The one search box: each kind of thing is found by what a person types for it, exact
matches first, grouped, bounded; each group only for a role that may read it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.factories import Api
from tests.lists.helpers import delivered, rma_for, shop
from tests.web.helpers import login


@pytest.fixture
def world(api: Api) -> dict[str, Any]:
    s = shop(api)
    order = api.order(s["ada"]["id"], [("TEH-HIJAU", 2)])
    other = api.order(s["budi"]["id"], [("KOPI-BALI", 1)])
    invoice = api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    shipped = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": "JNE-7788-ID"}), 201)
    supplier = api.ok(api.post("/suppliers", {"name": "Kebun Teh", "currency": "USD"}), 201)
    po = api.ok(api.post("/purchase-orders", {
        "supplier_id": supplier["id"], "location_id": s["wh"]["id"],
        "lines": [{"sku": "TEH-HIJAU", "quantity": 10, "unit_cost": "4.00"}]}), 201)
    return {**s, "order": order, "other": other, "invoice": invoice, "po": po,
            "shipment": shipped["items"][0]}


def _find(api: Api, q: str, role: str = "admin") -> dict[str, list[dict[str, Any]]]:
    found = api.ok(api.get("/search", role=role, q=q))
    assert found["query"] == q.strip()
    return {g["kind"]: g["items"] for g in found["groups"]}


def test_an_order_is_found_by_its_number_typed_any_way(api: Api, world: dict[str, Any]
                                                       ) -> None:
    number = world["order"]["number"]  # SO-000001
    digits = number.removeprefix("SO-")
    for typed in (number, number.lower(), digits, digits.lstrip("0"), f"  {number} "):
        hits = _find(api, typed)["order"]
        assert [h["id"] for h in hits] == [world["order"]["id"]], typed
        assert hits[0]["href"] == f"/orders/{world['order']['id']}"
        assert hits[0]["exact"] is True


def test_an_invoice_is_found_by_its_number(api: Api, world: dict[str, Any]) -> None:
    number = world["invoice"]["number"]

    hits = _find(api, number)["invoice"]

    assert [(h["id"], h["label"], h["exact"]) for h in hits] == \
        [(world["invoice"]["id"], number, True)]
    assert _find(api, number.lower())["invoice"][0]["id"] == world["invoice"]["id"]


def test_a_customer_is_found_by_email_name_and_phone_the_exact_email_first(
        api: Api, world: dict[str, Any]) -> None:
    ada = world["ada"]["id"]
    by_email = _find(api, "ada@example.com")["customer"]
    assert by_email[0]["id"] == ada and by_email[0]["exact"] is True
    assert [h["id"] for h in _find(api, "lovelace")["customer"]] == [ada]
    # "example.com" is in every customer's email: all three, none exact.
    assert len(_find(api, "example.com")["customer"]) == 3
    assert not any(h["exact"] for h in _find(api, "example.com")["customer"])


def test_a_product_is_found_by_sku_and_by_name(api: Api, world: dict[str, Any]) -> None:
    by_sku = _find(api, "teh-hijau")["product"]
    assert [(h["label"], h["exact"]) for h in by_sku] == [("TEH-HIJAU", True)]
    assert by_sku[0]["href"] == "/inventory/history?sku=TEH-HIJAU"
    assert [h["label"] for h in _find(api, "Product KOPI")["product"]] == ["KOPI-BALI"]


def test_a_shipment_is_found_by_its_tracking_number_and_links_its_order(
        api: Api, world: dict[str, Any]) -> None:
    hits = _find(api, "JNE-7788-ID")["shipment"]

    assert [(h["id"], h["exact"], h["href"]) for h in hits] == \
        [(world["shipment"]["id"], True, f"/orders/{world['order']['id']}")]
    assert world["order"]["number"] in hits[0]["detail"]
    assert _find(api, "JNE-7788")["shipment"][0]["exact"] is False  # a prefix, not exact


def test_a_purchase_order_is_found_by_its_number(api: Api, world: dict[str, Any]) -> None:
    hits = _find(api, world["po"]["number"])["purchase_order"]

    assert [h["id"] for h in hits] == [world["po"]["id"]]


def test_each_group_is_bounded_and_exact_groups_come_first(api: Api, world: dict[str, Any]
                                                          ) -> None:
    for n in range(7):
        api.customer(f"Pelanggan {n}", f"pelanggan{n}@example.com")

    assert len(_find(api, "pelanggan")["customer"]) == 5
    assert len(api.ok(api.get("/search", q="pelanggan", limit=2))["groups"][0]["items"]) == 2
    groups = api.ok(api.get("/search", q="1"))["groups"]  # SO-000001 exactly, PO-000001 too
    assert [g["kind"] for g in groups][:2] == ["order", "purchase_order"]


def test_a_role_sees_only_the_groups_it_may_read(api: Api, world: dict[str, Any]) -> None:
    number = world["invoice"]["number"]
    assert "invoice" in _find(api, number, role="clerk")
    assert "invoice" not in _find(api, number, role="warehouse")  # no billing:read
    assert "customer" not in _find(api, "ada@example.com", role="warehouse")


def test_nothing_typed_or_nothing_matching_finds_nothing(api: Api, world: dict[str, Any]
                                                        ) -> None:
    assert _find(api, "") == {}
    assert _find(api, "zzz-no-such-thing") == {}
    assert _find(api, "%") == {}  # a wildcard is a character here, not "anything"
    assert api.get("/search", q="x" * 101).status_code == 422


def test_the_console_search_page_groups_the_hits_with_links(
        api: Api, world: dict[str, Any], client: TestClient, container: Container) -> None:
    login(client, container, "admin")

    html = client.get("/search", params={"q": world["order"]["number"]}).text
    assert 'id="found-order"' in html
    assert f'href="/orders/{world["order"]["id"]}"' in html
    home = client.get("/orders").text
    assert 'action="/search"' in home  # the box in the header
    empty = client.get("/search", params={"q": "zzz-no-such-thing"}).text
    assert 'id="found-nothing"' in empty
    assert not re.search(r'id="found-\w+"', empty.replace('id="found-nothing"', ""))


def test_a_return_is_found_by_its_number_or_its_start(api: Api) -> None:
    s = shop(api)
    rma = rma_for(api, delivered(api, s["ada"]["id"], "TEH-HIJAU", 1))

    exact = _find(api, rma["number"].lower())["return"]
    start = _find(api, rma["number"][:8])["return"]  # "RMA-2026"

    assert [(h["id"], h["exact"]) for h in exact] == [(rma["id"], True)]
    assert [(h["id"], h["exact"]) for h in start] == [(rma["id"], False)]
