from typing import Annotated, Any

from fastapi import APIRouter, Depends

from pesanan.api.deps import ReadConn, require
from pesanan.core.actor import Actor
from pesanan.ledger import queries

router = APIRouter(prefix="/ledger", tags=["ledger"])
Reader = Annotated[Actor, Depends(require("ledger:read"))]


@router.get("/trial-balance")
def trial_balance(conn: ReadConn, _: Reader) -> dict[str, Any]:
    """Debits, credits and balance per account, per currency; `balanced` when debits = credits."""
    return queries.trial_balance(conn)


@router.get("/entries")
def list_entries(conn: ReadConn, _: Reader, limit: int = 50, cursor: str | None = None,
                 source_type: str | None = None, order_id: str | None = None,
                 currency: str | None = None) -> dict[str, Any]:
    return queries.list_entries(conn, limit=limit, cursor=cursor, source_type=source_type,
                                order_id=order_id, currency=currency)
