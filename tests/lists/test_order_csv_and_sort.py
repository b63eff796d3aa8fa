"""The orders list: its CSV has exactly the rows its filters match (every page of them), exact
amounts and UTC times; the columns sort both ways; an unknown sort is ignored."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from pesanan.analytics import export
from pesanan.bootstrap import Container
from tests.factories import Api
from tests.lists.helpers import rows_of, shop
from tests.web.helpers import login


def _numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/orders/[^"]+">(SO-\d{6})</a>', html)


def test_the_orders_csv_has_exactly_the_filtered_rows_over_several_pages(
        api: Api, client: TestClient, container: Container,
        monkeypatch: pytest.MonkeyPatch) -> None:
    s = shop(api)
    keyed = {"keyed_by": "Sari", "keyed_at_location_id": s["wh"]["id"]}
    phone = [api.order(s["ada"]["id"], [("TEH-HIJAU", n)], channel="phone", **keyed)
             for n in (1, 2, 3)]
    api.order(s["budi"]["id"], [("KOPI-BALI", 1)], channel="web")
    api.order(s["ada"]["id"], [("KOPI-BALI", 2)], channel="web")
    monkeypatch.setattr(export, "EXPORT_PAGE", 2)  # three rows take two pages
    login(client, container, "admin")

    resp = client.get("/orders", params={"channel": "phone", "format": "csv"})

    rows = rows_of(resp)
    today = datetime.now(UTC).strftime("%Y%m%d")
    assert resp.headers["content-disposition"] == f'attachment; filename="orders-{today}.csv"'
    assert [r["number"] for r in rows] == [o["number"] for o in reversed(phone)]
    api_rows = api.ok(api.get("/orders", channel="phone"))["items"]
    assert [r["number"] for r in rows] == [o["number"] for o in api_rows]
    assert _numbers(client.get("/orders", params={"channel": "phone"}).text) == \
        [r["number"] for r in rows]
    first = rows[-1]  # one TEH-HIJAU at 12.35 + 10 % tax
    assert (first["subtotal"], first["tax_total"], first["total"], first["currency"]) == \
        ("12.35", "1.24", "13.59", "USD")
    assert sum(Decimal(r["total"]) for r in rows) == sum(Decimal(o["total"]) for o in phone)
    assert first["placed_at_utc"] == phone[0]["placed_at"]
    assert first["placed_at_utc"].endswith("Z")
    assert first["customer_name"] == "Ada Lovelace"


def test_a_formula_in_a_customer_name_is_written_as_text(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    api.order(s["evil"]["id"], [("TEH-HIJAU", 1)])
    login(client, container, "admin")

    rows = rows_of(client.get("/orders", params={"format": "csv"}))

    assert rows[0]["customer_name"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"


def test_a_role_that_cannot_read_billing_gets_no_amount_columns(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    api.order(s["ada"]["id"], [("TEH-HIJAU", 1)])
    login(client, container, "warehouse")

    rows = rows_of(client.get("/orders", params={"format": "csv"}))

    assert len(rows) == 1
    assert not {"subtotal", "tax_total", "total", "amount_paid", "balance_due"} & set(rows[0])
    assert rows[0]["status"] == "open"


def test_orders_sort_by_total_both_ways_and_page_through_ties(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    made = [api.order(s["ada"]["id"], [("TEH-HIJAU", n)]) for n in (3, 1, 2, 1, 3)]
    login(client, container, "admin")
    by_total = sorted(made, key=lambda o: (Decimal(o["total"]), o["id"]))

    up = _numbers(client.get("/orders", params={"sort": "total", "dir": "asc"}).text)
    down = _numbers(client.get("/orders", params={"sort": "total", "dir": "desc"}).text)
    csv_up = [r["number"] for r in rows_of(client.get(
        "/orders", params={"sort": "total", "dir": "asc", "format": "csv"}))]

    assert up == [o["number"] for o in by_total]
    assert down == [o["number"] for o in reversed(by_total)]
    assert csv_up == up


def test_the_sorted_cursor_pages_through_equal_values_without_losing_a_row(
        api: Api, client: TestClient, container: Container,
        monkeypatch: pytest.MonkeyPatch) -> None:
    s = shop(api)
    made = [api.order(s["ada"]["id"], [("TEH-HIJAU", n)]) for n in (2, 1, 2, 2, 1)]
    monkeypatch.setattr(export, "EXPORT_PAGE", 2)  # pages break inside runs of equal totals
    login(client, container, "admin")

    numbers = [r["number"] for r in rows_of(client.get(
        "/orders", params={"sort": "total", "dir": "desc", "format": "csv"}))]

    expected = sorted(made, key=lambda o: (Decimal(o["total"]), o["id"]), reverse=True)
    assert numbers == [o["number"] for o in expected]


def test_an_unknown_sort_column_is_ignored_and_reaches_no_sql(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    made = [api.order(s["ada"]["id"], [("TEH-HIJAU", n)]) for n in (1, 3, 2)]
    login(client, container, "admin")

    for sort in ("customer_id; DROP TABLE sales_order", "note", "id"):
        resp = client.get("/orders", params={"sort": sort, "dir": "asc"})
        assert resp.status_code == 200
        assert _numbers(resp.text) == [o["number"] for o in reversed(made)]  # newest first
    assert len(api.ok(api.get("/orders"))["items"]) == 3


def test_the_sort_headers_link_the_other_direction_and_keep_the_filters(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    api.order(s["ada"]["id"], [("TEH-HIJAU", 1)], channel="phone", keyed_by="Sari",
              keyed_at_location_id=s["wh"]["id"])
    login(client, container, "admin")

    html = client.get("/orders", params={"channel": "phone", "sort": "total",
                                         "dir": "desc"}).text

    assert 'href="/orders?channel=phone&amp;sort=total&amp;dir=asc"' in html
    assert 'href="/orders?channel=phone&amp;sort=placed_at&amp;dir=desc"' in html
    assert 'href="/orders?channel=phone&amp;sort=total&amp;dir=desc&amp;format=csv"' in html


def test_the_api_answers_every_matching_order_as_csv_when_asked_for_text_csv(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    s = shop(api)
    web = [api.order(s["ada"]["id"], [("TEH-HIJAU", n)]) for n in (1, 2, 3)]
    api.order(s["budi"]["id"], [("KOPI-BALI", 1)], channel="phone", keyed_by="Sari",
              keyed_at_location_id=s["wh"]["id"])
    monkeypatch.setattr(export, "EXPORT_PAGE", 2)
    headers = {**api.headers("clerk"), "Accept": "text/csv"}

    resp = api.client.get("/api/v1/orders", params={"channel": "web", "limit": 1},
                          headers=headers)

    rows = rows_of(resp)
    as_json = api.ok(api.get("/orders", role="clerk", channel="web"))["items"]
    assert [r["number"] for r in rows] == [o["number"] for o in as_json] == \
        [o["number"] for o in reversed(web)]  # all of them: limit is for pages
    assert [(r["total"], r["currency"], r["placed_at_utc"]) for r in rows] == \
        [(o["total"], o["currency"], o["placed_at"]) for o in as_json]
    bad = api.client.get("/api/v1/orders", params={"created_at_min": "soon"}, headers=headers)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


def test_the_api_answers_the_invoices_as_csv(api: Api) -> None:
    s = shop(api)
    order = api.order(s["ada"]["id"], [("KOPI-BALI", 3)])
    inv = api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)

    rows = rows_of(api.client.get("/api/v1/invoices", headers={
        **api.headers("accountant"), "Accept": "text/csv"}))

    assert [(r["number"], r["total"], r["amount_due"], r["issued_at_utc"]) for r in rows] == \
        [(inv["number"], "299.97", "299.97", inv["issued_at"])]


def test_time_and_text_sorts_page_through_every_row_and_a_forged_cursor_is_refused(
        api: Api, client: TestClient, container: Container,
        monkeypatch: pytest.MonkeyPatch) -> None:
    s = shop(api)
    made = [api.order(s["ada"]["id"], [("TEH-HIJAU", 1)]) for _ in range(5)]
    api.ok(api.post(f"/orders/{made[1]['id']}/cancel", {"reason": "changed mind"}))
    api.ok(api.post(f"/orders/{made[3]['id']}/cancel", {"reason": "changed mind"}))
    monkeypatch.setattr(export, "EXPORT_PAGE", 2)
    login(client, container, "admin")

    oldest_first = [r["number"] for r in rows_of(client.get(
        "/orders", params={"sort": "placed_at", "dir": "asc", "format": "csv"}))]
    by_status = [(r["status"], r["number"]) for r in rows_of(client.get(
        "/orders", params={"sort": "status", "dir": "asc", "format": "csv"}))]
    forged = client.get("/orders", params={"sort": "total", "cursor": "bm9wZQ"})

    assert oldest_first == [o["number"] for o in made]
    assert by_status == [("cancelled", made[1]["number"]), ("cancelled", made[3]["number"])] + \
        [("open", made[i]["number"]) for i in (0, 2, 4)]
    assert forged.status_code == 200
    assert "cursor" in forged.text.lower() and _numbers(forged.text) == []
