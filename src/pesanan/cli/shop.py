"""`pesanan shop show` and `pesanan shop set`: the shop's settings from the command line (the
same checks as the API; a bad field exits 2 with a sentence per field and changes nothing)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from pesanan.cli import CLI, console, container, err, run_command
from pesanan.flows import shop_settings
from pesanan.shop import service
from pesanan.shop.profile import ShopProfile, profile_view
from pesanan.shop.schemas import ShopSettingsIn

app: typer.Typer = typer.Typer(help="The shop's settings: name, address, tax id, logo, time "
                               "zone, locale, currency, document wording and prefixes",
                               no_args_is_help=True)

Opt = Annotated[str | None, typer.Option()]


def _show(p: ShopProfile) -> None:
    table = Table(show_header=False, box=None)
    for name, value in profile_view(p).items():
        if name == "logo":
            value = "none" if value is None else f"{p.logo_type}, {len(p.logo or b'')} bytes"
        table.add_row(name, escape("" if value is None else str(value)))
    console.print(table)


@app.command("show")
def show() -> None:
    """Print the shop's settings (the defaults until someone sets them)."""
    with container() as c, c.read_engine.connect() as conn:
        _show(service.profile(conn))


@app.command("set")
def set_(
    legal_name: Opt = None, address: Opt = None,
    tax_id: Annotated[str | None, typer.Option(help='NPWP; "" clears it')] = None,
    email: Annotated[str | None, typer.Option(help='"" clears it')] = None,
    phone: Annotated[str | None, typer.Option(help='"" clears it')] = None,
    logo: Annotated[Path | None, typer.Option(
        help="a PNG, JPEG or SVG file, at most 512 KiB", dir_okay=False)] = None,
    no_logo: Annotated[bool, typer.Option("--no-logo", help="remove the logo")] = False,
    time_zone: Annotated[str | None, typer.Option(help="IANA, e.g. Asia/Jakarta")] = None,
    locale: Annotated[str | None, typer.Option(help="en_US or id_ID")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217, e.g. IDR")] = None,
    invoice_footer: Opt = None, payment_instructions: Opt = None,
    invoice_prefix: Opt = None, credit_note_prefix: Opt = None,
    purchase_order_prefix: Opt = None, delivery_note_prefix: Opt = None,
) -> None:
    """Change the settings given; the others stay as they are."""
    given: dict[str, Any] = {k: v for k, v in {
        "legal_name": legal_name, "address": address, "tax_id": tax_id, "email": email,
        "phone": phone, "time_zone": time_zone, "locale": locale, "currency": currency,
        "invoice_footer": invoice_footer, "payment_instructions": payment_instructions,
        "invoice_prefix": invoice_prefix, "credit_note_prefix": credit_note_prefix,
        "purchase_order_prefix": purchase_order_prefix,
        "delivery_note_prefix": delivery_note_prefix,
    }.items() if v is not None}
    if logo is not None and no_logo:
        err.print("[bold red]error[/]: --logo and --no-logo together: choose one")
        raise typer.Exit(2)
    if logo is not None:
        try:
            given["logo"] = base64.b64encode(logo.read_bytes()).decode()
        except OSError as e:
            err.print(f"[bold red]error[/]: logo: cannot read {escape(str(logo))}: "
                      f"{escape(e.strerror or str(e))}")
            raise typer.Exit(2) from None
    elif no_logo:
        given["logo"] = None
    if not given:
        err.print("[bold red]error[/]: nothing to change: give at least one option "
                  "(pesanan shop set --help)")
        raise typer.Exit(2)
    try:
        changes = ShopSettingsIn(**given)
    except ValidationError as e:
        for problem in e.errors():
            field = ".".join(str(x) for x in problem["loc"]) or "input"
            err.print(f"[bold red]error[/]: {field}: {escape(problem['msg'])}")
        raise typer.Exit(2) from None
    _show(run_command(lambda conn: shop_settings.update_shop(conn, changes, CLI)))
