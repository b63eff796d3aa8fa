"""Shared by the list tests: a small shop with orders, and reading a CSV answer."""

from __future__ import annotations

import csv
import io
from typing import Any

from httpx import Response

from tests.factories import Api


def rows_of(resp: Response) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(resp.content.decode("utf-8"))))


def shop(api: Api) -> dict[str, Any]:
    """Two products (one priced in cents that must stay exact), stock, three customers."""
    api.product("TEH-HIJAU", price="12.35", tax_rate="0.10")
    api.product("KOPI-BALI", price="99.99", tax_rate="0.00")
    wh = api.location("WH-LIST")
    api.stock("TEH-HIJAU", wh["id"], 500)
    api.stock("KOPI-BALI", wh["id"], 500)
    return {
        "wh": wh,
        "ada": api.customer("Ada Lovelace", "ada@example.com"),
        "evil": api.customer("=HYPERLINK(\"http://evil.example\",\"click\")",
                             "evil@example.com"),
        "budi": api.customer("Budi Santoso", "budi@example.com"),
    }


def delivered(api: Api, customer_id: str, sku: str, n: int) -> dict[str, Any]:
    order = api.order(customer_id, [(sku, n)])
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    shipped = api.ok(api.post(f"/orders/{order['id']}/shipments", {
        "carrier": "JNE", "service": "parcel", "tracking_number": f"T{order['number']}"}), 201)
    for s in shipped["items"]:
        api.ok(api.post(f"/shipments/{s['id']}/deliver"))
    return api.ok(api.get(f"/orders/{order['id']}"))


def rma_for(api: Api, order: dict[str, Any]) -> dict[str, Any]:
    return api.ok(api.post("/returns", {"order_id": order["id"], "lines": [
        {"order_line_id": order["lines"][0]["id"], "quantity": 1, "reason": "=cmd|' /C calc'!A0"}
    ]}), 201)
