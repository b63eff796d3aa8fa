from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from pesanan.api.deps import ReadConn, require
from pesanan.auth.roles import readable_event_prefixes
from pesanan.core.actor import Actor
from pesanan.core.schema import INT64_MAX
from pesanan.events import queries

router = APIRouter(prefix="/events", tags=["events"])
Reader = Annotated[Actor, Depends(require("orders:read"))]


@router.get("")
def list_events(conn: ReadConn, actor: Reader, after: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
                limit: Annotated[int, Query(ge=1, le=250)] = 100) -> dict[str, Any]:
    """Events in commit order, only the types the caller's role may read (each type needs the
    read permission of its resource); resume with `after=<next_after>`, which moves past events
    the role is not shown. `sequence` is the event's position in commit order, given by the
    worker's relay a moment after the commit: an event is listed once it has one, and a later
    commit never appears below a position you have already read. A page may be empty while
    `next_after` moves on (each call looks at most 10,000 positions ahead): you are up to date
    when it stops moving."""
    return queries.feed(conn, after, limit, readable_event_prefixes(actor.role))
