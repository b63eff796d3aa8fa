"""Append events to the outbox, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pesanan.core.clock import now
from pesanan.core.ids import new_id
from pesanan.db.hot import Hot
from pesanan.events.models import outbox

# Every command writes at least one: a hot statement (db/hot.py). Inline: nobody reads the
# sequence back, and without SQLAlchemy's implicit RETURNING of it the INSERT can merge with the
# command's others (db/merged.py).
_insert = Hot(outbox.insert().inline(), columns=("id", "type", "aggregate_type",
                                                 "aggregate_id", "data", "occurred_at"))


def emit(
    conn: Connection, type_: str, aggregate_type: str, aggregate_id: str, data: dict[str, Any]
) -> None:
    _insert.send(
        conn,
        {
            "id": new_id(),
            "type": type_,
            "aggregate_type": aggregate_type,
            "aggregate_id": aggregate_id,
            "data": data,
            "occurred_at": now(),
        },
    )
