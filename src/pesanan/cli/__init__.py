"""The `pesanan` command line. Each command parses, calls one service function inside one
transaction, and renders; domain errors print a readable message and exit non-zero."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Connection
from sqlalchemy.exc import StatementError

from pesanan.bootstrap import Container, build
from pesanan.config import Settings
from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.db.tx import domain_error_of

if TYPE_CHECKING:  # imported lazily at run time: most commands never need them
    from pesanan.demo import Simulation, Tally

app = typer.Typer(help="Pesanan order management", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database tasks", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(apikey_app, name="apikey")
user_app = typer.Typer(help="Console users", no_args_is_help=True)
app.add_typer(user_app, name="user")
console = Console()
err = Console(stderr=True)
T = TypeVar("T")
# Who the timeline and events name for commands run from this command line.
CLI = Actor(id="cli", name="cli", role="admin")


@contextmanager
def container(settings: Settings | None = None) -> Iterator[Container]:
    c = build(settings)
    try:
        yield c
    finally:
        c.close()


def run_command(fn: Callable[[Connection], T]) -> T:
    """One transaction; a domain error becomes a message on stderr and exit code 1 (2 for
    usage errors, as the HTTP table says 4xx)."""
    with container() as c:
        try:
            try:
                with c.engine.begin() as conn:
                    return fn(conn)
            except StatementError as wrapped:  # an amount past the column (db/types.py)
                refused = domain_error_of(wrapped)
                if refused is None:
                    raise
                raise refused from None
        except DomainError as e:
            err.print(f"[bold red]error[/]: {e.detail}")
            for fe in e.errors:
                err.print(f"  {fe.field}: {fe.message}")
            raise typer.Exit(1 if e.status != 422 else 2) from None


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
    with_worker: Annotated[bool, typer.Option(
        help="also run `pesanan worker` beside the server, stopped when it stops")] = False,
) -> None:
    """Serve the API (and UI) with uvicorn; several workers get connections in turn."""
    console.print(f"Pesanan on [bold]http://{host}:{port}[/]  (API docs: /docs)")
    from pesanan import serving
    from pesanan.telemetry import metrics

    # The workers time requests in their own processes; /metrics on any one adds up all.
    shared = metrics.prepare_processes(workers)
    child = jobs.start_worker() if with_worker else None
    try:
        if workers == 1:
            import uvicorn

            uvicorn.run(serving.APP, factory=True, host=host, port=port, log_level="warning",
                        access_log=False)
            return
        serving.run(host, port, workers)
    finally:
        jobs.stop_worker(child)
        metrics.finish_processes(shared)


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
    typer.echo(secret)  # plain, unwrapped: scripts take the last line


@apikey_app.command("list")
def apikey_list() -> None:
    """Every API key, newest first (the secret is never shown: only its hash is stored)."""
    from rich.table import Table

    from pesanan.auth import keys
    from pesanan.db.paging import MAX_LIMIT

    def all_keys(conn: Connection) -> list[dict[str, Any]]:
        page = keys.list_api_keys(conn, limit=MAX_LIMIT)
        found: list[dict[str, Any]] = page["items"]
        while page["next_cursor"]:
            page = keys.list_api_keys(conn, limit=MAX_LIMIT, cursor=page["next_cursor"])
            found += page["items"]
        return found

    def minute(stamp: str | None) -> str:  # 2026-12-01T23:41:07.123456Z -> 2026-12-01 23:41Z
        return f"{stamp[:10]} {stamp[11:16]}Z" if stamp else ""

    table = Table("id", "name", "role", "prefix", "created", "revoked")
    for k in run_command(all_keys):
        table.add_row(k["id"], k["name"], k["role"], f"{k['prefix']}…", minute(k["created_at"]),
                      minute(k["revoked_at"]))
    # Piped (not a terminal, where rich assumes 80 columns): wide enough that ids stay whole.
    Console(width=None if console.is_terminal else 160).print(table)


@apikey_app.command("revoke")
def apikey_revoke(key_id: Annotated[str, typer.Argument(help="the key's id (apikey list)")]
                  ) -> None:
    """Revoke an API key. Running servers refuse it within PESANAN_AUTH_CACHE_SECONDS."""
    from pesanan.auth import keys
    from pesanan.config import get_settings

    key = run_command(lambda conn: keys.revoke_key(conn, key_id))
    console.print(f"revoked {key['role']} key {key['prefix']}… ({key['id']}, {key['name']}); "
                  f"servers refuse it within {get_settings().auth_cache_seconds:g} s")


@app.command()
def audit(
    show: Annotated[int, typer.Option(help="breaches to show per check")] = 3,
) -> None:
    """Check every invariant; exit 1 on any breach."""
    from rich.table import Table

    from pesanan.audit import checks

    with container() as c, checks.snapshot(c.read_engine) as conn:
        results = checks.run_all(conn)
    table = Table(title="pesanan audit")
    for col in ("check", "invariant", "result", "breaches"):
        table.add_column(col, justify="right" if col == "breaches" else "left")
    for r in results:
        table.add_row(r.check.name, r.check.description,
                      "[green]ok[/]" if r.ok else "[bold red]BREACH[/]", str(len(r.breaches)))
    console.print(table)
    # Breaches one per line, unwrapped, so they can be read (and grepped) whole.
    for r in results:
        for b in r.breaches[:show]:
            console.print(f"{r.check.name}: {b.subject}: {b.detail}", soft_wrap=True,
                          markup=False, highlight=False)
        if len(r.breaches) > show:
            console.print(f"{r.check.name}: … and {len(r.breaches) - show} more")
    failed = [r.check.name for r in results if not r.ok]
    if failed:
        err.print(f"[bold red]audit failed[/]: {', '.join(failed)}")
        raise typer.Exit(1)
    console.print("[green]audit clean[/]: every invariant holds")


@app.command()
def replenish(
    location: Annotated[str | None, typer.Option(
        help="only this location's reorder rules (its code or id)")] = None,
) -> None:
    """Draft purchase orders for every SKU below its reorder point and show them."""
    from rich.table import Table

    from pesanan.inventory import queries as inventory
    from pesanan.purchasing import service as purchasing
    from pesanan.purchasing.schemas import Replenish

    def command(conn: Connection) -> tuple[dict[str, Any], dict[str, str]]:
        codes = {x["id"]: x["code"] for x in inventory.list_locations(conn, limit=250)["items"]}
        ids = {code: id_ for id_, code in codes.items()}
        # An unknown code goes through as an id: the service refuses it (nothing drafted).
        cmd = Replenish(location_id=ids.get(location, location)) if location else None
        return purchasing.replenish(conn, CLI, cmd), codes

    result, codes = run_command(command)
    drafted = result["items"]
    table = Table(title=f"{len(drafted)} purchase order(s) drafted")
    for col in ("number", "supplier", "location", "lines", "total", "expected"):
        table.add_column(col, justify="right" if col == "total" else "left")
    for po in drafted:
        lines = "\n".join(f"{x['sku']} x {x['quantity']}" for x in po["lines"])
        table.add_row(po["number"], po["supplier_name"], codes.get(po["location_id"], "?"), lines,
                      f"{Decimal(po['total']):,} {po['currency']}",
                      (po["expected_at"] or "")[:10])
    console.print(table if drafted else "nothing is below its reorder point")
    for x in result["unsourced"]:
        err.print(f"[yellow]no supplier offers {x['sku']}[/] (available {x['available']}, "
                  f"reorder point {x['reorder_point']} at {codes.get(x['location_id'], '?')})")


@app.command()
def demo(
    days: Annotated[int, typer.Option(min=0, max=3650, help="days of trade to simulate")] = 14,
    once: Annotated[bool, typer.Option(
        help="if the shop already exists, simulate nothing: print the summary and a fresh "
             "admin key (make run uses this)")] = False,
    seed: Annotated[int, typer.Option(help="seed of the random choices")] = 42,
    orders_per_day: Annotated[int, typer.Option(min=1, max=10_000)] = 15,
    products: Annotated[int, typer.Option(min=1, max=30, help="products in a new shop")] = 30,
    url: Annotated[str, typer.Option(help="where the server will listen")] =
        "http://127.0.0.1:8000",
) -> None:
    """Create a demo shop when the database has none, then simulate DAYS of orders across web,
    POS and phone: captures, purchases, invoices, payments, shipments, deliveries.

    API keys are stored hashed and cannot be shown twice, so a new shop gets a fresh admin and
    clerk key, and `--once` on an existing shop prints a fresh admin key each time."""
    import random

    from pesanan import demo as shop_demo
    from pesanan.analytics import summary as report
    from pesanan.core.clock import now

    rng = random.Random(seed)
    with container() as c:
        # The days are dated: the last is today in the shop's zone, each event at a time of
        # its day (demo/simulation.py); a new shop's books open the evening before the first.
        zone = shop_demo.shop_zone(c.read_engine)
        start = shop_demo.first_day(days, zone, now())
        created = shop_demo.ensure_shop(c.engine, rng, products,
                                        at=shop_demo.opening_time(start, zone))
        tally = None
        if created or not once:
            tally = _simulate(shop_demo.Simulation(
                c.engine, shop_demo.load(c.read_engine), rng, orders_per_day,
                start=start, zone=zone), days)
        with c.read_engine.connect() as conn:
            summary = report.summary(conn)
    console.print("[green]demo shop created[/]" if created else
                  "demo data already there: nothing simulated" if tally is None else
                  "simulated on the existing shop")
    _print_summary(summary, tally)
    if created:
        _print_key("clerk", "demo clerk", url)
    if created or once:
        _print_logins(url)
        _print_key("admin", "demo admin", url)


def _print_logins(url: str) -> None:
    from pesanan.demo import logins

    password = run_command(logins.reset_demo_logins)
    console.print(f"console: {url}/login  as {logins.email_for('admin')} (also clerk@, "
                  f"warehouse@, accountant@ the same domain)  password: {password}",
                  soft_wrap=True)


def _simulate(sim: Simulation, days: int) -> Tally:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console) as progress:
        bar = progress.add_task("simulating", total=days)
        for _ in range(days):
            sim.run_day()
            progress.update(bar, advance=1, description=(
                f"day {sim.day}: {sim.tally.orders.total()} orders, "
                f"{sim.tally.lost_sales} lost sales"))
    return sim.tally


def _money(sums: dict[str, Decimal]) -> str:
    from pesanan.core.money import quantize_minor

    return ", ".join(f"{quantize_minor(amount, cur):,} {cur}"
                     for cur, amount in sorted(sums.items())) or "0"


def _counts(counts: dict[str, int]) -> str:
    return f"{sum(counts.values())} (" + ", ".join(
        f"{k} {n}" for k, n in sorted(counts.items())) + ")"


def _print_summary(s: dict[str, Any], tally: Tally | None) -> None:
    from rich.table import Table

    table = Table(title="the shop now", show_header=False)
    table.add_row("orders by channel", _counts(s["orders_by_channel"]))
    table.add_row("orders by status", _counts(s["orders_by_status"]))
    table.add_row("sales (before tax)", _money(s["sales"]))
    table.add_row("invoiced", f"{s['invoices']} invoices, {_money(s['invoiced'])}")
    table.add_row("paid", _money(s["paid"]))
    table.add_row("shipments", _counts(s["shipments_by_status"]))
    table.add_row("purchase orders", _counts(s["purchase_orders_by_status"]))
    if tally is not None:
        table.add_row("this run", f"{tally.orders.total()} orders, {tally.lost_sales} lost "
                      f"sales (out of stock), {tally.held} held for review, {tally.edits} edited, "
                      f"{tally.cancelled} cancelled, {tally.shipments} "
                      f"shipments, {tally.returns} returns, {tally.purchase_orders} purchase "
                      f"orders, {tally.receipts} receipts")
    console.print(table)


def _print_key(role: str, name: str, url: str) -> None:
    from pesanan.auth import service as auth

    _, secret = run_command(lambda conn: auth.create_api_key(conn, name, role))
    if role != "admin":
        console.print(f"{role} key: {secret}", soft_wrap=True)
        return
    console.print(f"Pesanan: {url}  (API docs: {url}/docs)\n"
                  f"try: curl -H 'Authorization: Bearer <key>' {url}/api/v1/orders\n"
                  "admin API key (stored hashed: shown once; `--once` makes a new one):")
    typer.echo(secret)


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="login email")],
    role: Annotated[str, typer.Option(help="admin, clerk, warehouse or accountant")],
    name: Annotated[str, typer.Option(help="shown in the console and on timelines")] = "",
    password: Annotated[str, typer.Option(
        prompt=True, hide_input=True, confirmation_prompt=True,
        envvar="PESANAN_NEW_USER_PASSWORD", help="at least 10 characters")] = "",
) -> None:
    """Create a console user (the password is stored as an argon2 hash)."""
    from pesanan.auth import users

    info = run_command(lambda conn: users.create_user(conn, email, name or email, role,
                                                      password))
    console.print(f"created {info['role']} user {info['email']} ({info['id']})")



@user_app.command("unlock")
def user_unlock(email: Annotated[str, typer.Option(help="login email")]) -> None:
    """Lift a login lockout now (after too many failed logins), keeping the password."""
    from pesanan.auth import users

    if not run_command(lambda conn: users.unlock(conn, email)):
        err.print(f"[bold red]error[/]: no user with email {email}")
        raise typer.Exit(1)
    console.print(f"unlocked {email.strip().lower()}: the next login checks the password again")

def main() -> None:  # pragma: no cover
    app()


# Subcommand groups live in their own modules; imported last because they use the helpers above.
from pesanan.cli import (  # noqa: E402
    automation,
    broker,
    emails,
    fulfilment,
    jobs,
    orders,
    returns,
    shop,
    sourcing,
    stock,
    webhooks,
)

app.add_typer(stock.app, name="stock")
app.add_typer(sourcing.app, name="sourcing")
app.add_typer(fulfilment.app, name="fulfilment")
app.add_typer(orders.app, name="orders")
app.add_typer(returns.app, name="returns")
app.add_typer(shop.app, name="shop")
app.add_typer(jobs.app, name="jobs")
app.add_typer(automation.app, name="automation")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(broker.app, name="broker")
app.add_typer(emails.app, name="emails")
app.add_typer(emails.notifications_app, name="notifications")
app.command("worker")(jobs.worker)
