"""Reading what a job emitted, straight from the outbox (the consumers' API is not the point
of these tests)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pesanan.bootstrap import Container
from pesanan.events.models import outbox


def emitted(container: Container, type_: str) -> list[dict[str, Any]]:
    with container.engine.connect() as conn:
        rows = conn.execute(select(outbox.c.aggregate_id, outbox.c.data)
                            .where(outbox.c.type == type_).order_by(outbox.c.occurred_at,
                                                                    outbox.c.id))
        return [{"aggregate_id": r.aggregate_id, **r.data} for r in rows]
