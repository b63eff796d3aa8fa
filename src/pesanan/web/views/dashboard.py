"""The central view, kept live by server-sent events fed from the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from starlette.responses import Response, StreamingResponse

from pesanan.analytics import queries as analytics
from pesanan.core.actor import Actor
from pesanan.web.deps import container_of, page, read, render

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("orders:read"))]
POLL_SECONDS = 1.0


@router.get("/")
def dashboard(request: Request, _: Viewer) -> Response:
    return render(request, "dashboard.html", d=read(request, analytics.dashboard))


@router.get("/dashboard/cards")
def cards(request: Request, _: Viewer) -> Response:
    return render(request, "_dashboard_cards.html", d=read(request, analytics.dashboard))


@router.get("/stream")
async def stream(request: Request, _: Viewer) -> StreamingResponse:
    """`event: changed` whenever new events are stamped. One cheap MAX(position) per second
    per open console; the page then re-fetches only the cards."""
    engine = container_of(request).read_engine

    def latest() -> int:
        with engine.connect() as conn:
            return analytics.latest_sequence(conn)

    async def events() -> AsyncIterator[str]:
        seen = await anyio.to_thread.run_sync(latest)
        yield "retry: 3000\n\n"
        while not await request.is_disconnected():
            await asyncio.sleep(POLL_SECONDS)
            current = await anyio.to_thread.run_sync(latest)
            if current != seen:
                seen = current
                yield f"event: changed\ndata: {current}\n\n"
            else:
                yield ": keep-alive\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
