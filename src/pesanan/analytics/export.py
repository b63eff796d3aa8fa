"""CSV export of a list: every row a list query pages through, written as it is read.

Shared by the console (pesanan.web.listing, `?format=csv`) and the API (`Accept: text/csv`).
The caller gives the first page (read before the answer starts, so a bad filter is still an
error) and a way to read the next one; each next page is read in a short connection of its
own, so a slow download holds no connection or snapshot open, and never more than one page
(250 rows) is in memory. Values are the list's own views: money as exact decimal strings
beside a currency column, times RFC 3339 in UTC (headers `*_at_utc`)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from pesanan.db.paging import MAX_LIMIT

EXPORT_PAGE = MAX_LIMIT
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# ... but a plain number (a negative amount, "-12.50") is no formula and must stay exact.
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")  # what may stand in a header's filename

Page = Mapping[str, Any]
Fetch = Callable[[Connection, "str | None", int], Page]


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


def visible(columns: Sequence[Column], allowed: Callable[[str], bool]) -> list[Column]:
    return [c for c in columns if c.perm is None or allowed(c.perm)]


def filename(name: str, at: datetime) -> str:
    return f"{_SAFE_NAME.sub('_', name)}-{at:%Y%m%d}.csv"


def chunks(columns: Sequence[Column], first: Page,
           fetch_next: Callable[[str], Page]) -> Iterator[str]:
    """The header row, then one chunk of rows per page until a page has no next cursor."""
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow([c.header for c in columns])
    result = first
    while True:
        for item in result["items"]:
            out.writerow([cell(c.get(item)) for c in columns])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
        if not result["next_cursor"]:
            return
        result = fetch_next(result["next_cursor"])
