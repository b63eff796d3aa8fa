"""CSV stock import: absolute on-hand counts per SKU and location code, with a dry run.

The report lists every row: current on hand, the new count, the difference and its errors. A
dry run writes nothing. Applying posts the rows as counts (one per location, source "import",
reason "stock import") in the caller's one transaction; any invalid row refuses the whole file
with the errors by row, so nothing is applied.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select, tuple_

from pesanan.core.errors import FieldError, ValidationFailed
from pesanan.inventory import counts
from pesanan.inventory.counting import CsvRow, Problem, below_reserved, parse_stock_csv
from pesanan.inventory.lookup import locations_by_code, products_by_sku
from pesanan.inventory.models import stock_level
from pesanan.inventory.schemas import CountCreate, CountLineIn


def _levels(conn: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    if not keys:
        return {}
    rows = conn.execute(
        select(stock_level.c.product_id, stock_level.c.location_id, stock_level.c.on_hand,
               stock_level.c.reserved)
        .where(tuple_(stock_level.c.product_id, stock_level.c.location_id).in_(sorted(keys))))
    return {(r.product_id, r.location_id): r for r in rows}


def _check(conn: Connection, rows: list[CsvRow]) -> list[dict[str, Any]]:
    products = products_by_sku(conn, (r.sku for r in rows if r.sku))
    locations = locations_by_code(conn, (r.location for r in rows if r.location))
    keys = {(products[r.sku].id, locations[r.location]) for r in rows
            if r.sku in products and r.location in locations}
    levels = _levels(conn, keys)
    report = []
    for r in rows:
        if r.sku and r.sku not in products:
            r.problems.append(Problem("sku", "unknown_sku", f"no product with SKU {r.sku}"))
        if r.location and r.location not in locations:
            r.problems.append(Problem("location", "unknown_location",
                                      f"no location with code {r.location}"))
        current = reserved = None
        if r.sku in products and r.location in locations:
            lvl = levels.get((products[r.sku].id, locations[r.location]))
            current, reserved = (lvl.on_hand, lvl.reserved) if lvl else (0, 0)
            if r.on_hand is not None and r.on_hand >= 0:
                p = below_reserved(r.on_hand, reserved)
                if p:
                    r.problems.append(Problem("on_hand", p.code, p.message))
        ok = not r.problems
        report.append({
            "row": r.row, "sku": r.sku, "location": r.location, "current": current,
            "reserved": reserved, "new": r.on_hand,
            "difference": r.on_hand - current if ok and current is not None
            and r.on_hand is not None else None,
            "location_id": locations.get(r.location),
            "errors": [{"field": p.field, "code": p.code, "message": p.message}
                       for p in r.problems]})
    return report


def import_stock(conn: Connection, text: str, *, dry_run: bool) -> dict[str, Any]:
    rows, file_problems = parse_stock_csv(text)
    report = _check(conn, rows) if not file_problems else []
    bad = [x for x in report if x["errors"]]
    changes = [x for x in report if not x["errors"] and x["difference"]]
    result: dict[str, Any] = {
        "dry_run": dry_run, "applied": False,
        "summary": {"rows": len(report), "changes": len(changes), "invalid": len(bad),
                    "units_added": sum(x["difference"] for x in changes if x["difference"] > 0),
                    "units_removed": -sum(x["difference"] for x in changes
                                          if x["difference"] < 0)},
        "file_errors": [{"field": p.field, "code": p.code, "message": p.message}
                        for p in file_problems],
        "rows": [{k: v for k, v in x.items() if k != "location_id"} for x in report],
        "counts": []}
    if dry_run:
        return result
    if file_problems or bad:
        errors = [FieldError(p.field, p.code, p.message) for p in file_problems]
        errors += [FieldError(f"rows[{x['row']}].{e['field']}", e["code"], e["message"])
                   for x in bad for e in x["errors"]]
        n = len(bad) or len(file_problems)
        raise ValidationFailed(f"{n} problem(s) in the file; nothing was applied", errors)
    by_location: dict[str, list[CountLineIn]] = defaultdict(list)
    for x in report:
        by_location[x["location_id"]].append(CountLineIn(sku=x["sku"], counted=x["new"]))
    for loc, lines in sorted(by_location.items()):
        posted = counts.record_count(conn, CountCreate(location_id=loc, lines=lines, post=True),
                                     source="import")
        result["counts"].append(posted["number"])
    result["applied"] = True
    return result
