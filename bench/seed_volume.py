"""Seed a page-benchmark database: the demo shop, optionally a year of history in bulk (say
100,000 orders, see bench/bulk_history.py for what is written and what is bypassed), then DAYS
of demo trade through the services on top, then `pesanan audit`.

    .venv/bin/python bench/seed_volume.py --db sqlite --name volume --orders 100000
    .venv/bin/python bench/seed_volume.py --db postgresql --name demo --orders 0

SQLite files go to var/bench/<name>.db; PostgreSQL databases are pesanan_bench_<name> on
PESANAN_BENCH_PG (postgresql://postgres@127.0.0.1:5432/postgres). The database is recreated.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, select, text

# bench/ is a folder of scripts, not a package: run as `python bench/…`, its siblings import.
import bulk_history as bulk
from pesanan import demo
from pesanan.audit import checks
from pesanan.bootstrap import Container, build
from pesanan.catalog.models import product
from pesanan.config import Settings
from pesanan.core.clock import now
from pesanan.customers.models import address, customer
from pesanan.db.migrate import upgrade
from pesanan.db.sequences import counter
from pesanan.inventory.models import location
from pesanan.migrations.tables import metadata

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("PESANAN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
CHUNK = 5_000  # orders per batch: ~10 executemany calls of a few thousand rows each
HISTORY_DAYS = 365
# Insert order follows the foreign keys.
TABLES = ("sales_order", "order_line", "order_event", "shipment", "shipment_line",
          "stock_movement", "invoice", "payment", "journal_entry", "journal_line")


def database_url(db: str, name: str) -> str:
    """Recreate the named benchmark database and return its URL (not yet migrated)."""
    if db == "sqlite":
        path = ROOT / "var" / "bench" / f"{name}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "pesanan_bench_{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "pesanan_bench_{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/pesanan_bench_{name}"


def world(conn: Connection) -> bulk.World:
    products = [bulk.Product(r.id, r.sku, r.name, r.price, r.tax_rate, r.standard_cost)
                for r in conn.execute(select(product).order_by(product.c.sku))]
    places = {r.kind: r.id for r in conn.execute(select(location.c.kind, location.c.id))}
    regulars = [bulk.Buyer(r.id, r.kind, r.payment_preference)
                for r in conn.execute(select(customer))]
    currency = conn.execute(select(product.c.currency)).scalars().first()
    return bulk.World(str(currency), products, places["warehouse"],
                      places.get("store", places["warehouse"]), regulars, regulars)


def fate(rng: random.Random, i: int, n: int, buyer: bulk.Buyer) -> str:
    """Most orders are done; about 3% were cancelled; business buyers of the last 45 days (on
    30-day terms) and a few bad debts are shipped and invoiced but unpaid."""
    if rng.random() < 0.03:
        return "cancelled"
    recent = i > n * (1 - 45 / HISTORY_DAYS)
    if (buyer.kind == "b2b" and recent) or rng.random() < 0.005:
        return "unpaid"
    return "completed"


def seed_history(engine: Engine, n_orders: int, n_customers: int, rng: random.Random) -> None:
    end = now() - timedelta(days=3)
    start = end - timedelta(days=HISTORY_DAYS)
    with engine.begin() as conn:
        w = world(conn)
        rows, buyers = bulk.customers(rng, n_customers, start - timedelta(days=30))
        conn.execute(customer.insert(), rows["customer"])
        conn.execute(address.insert(), rows["address"])
    w.buyers = buyers + w.regulars
    step = (end - start) / max(n_orders, 1)
    t0 = time.perf_counter()
    for first in range(0, n_orders, CHUNK):
        rows = bulk.new_rows()
        for i in range(first, min(first + CHUNK, n_orders)):
            ts = start + step * (i + rng.random() * 0.9)
            buyer = bulk.pick_buyer(w, rng)
            bulk.order(rows, w, rng, ts, buyer, fate(rng, i, n_orders, buyer))
        with engine.begin() as conn:
            insert(conn, rows)
        done = min(first + CHUNK, n_orders)
        print(f"\r  {done:,} orders ({done / (time.perf_counter() - t0):,.0f}/s)", end="",
              flush=True)
    print()
    with engine.begin() as conn:
        insert(conn, bulk.receipts(w, start - timedelta(days=1)))
        advance_counters(conn, w)
        rebuild_balances(conn)


def rebuild_balances(conn: Connection) -> None:
    """The bulk journal bypassed ledger.post, so rebuild the running account balances it keeps
    (the audit checks they equal the journal). Sums run over the stored scaled integers."""
    conn.execute(text("DELETE FROM account_balance"))
    conn.execute(text(
        "INSERT INTO account_balance (currency, account_code, stripe, debit, credit) "
        "SELECT e.currency, l.account_code, 0, SUM(l.debit), SUM(l.credit) "
        "FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id "
        "GROUP BY e.currency, l.account_code"))


def insert(conn: Connection, rows: bulk.Rows) -> None:
    """executemany per table. The values go through each column type's own bind processor
    (Amount scales, UTCDateTime normalises, JSON serialises) but skip SQLAlchemy's per-row
    parameter building, which otherwise costs more than the database does."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    for name in TABLES:
        batch = rows.get(name)
        if not batch:
            continue
        table = metadata.tables[name]
        cols = list(batch[0])
        procs = [table.c[c].type.bind_processor(conn.dialect) for c in cols]
        sql = (f'INSERT INTO "{name}" ({", ".join(cols)}) '
               f'VALUES ({", ".join([mark] * len(cols))})')
        conn.exec_driver_sql(sql, [
            tuple(v if p is None else p(v) for p, v in zip(procs, (r[c] for c in cols),
                                                             strict=True))
            for r in batch])


def advance_counters(conn: Connection, w: bulk.World) -> None:
    """Move the numbering past the history, so the services continue it without clashes."""
    values = {"order_number": w.order_no, "shipment_number": w.shipment_no,
              **{f"invoice_{year}": seq for year, seq in w.invoice_seq.items()}}
    for name, value in values.items():
        if conn.dialect.name == "postgresql" and not name.startswith("invoice_"):
            conn.execute(text(f"SELECT setval('{name}_seq', :v)"), {"v": value})
            continue
        conn.execute(counter.delete().where(counter.c.name == name))
        conn.execute(counter.insert(), {"name": name, "value": value})


def simulate(engine: Engine, read_engine: Engine, days: int, rng: random.Random) -> None:
    sim = demo.Simulation(engine, demo.load(read_engine), rng, orders_per_day=15)
    for _ in range(days):
        sim.run_day()
    t = sim.tally
    print(f"  simulated {days} day(s): {t.orders.total()} orders, {t.shipments} shipments, "
          f"{t.invoices} invoices, {t.payments} payments")


def audit(c: Container) -> bool:
    with checks.snapshot(c.read_engine) as conn:
        results = checks.run_all(conn)
    for r in results:
        print(f"  audit {r.check.name:16s} {'ok' if r.ok else 'BREACH'} "
              + "; ".join(f"{b.subject}: {b.detail}" for b in r.breaches[:3]))
    return all(r.ok for r in results)


def counts(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()
                for t in ("customer", *TABLES)}


def seed(db: str, name: str, orders: int, customers: int, days: int, seed_: int) -> str:
    """Build the database; returns its URL."""
    url = database_url(db, name)
    t0 = time.perf_counter()
    upgrade(url)
    c = build(Settings(database_url=url, secret_key="bench"))
    rng = random.Random(seed_)
    try:
        demo.ensure_shop(c.engine, rng, len(demo.data.PRODUCTS))
        if orders:
            seed_history(c.engine, orders, customers, rng)
        simulate(c.engine, c.read_engine, days, rng)
        if c.engine.dialect.name == "postgresql":
            with c.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))  # what autovacuum soon does anyway
        ok = audit(c)
        print(f"  {db}/{name}: {counts(c.engine)} in {time.perf_counter() - t0:.0f}s")
    finally:
        c.close()
    if not ok:
        sys.exit("the seeded database fails the audit")
    return url


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--name", default="volume")
    p.add_argument("--orders", type=int, default=100_000, help="bulk history orders (0: none)")
    p.add_argument("--customers", type=int, default=20_000, help="bulk history customers")
    p.add_argument("--days", type=int, default=2, help="demo days simulated on top")
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args(argv)
    print(seed(a.db, a.name, a.orders, a.customers, a.days, a.seed))


if __name__ == "__main__":
    main()
