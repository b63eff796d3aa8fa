"""Place-order throughput with and without the worker relaying events to one webhook endpoint,
and how far behind the worker runs (issue 11), against a running server.

Sets up a shop like place_orders.py and one webhook endpoint (every event) pointing at a
receiver in this process, then --rounds rounds (4) of a run with no worker and a run with
`pesanan worker` relaying, fanning out and delivering, ABBA: odd rounds without the worker
first, even rounds with it first. Before a worker run the worker first catches up on what the
runs before left (not measured). During a worker run it samples
the outbox lag (age of the oldest unstamped event, as /metrics shows it) every 100 ms, and the
receiver notes, for each webhook, the time from the event's commit (`occurred_at`, taken in
the transaction) to its arrival. Prints each pair, the throughput ratio, and p50/p99/max of
both lags; at the end every round's ratio and their median.

    PESANAN_DATABASE_URL=… .venv/bin/python bench/worker_lag.py --url http://127.0.0.1:8765 \\
        --key psn_… --clients 8 --duration 15 --rounds 4

bench/run.sh runs it on a fresh database with BENCH=worker (the server and the worker must
both allow the receiver's 127.0.0.1 address: PESANAN_OUTBOUND_ALLOW).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import IO

import httpx
import orjson
from sqlalchemy import create_engine, func, select

import place_orders as po
from pesanan.events import consumers
from pesanan.events.models import event_cursor, outbox
from pesanan.webhooks.models import webhook_delivery

BIN = Path(sys.executable).parent


class Receiver:
    """The webhook endpoint: a process of its own (`worker_lag.py --receiver`), so its work
    does not share a GIL with the order clients. Answers 204 over keep-alive HTTP/1.1, as a
    real receiver would, and notes (arrival - occurred_at) per event id; GET /lags returns
    them. asyncio (receive): it shares the machine, so it should cost as little as it can."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--receiver"],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{port}/hooks"

    def lags(self) -> dict[str, float]:
        return orjson.loads(httpx.get(self.url.replace("/hooks", "/lags"), timeout=60).content)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def receive() -> None:
    """The receiver's process: asyncio, one thread, HTTP/1.1 keep-alive. Not http.server:
    its per-request parsing (email.parser, a thread per connection) cost ~0.17 ms of CPU per
    webhook on the machine the benchmark measures, where a real endpoint runs elsewhere."""
    lags: dict[str, float] = {}

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request, *fields = head.decode("latin-1").split("\r\n")
                method = request.split(" ", 1)[0]
                length = 0
                close = request.endswith("HTTP/1.0")
                for f in fields:
                    name, _, value = f.partition(":")
                    name = name.strip().lower()
                    if name == "content-length":
                        length = int(value)
                    elif name == "connection" and "close" in value.lower():
                        close = True
                body = await reader.readexactly(length) if length else b""
                if method == "POST":
                    arrived = time.time()
                    event = orjson.loads(body)
                    at = datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00"))
                    lags.setdefault(event["id"], arrived - at.timestamp())
                    writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                else:  # GET /lags
                    out = orjson.dumps(lags)
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n%b" % (len(out), out))
                await writer.drain()
                if close:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the client hung up between requests
        finally:
            writer.close()

    async def main() -> None:
        # A listen backlog of 128: the worker opens its parallel connections at once.
        server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=128)
        print(server.sockets[0].getsockname()[1], flush=True)
        await server.serve_forever()

    asyncio.run(main())


def cpu_seconds(pid: int) -> float:
    """user + system CPU of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The oldest unstamped event: the lowest sequence waiting, read in index order through the
# partial index ix_outbox_unstamped. Ten times a second, so it must stay cheap while the run
# goes on: a min() over the same rows took a bitmap scan, which reads the heap page of every
# row stamped since the last vacuum (the index keeps their old entries) and never marks them
# dead — 13 ms and 4,700 buffers per sample, a third of a millisecond of PostgreSQL per order
# charged to the worker. A plain index scan marks them as it passes. Sequence order is insert
# order, so this is the oldest insert still waiting; its occurred_at is its transaction's.
_OLDEST = (select(outbox.c.occurred_at).where(outbox.c.position.is_(None))
           .order_by(outbox.c.sequence).limit(1))


class Sampler:
    """Samples the outbox lag (oldest unstamped event's age) every `every` seconds."""

    def __init__(self, url: str, every: float = 0.1) -> None:
        self.engine = create_engine(url, pool_size=1)
        self.every = every
        self.samples: list[float] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def backlog(self) -> tuple[int, int, int]:
        """(unstamped events, stamped events not fanned out yet, deliveries not delivered)."""
        with self.engine.connect() as conn:
            unstamped = conn.execute(select(func.count()).select_from(outbox)
                                     .where(outbox.c.position.is_(None))).scalar_one()
            newest = consumers.newest_position(conn)
            fanned = conn.execute(select(event_cursor.c.position)
                                  .where(event_cursor.c.name == "webhooks")).scalar_one_or_none()
            waiting = conn.execute(select(func.count()).select_from(webhook_delivery)
                                   .where(webhook_delivery.c.status == "pending")).scalar_one()
        return int(unstamped), newest - int(fanned or 0), int(waiting)

    def _run(self) -> None:
        while not self.stop.wait(self.every):
            with self.engine.connect() as conn:
                oldest = conn.execute(_OLDEST).scalar_one_or_none()
            self.samples.append(0.0 if oldest is None else
                                max(0.0, time.time() - oldest.timestamp()))

    def measure(self) -> None:
        self.samples, self.stop = [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def done(self) -> list[float]:
        self.stop.set()
        self.thread.join()
        return sorted(self.samples)


def statements(url: str) -> dict[str, tuple[int, float, int]]:
    """pg_stat_statements of this database so far: query -> (calls, exec ms, buffer hits).
    Read, never reset: another sitting may be measuring its own database on this server."""
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        rows = conn.exec_driver_sql(
            "SELECT query, calls, total_exec_time, shared_blks_hit FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")
        return {r[0]: (int(r[1]), float(r[2]), int(r[3])) for r in rows}


def statements_report(before: dict[str, tuple[int, float, int]],
                      after: dict[str, tuple[int, float, int]], orders: int, top: int = 16
                      ) -> str:
    """The statements that took most PostgreSQL time between two reads, per order."""
    delta = sorted(((a[1] - before.get(q, (0, 0.0, 0))[1], a[0] - before.get(q, (0, 0.0, 0))[0],
                     a[2] - before.get(q, (0, 0.0, 0))[2], q) for q, a in after.items()),
                   reverse=True)[:top]
    n = max(orders, 1)
    return "\n".join(
        f"    {ms_ / n:6.3f} ms/order {calls / n:5.2f} calls/order {ms_ / max(calls, 1):7.2f} "
        f"ms/call {hits / max(calls, 1):7.0f} hits/call  {' '.join(q.split())[:90]}"
        for ms_, calls, hits, q in delta)


def drain(sampler: Sampler, timeout: float = 300.0) -> float:
    t0 = time.monotonic()
    while sampler.backlog() != (0, 0, 0):
        if time.monotonic() - t0 > timeout:
            sys.exit(f"worker_lag: the worker did not catch up in {timeout:.0f} s: "
                     f"{sampler.backlog()}")
        time.sleep(0.2)
    return time.monotonic() - t0


def started(worker: subprocess.Popen[bytes], log: IO[bytes], timeout: float = 60.0) -> None:
    """Wait for the worker's lanes to run (its "starting" line, then a second for their first
    passes and connections): with the worker first in a round there is no backlog to catch up
    on, and its start (imports, the schedule, a connection per lane) would be measured."""
    t0 = time.monotonic()
    while b" starting" not in (log.seek(0) or log.read()):
        if worker.poll() is not None or time.monotonic() - t0 > timeout:
            sys.exit("worker_lag: the worker did not start")
        time.sleep(0.1)
    time.sleep(1.0)


def ms(values: list[float], p: float) -> str:
    return f"{po.pct(values, p) * 1000:.0f}"


async def bench(args: argparse.Namespace) -> int:
    receiver = Receiver()
    try:
        return await _bench(args, receiver)
    finally:
        receiver.close()


async def _bench(args: argparse.Namespace, receiver: Receiver) -> int:
    key = po.admin_key(args)
    async with httpx.AsyncClient(base_url=args.url, timeout=60,
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        made = await client.post("/api/v1/webhooks/endpoints",
                                 json={"url": receiver.url, "event_types": []})
        if made.status_code != 201:
            sys.exit(f"worker_lag: creating the endpoint -> {made.status_code} {made.text}")
        shop = await po.create_shop(po.http_poster(client), args.products, args.customers)
    url = os.environ["PESANAN_DATABASE_URL"]
    sampler = Sampler(url)
    clients = args.clients[0]
    print(f"shop: {len(shop.skus)} products, {len(shop.customers)} customers; {clients} "
          f"order clients, {args.duration}s per run; one webhook endpoint (every event) on "
          f"127.0.0.1", flush=True)
    ratios = []
    bad = 0
    for n in range(1, args.rounds + 1):
        # ABBA: odd rounds run without the worker first, even rounds with it first, so the
        # database's drift within a sitting (autovacuum off: dead rows and index entries pile
        # up run after run) does not always count against the same side.
        if n % 2:
            without = await po.one_run(args, key, shop, clients, "random")
            got = await _with_worker(args, key, shop, clients, sampler, receiver, url)
        else:
            got = await _with_worker(args, key, shop, clients, sampler, receiver, url)
            without = await po.one_run(args, key, shop, clients, "random")
        with_worker, text = got
        ratio = (with_worker.orders / with_worker.duration) / (without.orders / without.duration)
        ratios.append(ratio)
        print(f"round {n} ({'without' if n % 2 else 'with'} the worker first; {text[0]})\n"
              f"  no worker    {po.report(without)}\n  with worker  {po.report(with_worker)}\n"
              f"  throughput with/without {ratio:.2f}; {text[1]}", flush=True)
        bad += sum(v for k, v in (without.statuses + with_worker.statuses).items() if k != "201")
    print(f"throughput with/without the worker by round: "
          f"{', '.join(f'{r:.2f}' for r in ratios)}; median {statistics.median(ratios):.2f}")
    return 1 if bad else 0


async def _with_worker(args: argparse.Namespace, key: str, shop: po.Shop, clients: int,
                       sampler: Sampler, receiver: Receiver, url: str
                       ) -> tuple[po.Run, tuple[str, str]]:
    """One run with `pesanan worker` relaying, after it caught up on what the runs before left
    (not measured): the run, and (how long the catch-up took, what the worker did)."""
    with tempfile.TemporaryFile() as log:  # its log: when it started
        worker = subprocess.Popen([str(BIN / "pesanan"), "worker"], stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            started(worker, log)
            caught_up = drain(sampler)
            before = set(receiver.lags())
            sampler.measure()
            t0 = time.time()
            stats0 = statements(url) if args.pgstats else {}
            cpu0 = cpu_seconds(worker.pid), cpu_seconds(receiver.proc.pid)
            with_worker = await po.one_run(args, key, shop, clients, "random")
            cpu1 = cpu_seconds(worker.pid), cpu_seconds(receiver.proc.pid)
            stats1 = statements(url) if args.pgstats else {}
            relay = sampler.done()
            settle = drain(sampler)
            delivered = sorted(v for k, v in receiver.lags().items() if k not in before)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(60)
    text = (f"outbox lag (sampled every 100 ms, {len(relay)} samples) p50 {ms(relay, 50)} ms, "
            f"p99 {ms(relay, 99)} ms, max {ms(relay, 100)} ms; commit -> webhook received "
            f"({len(delivered)} events) p50 {ms(delivered, 50)} ms, p99 {ms(delivered, 99)} "
            f"ms, max {ms(delivered, 100)} ms; all delivered {settle:.1f} s after the run (wall "
            f"{time.time() - t0:.0f} s)\n"
            f"  CPU during the run (warm-up included), ms per event delivered: worker "
            f"{(cpu1[0] - cpu0[0]) / max(len(delivered), 1) * 1000:.2f}, receiver "
            f"{(cpu1[1] - cpu0[1]) / max(len(delivered), 1) * 1000:.2f}")
    if args.pgstats:
        text += ("\n  PostgreSQL during the run with the worker, top statements (all of them, "
                 "the orders' too):\n" + statements_report(stats0, stats1, with_worker.orders))
    return with_worker, (f"the worker caught up on the runs before in {caught_up:.1f} s", text)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=False)
    p.add_argument("--rounds", type=int, default=4,
                   help="without/with pairs, ABBA: odd rounds without the worker first, even "
                        "rounds with it first (a shared machine is noisy; the database drifts)")
    p.add_argument("--pgstats", action="store_true",
                   help="print the top pg_stat_statements of each run with the worker (read "
                        "before and after it, outside the measured time)")
    mine, rest = p.parse_known_args(argv)
    args = po.parse(rest)
    vars(args).update(vars(mine))
    return args


if __name__ == "__main__":
    if sys.argv[1:] == ["--receiver"]:
        receive()
    sys.exit(asyncio.run(bench(parse())))
