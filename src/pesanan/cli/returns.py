"""`pesanan returns`: Returns (RMA): request, approve, reject, receive, refund, exchange."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.table import Table
from sqlalchemy import Connection

from pesanan.cli import CLI, console, err, run_command
from pesanan.core.schema import FORM_CONTEXT
from pesanan.flows.exchange import exchange_return
from pesanan.orders import queries as orders_q
from pesanan.returns import queries, service
from pesanan.returns.schemas import (
    Decide,
    ExchangeReturn,
    ReceiveReturn,
    RefundReturn,
    Reject,
    RequestReturn,
)

app: typer.Typer = typer.Typer(help="Returns (RMA)", no_args_is_help=True)
M = TypeVar("M", bound=BaseModel)
Ref = Annotated[str, typer.Argument(help="return number (RMA-2026-000001) or id")]


def _parse(schema: type[M], data: dict[str, Any]) -> M:
    """The API's input schema; a bad value is a usage error (exit 2), nothing runs."""
    try:  # arguments are text, like a form's fields: integers are parsed from digits
        return schema.model_validate(data, context={FORM_CONTEXT: True})
    except ValidationError as e:
        for x in e.errors():
            where = ".".join(str(p) for p in x["loc"])
            err.print(f"[bold red]error[/]: {where}: {x['msg']}")
        raise typer.Exit(2) from None


def _pairs(values: list[str], what: str) -> list[list[str]]:
    out = []
    for v in values:
        parts = v.split(":", 2) if what == "line" else v.split("=", 1)
        if len(parts) < 2:
            err.print(f"[bold red]error[/]: cannot read {v!r}")
            raise typer.Exit(2)
        out.append(parts)
    return out


def _show(view: dict[str, Any]) -> None:
    console.print(f"[bold]{view['number']}[/] {view['status']}  order {view['order_id']}")
    table = Table()
    for col in ("#", "sku", "qty", "reason", "disposition", "line id"):
        table.add_column(col)
    for x in view.get("lines", []):
        table.add_row(str(x["line_no"]), x["sku"] or "", str(x["quantity"]), x["reason"],
                      x["disposition"] or "", x["id"])
    console.print(table)


def _on(ref: str, fn: Callable[[Connection, str], dict[str, Any]]) -> dict[str, Any]:
    view = run_command(lambda c: fn(c, queries.resolve(c, ref)))
    _show(view)
    return view


@app.command("list")
def list_(status: str | None = None, order: str | None = None, limit: int = 50) -> None:
    """Returns, newest first."""
    def load(c: Connection) -> dict[str, Any]:
        order_id = orders_q.resolve_order(c, order) if order else None
        return queries.list_rmas(c, limit=limit, status=status, order_id=order_id)

    result = run_command(load)
    table = Table(title=f"{len(result['items'])} return(s)")
    for col in ("number", "status", "order", "requested"):
        table.add_column(col)
    for r in result["items"]:
        table.add_row(r["number"], r["status"], r["order_id"], r["requested_at"])
    console.print(table)


@app.command()
def show(ref: Ref) -> None:
    """One return with its lines."""
    _on(ref, queries.get_rma)


@app.command()
def request(
    order: Annotated[str, typer.Option(help="order number (SO-000123) or id")],
    line: Annotated[list[str], typer.Option(help="SKU:QTY:REASON (repeat per line)")],
    note: str | None = None,
) -> None:
    """Request a return of delivered units."""
    lines = [{"sku": p[0], "quantity": p[1], "reason": p[2] if len(p) > 2 else "returned"}
             for p in _pairs(line, "line")]

    def command(c: Connection) -> dict[str, Any]:
        cmd = _parse(RequestReturn, {"order_id": orders_q.resolve_order(c, order),
                                     "lines": lines, "note": note})
        return service.request_return(c, cmd, CLI)

    _show(run_command(command))


@app.command()
def approve(ref: Ref, note: str | None = None) -> None:
    cmd = _parse(Decide, {"note": note})
    _on(ref, lambda c, rid: service.approve_return(c, rid, cmd, CLI))


@app.command()
def reject(ref: Ref, reason: Annotated[str, typer.Option()]) -> None:
    cmd = _parse(Reject, {"reason": reason})
    _on(ref, lambda c, rid: service.reject_return(c, rid, cmd, CLI))


@app.command()
def receive(
    ref: Ref, location: Annotated[str, typer.Option(help="location id")],
    line: Annotated[list[str], typer.Option(
        help="LINE_NO=restock|quarantine|scrap (repeat per line)")],
) -> None:
    """Goods arrived: a disposition per line; issues the credit note."""
    wanted = dict((k.strip(), v.strip()) for k, v in _pairs(line, "disposition"))

    def command(c: Connection) -> dict[str, Any]:
        rid = queries.resolve(c, ref)
        by_no = {str(x["line_no"]): x["id"] for x in queries.rma_lines(c, rid)}
        cmd = _parse(ReceiveReturn, {"location_id": location, "lines": [
            {"rma_line_id": by_no.get(k, k), "disposition": v} for k, v in wanted.items()]})
        return service.receive_return(c, rid, cmd, CLI)

    _show(run_command(command))


@app.command()
def refund(ref: Ref, method: Annotated[str | None, typer.Option()] = None,
           amount: str | None = None, reference: str | None = None) -> None:
    """Pay the credit back (default: all of it that was paid, the way it was paid)."""
    cmd = _parse(RefundReturn, {"method": method, "amount": amount, "reference": reference})
    view = _on(ref, lambda c, rid: service.refund_return(c, rid, cmd, CLI))
    console.print(f"refunded {view['refund']['amount']} {view['refund']['currency']}")


@app.command()
def exchange(ref: Ref, line: Annotated[list[str], typer.Option(help="SKU:QTY (repeat)")],
             note: str | None = None) -> None:
    """A replacement order paid from the credit note."""
    cmd = _parse(ExchangeReturn, {"note": note, "lines": [
        {"sku": s, "quantity": q} for s, q, *_ in _pairs(line, "line")]})
    view = _on(ref, lambda c, rid: exchange_return(c, rid, cmd, CLI))
    console.print(f"replacement order {view['exchange_order']['number']}")


@app.command()
def close(ref: Ref) -> None:
    _on(ref, lambda c, rid: service.close_return(c, rid, CLI))
