"""What every console list shares: column sorting from an allow-list (`?sort=placed_at&dir=desc`)
and the CSV export of all its matching rows (`?format=csv`, with the page's own filters).

The export walks the same list query the page uses, in keyset pages of 250 (each in a short
read of its own, so a slow download never holds a connection or a snapshot open), and streams
each page as it comes: a million orders never sit in memory."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy import Connection
from starlette.responses import Response, StreamingResponse

from pesanan.auth.roles import allows
from pesanan.core.clock import now
from pesanan.core.errors import DomainError
from pesanan.db.paging import MAX_LIMIT, Sort
from pesanan.web.deps import container_of, render, templates

EXPORT_PAGE = MAX_LIMIT
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... but a plain number (a negative amount, "-12.50") is no formula and must stay exact.
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")  # what may stand in a header's filename

Fetch = Callable[[Connection, "str | None", int], Mapping[str, Any]]


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, how to read it from a list item, and the permission a role
    needs to see it (amounts: billing:read, as on the pages)."""

    header: str
    get: Callable[[Mapping[str, Any]], Any]
    perm: str | None = None


def field(name: str, header: str | None = None, perm: str | None = None) -> Column:
    return Column(header or name, lambda item: item.get(name), perm)


def cell(value: Any) -> str:
    """A value as CSV text, neutralised when a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def wants_csv(request: Request) -> bool:
    return request.query_params.get("format") == "csv"


def csv_export(request: Request, name: str, columns: Sequence[Column], fetch: Fetch
               ) -> Response:
    """Stream every row `fetch` pages through as `<name>-YYYYMMDD.csv`. The first page is read
    before the answer starts, so a bad filter or cursor is still an error page (DomainError
    propagates to the view), not a truncated file."""
    user = request.state.user
    cols = [c for c in columns if c.perm is None or allows(user.role, c.perm)]
    engine = container_of(request).read_engine
    try:
        with engine.connect() as conn:
            first = fetch(conn, None, EXPORT_PAGE)
    except DomainError as e:
        return render(request, "error.html", 422, title="Nothing to export", message=e.detail)

    def chunks() -> Iterator[str]:
        buf = io.StringIO()
        out = csv.writer(buf)
        out.writerow([c.header for c in cols])
        result = first
        while True:
            for item in result["items"]:
                out.writerow([cell(c.get(item)) for c in cols])
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
            if not result["next_cursor"]:
                return
            with engine.connect() as conn:
                result = fetch(conn, result["next_cursor"], EXPORT_PAGE)

    filename = f"{_SAFE_NAME.sub('_', name)}-{now():%Y%m%d}.csv"
    return StreamingResponse(
        chunks(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


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
