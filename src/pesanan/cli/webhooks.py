"""`pesanan webhooks`: endpoints (Standard Webhooks), their deliveries, and replay."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from pydantic import ValidationError

from pesanan import outbound
from pesanan.cli import console, err, run_command
from pesanan.config import get_settings
from pesanan.core import crypto
from pesanan.webhooks import queries, replay, service
from pesanan.webhooks.schemas import EndpointCreate

app: typer.Typer = typer.Typer(help="Webhook endpoints, deliveries and replay",
                              no_args_is_help=True)


def _line(*cells: object) -> None:
    # Plain lines: ids must print whole so they can be pasted into the next command.
    console.print("  ".join(str(c) for c in cells), markup=False, highlight=False,
                  soft_wrap=True)


@app.command("add")
def add(
    url: str,
    events: Annotated[str, typer.Option(
        help="comma-separated types or prefixes, e.g. order.placed,invoice.*; empty: all")] = "",
    description: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Subscribe URL to events; the signing secret is printed this once."""
    try:
        cmd = EndpointCreate(url=url, description=description,
                             event_types=[t.strip() for t in events.split(",") if t.strip()])
    except ValidationError as e:
        err.print(f"[bold red]error[/]: {e}")
        raise typer.Exit(2) from None
    settings = get_settings()
    made = run_command(lambda c: service.create_endpoint(
        c, cmd, policy=outbound.policy_for(settings), box=crypto.box_for(settings)))
    _line(made["id"], made["url"], ",".join(made["event_types"]) or "(every event)")
    _line(f"secret (shown once): {made['secret']}")


@app.command("list")
def list_() -> None:
    """Every endpoint, newest first."""
    page = run_command(lambda c: queries.list_endpoints(c, limit=250))
    for x in page["items"]:
        _line(x["id"], x["status"], x["url"], ",".join(x["event_types"]) or "(every event)",
              x["disabled_reason"] or "")
    if not page["items"]:
        console.print("no webhook endpoints")


@app.command("disable")
def disable(endpoint_id: str) -> None:
    got = run_command(lambda c: service.disable_endpoint(c, endpoint_id, "disabled by cli"))
    _line(got["id"], got["status"])


@app.command("enable")
def enable(endpoint_id: str) -> None:
    got = run_command(lambda c: service.enable_endpoint(c, endpoint_id))
    _line(got["id"], got["status"])


@app.command("rotate")
def rotate(endpoint_id: str) -> None:
    """A new secret (printed this once); the old one still signs until the overlap ends."""
    settings = get_settings()
    got = run_command(lambda c: service.rotate_secret(
        c, endpoint_id, box=crypto.box_for(settings),
        overlap=timedelta(seconds=settings.webhook_secret_overlap_seconds)))
    _line(f"secret (shown once): {got['secret']}")
    _line(f"the previous secret also signs until {got['previous_secret_until']}")


@app.command("deliveries")
def deliveries(
    endpoint: Annotated[str | None, typer.Option(help="endpoint id")] = None,
    status: Annotated[str | None, typer.Option(help="pending, delivered or failed")] = None,
    limit: Annotated[int, typer.Option(min=1, max=250)] = 50,
) -> None:
    """Deliveries, newest first."""
    page = run_command(lambda c: queries.list_deliveries(c, limit=limit, endpoint_id=endpoint,
                                                         status=status))
    for x in page["items"]:
        _line(x["id"], x["status"], f"attempts={x['attempts']}", x["event_type"],
              f"seq={x['sequence']}", x["last_error"] or "")
    if not page["items"]:
        console.print("no deliveries")


@app.command("replay")
def replay_one(delivery_id: str) -> None:
    """Send one delivery again now, with the same webhook-id."""
    got = run_command(lambda c: replay.replay_delivery(c, delivery_id))
    _line(got["id"], got["status"], got["webhook_id"])


@app.command("replay-from")
def replay_from(endpoint_id: str, after: Annotated[int, typer.Argument(min=0)]) -> None:
    """Queue again every event after position AFTER for one endpoint."""
    got = run_command(lambda c: replay.replay_from(c, endpoint_id, after))
    _line(f"events {got['events']}, created {got['created']}, queued {got['queued']}, "
          f"through position {got['through']}")
