from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from pesanan.core.clock import rfc3339
from pesanan.events.models import outbox


def list_events(conn: Connection, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(outbox).where(outbox.c.sequence > after).order_by(outbox.c.sequence).limit(limit)
    ).mappings()
    return [
        {"id": r["id"], "type": r["type"], "occurred_at": rfc3339(r["occurred_at"]),
         "sequence": r["sequence"], "data": r["data"]}
        for r in rows
    ]
