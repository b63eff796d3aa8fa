"""The dashboard's "today" is the shop's day: midnight to midnight in its time zone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from pesanan.analytics import queries as analytics
from pesanan.bootstrap import Container
from pesanan.orders.models import sales_order
from tests.factories import Api

NEW_YEAR_0200_UTC = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)  # 09:00 WIB on 1 January


def orders_placed_at(api: Api, container: Container, *moments: datetime) -> None:
    product = api.product(currency="IDR", price="10000.00")
    api.stock(product["sku"], api.location()["id"], 10)
    customer = api.customer()["id"]
    for at in moments:
        order = api.order(customer, [(product["sku"], 1)])
        with container.engine.begin() as conn:
            conn.execute(update(sales_order).where(sales_order.c.id == order["id"])
                         .values(placed_at=at))


def test_today_in_jakarta_starts_at_1700_utc_the_day_before(
        api: Api, container: Container) -> None:
    orders_placed_at(api, container,
                     datetime(2026, 12, 31, 16, 59, tzinfo=UTC),  # 23:59 WIB, last year
                     datetime(2026, 12, 31, 17, 0, tzinfo=UTC),  # 00:00 WIB, today
                     datetime(2027, 1, 1, 1, 0, tzinfo=UTC))  # 08:00 WIB, today
    api.ok(api.client.patch("/api/v1/shop", json={"time_zone": "Asia/Jakarta"},
                            headers=api.headers()))
    with container.engine.connect() as conn:
        today = analytics.today(conn, at=NEW_YEAR_0200_UTC)
    assert today["since"] == "2026-12-31T17:00:00Z"
    assert today["orders"] == 2 and today["revenue"] == {"IDR": "22000.00"}


def test_today_in_a_utc_shop_starts_at_utc_midnight(api: Api, container: Container) -> None:
    orders_placed_at(api, container, datetime(2026, 12, 31, 17, 0, tzinfo=UTC),
                     datetime(2027, 1, 1, 1, 0, tzinfo=UTC))
    with container.engine.connect() as conn:
        today = analytics.today(conn, at=NEW_YEAR_0200_UTC)
    assert today["since"] == "2027-01-01T00:00:00Z"
    assert today["orders"] == 1
