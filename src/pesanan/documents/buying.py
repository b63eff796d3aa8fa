"""What the purchase order prints: the supplier, where to deliver, the lines at the agreed
cost and the total, as purchasing stored them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pesanan.catalog import queries as catalog
from pesanan.inventory import queries as inventory
from pesanan.purchasing import queries as purchasing


def purchase_order(conn: Connection, po_id: str) -> dict[str, Any]:
    po = purchasing.get_purchase_order(conn, po_id)
    names = {line["product_id"]: catalog.get_product(conn, line["product_id"])["name"]
             for line in po["lines"]}
    return {
        "po": po, "cur": po["currency"], "number": po["number"],
        "supplier": purchasing.get_supplier(conn, po["supplier_id"]),
        "location": inventory.get_location(conn, po["location_id"]),
        "lines": [{**line, "name": names[line["product_id"]]} for line in po["lines"]],
    }
