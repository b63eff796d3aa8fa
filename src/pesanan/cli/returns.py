"""`pesanan returns`: Returns (RMA)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Returns (RMA)", no_args_is_help=True)
