"""One search over orders, invoices, customers, products, shipments, POs and returns."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from pesanan.analytics import search as finder
from pesanan.api.deps import ReadConn, require
from pesanan.auth.roles import allows
from pesanan.core.actor import Actor

router = APIRouter(prefix="/search", tags=["search"])
# Every role reads orders; each group of results is shown only to a role that may read it.
Reader = Annotated[Actor, Depends(require("orders:read"))]


@router.get("")
def search(conn: ReadConn, actor: Reader,
           q: Annotated[str, Query(max_length=finder.MAX_QUERY)] = "",
           limit: Annotated[int, Query(ge=1, le=25)] = finder.LIMIT) -> dict[str, Any]:
    """`{"query", "groups": [{"kind", "label", "items": [{"id", "label", "detail", "href",
    "exact"}]}]}`: at most `limit` hits per kind, exact matches first; `href` is the console
    page."""
    return finder.search(conn, q, lambda perm: allows(actor.role, perm), limit)
