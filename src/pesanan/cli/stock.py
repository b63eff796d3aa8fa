"""`pesanan stock`: Stock: transfers, cycle counts, imports, quarantine.

Locations are given by code (WH-A), transfers and counts by number (TR-000001, CC-000001) or
id, lines as SKU=QUANTITY. Each command is one transaction; a refusal prints the reason per
field and exits non-zero, having changed nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError as PydanticValidationError
from rich.table import Table
from sqlalchemy import Connection

from pesanan.cli import CLI, console, err, run_command
from pesanan.core.errors import FieldError, ValidationFailed
from pesanan.core.schema import document_number
from pesanan.inventory import (
    count_queries,
    counts,
    imports,
    states,
    transfer_queries,
    transfers,
)
from pesanan.inventory.lookup import locations_by_code
from pesanan.inventory.schemas import (
    CountCreate,
    CountLineIn,
    QuarantineMove,
    TransferCreate,
    TransferLineIn,
    TransferReceive,
)
from pesanan.purchasing import levels as purchasing_levels

# Annotated: this module imports pesanan.cli, which imports it back to mount `app`.
app: typer.Typer = typer.Typer(help="Stock: transfers, cycle counts, imports, quarantine",
                               no_args_is_help=True)
transfer_app = typer.Typer(help="Transfers between locations", no_args_is_help=True)
quarantine_app = typer.Typer(help="Quarantine: damaged or returned units held apart",
                             no_args_is_help=True)
app.add_typer(transfer_app, name="transfer")
app.add_typer(quarantine_app, name="quarantine")

Lines = Annotated[list[str], typer.Argument(help="SKU=QUANTITY pairs", show_default=False)]
Reason = Annotated[str, typer.Option("--reason", "-r", help="why (kept on the journal)")]
Qty = Annotated[int, typer.Argument(min=1)]


def _pairs(items: list[str], least: int = 1) -> list[tuple[str, int]]:
    """SKU=QUANTITY arguments; a quantity below `least` is a usage error (exit 2)."""
    out = []
    for item in items:
        sku, sep, qty = item.rpartition("=")
        n = document_number(qty)
        if not sep or not sku.strip() or n is None or n < least:
            err.print(f"[bold red]error[/]: {item!r} is not SKU=QUANTITY "
                      f"(a whole number, at least {least})")
            raise typer.Exit(2)
        out.append((sku.strip(), n))
    return out


M = TypeVar("M")


def _valid(make: Callable[[], M]) -> M:
    """Build an input schema; its complaints become a domain error run_command can print."""
    try:
        return make()
    except PydanticValidationError as e:
        raise ValidationFailed("invalid input", [
            FieldError(".".join(str(p) for p in x["loc"]) or "input", "invalid", x["msg"])
            for x in e.errors()]) from None


def _location(conn: Connection, code: str, field: str = "location") -> str:
    found = locations_by_code(conn, [code]).get(code)
    if found is None:
        raise ValidationFailed(f"no location with code {code}",
                               [FieldError(field, "unknown_location", "no such location")])
    return found


def _show_transfer(t: dict[str, Any]) -> None:
    console.print(f"[bold]{t['number']}[/] {t['from_location_code']} → {t['to_location_code']}"
                  f"  [cyan]{t['status']}[/]")
    table = Table("SKU", "quantity", "shipped", "received", "in transit")
    for x in t["lines"]:
        table.add_row(x["sku"], *(str(x[k]) for k in (
            "quantity", "quantity_shipped", "quantity_received", "in_transit")))
    console.print(table)


@transfer_app.command("create")
def transfer_create(source: str, destination: str, lines: Lines,
                    note: Annotated[str | None, typer.Option()] = None) -> None:
    """Create a draft transfer: `stock transfer create WH-A WH-B TEE=5 MUG=2`."""
    pairs = _pairs(lines)

    def go(conn: Connection) -> dict[str, Any]:
        src = _location(conn, source, "from_location_id")
        dst = _location(conn, destination, "to_location_id")
        cmd = _valid(lambda: TransferCreate(
            from_location_id=src, to_location_id=dst, note=note,
            lines=[TransferLineIn(sku=s, quantity=q) for s, q in pairs]))
        return transfers.create_transfer(conn, cmd, CLI.name)

    _show_transfer(run_command(go))


@transfer_app.command("ship")
def transfer_ship(transfer: str) -> None:
    """Ship a draft transfer: the source's on hand goes down, in transit up."""
    _show_transfer(run_command(lambda c: transfers.ship_transfer(
        c, transfer_queries.resolve(c, transfer), CLI.name)))


@transfer_app.command("receive")
def transfer_receive(transfer: str, lines: Annotated[list[str] | None, typer.Argument(
        help="SKU=QUANTITY to receive part; nothing receives all in transit")] = None) -> None:
    """Receive a shipped transfer, fully or (with SKU=QUANTITY) in part."""
    pairs = _pairs(lines or [])
    cmd = TransferReceive(lines=[TransferLineIn(sku=s, quantity=q) for s, q in pairs])
    _show_transfer(run_command(lambda c: transfers.receive_transfer(
        c, transfer_queries.resolve(c, transfer), cmd, CLI.name)))


@transfer_app.command("cancel")
def transfer_cancel(transfer: str) -> None:
    """Cancel a transfer that has not shipped."""
    _show_transfer(run_command(lambda c: transfers.cancel_transfer(
        c, transfer_queries.resolve(c, transfer), CLI.name)))


@transfer_app.command("list")
def transfer_list(status: Annotated[str | None, typer.Option()] = None) -> None:
    """Recent transfers, newest first."""
    page = run_command(lambda c: transfer_queries.list_transfers(c, status=status, limit=50))
    table = Table("number", "from", "to", "status", "units", "created")
    for t in page["items"]:
        table.add_row(t["number"], t["from_location_code"], t["to_location_code"], t["status"],
                      str(t["units"]), t["created_at"])
    console.print(table)


@app.command("count")
def count(location: str, lines: Lines,
          post: Annotated[bool, typer.Option("--post/--record-only",
                                             help="post the differences now")] = True) -> None:
    """Count SKUs at a location: `stock count WH-A TEE=8 MUG=0`. Posts the differences as
    "cycle count" adjustments unless --record-only (then `stock post-count CC-…`)."""
    pairs = _pairs(lines, least=0)

    def go(conn: Connection) -> dict[str, Any]:
        loc = _location(conn, location, "location_id")
        return counts.record_count(conn, _valid(lambda: CountCreate(
            location_id=loc, post=post, lines=[CountLineIn(sku=s, counted=q) for s, q in pairs])))

    result = run_command(go)
    _show_count(result)


@app.command("post-count")
def post_count(count_ref: Annotated[str, typer.Argument(metavar="COUNT")]) -> None:
    """Post a recorded count's differences as adjustments."""
    _show_count(run_command(lambda c: counts.post_count(c, count_queries.resolve(c, count_ref))))


def _show_count(c: dict[str, Any]) -> None:
    console.print(f"[bold]{c['number']}[/] at {c['location_code']}  [cyan]{c['status']}[/]")
    table = Table("SKU", "expected", "counted", "difference")
    for x in c["lines"]:
        diff = "" if x["difference"] is None else f"{x['difference']:+d}"
        table.add_row(x["sku"], str(x["expected"]), str(x["counted"]), diff)
    console.print(table)


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
            dry_run: Annotated[bool, typer.Option("--dry-run",
                                                  help="report only, change nothing")] = False
            ) -> None:
    """Import absolute on-hand counts from a CSV with columns sku,location,on_hand."""
    text = file.read_text(encoding="utf-8-sig")
    # Always show the report first; applying is then all rows or none.
    report = run_command(lambda c: imports.import_stock(c, text, dry_run=True))
    _show_import(report)
    if report["file_errors"] or report["summary"]["invalid"]:
        raise typer.Exit(1)
    if dry_run:
        console.print("dry run: nothing changed")
        return
    done = run_command(lambda c: imports.import_stock(c, text, dry_run=False))
    console.print(f"applied as {', '.join(done['counts']) or 'no counts (no rows)'}")


def _show_import(report: dict[str, Any]) -> None:
    for e in report["file_errors"]:
        err.print(f"[bold red]error[/]: {e['message']}")
    table = Table("row", "SKU", "location", "current", "new", "difference", "errors")
    for r in report["rows"]:
        diff = "" if r["difference"] is None else f"{r['difference']:+d}"
        table.add_row(str(r["row"]), r["sku"], r["location"],
                      "" if r["current"] is None else str(r["current"]),
                      "" if r["new"] is None else str(r["new"]), diff,
                      "; ".join(f"{e['field']}: {e['message']}" for e in r["errors"]))
    console.print(table)
    s = report["summary"]
    console.print(f"{s['rows']} row(s): {s['changes']} change(s) (+{s['units_added']} / "
                  f"-{s['units_removed']} units), {s['invalid']} invalid")


Move = Callable[[Connection, QuarantineMove, states.LevelRead], dict[str, Any]]


def _quarantine(fn: Move, sku: str, location: str, quantity: int, reason: str) -> None:
    def go(conn: Connection) -> dict[str, Any]:
        loc = _location(conn, location, "location_id")
        return fn(conn, _valid(lambda: QuarantineMove(sku=sku, location_id=loc,
                                                      quantity=quantity, reason=reason)),
                  purchasing_levels.level)

    level = run_command(go)
    console.print(f"{level['sku']} @ {level['location_code']}: on hand {level['on_hand']}, "
                  f"available {level['available']}, quarantined {level['quarantined']}")


@quarantine_app.command("add")
def quarantine_add(sku: str, location: str, quantity: Qty, reason: Reason) -> None:
    """Move damaged units from the shelf into quarantine."""
    _quarantine(states.quarantine_stock, sku, location, quantity, reason)


@quarantine_app.command("release")
def quarantine_release(sku: str, location: str, quantity: Qty, reason: Reason) -> None:
    """Return quarantined units to sellable stock."""
    _quarantine(states.release_quarantine, sku, location, quantity, reason)


@quarantine_app.command("scrap")
def quarantine_scrap(sku: str, location: str, quantity: Qty, reason: Reason) -> None:
    """Write quarantined units off (Dr 5100 / Cr 1200 at moving-average cost)."""
    _quarantine(states.scrap_quarantine, sku, location, quantity, reason)


@app.command("levels")
def levels(sku: Annotated[str | None, typer.Option()] = None,
           location: Annotated[str | None, typer.Option(help="location code")] = None) -> None:
    """Stock levels: on hand, reserved, available, incoming, quarantined, in transit."""
    def go(conn: Connection) -> dict[str, Any]:
        loc = _location(conn, location) if location else None
        return purchasing_levels.stock_levels(conn, sku=sku, location_id=loc, limit=250)

    table = Table("SKU", "location", "on hand", "reserved", "available", "incoming",
                  "quarantined", "in transit")
    for x in run_command(go)["items"]:
        table.add_row(x["sku"], x["location_code"], *(str(x[k]) for k in (
            "on_hand", "reserved", "available", "incoming", "quarantined", "in_transit")))
    console.print(table)
