"""What every console list shares: column sorting from an allow-list (`?sort=placed_at&dir=desc`)
and the CSV export of all its matching rows (`?format=csv`, with the page's own filters).

The export walks the same list query the page uses, in keyset pages of 250, through
pesanan.analytics.export (each page in a short read of its own, streamed as it comes: a
million orders never sit in memory)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.responses import Response, StreamingResponse

from pesanan.analytics import export
from pesanan.analytics.export import Column, Fetch, cell, field
from pesanan.auth.roles import allows
from pesanan.core.clock import now
from pesanan.core.errors import DomainError
from pesanan.db.paging import Sort
from pesanan.web.deps import container_of, render, templates

__all__ = ["Column", "cell", "csv_export", "field", "query", "sort_of", "wants_csv"]


def wants_csv(request: Request) -> bool:
    return request.query_params.get("format") == "csv"


def csv_export(request: Request, name: str, columns: Sequence[Column], fetch: Fetch
               ) -> Response:
    """Stream every row `fetch` pages through as `<name>-YYYYMMDD.csv`. The first page is read
    before the answer starts, so a bad filter or cursor is still an error page, not a
    truncated file."""
    user = request.state.user
    cols = export.visible(columns, lambda perm: allows(user.role, perm))
    engine = container_of(request).read_engine
    size = export.EXPORT_PAGE

    def page(cursor: str | None) -> Mapping[str, Any]:
        with engine.connect() as conn:
            return fetch(conn, cursor, size)

    try:
        first = page(None)
    except DomainError as e:
        return render(request, "error.html", 422, title="Nothing to export", message=e.detail)
    return StreamingResponse(
        export.chunks(cols, first, page), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition":
                 f'attachment; filename="{export.filename(name, now())}"'})


def sort_of(request: Request, allowed: Mapping[str, str]) -> tuple[Sort | None, dict[str, str]]:
    """The list's sort from `?sort=&dir=`, if `sort` is one of `allowed` (what a URL may say ->
    the column name); anything else is ignored: the list keeps its default order (newest
    first). Returns also the (cleaned) parameters for links that must keep the sort."""
    key = request.query_params.get("sort") or ""
    if key not in allowed:
        return None, {}
    desc = request.query_params.get("dir") != "asc"
    return Sort(allowed[key], desc), {"sort": key, "dir": "desc" if desc else "asc"}


def query(params: Mapping[str, Any], **extra: Any) -> str:
    """A query string of the non-empty parameters (for export, sort and "Load more" links)."""
    return urlencode({k: v for k, v in {**params, **extra}.items() if v})


templates.env.globals["list_query"] = query
