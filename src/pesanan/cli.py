"""The `pesanan` command line. Each command parses, calls one service function inside one
transaction, and renders; domain errors print a readable message and exit non-zero."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Connection

from pesanan.api.errors import STATUS
from pesanan.bootstrap import Container, build
from pesanan.core.errors import DomainError

app = typer.Typer(help="Pesanan order management", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database tasks", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(apikey_app, name="apikey")
console = Console()
err = Console(stderr=True)
T = TypeVar("T")


@contextmanager
def container() -> Iterator[Container]:
    c = build()
    try:
        yield c
    finally:
        c.close()


def run_command(fn: Callable[[Connection], T]) -> T:
    """One transaction; a domain error becomes a message on stderr and exit code 1 (2 for
    usage errors, as the HTTP table says 4xx)."""
    with container() as c:
        try:
            with c.engine.begin() as conn:
                return fn(conn)
        except DomainError as e:
            err.print(f"[bold red]error[/]: {e.detail}")
            for fe in e.errors:
                err.print(f"  {fe.field}: {fe.message}")
            raise typer.Exit(1 if STATUS.get(e.code, 400) != 422 else 2) from None


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Serve the API (and UI) with uvicorn."""
    import uvicorn

    console.print(f"Pesanan on [bold]http://{host}:{port}[/]  (API docs: /docs)")
    uvicorn.run("pesanan.api.asgi:app", host=host, port=port, workers=workers,
                log_level="warning", access_log=False)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations to the configured database."""
    from pesanan.config import get_settings
    from pesanan.db.migrate import upgrade

    url = get_settings().database_url
    upgrade(url, revision)
    console.print(f"database at {revision}: {url.split('@')[-1]}")


@apikey_app.command("create")
def apikey_create(
    role: Annotated[str, typer.Option(help="admin, clerk, warehouse or accountant")],
    name: str = "cli",
) -> None:
    """Create an API key. The key is printed once, alone on the last line."""
    from pesanan.auth import service as auth

    info, secret = run_command(lambda conn: auth.create_api_key(conn, name, role))
    console.print(f"created {info['role']} key {info['prefix']}… ({info['id']})")
    print(secret)


def main() -> None:  # pragma: no cover
    app()
