"""`pesanan sourcing`: Sourcing plans and backorders."""

from __future__ import annotations

import typer

app = typer.Typer(help="Sourcing plans and backorders", no_args_is_help=True)
