"""`pesanan stock`: Stock: transfers, cycle counts, imports."""

from __future__ import annotations

import typer

app = typer.Typer(help="Stock: transfers, cycle counts, imports", no_args_is_help=True)
