"""`pesanan fulfilment`: fulfilment orders, pick lists, carriers, 3PL endpoints and dispatch."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.table import Table

from pesanan import outbound
from pesanan.cli import CLI, console, container, err, run_command
from pesanan.config import get_settings
from pesanan.core import crypto
from pesanan.fulfillment import carriers, dispatch, fo_queries, tpl, work
from pesanan.fulfillment.schemas import CarrierCreate
from pesanan.fulfillment.status import FOStatus

app: typer.Typer = typer.Typer(help="Fulfilment orders, pick lists, carriers, 3PL",
                              no_args_is_help=True)
carriers_app = typer.Typer(help="Carriers and their tracking links", no_args_is_help=True)
app.add_typer(carriers_app, name="carriers")


@app.command("list")
def list_(
    location: Annotated[str | None, typer.Option(help="location code, e.g. WH1")] = None,
    status: Annotated[FOStatus | None, typer.Option(help="e.g. open, packed")] = None,
    limit: Annotated[int, typer.Option(min=1, max=250)] = 50,
) -> None:
    """The fulfilment queue, newest first."""
    page = run_command(lambda c: fo_queries.list_fulfilment_orders(
        c, limit=limit, location_code=location, status=status.value if status else None))
    # Plain lines, not a table: the id must print whole so it can be pasted into pick-list.
    for x in page["items"]:
        console.print(f"{x['number']:<14} {x['location_code']:<10} {x['status']:<18} "
                      f"{x['units_shipped']}/{x['units']} shipped  {x['id']}",
                      markup=False, highlight=False, soft_wrap=True)
    if not page["items"]:
        console.print("no fulfilment orders")


@app.command("pick-list")
def pick_list(fulfilment_order_id: str) -> None:
    """What to take off the shelves for one fulfilment order."""
    pl = run_command(lambda c: fo_queries.pick_list(c, fulfilment_order_id))
    fo = pl["fulfilment_order"]
    table = Table(title=f"pick list {fo['number']} at {pl['location']['code']} "
                        f"({pl['units']} units)")
    for col in ("sku", "name", "qty", "location", "picked"):
        table.add_column(col)
    for x in pl["lines"]:
        table.add_row(x["sku"], x["name"], str(x["quantity"]), x["location_code"], "[ ]")
    console.print(table)


@app.command("step")
def step(fulfilment_order_id: str,
         name: Annotated[str, typer.Argument(help="pick, pack or unpack")]) -> None:
    """Record a warehouse step on a fulfilment order."""
    if name not in ("pick", "pack", "unpack"):
        err.print("[bold red]error[/]: the step is pick, pack or unpack")
        raise typer.Exit(2)
    fo = run_command(lambda c: work.step(c, fulfilment_order_id, name, CLI))
    console.print(f"{fo['number']}: {fo['status']}")


@app.command("dispatch")
def dispatch_(
    loop: Annotated[bool, typer.Option(help="keep sending every --interval seconds")] = False,
    interval: Annotated[float, typer.Option(min=0.5)] = 5.0,
) -> None:
    """Send pending 3PL dispatches (signed), retrying failures with backoff."""
    with container() as c:
        box, client = crypto.box_for(c.settings), outbound.client_for(c.settings)
        while True:
            tally = dispatch.send_pending(c.engine, box, client)
            console.print(f"sent {tally['sent']}, to retry {tally['retry']}, "
                          f"given up {tally['failed']}")
            if not loop:
                if tally["failed"]:
                    raise typer.Exit(1)
                return
            time.sleep(interval)


@app.command("endpoint")
def endpoint(
    location_code: str, url: str,
    secret: Annotated[str | None, typer.Option(help="shared secret (made for you if absent)")]
    = None,
) -> None:
    """Set a 3PL location's URL and shared secret; the secret is printed this once."""
    from pesanan.fulfillment.schemas import TplEndpointSet

    try:
        cmd = TplEndpointSet(url=url, secret=secret)
    except ValueError as e:
        err.print(f"[bold red]error[/]: {e}")
        raise typer.Exit(2) from None
    settings = get_settings()
    result = run_command(lambda c: tpl.set_endpoint(
        c, location_code, str(cmd.url), cmd.secret, policy=outbound.policy_for(settings),
        box=crypto.box_for(settings)))
    console.print(f"{result['location_code']} -> {result['url']}")
    console.print(f"secret (shown once, give it to the 3PL): {result['secret']}",
                  markup=False, highlight=False)


@carriers_app.command("list")
def carriers_list() -> None:
    page = run_command(lambda c: carriers.list_carriers(c, limit=250))
    table = Table(title="carriers")
    for col in ("code", "name", "tracking link"):
        table.add_column(col)
    for x in page["items"]:
        table.add_row(x["code"], x["name"], x["tracking_url_template"] or "")
    console.print(table)


@carriers_app.command("add")
def carriers_add(
    code: str, name: str,
    tracking_url: Annotated[str | None, typer.Option(
        help="template with {tracking}, e.g. https://track.example.com/{tracking}")] = None,
) -> None:
    try:
        cmd = CarrierCreate(code=code, name=name, tracking_url_template=tracking_url)
    except ValueError as e:
        err.print(f"[bold red]error[/]: {e}")
        raise typer.Exit(2) from None
    made = run_command(lambda c: carriers.create_carrier(c, cmd))
    console.print(f"carrier {made['code']} added")


@carriers_app.command("remove")
def carriers_remove(code: str) -> None:
    run_command(lambda c: carriers.delete_carrier(c, code))
    console.print(f"carrier {code} removed")
