"""The console's order list takes its date filter as the shop's days: in Jakarta, 1 January
runs from 17:00 UTC on 31 December to 16:59:59.999999 UTC on 1 January."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import update

from pesanan.bootstrap import Container
from pesanan.orders.models import sales_order
from tests.factories import Api
from tests.web.helpers import login


def placed(api: Api, container: Container, at: datetime) -> str:
    product = api.product(currency="IDR", price="10000.00")
    api.stock(product["sku"], api.location()["id"], 5)
    order = api.order(api.customer()["id"], [(product["sku"], 1)])
    with container.engine.begin() as conn:
        conn.execute(update(sales_order).where(sales_order.c.id == order["id"])
                     .values(placed_at=at))
    return str(order["number"])


def listed(client: TestClient, day: str) -> str:
    resp = client.get(f"/orders?date_from={day}&date_to={day}")
    assert resp.status_code == 200
    return resp.text


def test_new_years_day_in_jakarta_holds_the_order_placed_at_1800_utc_on_31_december(
        api: Api, client: TestClient, container: Container) -> None:
    early = placed(api, container, datetime(2026, 12, 31, 18, 0, tzinfo=UTC))  # 01:00 WIB
    late = placed(api, container, datetime(2027, 1, 1, 17, 0, tzinfo=UTC))  # 00:00 WIB, 2 Jan
    login(client, container, "admin")
    utc_day = listed(client, "2027-01-01")
    assert early not in utc_day and late in utc_day
    api.ok(api.client.patch("/api/v1/shop", json={"time_zone": "Asia/Jakarta"},
                            headers=api.headers()))
    jakarta_day = listed(client, "2027-01-01")
    assert early in jakarta_day and late not in jakarta_day


def numbers(api: Api, path: str, **params: str) -> list[str]:
    return [o["number"] for o in api.ok(api.get(path, **params))["items"]]


def test_an_api_date_filter_is_the_shop_day_and_an_offset_is_kept(
        api: Api, container: Container) -> None:
    early = placed(api, container, datetime(2026, 12, 31, 18, 0, tzinfo=UTC))  # 01:00 WIB
    assert numbers(api, "/orders", created_at_min="2027-01-01") == []  # UTC shop: not yet
    api.ok(api.client.patch("/api/v1/shop", json={"time_zone": "Asia/Jakarta"},
                            headers=api.headers()))
    assert numbers(api, "/orders", created_at_min="2027-01-01") == [early]
    assert numbers(api, "/orders", created_at_min="2027-01-01T01:30:00") == []  # 18:30 UTC
    assert numbers(api, "/orders", created_at_min="2027-01-01T00:00:00Z") == []
    assert numbers(api, "/orders", created_at_max="2026-12-31T23:59:59") == []
    assert numbers(api, "/orders", created_at_max="2027-01-01T01:00:01") == [early]


def test_a_filter_before_year_one_in_utc_is_a_422_naming_it(api: Api) -> None:
    api.ok(api.client.patch("/api/v1/shop", json={"time_zone": "Asia/Jakarta"},
                            headers=api.headers()))
    for path in ("/orders", "/shipments", "/fulfilment-orders", "/returns"):
        resp = api.get(path, created_at_min="0001-01-01")
        assert resp.status_code == 422, (path, resp.text)
        assert [e["field"] for e in resp.json()["errors"]] == ["created_at_min"]
