"""Page-speed benchmark of the console: SERVER time per page, p50/p95 over N requests.

For each database (sqlite, postgresql) and data set (demo: the demo shop with DAYS of trade;
volume: the same plus 100,000 bulk-inserted history orders, see bench/bulk_history.py), it
seeds a database (bench/seed_volume.py), logs an admin in, then requests every page in turn.
The app runs in-process behind FastAPI's TestClient; the time is taken by an ASGI wrapper from
the request entering the app to its last body byte leaving it (so the client's own overhead is
excluded), and SQL statements per request are counted with a cursor-execute listener.

    .venv/bin/python bench/pages.py                       # both databases, both data sets
    .venv/bin/python bench/pages.py --db sqlite --datasets volume --n 50 --reuse

Target (issue 3): < 150 ms per page. --reuse skips seeding when the database exists.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select

import seed_volume
from pesanan.app import create_app
from pesanan.auth import users
from pesanan.billing.models import invoice
from pesanan.bootstrap import Container, build
from pesanan.catalog.models import product
from pesanan.config import Settings
from pesanan.customers.models import customer
from pesanan.orders.models import sales_order

TARGET_MS = 150.0
PASSWORD = "bench-password-123"
DATASETS = {"demo": 0, "volume": 100_000}
# (label, path); {placeholders} come from samples(). Filters are the ones people use: open
# orders, one channel over the last 30 days, a search by customer name, a customer's orders.
PAGES: tuple[tuple[str, str], ...] = (
    ("dashboard", "/"),
    ("dashboard cards (live refresh)", "/dashboard/cards"),
    ("orders list", "/orders"),
    ("orders ?status=open", "/orders?status=open"),
    ("orders ?channel=phone&date_from", "/orders?channel=phone&date_from={month_ago}"),
    ("orders ?q=<customer name>", "/orders?q={heavy_name}"),
    ("orders ?customer_id=<busiest>", "/orders?customer_id={heavy}"),
    ("order detail", "/orders/{order}"),
    ("new order", "/orders/new"),
    ("customers list", "/customers"),
    ("customers ?q=<name>", "/customers?q={heavy_name}"),
    ("customer profile (typical)", "/customers/{customer}"),
    ("customer profile (busiest)", "/customers/{heavy}"),
    ("inventory", "/inventory"),
    ("inventory history (SKU)", "/inventory/history?sku={sku}"),
    ("purchasing", "/purchasing"),
    ("billing (invoices)", "/billing"),
    ("billing ?overdue=1", "/billing?overdue=1"),
    ("billing payments", "/billing/payments"),
    ("printable invoice", "/billing/invoices/{invoice}"),
    ("ledger (trial balance)", "/ledger"),
    ("ledger journal", "/ledger/entries"),
)


@dataclass
class Timings:
    server_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    status: int = 0
    slowest: tuple[float, str, Any] | None = None  # (ms, SQL, parameters) of one request

    def pct(self, p: float) -> float:
        v = sorted(self.server_ms)
        return v[min(len(v) - 1, max(0, round(p / 100 * len(v)) - 1))]


class ServerClock:
    """ASGI wrapper: how long the app took, request in to last body byte out."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last_ms = 0.0

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any,
                      send: Callable[[MutableMapping[str, Any]], Awaitable[None]]) -> None:
        t0 = time.perf_counter()

        async def timed(message: MutableMapping[str, Any]) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last_ms = (time.perf_counter() - t0) * 1000

        await self.app(scope, receive, timed)


class StatementCounter:
    """Counts statements (an executemany once per parameter set) and, while `capture` is on,
    times each one from execute to the driver's return. On SQLite that return comes at the
    first row, so a plain scan looks cheaper than it is; a scan that must sort does not."""

    def __init__(self, *engines: Engine) -> None:
        self.n = 0
        self.capture = False
        self.timed: list[tuple[float, str, Any]] = []
        for e in {id(x): x for x in engines}.values():
            event.listen(e, "before_cursor_execute", self._before)
            event.listen(e, "after_cursor_execute", self._after)

    def _before(self, conn: Any, _cur: Any, _sql: str, params: Any, _ctx: Any,
                executemany: bool) -> None:
        self.n += len(params) if executemany else 1
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn: Any, _cur: Any, sql: str, params: Any, _ctx: Any,
               _many: bool) -> None:
        if self.capture:
            self.timed.append(((time.perf_counter() - conn.info["bench_t0"]) * 1000, sql,
                               params))


def samples(c: Container) -> dict[str, str]:
    """Ids and values the page paths need: the newest completed order and its (typical)
    customer, the customer with the most orders, the newest invoice, a SKU."""
    o, cu = sales_order.c, customer.c
    with c.read_engine.connect() as conn:
        order = conn.execute(select(o.id, o.customer_id).where(o.status == "completed")
                             .order_by(o.id.desc()).limit(1)).one()
        heavy = conn.execute(select(o.customer_id).group_by(o.customer_id)
                             .order_by(func.count().desc()).limit(1)).scalar_one()
        name = conn.execute(select(cu.name).where(cu.id == heavy)).scalar_one()
        inv = conn.execute(select(invoice.c.id).order_by(invoice.c.id.desc()).limit(1))
        sku = conn.execute(select(product.c.sku).order_by(product.c.sku).limit(1))
        latest = conn.execute(select(func.max(o.placed_at))).scalar_one()
        return {"order": order.id, "customer": order.customer_id, "heavy": heavy,
                "heavy_name": quote(name), "invoice": inv.scalar_one(),
                "sku": sku.scalar_one(),
                "month_ago": (latest - timedelta(days=30)).date().isoformat()}


def log_in(client: TestClient, c: Container) -> None:
    email = "bench-admin@bench.example"
    with c.engine.begin() as conn:
        if not users.set_password(conn, email, PASSWORD):
            users.create_user(conn, email, "Bench admin", "admin", PASSWORD)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token, "no CSRF token on /login"
    resp = client.post("/login", data={"email": email, "password": PASSWORD,
                                       "csrf_token": token.group(1)}, follow_redirects=False)
    assert resp.status_code == 303, resp.text


def measure(url: str, n: int, warmup: int, slow_ms: float | None) -> dict[str, Timings]:
    c = build(Settings(database_url=url, secret_key="bench", auth_cache_seconds=30.0))
    app = ServerClock(create_app(c))
    sql = StatementCounter(c.engine, c.read_engine)
    out: dict[str, Timings] = {}
    try:
        with TestClient(app) as client:  # type: ignore[arg-type]
            log_in(client, c)
            values = samples(c)
            for label, path in PAGES:
                out[label] = one_page(client, app, sql, path.format(**values), n, warmup)
        if slow_ms is not None:
            print("\n".join(slow_report(c, out, slow_ms)))
    finally:
        c.close()
    return out


def one_page(client: TestClient, app: ServerClock, sql: StatementCounter, path: str, n: int,
             warmup: int) -> Timings:
    t = Timings()
    for i in range(warmup + n):
        before = sql.n
        resp = client.get(path, follow_redirects=False)
        t.status = resp.status_code
        if resp.status_code != 200:
            break
        if i >= warmup:
            t.server_ms.append(app.last_ms)
            t.statements.append(sql.n - before)
    if t.server_ms:
        sql.capture, sql.timed = True, []
        client.get(path)
        sql.capture = False
        t.slowest = max(sql.timed, key=lambda x: x[0], default=None)
    return t


def explain(c: Container, sql: str, params: Any) -> list[str]:
    sqlite = c.engine.dialect.name == "sqlite"
    with c.read_engine.connect() as conn:
        rows = conn.exec_driver_sql(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql,
                                    params).all()
    return [str(r[-1] if sqlite else r[0]) for r in rows]


def slow_report(c: Container, results: dict[str, Timings], over_ms: float) -> list[str]:
    """The slowest statement of each page whose p50 exceeds `over_ms`, with its plan."""
    out = []
    for label, t in results.items():
        if not t.server_ms or t.slowest is None or t.pct(50) <= over_ms:
            continue
        ms, sql, params = t.slowest
        out.append(f"  {label}: p50 {t.pct(50):.1f} ms; slowest statement {ms:.1f} ms: "
                   f"{' '.join(sql.split())[:160]}")
        out += [f"      {line}" for line in explain(c, sql, params)]
    return out


def database_exists(db: str, name: str) -> bool:
    if db == "sqlite":
        return (seed_volume.ROOT / "var" / "bench" / f"{name}.db").exists()
    with psycopg.connect(seed_volume.PG_ADMIN, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (f"pesanan_bench_{name}",)).fetchone() is not None


def url_of(db: str, name: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{seed_volume.ROOT / 'var' / 'bench' / f'{name}.db'}"
    base = seed_volume.PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://",
                                                           "postgresql+psycopg://")
    return f"{base}/pesanan_bench_{name}"


def cell(t: Timings | None) -> str:
    if t is None:
        return "—"
    if not t.server_ms:
        return f"HTTP {t.status}"
    p50, p95 = t.pct(50), t.pct(95)
    flag = "!" if p95 > TARGET_MS else " "
    return (f"{p50:6.1f} /{p95:7.1f}{flag} [{min(t.server_ms):6.1f}] "
            f"{statistics.median(t.statements):2.0f}q")


def table(results: dict[str, dict[str, Timings]]) -> str:
    cols = list(results)
    width = max(len(label) for label, _ in PAGES)
    head = f"| {'page':{width}s} | " + " | ".join(f"{c:30s}" for c in cols) + " |"
    rule = f"|{'-' * (width + 2)}|" + "|".join("-" * 32 for _ in cols) + "|"
    rows = [f"| {label:{width}s} | " + " | ".join(f"{cell(results[c].get(label)):30s}"
                                                  for c in cols) + " |"
            for label, _ in PAGES]
    return "\n".join([head, rule, *rows])


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="sqlite,postgresql", type=lambda s: s.split(","))
    p.add_argument("--datasets", default="demo,volume", type=lambda s: s.split(","))
    p.add_argument("--n", type=int, default=30, help="timed requests per page")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--days", type=int, default=2, help="demo days simulated")
    p.add_argument("--reuse", action="store_true", help="reuse existing bench databases")
    p.add_argument("--slow", type=float, metavar="MS", default=None,
                   help="print the slowest statement and its plan for pages over MS at p50")
    a = p.parse_args(argv)
    results: dict[str, dict[str, Timings]] = {}
    for db in a.db:
        for ds in a.datasets:
            name = f"pages_{ds}"
            if a.reuse and database_exists(db, name):
                url = url_of(db, name)
            else:
                print(f"seeding {db}/{ds} ({DATASETS[ds]:,} history orders)", flush=True)
                url = seed_volume.seed(db, name, DATASETS[ds], 20_000, a.days, 42)
            print(f"measuring {db}/{ds}: {a.n} requests per page after {a.warmup} warm-up",
                  flush=True)
            results[f"{db} {ds}"] = measure(url, a.n, a.warmup, a.slow)
    load = os.getloadavg()
    print(f"\nserver time in ms: p50 / p95 (! = p95 over {TARGET_MS:.0f} ms) [fastest], and "
          f"SQL statements per request; {os.cpu_count()} CPUs, load {load[0]:.1f} "
          f"{load[1]:.1f} {load[2]:.1f}; {Path(__file__).name} n={a.n}")
    print(table(results))


if __name__ == "__main__":
    main()
