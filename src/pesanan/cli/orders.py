"""`pesanan orders`: Order holds and edits."""

from __future__ import annotations

import typer

app = typer.Typer(help="Order holds and edits", no_args_is_help=True)
