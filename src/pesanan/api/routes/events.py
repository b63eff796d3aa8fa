from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from pesanan.api.deps import ReadConn, require
from pesanan.core.actor import Actor
from pesanan.events import queries

router = APIRouter(prefix="/events", tags=["events"])
Reader = Annotated[Actor, Depends(require("orders:read"))]


@router.get("")
def list_events(conn: ReadConn, _: Reader, after: Annotated[int, Query(ge=0)] = 0,
                limit: Annotated[int, Query(ge=1, le=250)] = 100) -> dict[str, Any]:
    """Outbox events in sequence order; resume with `after=<last sequence seen>`."""
    items = queries.list_events(conn, after, limit)
    return {"items": items, "next_after": items[-1]["sequence"] if items else after}
