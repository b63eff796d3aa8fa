"""The header's search box: /search?q= shows what was typed, found as each kind of thing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from pesanan.analytics import search as finder
from pesanan.auth.roles import allows
from pesanan.core.actor import Actor
from pesanan.web.deps import page, read, render

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("orders:read"))]


@router.get("/search")
def search(request: Request, actor: Viewer, q: str = "") -> Response:
    q = q.strip()[:finder.MAX_QUERY]
    found = read(request, lambda c: finder.search(c, q, lambda p: allows(actor.role, p)))
    return render(request, "search/results.html", q=q, groups=found["groups"],
                  limit=finder.LIMIT)
