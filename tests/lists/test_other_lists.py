"""The other lists' CSV: customers, stock, a SKU's movements, the journal, purchase orders,
returns and the fulfilment queue — each with exactly the rows its page's filters match — and
the sortable ones (customers, purchase orders, returns) both ways."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient

from pesanan.bootstrap import Container
from tests.factories import Api
from tests.lists.helpers import delivered, rma_for, rows_of, shop
from tests.web.helpers import login


def test_the_customers_csv_matches_the_search_and_sorts_by_name(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    api.order(s["ada"]["id"], [("TEH-HIJAU", 2)])
    login(client, container, "clerk")

    found = rows_of(client.get("/customers", params={"q": "ada", "format": "csv"}))
    by_name = rows_of(client.get("/customers", params={"format": "csv", "sort": "name",
                                                       "dir": "asc"}))
    back = rows_of(client.get("/customers", params={"format": "csv", "sort": "name",
                                                    "dir": "desc"}))

    assert [(r["name"], r["email"], r["order_count"]) for r in found] == \
        [("Ada Lovelace", "ada@example.com", "1")]
    assert found[0]["lifetime_value"] == "USD 27.17"  # 2 x 12.35 + 10 % tax
    assert found[0]["created_at_utc"].endswith("Z")
    names = [r["name"] for r in by_name]
    assert names == sorted(names) and len(names) == 3
    assert [r["name"] for r in back] == list(reversed(names))
    assert "'=HYPERLINK(" in next(r["name"] for r in by_name if "HYPERLINK" in r["name"])
    page = client.get("/customers", params={"sort": "name", "dir": "asc"}).text
    ids = re.findall(r'<a href="/customers/([^"]+)">', page)
    assert ids == [r["id"] for r in by_name]  # the page in the CSV's order


def test_the_stock_csv_has_the_filtered_levels(api: Api, client: TestClient,
                                               container: Container) -> None:
    s = shop(api)
    api.order(s["ada"]["id"], [("TEH-HIJAU", 4)])
    login(client, container, "warehouse")

    rows = rows_of(client.get("/inventory", params={"q": "teh", "format": "csv"}))

    assert [(r["sku"], r["location_code"], r["on_hand"], r["reserved"], r["available"])
            for r in rows] == [("TEH-HIJAU", "WH-LIST", "500", "4", "496")]
    assert set(rows[0]) >= {"incoming", "quarantined", "in_transit"}


def test_the_movements_csv_lists_every_movement_of_the_sku(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    api.stock("KOPI-BALI", s["wh"]["id"], -3, reason="-broken in transit")
    login(client, container, "warehouse")

    rows = rows_of(client.get("/inventory/history", params={"sku": "KOPI-BALI",
                                                            "format": "csv"}))

    assert [(r["sku"], r["quantity"], r["reason"]) for r in rows] == [
        ("KOPI-BALI", "-3", "'-broken in transit"), ("KOPI-BALI", "500", "opening count")]
    assert {r["location_code"] for r in rows} == {"WH-LIST"}
    assert client.get("/inventory/history", params={"sku": "NOPE", "format": "csv"}
                      ).status_code == 422


def test_the_journal_csv_has_one_balanced_row_per_line_of_the_filtered_entries(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    order = api.order(s["ada"]["id"], [("TEH-HIJAU", 1)])
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    login(client, container, "accountant")

    rows = rows_of(client.get("/ledger/entries", params={"source_type": "invoice",
                                                         "format": "csv"}))
    everything = rows_of(client.get("/ledger/entries", params={"format": "csv"}))

    assert {r["source_type"] for r in rows} == {"invoice"}
    assert {r["order_number"] for r in rows} == {order["number"]}
    assert sum(Decimal(r["debit"]) for r in rows) == sum(Decimal(r["credit"]) for r in rows) \
        == Decimal("13.59")
    api_lines = [x for e in api.ok(api.get("/ledger/entries", limit=250))["items"]
                 for x in e["lines"]]
    assert len(everything) == len(api_lines) > len(rows)
    unknown = client.get("/ledger/entries", params={"order": "SO-999999", "format": "csv"})
    assert unknown.status_code == 422


def test_the_purchase_orders_csv_and_its_sort(api: Api, client: TestClient,
                                              container: Container) -> None:
    s = shop(api)
    supplier = api.ok(api.post("/suppliers", {"name": "Kebun Teh", "currency": "USD"}), 201)
    pos = [api.ok(api.post("/purchase-orders", {
        "supplier_id": supplier["id"], "location_id": s["wh"]["id"],
        "lines": [{"sku": "TEH-HIJAU", "quantity": q, "unit_cost": "4.05"}]}), 201)
        for q in (10, 3, 7)]
    login(client, container, "warehouse")

    up = rows_of(client.get("/purchasing", params={"format": "csv", "sort": "total",
                                                   "dir": "asc"}))
    down = rows_of(client.get("/purchasing", params={"format": "csv", "sort": "total"}))

    assert [r["total"] for r in up] == ["12.15", "28.35", "40.50"]
    assert [r["total"] for r in down] == ["40.50", "28.35", "12.15"]
    assert up[0]["lines"] == "3x TEH-HIJAU @ 4.05"
    assert {(r["currency"], r["location_code"], r["supplier_name"]) for r in up} == \
        {("USD", "WH-LIST", "Kebun Teh")}
    html = client.get("/purchasing", params={"sort": "total", "dir": "asc"}).text
    assert re.findall(r'>(PO-\d{6})</a>', html) == [r["number"] for r in up]
    assert {p["number"] for p in pos} == {r["number"] for r in up}


def test_the_returns_csv_matches_the_status_filter_and_sorts(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    a = rma_for(api, delivered(api, s["ada"]["id"], "TEH-HIJAU", 2))
    b = rma_for(api, delivered(api, s["budi"]["id"], "KOPI-BALI", 1))
    api.ok(api.post(f"/returns/{b['id']}/reject", {"reason": "@worn"}))
    login(client, container, "clerk")

    rejected = rows_of(client.get("/returns", params={"status": "rejected",
                                                      "format": "csv"}))
    by_number = rows_of(client.get("/returns", params={"format": "csv", "sort": "number",
                                                       "dir": "asc"}))

    assert [(r["number"], r["customer_name"], r["decision_note"]) for r in rejected] == \
        [(b["number"], "Budi Santoso", "'@worn")]
    assert [r["number"] for r in by_number] == sorted([a["number"], b["number"]])
    api_rejected = api.ok(api.get("/returns", status="rejected"))["items"]
    assert [x["number"] for x in api_rejected] == [r["number"] for r in rejected]


def test_the_fulfilment_csv_matches_the_status_filter(
        api: Api, client: TestClient, container: Container) -> None:
    s = shop(api)
    shipped = delivered(api, s["ada"]["id"], "TEH-HIJAU", 1)
    waiting = api.order(s["budi"]["id"], [("KOPI-BALI", 2)])
    login(client, container, "warehouse")

    everything = rows_of(client.get("/fulfilment", params={"format": "csv"}))
    statuses = {r["order_number"]: r["status"] for r in everything}
    open_rows = rows_of(client.get("/fulfilment", params={"status": statuses[
        waiting["number"]], "format": "csv"}))

    assert set(statuses) == {shipped["number"], waiting["number"]}
    assert [r["order_number"] for r in open_rows] == [waiting["number"]]
    assert (open_rows[0]["units"], open_rows[0]["units_shipped"]) == ("2", "0")
