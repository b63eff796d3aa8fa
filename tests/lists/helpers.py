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
