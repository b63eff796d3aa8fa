"""Counting rules (pure): what a counted quantity means, and reading a stock CSV.

A count is absolute: the difference posted is counted - on hand. Counting below what is
reserved is refused rather than silently breaking open orders: the units are promised, so
either the count is wrong or those orders must be re-sourced first (a person decides which).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from pesanan.core.schema import MAX_QUANTITY, ascii_int

COLUMNS = ("sku", "location", "on_hand")
MAX_ROWS = 10_000
# No SKU, location code or count is longer; a longer field is a wrong file, not a value.
MAX_FIELD = 100
MAX_CHARS = 2_000_000


@dataclass(frozen=True, slots=True)
class Problem:
    field: str  # the column (or "row" / "header")
    code: str
    message: str


def below_reserved(counted: int, reserved: int) -> Problem | None:
    if counted < reserved:
        return Problem("counted", "below_reserved",
                       f"counted {counted} but {reserved} are reserved for open orders; "
                       "re-source or cancel those orders first, or recount")
    return None


@dataclass(slots=True)
class CsvRow:
    row: int  # line number in the file: the header is row 1, so data starts at row 2
    sku: str
    location: str
    on_hand: int | None
    problems: list[Problem] = field(default_factory=list)


def _int(text: str) -> int | None:
    # ASCII digits only: '²' and '①' pass str.isdigit() but int() refuses them.
    return ascii_int(text.strip())


def _header(names: list[str]) -> list[Problem]:
    got = [n.strip().lower() for n in names]
    missing = [c for c in COLUMNS if c not in got]
    extra = [n for n in got if n not in COLUMNS]
    dupes = sorted({n for n in got if got.count(n) > 1})
    out = []
    if missing or extra or dupes:
        parts = [f"missing {', '.join(missing)}" if missing else "",
                 f"unknown {', '.join(extra)}" if extra else "",
                 f"repeated {', '.join(dupes)}" if dupes else ""]
        what = "; ".join(p for p in parts if p)
        out.append(Problem("header", "bad_header",
                           f"the header must be {','.join(COLUMNS)} ({what})"))
    return out


def parse_stock_csv(text: str) -> tuple[list[CsvRow], list[Problem]]:
    """Rows with their own problems, plus problems of the file as a whole (header, size).
    Blank lines are skipped; a SKU listed twice for one location is an error on the repeat."""
    if len(text) > MAX_CHARS:
        return [], [Problem("file", "too_large", f"at most {MAX_CHARS} characters per import")]
    if "\x00" in text:  # PostgreSQL cannot store it, and no CSV export has one
        return [], [Problem("file", "nul_character", "the file contains a NUL character")]
    try:
        lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    except csv.Error as e:  # e.g. a field past the csv module's own limit (128 KB)
        return [], [Problem("file", "bad_csv", f"not a readable CSV file: {e}")]
    while lines and not any(c.strip() for c in lines[0]):
        lines.pop(0)
    if not lines:
        return [], [Problem("header", "empty", "the file is empty")]
    header = [c.strip().lower() for c in lines[0]]
    bad = _header(lines[0])
    if bad:
        return [], bad
    if len(lines) - 1 > MAX_ROWS:
        return [], [Problem("file", "too_many_rows", f"at most {MAX_ROWS} rows per import")]
    pos = {name: header.index(name) for name in COLUMNS}
    rows: list[CsvRow] = []
    seen: dict[tuple[str, str], int] = {}
    for n, cells in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            rows.append(CsvRow(n, "", "", None, [Problem(
                "row", "wrong_columns", f"{len(cells)} fields, expected {len(header)}")]))
            continue
        if any(len(c) > MAX_FIELD for c in cells):
            rows.append(CsvRow(n, "", "", None, [Problem(
                "row", "too_long", f"a field is longer than {MAX_FIELD} characters")]))
            continue
        sku, loc = cells[pos["sku"]].strip(), cells[pos["location"]].strip()
        qty = _int(cells[pos["on_hand"]])
        r = CsvRow(n, sku, loc, qty)
        if not sku:
            r.problems.append(Problem("sku", "required", "SKU is empty"))
        if not loc:
            r.problems.append(Problem("location", "required", "location code is empty"))
        if qty is None:
            r.problems.append(Problem("on_hand", "not_integer", "on_hand must be a whole number"))
        elif qty < 0:
            r.problems.append(Problem("on_hand", "negative", "on_hand cannot be negative"))
        elif qty > MAX_QUANTITY:
            r.problems.append(Problem("on_hand", "too_large", f"at most {MAX_QUANTITY}"))
        if sku and loc:
            if (sku, loc) in seen:
                r.problems.append(Problem("sku", "duplicate",
                                          f"{sku} at {loc} is already on row {seen[(sku, loc)]}"))
            else:
                seen[(sku, loc)] = n
        rows.append(r)
    return rows, []
