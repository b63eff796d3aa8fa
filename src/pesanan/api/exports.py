"""`Accept: text/csv` on a list endpoint: the same filters, every matching row (not one page),
streamed in keyset pages through pesanan.analytics.export; `limit` and `cursor` do not apply.
The columns are the JSON items' own fields (times RFC 3339 UTC, headers `*_at_utc`; money as
exact decimal strings beside `currency`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request
from starlette.responses import Response, StreamingResponse

from pesanan.analytics import export
from pesanan.analytics.export import Column, Fetch
from pesanan.api.deps import get_container
from pesanan.core.clock import now

# The OpenAPI declaration of the CSV alternative of a list's 200.
CSV_BODY: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}


def columns(*names: str) -> tuple[Column, ...]:
    return tuple(export.field(n, f"{n}_utc" if n.endswith("_at") else n) for n in names)


def wants_csv(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


def csv_response(request: Request, name: str, cols: Sequence[Column], fetch: Fetch
                 ) -> Response:
    """Read the first page now (a bad filter is still a problem+json answer), then stream."""
    engine = get_container(request).read_engine
    size = export.EXPORT_PAGE

    def page(cursor: str | None) -> Mapping[str, Any]:
        with engine.connect() as conn:
            return fetch(conn, cursor, size)

    first = page(None)
    return StreamingResponse(
        export.chunks(cols, first, page), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition":
                 f'attachment; filename="{export.filename(name, now())}"'})
