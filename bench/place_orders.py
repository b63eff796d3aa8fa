"""Place-order benchmark over HTTP against a running Pesanan server.

Sets up a shop through the API (products with ample stock in two locations, a few customers),
then runs C concurrent clients for D seconds, each placing 3-line orders back to back (random
SKUs, or with --mode hot the same 3 SKUs for every order), and prints orders/s, p50/p99
latency and errors by status (5xx and timeouts counted apart).

--count-sql also places orders in-process (FastAPI TestClient over the same database, URL from
PESANAN_DATABASE_URL) with a SQLAlchemy `before_cursor_execute` listener and prints the SQL
statements per order (an executemany counts once per parameter set) and what they are.

    .venv/bin/python bench/place_orders.py --url http://127.0.0.1:8000 --key psn_… \\
        --clients 8,32,64 --duration 15 --mode random,hot --count-sql

See bench/README.md; bench/run.sh starts a server on a fresh database and runs all of it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from httpload import Send, cpu_times, cpu_used, httpx_sender, process_cpu, raw_sender
from sqlcapture import Step, driver_capture, recording, round_trips

STOCK_PER_LOCATION = 1_000_000
LINES_PER_ORDER = 3


@dataclass
class Shop:
    skus: list[str]
    customers: list[str]


@dataclass
class Run:
    clients: int
    mode: str
    duration: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, successful orders
    statuses: Counter[str] = field(default_factory=Counter)
    machine_busy: float | None = None  # share of all CPUs busy during the run (any process)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by party during the run

    @property
    def orders(self) -> int:
        return self.statuses["201"]


# --- setup --------------------------------------------------------------------------------

def admin_key(args: argparse.Namespace) -> str:
    """--key, or a fresh admin key made with the CLI against PESANAN_DATABASE_URL (the key is
    the last line the command prints)."""
    if args.key:
        return str(args.key)
    if "PESANAN_DATABASE_URL" not in os.environ:
        sys.exit("give --key, or set PESANAN_DATABASE_URL so a key can be created")
    cli = os.path.join(os.path.dirname(sys.executable), "pesanan")
    out = subprocess.run([cli, "apikey", "create", "--role", "admin", "--name", "bench"],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


Post = Callable[[str, dict[str, Any]], Awaitable[Any]]


def http_poster(client: httpx.AsyncClient) -> Post:
    async def post(path: str, body: dict[str, Any]) -> Any:
        return await client.post(path, json=body)

    return post


async def create_shop(post: Post, products: int, customers: int) -> Shop:
    """A fresh shop under a run tag, so the benchmark can run again on the same database."""
    tag = uuid.uuid4().hex[:6].upper()
    gate = asyncio.Semaphore(8)

    async def made(path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with gate:
            resp = await post(f"/api/v1{path}", body)
        if resp.status_code != 201:
            sys.exit(f"setup failed: POST {path} -> {resp.status_code} {resp.text[:300]}")
        data: dict[str, Any] = resp.json()
        return data

    locs = await asyncio.gather(*(
        made("/locations", {"code": f"B{tag}{n}", "name": f"Bench {n}", "kind": "warehouse"})
        for n in (1, 2)))
    skus = [f"B{tag}-{i:04d}" for i in range(products)]
    await asyncio.gather(*(made("/products", {
        "sku": sku, "name": f"Bench item {sku}", "price": f"{random.randint(100, 9999) / 100:.2f}",
        "currency": "USD", "tax_rate": "0.11", "standard_cost": "1.00"}) for sku in skus))
    await asyncio.gather(*(made("/inventory/adjustments", {
        "sku": sku, "location_id": loc["id"], "quantity": STOCK_PER_LOCATION,
        "reason": "bench opening stock"}) for sku in skus for loc in locs))
    custs = await asyncio.gather(*(made("/customers", {
        "name": f"Bench buyer {n}", "email": f"bench-{tag.lower()}-{n}@example.com"})
        for n in range(customers)))
    return Shop(skus, [c["id"] for c in custs])


def order_body(shop: Shop, mode: str, rng: random.Random) -> dict[str, Any]:
    skus = shop.skus[:LINES_PER_ORDER] if mode == "hot" else rng.sample(shop.skus,
                                                                        LINES_PER_ORDER)
    return {"channel": "web", "customer_id": rng.choice(shop.customers),
            "lines": [{"sku": s, "quantity": rng.randint(1, 3)} for s in skus]}


# --- the load -----------------------------------------------------------------------------

async def client_loop(send: Send, shop: Shop, run: Run, until: float, seed: int,
                      args: argparse.Namespace) -> None:
    rng = random.Random(seed)
    while time.perf_counter() < until:
        body = orjson.dumps(order_body(shop, run.mode, rng))
        headers = {"Idempotency-Key": uuid.uuid4().hex} if args.idem else {}
        t0 = time.perf_counter()
        try:
            status = await asyncio.wait_for(send(body, headers), args.timeout)
        except (TimeoutError, httpx.TimeoutException):
            run.statuses["timeout"] += 1
            continue
        except (OSError, EOFError, ValueError, IndexError, httpx.TransportError) as exc:
            run.statuses[f"transport:{type(exc).__name__}"] += 1
            continue
        if status == 201:
            run.latencies.append(time.perf_counter() - t0)
        run.statuses[str(status)] += 1


async def one_run(args: argparse.Namespace, key: str, shop: Shop, clients: int, mode: str
                  ) -> Run:
    run = Run(clients, mode)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=args.url, limits=limits, timeout=None,
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        pool = [raw_sender(args.url, key) if args.client == "raw" else httpx_sender(client)
                for _ in range(clients)]
        # Warm up: every client's connection, the server's key cache and its pools.
        warm = Run(clients, mode)
        end = time.perf_counter() + args.warmup
        await asyncio.gather(*(client_loop(send, shop, warm, end, -n, args)
                               for n, (send, _) in enumerate(pool)))
        cpu0, own0 = cpu_times(), process_cpu(args.server_pid, args.db_tag)
        start = time.perf_counter()
        await asyncio.gather(*(client_loop(send, shop, run, start + args.duration, n, args)
                               for n, (send, _) in enumerate(pool)))
        run.duration = time.perf_counter() - start
        cpu1, own1 = cpu_times(), process_cpu(args.server_pid, args.db_tag)
        for _, close in pool:
            close()
    if cpu0 and cpu1:
        run.machine_busy = (cpu1[0] - cpu0[0]) / max(cpu1[1] - cpu0[1], 1)
    run.cpu = cpu_used(own0, own1)
    return run


def pct(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def report(run: Run) -> str:
    lat = sorted(run.latencies)
    errors = {k: v for k, v in sorted(run.statuses.items()) if k != "201"}
    five = sum(v for k, v in errors.items() if k.startswith("5"))
    other = ", ".join(f"{k}: {v}" for k, v in errors.items()) or "none"
    return (f"{run.mode:6s} clients={run.clients:3d}  {run.duration:5.1f}s  "
            f"orders={run.orders:6d}  {run.orders / run.duration:7.1f} orders/s  "
            f"p50={pct(lat, 50) * 1000:6.1f} ms  p99={pct(lat, 99) * 1000:6.1f} ms  "
            f"max={(lat[-1] if lat else float('nan')) * 1000:6.1f} ms  "
            f"5xx={five}  timeouts={run.statuses['timeout']}  non-201: {other}"
            + (f"  cpu busy {run.machine_busy:.0%}" if run.machine_busy is not None else "")
            + cpu_per_order(run))


def cpu_per_order(run: Run) -> str:
    if not run.orders:
        return ""
    parts = [f"{k} {v / run.orders * 1000:.2f}" for k, v in run.cpu.items()]
    return "\n        CPU ms per order: " + ", ".join(parts)


async def http_bench(args: argparse.Namespace) -> None:
    key = admin_key(args)
    async with httpx.AsyncClient(base_url=args.url, timeout=60,
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        t0 = time.perf_counter()
        shop = await create_shop(http_poster(client), args.products, args.customers)
    print(f"shop: {len(shop.skus)} products x 2 locations, {len(shop.customers)} customers "
          f"({time.perf_counter() - t0:.1f}s); {LINES_PER_ORDER}-line orders, 1-3 units a line, "
          f"Idempotency-Key {'on' if args.idem else 'off'}; warm-up {args.warmup}s per run; "
          f"{args.client} client")
    runs = []
    for mode in args.mode:
        for clients in args.clients:
            run = await one_run(args, key, shop, clients, mode)
            print(report(run), flush=True)
            runs.append(run)
    if args.json:
        with open(args.json, "wb") as f:
            f.write(orjson.dumps([summary(r) for r in runs], option=orjson.OPT_INDENT_2))


def summary(run: Run) -> dict[str, Any]:
    """One run for bench/summary.py: rates, latency in ms, CPU ms per order by party."""
    lat = sorted(run.latencies)
    return {"mode": run.mode, "clients": run.clients, "orders": run.orders,
            "orders_per_s": run.orders / run.duration, "p50_ms": pct(lat, 50) * 1000,
            "p99_ms": pct(lat, 99) * 1000, "timeouts": run.statuses["timeout"],
            "5xx": sum(v for k, v in run.statuses.items() if k.startswith("5")),
            "cpu_ms": {k: v / max(run.orders, 1) * 1000 for k, v in run.cpu.items()}}


# --- SQL statements per order (in process) --------------------------------------------------

def count_sql(args: argparse.Namespace) -> None:
    """Place orders in-process and count the SQL each one sends, by statement kind."""
    from fastapi.testclient import TestClient
    from sqlalchemy import event

    from pesanan.app import create_app
    from pesanan.auth import service as auth
    from pesanan.bootstrap import build
    from pesanan.config import get_settings

    # One key, orders back to back: past the per-key API limit, which is not what this counts.
    container = build(get_settings().model_copy(update={"rate_limit_api": ""}))
    with container.engine.begin() as conn:
        _, key = auth.create_api_key(conn, "bench-count-sql", "admin")
    seen: Counter[str] = Counter()
    trips = [0]

    def on_execute(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                   executemany: bool) -> None:
        trips[0] += 1
        seen[" ".join(statement.split()[:4])[:60]] += len(parameters) if executemany else 1

    # On PostgreSQL, at the driver (bench/sqlcapture.py): raw driver SQL and pipelines count
    # too, and BEGIN/COMMIT are round trips; SQLite has only SQLAlchemy's cursor events.
    pg = container.engine.dialect.name == "postgresql"
    with contextlib.ExitStack() as stack:
        cap = stack.enter_context(driver_capture()) if pg else None
        tc = stack.enter_context(TestClient(create_app(container),
                                            raise_server_exceptions=False))
        tc.headers["Authorization"] = f"Bearer {key}"
        shop = asyncio.run(create_shop(_sync_poster(tc), min(args.products, 20), 2))
        rng = random.Random(7)
        for _ in range(5):  # warm the key cache and the compiled-statement cache
            _place(tc, order_body(shop, "random", rng), args.idem)
        n = args.count_orders
        if cap is None:
            event.listen(container.engine, "before_cursor_execute", on_execute)
        # Filled when the stack unwinds (it records until then: the orders below, no more).
        steps: list[Step] = stack.enter_context(recording(cap)) if cap else []
        for _ in range(n):
            _place(tc, order_body(shop, "random", rng), args.idem)
        if cap is None:
            event.remove(container.engine, "before_cursor_execute", on_execute)
    container.close()
    for st in (s for s in steps if s.kind == "exec"):
        seen[" ".join(st.sql.split()[:4])[:60]] += len(st.many) if st.many is not None else 1
    trips[0] += round_trips(steps)
    total = sum(seen.values())
    print(f"SQL per order ({container.engine.dialect.name}, in-process, {n} random 3-line "
          f"orders, Idempotency-Key {'on' if args.idem else 'off'}): {total / n:.1f} statements "
          f"(executemany = one per parameter set), {trips[0] / n:.1f} round trips"
          + (" (at the driver: BEGIN and COMMIT included)" if pg else ""))
    for stmt, c in seen.most_common():
        print(f"  {c / n:5.2f}  {stmt}")


def _sync_poster(tc: Any) -> Post:
    async def post(path: str, body: dict[str, Any]) -> Any:
        return tc.post(path, json=body)

    return post


def _place(tc: Any, body: dict[str, Any], idem: bool) -> None:
    headers = {"Idempotency-Key": uuid.uuid4().hex} if idem else {}
    resp = tc.post("/api/v1/orders", json=body, headers=headers)
    if resp.status_code != 201:
        sys.exit(f"count-sql: order failed: {resp.status_code} {resp.text[:300]}")


# --- entry ----------------------------------------------------------------------------------

def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--key", help="admin API key (default: create one with the pesanan CLI)")
    p.add_argument("--clients", default="8", type=lambda s: [int(x) for x in s.split(",")],
                   help="concurrent clients; a comma list runs each in turn (8,32,64)")
    p.add_argument("--duration", type=float, default=15.0, help="seconds per run")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds before each run")
    p.add_argument("--mode", default="random", type=lambda s: s.split(","),
                   help="random (3 random SKUs an order), hot (the same 3 SKUs), or both")
    p.add_argument("--hot", action="store_true", help="same as --mode hot")
    p.add_argument("--products", type=int, default=200)
    p.add_argument("--customers", type=int, default=5)
    p.add_argument("--timeout", type=float, default=10.0, help="per request, seconds")
    p.add_argument("--client", choices=("raw", "httpx"), default="raw",
                   help="timed loop over a minimal keep-alive HTTP/1.1 client (raw, light on "
                   "CPU) or httpx.AsyncClient")
    p.add_argument("--no-idem", dest="idem", action="store_false",
                   help="send no Idempotency-Key (default: a fresh key per order)")
    p.add_argument("--count-sql", action="store_true",
                   help="also count SQL statements per order in-process")
    p.add_argument("--count-orders", type=int, default=100)
    p.add_argument("--server-pid", type=int, help="report the server's CPU per order (Linux)")
    p.add_argument("--db-tag", help="report CPU per order of PostgreSQL backends whose process "
                   "title contains this (the bench database name)")
    p.add_argument("--skip-http", action="store_true", help="only --count-sql")
    p.add_argument("--json", help="also write the runs' figures here (bench/summary.py)")
    args = p.parse_args(argv)
    if args.hot:
        args.mode = ["hot"]
    if any(m not in ("random", "hot") for m in args.mode):
        p.error("--mode is random, hot or random,hot")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if not args.skip_http:
        asyncio.run(http_bench(args))
    if args.count_sql:
        count_sql(args)


if __name__ == "__main__":
    main()
