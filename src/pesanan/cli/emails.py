"""`pesanan emails` and `pesanan notifications`: the email log, and the shop's switches."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Connection

from pesanan.cli import console, err, run_command
from pesanan.mail import queries, service
from pesanan.mail.schemas import NotificationsUpdate
from pesanan.orders.queries import resolve_order

app: typer.Typer = typer.Typer(help="Emails sent from events (the log)", no_args_is_help=True)
notifications_app: typer.Typer = typer.Typer(
    help="The notifications the shop emails, each on or off", no_args_is_help=True)


def _print(table: Table) -> None:
    # Piped (not a terminal, where rich assumes 80 columns): wide enough that lines stay whole.
    Console(width=None if console.is_terminal else 200).print(table)


def _stamp(stamp: str | None) -> str:  # 2026-12-01T23:41:07.123Z -> 2026-12-01 23:41:07Z
    return f"{stamp[:10]} {stamp[11:19]}Z" if stamp else ""


@app.command("list")
def list_(
    order: Annotated[str | None, typer.Option(help="only this order's (SO-000123 or id)")]
    = None,
    status: Annotated[str | None, typer.Option(help="pending | sent | failed")] = None,
    limit: Annotated[int, typer.Option(help="at most this many, newest first")] = 50,
) -> None:
    """Every email made from an event, newest first: to, subject, status, attempts, the last
    error, when it was sent."""
    def read(conn: Connection) -> dict[str, Any]:
        order_id = resolve_order(conn, order) if order else None
        return queries.list_messages(conn, limit=limit, order_id=order_id, status=status)
    page = run_command(read)
    table = Table("created", "to", "subject", "status", "attempts", "sent", "last error")
    for m in page["items"]:
        table.add_row(_stamp(m["created_at"]), m["to"], m["subject"], m["status"],
                      str(m["attempts"]), _stamp(m["sent_at"]), m["last_error"] or "")
    _print(table)


@notifications_app.command("list")
def notifications_list() -> None:
    """Each notification, the event it is made from, and whether it is on."""
    table = Table("kind", "event", "on", "what")
    for x in run_command(service.list_notifications)["items"]:
        table.add_row(x["kind"], x["event_type"], "yes" if x["enabled"] else "no", x["title"])
    _print(table)


def _switch(kinds: list[str], enabled: bool) -> None:
    if not kinds:
        err.print("[bold red]error[/]: name at least one notification (notifications list)")
        raise typer.Exit(2)
    cmd = NotificationsUpdate({k: enabled for k in kinds})
    run_command(lambda conn: service.set_notifications(conn, cmd))
    console.print(f"{', '.join(kinds)}: {'on' if enabled else 'off'}")


@notifications_app.command("enable")
def enable(kinds: Annotated[list[str], typer.Argument(help="e.g. invoice_issued")]) -> None:
    """Switch notifications on."""
    _switch(kinds, True)


@notifications_app.command("disable")
def disable(kinds: Annotated[list[str], typer.Argument(help="e.g. order_confirmation")]
            ) -> None:
    """Switch notifications off: their events send nothing from now on."""
    _switch(kinds, False)
