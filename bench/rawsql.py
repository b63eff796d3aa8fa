"""The raw limit of Pesanan's own place-order transaction: the SQL it really sends, replayed by
pgbench with no Python in between.

Each run captures afresh (in process, at the driver, bench/sqlcapture.py) what POST
/api/v1/orders sends for SETS random 3-SKU orders, each placed twice with the same body so the
values that are fresh per order can be told apart (bench/pgscript.py), and writes one pgbench
script per order (`-f x.sql@1`): random SKUs with their stock rows baked in, the same
statements, the same transaction boundaries. Then pgbench runs them for the same duration as the
HTTP run, per protocol (-M prepared, -M simple) and client count, and each run is checked: every
transaction's guarded stock updates must have reserved its units (the reserved total rises by
exactly the units of the transactions pgbench counted), and an order row exists per transaction.

    PESANAN_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/pesanan_bench \\
      .venv/bin/python bench/rawsql.py --clients 8,64 --duration 15 --json var/bench/raw.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from httpload import CpuSample, process_cpu
from pgscript import Script, base_for, pgbench_script
from place_orders import LINES_PER_ORDER, _sync_poster, create_shop
from sqlcapture import Step, driver_capture, recording, round_trips


@dataclass
class Order:
    body: dict[str, Any]
    steps: list[Step]
    twin: list[Step]  # the same body placed again

    @property
    def units(self) -> int:
        return sum(int(line["quantity"]) for line in self.body["lines"])


@dataclass
class Captured:
    orders: list[Order]
    product_ids: list[str]
    known: set[str]  # every id in the database before the captured orders


def capture_orders(sets: int, products: int, seed: int = 11, url: str | None = None
                   ) -> Captured:
    """Place 2 x `sets` orders in process against `url` (PESANAN_DATABASE_URL), capturing
    each."""
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from pesanan.app import create_app
    from pesanan.auth import service as auth
    from pesanan.bootstrap import build
    from pesanan.config import get_settings

    settings = get_settings().model_copy(update={"rate_limit_api": ""})
    container = build(settings.model_copy(update={"database_url": url}) if url else settings)
    with container.engine.begin() as conn:
        _, key = auth.create_api_key(conn, "bench-rawsql", "admin")
    rng = random.Random(seed)
    orders: list[Order] = []
    with driver_capture() as cap, TestClient(create_app(container),
                                             raise_server_exceptions=False) as tc:
        tc.headers["Authorization"] = f"Bearer {key}"
        # In a thread of its own: under pytest the browser tests may leave an event loop
        # running on this thread, and asyncio.run refuses to nest in one.
        with ThreadPoolExecutor(1) as pool:
            shop = pool.submit(asyncio.run, create_shop(_sync_poster(tc), products, 2)).result()
        known = existing_ids(container.engine)
        for n in range(sets + 3):
            body = {"channel": "web", "customer_id": rng.choice(shop.customers),
                    "lines": [{"sku": s, "quantity": rng.randint(1, 3)}
                              for s in rng.sample(shop.skus, LINES_PER_ORDER)]}
            pair = []
            for _ in range(2):
                with recording(cap) as steps:
                    resp = tc.post("/api/v1/orders", json=body,
                                   headers={"Idempotency-Key": uuid.uuid4().hex})
                if resp.status_code != 201:
                    sys.exit(f"rawsql: order failed: {resp.status_code} {resp.text[:300]}")
                pair.append(steps)
            if n >= 3:  # the first few warm the caches (keys, compiled statements, prepares)
                orders.append(Order(body, pair[0], pair[1]))
    with container.engine.connect() as conn:
        ids = conn.execute(text("SELECT id FROM product WHERE sku = ANY(:s)"),
                           {"s": shop.skus}).scalars().all()
    container.close()
    return Captured(orders, list(ids), known)


def existing_ids(engine: Any) -> set[str]:
    from sqlalchemy import text

    from pesanan.migrations.tables import metadata

    out: set[str] = set()
    with engine.connect() as conn:
        for t in metadata.sorted_tables:
            if "id" in t.c and str(t.c.id.type).startswith("VARCHAR"):
                out.update(conn.execute(text(f'SELECT id FROM "{t.name}"')).scalars())
    return out


@dataclass
class RawRun:
    protocol: str
    clients: int
    duration: float
    transactions: int
    failed: int
    tps: float
    p50_ms: float
    p99_ms: float
    # Over the run's second half: by then each connection has prepared (-M prepared) the
    # scripts it runs, as Pesanan's pooled connections have long prepared theirs.
    steady_tps: float = 0.0
    cpu_ms: dict[str, float] = field(default_factory=dict)  # per transaction, by party
    check: str = ""


def pg_args(url: str) -> tuple[list[str], str]:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    return args, str(u.database)


def _stock(conn: psycopg.Connection[Any], product_ids: list[str]) -> tuple[int, int, int]:
    row = conn.execute("SELECT (SELECT count(*) FROM sales_order), coalesce(sum(reserved), 0), "
                       "coalesce(min(on_hand - reserved), 0) FROM stock_level "
                       "WHERE product_id = ANY(%s)", [product_ids]).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


class CpuWatch:
    """PostgreSQL backends' CPU over a pgbench run, sampled every 0.2 s: pgbench's backends exit
    with it, so a sample taken afterwards would miss them."""

    def __init__(self, tag: str) -> None:
        self.tag, self.first = tag, process_cpu(None, tag)
        self.last: CpuSample = self.first
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.done.wait(0.2):
            now = process_cpu(None, self.tag)
            self.last = {"postgres": {**self.last["postgres"], **now["postgres"]}}

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        before = self.first["postgres"]
        return sum(t - before.get(p, 0.0) for p, t in self.last["postgres"].items())


def run_pgbench(url: str, files: list[Path], units: list[int], product_ids: list[str],
                protocol: str, clients: int, duration: float, run_no: int, workdir: Path
                ) -> RawRun:
    conn_args, db = pg_args(url)
    logs = workdir / f"log-{protocol}-{clients}"
    cmd = ["pgbench", "-n", *conn_args, "-c", str(clients), "-j", str(min(clients, 2)),
           "-T", str(int(duration)), "-M", protocol, "-D", "txn=0",
           "-D", f"base={base_for(run_no)}", "-l", f"--log-prefix={logs}",
           *[a for f in files for a in ("-f", f"{f}@1")], db]
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        orders0, reserved0, _ = _stock(conn, product_ids)
        usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        watch = CpuWatch(db)
        out = subprocess.run(cmd, capture_output=True, text=True)
        pg_cpu = watch.stop()
        usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        orders1, reserved1, headroom = _stock(conn, product_ids)
    if out.returncode != 0:
        sys.exit(f"pgbench failed ({out.returncode}):\n{out.stderr[-2000:]}\n{out.stdout[-2000:]}")
    per_script = [int(n) for n in re.findall(r"- (\d+) transactions \(", out.stdout)]
    if len(per_script) != len(files):  # one script file: no per-script block
        per_script = [int(re.search(r"transactions actually processed: (\d+)",
                                    out.stdout).group(1))]  # type: ignore[union-attr]
    total = sum(per_script)
    failed = re.search(r"number of failed transactions: (\d+)", out.stdout)
    tps = re.search(r"tps = ([\d.]+) \(without initial", out.stdout)
    lat, ends = _log(logs)
    lat.sort()
    expected_units = sum(n * u for n, u in zip(per_script, units, strict=True))
    problems = []
    if orders1 - orders0 != total:
        problems.append(f"{orders1 - orders0} orders for {total} transactions")
    if reserved1 - reserved0 != expected_units:
        problems.append(f"reserved rose {reserved1 - reserved0}, expected {expected_units} "
                        "(a guarded update changed no row?)")
    if headroom < 0:
        problems.append("stock went negative")
    client_cpu = (usage1.ru_utime + usage1.ru_stime) - (usage0.ru_utime + usage0.ru_stime)
    return RawRun(protocol, clients, duration, total, int(failed.group(1)) if failed else 0,
                  float(tps.group(1)) if tps else total / duration,
                  _pct(lat, 50), _pct(lat, 99), _second_half_rate(ends),
                  {"postgres": pg_cpu / max(total, 1) * 1000,
                   "client": client_cpu / max(total, 1) * 1000},
                  "; ".join(problems) or f"ok: +{total} orders, +{expected_units} reserved")


def _log(prefix: Path) -> tuple[list[float], list[float]]:
    """From pgbench -l logs: each transaction's latency in ms (field 3, in us) and the time it
    ended (fields 5 and 6: epoch seconds and microseconds)."""
    lat: list[float] = []
    ends: list[float] = []
    for f in prefix.parent.glob(prefix.name + ".*"):
        for line in f.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 6 and parts[2].isdigit():
                lat.append(int(parts[2]) / 1000)
                ends.append(int(parts[4]) + int(parts[5]) / 1e6)
        f.unlink()
    return lat, ends


def _second_half_rate(ends: list[float]) -> float:
    if len(ends) < 2:
        return 0.0
    first, last = min(ends), max(ends)
    mid = (first + last) / 2
    return sum(e > mid for e in ends) / max(last - mid, 1e-9)


def _pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))]


def write_scripts(captured: Captured, protocol: str, workdir: Path) -> tuple[list[Path], Script]:
    files, first = [], None
    for n, order in enumerate(captured.orders):
        script = pgbench_script(order.steps, order.twin, captured.known,
                                pipeline=protocol != "simple")
        first = first or script
        path = workdir / f"order-{protocol}-{n:02d}.sql"
        path.write_text(script.text)
        files.append(path)
    assert first is not None
    return files, first


def run_all(args: argparse.Namespace, url: str, captured: Captured, workdir: Path
            ) -> list[RawRun]:
    runs: list[RawRun] = []
    for protocol in args.protocols:
        files, _ = write_scripts(captured, protocol, workdir)
        for clients in args.clients:
            run = run_pgbench(url, files, [o.units for o in captured.orders],
                              captured.product_ids, protocol, clients, args.duration,
                              len(runs), workdir)
            runs.append(run)
            print(f"raw {protocol:8s} clients={clients:3d}  {run.transactions:7d} tx  "
                  f"{run.tps:8.1f} tps ({run.steady_tps:.1f} in the 2nd half)  "
                  f"p50={run.p50_ms:6.2f} ms  p99={run.p99_ms:6.2f} ms  "
                  f"failed={run.failed}  CPU ms/tx: postgres {run.cpu_ms['postgres']:.2f}, "
                  f"pgbench {run.cpu_ms['client']:.2f}  [{run.check}]", flush=True)
    return runs


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clients", default="8,64", type=lambda s: [int(x) for x in s.split(",")])
    p.add_argument("--duration", type=float, default=15.0)
    p.add_argument("--protocols", default="prepared,simple", type=lambda s: s.split(","))
    p.add_argument("--sets", type=int, default=64, help="script files (random 3-SKU orders)")
    p.add_argument("--products", type=int, default=200, help="as many as the HTTP run's shop")
    p.add_argument("--json", help="write the runs here")
    p.add_argument("--keep", help="write the scripts into this directory (kept)")
    args = p.parse_args(argv)
    url = os.environ["PESANAN_DATABASE_URL"]
    t0 = time.perf_counter()
    captured = capture_orders(args.sets, args.products)
    steps = captured.orders[0].steps
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="pesanan-rawsql-"))
    workdir.mkdir(parents=True, exist_ok=True)
    execs = sum(s.kind == "exec" for s in steps)
    print(f"raw: {len(captured.orders)} scripts of Pesanan's own place order, captured in "
          f"process ({time.perf_counter() - t0:.1f}s): {execs} statements (executemany once),"
          f" {round_trips(steps)} round trips (BEGIN, COMMIT included), "
          f"{sum(s.kind == 'begin' for s in steps)} transaction(s); scripts in {workdir}"
          + ("" if args.keep else " (removed afterwards; --keep DIR keeps them)"))
    try:
        runs = run_all(args, url, captured, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"statements": sum(len(s.many or [None]) for s in steps if s.kind == "exec"),
             "round_trips": round_trips(steps), "runs": [asdict(r) for r in runs]}, indent=1))
    if any(not r.check.startswith("ok") for r in runs):
        sys.exit("raw: a run did not do what Pesanan's transaction does (see the checks)")


if __name__ == "__main__":
    main()
