"""Auto-replenish (the scheduled job `purchasing.replenish`): draft purchase orders as
`replenish` does, then submit at once those the shop lets go without a buyer's look — a total
under the amount it set, in that amount's currency. Larger ones stay drafts for a person.

Idempotent by the reorder rule itself: a drafted order counts as incoming, so a second run finds
nothing below its reorder point and drafts nothing. Drafting and submitting are one transaction,
so a crash leaves either nothing or the drafts with their submissions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from pesanan.core.actor import Actor
from pesanan.core.money import Money
from pesanan.purchasing.lifecycle import submit_purchase_order
from pesanan.purchasing.service import replenish


def submits(po: dict[str, Any], under: Money | None) -> bool:
    return (under is not None and po["currency"] == under.currency
            and Decimal(po["total"]) < under.amount)


def auto_replenish(conn: Connection, actor: Actor, submit_under: Money | None
                   ) -> dict[str, Any]:
    drafted = replenish(conn, actor)
    submitted = [submit_purchase_order(conn, po["id"], actor)["number"]
                 for po in drafted["items"] if submits(po, submit_under)]
    return {"drafted": [po["number"] for po in drafted["items"]], "submitted": submitted,
            "unsourced": [x["sku"] for x in drafted["unsourced"]]}
