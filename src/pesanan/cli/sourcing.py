"""`pesanan sourcing`: sourcing plans (dry run), sourcing settings, backorders."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from pesanan.cli import console, err, run_command
from pesanan.core.schema import document_number
from pesanan.flows import backorders, sourcing
from pesanan.inventory import settings
from pesanan.inventory.schemas import LocationUpdate, StockSettings

app: typer.Typer = typer.Typer(help="Sourcing plans (dry run), settings and backorders",
                               no_args_is_help=True)


def _lines(raw: list[str]) -> list[dict[str, Any]]:
    out = []
    for item in raw:
        sku, _, qty = item.rpartition(":")
        n = document_number(qty)
        if not sku or n is None:
            err.print(f"[bold red]error[/]: --line {item!r}: expected SKU:QUANTITY")
            raise typer.Exit(2)
        out.append({"sku": sku, "quantity": n})
    return out


@app.command("plan")
def plan(
    line: Annotated[list[str], typer.Option(help="SKU:QUANTITY, repeat for more lines")],
    channel: Annotated[str, typer.Option(help="web, pos or phone")] = "web",
    country: Annotated[str | None, typer.Option(help="ship-to country (ISO, e.g. ID)")] = None,
    region: Annotated[str | None, typer.Option(help="ship-to region")] = None,
    preferred: Annotated[str | None, typer.Option(help="preferred location id")] = None,
) -> None:
    """Show where an order with these lines would be sourced from, and why. Reserves nothing."""
    body: dict[str, Any] = {"lines": _lines(line), "channel": channel,
                            "preferred_location_id": preferred}
    if country:
        body["ship_to"] = {"country": country, "region": region}
    try:
        cmd = sourcing.PlanRequest.model_validate(body)
    except ValueError as e:
        err.print(f"[bold red]error[/]: {e}")
        raise typer.Exit(2) from None
    result = run_command(lambda conn: sourcing.dry_run(conn, cmd))
    table = Table(title=f"plan: {result['shipments']} shipment(s)"
                  + ("" if result["feasible"] else " — NOT feasible"))
    for col in ("#", "sku", "qty", "from", "backorder", "short"):
        table.add_column(col)
    for x in result["lines"]:
        table.add_row(str(x["line_no"]), x["sku"], str(x["quantity"]),
                      ", ".join(f"{p['location_code']} x {p['quantity']}" for p in x["picks"]),
                      str(x["backorder"] or ""), str(x["short"] or ""))
    console.print(table)
    for reason in result["reasons"]:
        console.print(f"- {reason}", soft_wrap=True, markup=False, highlight=False)
    if not result["feasible"]:
        raise typer.Exit(1)


@app.command("location")
def location(
    location_id: str,
    region: Annotated[str | None, typer.Option()] = None,
    country: Annotated[str | None, typer.Option()] = None,
    channel: Annotated[list[str] | None, typer.Option(help="channel served, repeatable")] = None,
    all_channels: Annotated[bool, typer.Option(help="serve every channel")] = False,
) -> None:
    """Set a location's region, country and channels served."""
    fields: dict[str, Any] = {}
    if region is not None:
        fields["region"] = region
    if country is not None:
        fields["country"] = country
    if channel:
        fields["channels"] = channel
    if all_channels:
        fields["channels"] = None
    try:
        cmd = LocationUpdate.model_validate(fields)
    except ValueError as e:
        err.print(f"[bold red]error[/]: {e}")
        raise typer.Exit(2) from None
    view = run_command(lambda conn: settings.update_location(conn, location_id, cmd))
    console.print(f"{view['code']}: region {view['region']}, country {view['country']}, "
                  f"channels {', '.join(view['channels'] or ['all'])}")


@app.command("safety-stock")
def safety_stock(sku: str, location_id: str, units: int) -> None:
    """Set the safety stock of SKU at LOCATION_ID (units sourcing never plans)."""
    if units < 0:
        err.print("[bold red]error[/]: safety stock cannot be negative")
        raise typer.Exit(2)
    cmd = StockSettings(sku=sku, location_id=location_id, safety_stock=units)
    level = run_command(lambda conn: settings.set_stock_settings(conn, cmd))
    console.print(f"{sku} @ {location_id}: safety stock {level['safety_stock']}, "
                  f"available {level['available']}, sourceable {level['sourceable']}")


@app.command("backorders")
def list_backorders(
    status: Annotated[str | None, typer.Option(help="open, filled or cancelled")] = "open",
    sku: str | None = None,
    limit: int = 50,
) -> None:
    """List backorders, newest first."""
    page = run_command(lambda conn: backorders.list_backorders(conn, status=status, sku=sku,
                                                               limit=limit))
    table = Table(title=f"{len(page['items'])} backorder(s)")
    for col in ("order", "sku", "quantity", "open", "status", "created"):
        table.add_column(col)
    for x in page["items"]:
        table.add_row(x["order_number"], x["sku"], str(x["quantity"]), str(x["quantity_open"]),
                      x["status"], x["created_at"])
    console.print(table)

