"""`pesanan orders`: Order holds and edits.

Orders are named by number (SO-000123) or id; lines by their number on the order (1, 2, …).
Each command is one transaction; a refusal prints the reason per field and exits non-zero,
having changed nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

import typer
from pydantic import ValidationError as PydanticValidationError
from rich.table import Table
from sqlalchemy import Connection

from pesanan.cli import CLI, console, err, run_command
from pesanan.core.errors import FieldError, ValidationFailed
from pesanan.core.schema import document_number
from pesanan.flows import edit as edit_flow
from pesanan.flows import holds as hold_flow
from pesanan.orders import holds
from pesanan.orders.queries import order_lines, resolve_order
from pesanan.orders.schemas import EditOrder, HoldOrder, ReleaseHold

# Annotated: this module imports pesanan.cli, which imports it back to mount `app`.
app: typer.Typer = typer.Typer(help="Order holds and edits", no_args_is_help=True)
Order = Annotated[str, typer.Argument(help="order number (SO-000123) or id")]


def _summary(order: dict[str, Any]) -> str:
    return (f"{order['number']}: {order['status']}, total {order['total']} {order['currency']},"
            f" version {order['version']}")


@app.command("hold")
def hold(order: Order,
         reason: Annotated[str, typer.Option("--reason", "-r", help="why it is held")]) -> None:
    """Put an open order on hold (its stock stays reserved; nothing ships)."""
    cmd = HoldOrder(reason=reason) if reason.strip() else None
    if cmd is None:
        err.print("[bold red]error[/]: give a --reason")
        raise typer.Exit(2)
    view = run_command(lambda c: hold_flow.hold_order(c, resolve_order(c, order), cmd, CLI))
    console.print(f"held {_summary(view)}", soft_wrap=True)


@app.command("release")
def release(order: Order,
            note: Annotated[str | None, typer.Option("--note", "-n")] = None) -> None:
    """Release a held order to fulfilment."""
    cmd = ReleaseHold(note=note)
    view = run_command(lambda c: hold_flow.release_hold(c, resolve_order(c, order), cmd, CLI))
    console.print(f"released {_summary(view)}", soft_wrap=True)


@app.command("holds")
def list_holds(limit: Annotated[int, typer.Option(min=1, max=250)] = 50) -> None:
    """The review queue: held orders and why, the longest waiting first."""
    result = run_command(lambda c: holds.list_holds(c, limit=limit))
    if not result["items"]:
        console.print("no order is on hold")
        return
    table = Table(title=f"{len(result['items'])} order(s) on hold")
    for col in ("order", "total", "held since", "reasons"):
        table.add_column(col, justify="right" if col == "total" else "left")
    for h in result["items"]:
        table.add_row(h["number"], f"{h['total']} {h['currency']}", h["held_since"][:16],
                      "\n".join(f"{r['kind']}: {r['reason']}" for r in h["reasons"]))
    console.print(table)


def _pair(item: str, what: str) -> tuple[str, int]:
    key, sep, qty = item.rpartition("=")
    n = document_number(qty)
    if not sep or not key.strip() or n is None:
        err.print(f"[bold red]error[/]: {item!r} is not {what}=QUANTITY")
        raise typer.Exit(2)
    return key.strip(), n


def _line_ids(conn: Connection, order_id: str, numbers: list[str]) -> dict[str, str]:
    by_no = {str(x["line_no"]): x["id"] for x in order_lines(conn, order_id)}
    missing = [n for n in numbers if n not in by_no]
    if missing:
        raise ValidationFailed("The order has no such line", [
            FieldError("line", "unknown_line", f"no line {n} on the order") for n in missing])
    return by_no


@app.command("edit")
def edit(
    order: Order,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="LINE=QUANTITY: change a line's quantity (LINE is its number)")] = None,
    add: Annotated[list[str] | None, typer.Option(help="SKU=QUANTITY: add a line")] = None,
    remove: Annotated[list[str] | None, typer.Option(help="LINE: remove a line")] = None,
    expected_version: Annotated[int | None, typer.Option(
        help="refuse if the order is no longer at this version")] = None,
    note: Annotated[str | None, typer.Option("--note", "-n")] = None,
) -> None:
    """Edit an order: re-priced, re-reserved all at once, and versioned."""
    sets = [_pair(x, "LINE") for x in set_ or []]
    adds = [_pair(x, "SKU") for x in add or []]
    removes = [x.strip() for x in remove or []]
    if not (sets or adds or removes):
        err.print("[bold red]error[/]: give at least one --set, --add or --remove")
        raise typer.Exit(2)

    def command(conn: Connection) -> dict[str, Any]:
        order_id = resolve_order(conn, order)
        ids = _line_ids(conn, order_id, [n for n, _ in sets] + removes)
        changes: list[dict[str, Any]] = [
            {"op": "set_quantity", "line_id": ids[n], "quantity": q} for n, q in sets]
        changes += [{"op": "remove_line", "line_id": ids[n]} for n in removes]
        changes += [{"op": "add_line", "sku": s, "quantity": q} for s, q in adds]
        try:
            cmd = EditOrder.model_validate({"changes": changes,
                                            "expected_version": expected_version, "note": note})
        except PydanticValidationError as e:
            raise ValidationFailed("The edit is invalid", [
                FieldError(".".join(str(p) for p in x["loc"]), "invalid", x["msg"])
                for x in e.errors()]) from None
        return edit_flow.edit_order(conn, order_id, cmd, CLI)

    view = run_command(command)
    rev = view["revision"]
    due = (f"refund due {rev['refund_due']}" if Decimal(rev["refund_due"]) > 0
           else f"balance due {rev['balance_due']}")
    console.print(f"edited {_summary(view)} (revision {rev['version']}: total "
                  f"{rev['total_before']} -> {rev['total_after']}, {due} {view['currency']})",
                  soft_wrap=True)
    for x in view["lines"]:
        console.print(f"  {x['line_no']}. {x['sku']} x {x['quantity']} "
                      f"(shipped {x['quantity_shipped']}) {x['total']}")
