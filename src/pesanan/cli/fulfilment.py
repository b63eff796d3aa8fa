"""`pesanan fulfilment`: Fulfilment orders, pick lists, 3PL."""

from __future__ import annotations

import typer

app = typer.Typer(help="Fulfilment orders, pick lists, 3PL", no_args_is_help=True)
