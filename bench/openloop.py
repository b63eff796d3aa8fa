"""Open-loop place-order latency over HTTP: a constant arrival rate, latency from schedule.

A closed-loop benchmark (place_orders.py) sends the next order only when the last one is
answered, so when the server stalls the clients stall with it and the orders that *would* have
arrived during the stall are never sent: the stall hides (coordinated omission). Here every
request has a scheduled send time fixed before the run, it is sent then whatever happened to
the others, and its latency is counted from that scheduled time, so waiting for the server, for
a free connection or for the generator itself all show in the figures.

It sets up a shop like place_orders.py, measures the closed-loop capacity in the same sitting
(8 clients, random SKUs, 10 s; or takes --capacity), then runs 25 %, 50 % and 75 % of it for
--duration seconds each (after a --warmup at the same rate) and prints per rate: target and
achieved rate, p50/p90/p99/p99.9/max latency, 5xx, timeouts, other errors, how late the
generator itself was against its schedule, and CPU per order. Exits 1 if any answer was a 5xx.

    .venv/bin/python bench/openloop.py --url http://127.0.0.1:8765 --key psn_… --duration 15

bench/run.sh runs it after the closed-loop run on PostgreSQL, or alone with BENCH=openloop.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import orjson

import place_orders as po
from httpload import Send, cpu_times, cpu_used, process_cpu, raw_sender

# The signature of a keep-alive connection the server closed while it sat idle (uvicorn does so
# after 5 s): no status line at all. Sent again once on a fresh connection (orders carry an
# Idempotency-Key, so that is safe); the latency still counts from the scheduled time.
_STALE = (EOFError, IndexError, ConnectionResetError, BrokenPipeError)


# --- schedule -------------------------------------------------------------------------------

def schedule(rate: float, duration: float, arrivals: str = "fixed", seed: int = 0
             ) -> list[float]:
    """Offsets in seconds from the start of every request due in [0, duration).

    "fixed" (the default) spaces them exactly 1/rate apart, as wrk2 does: the only queueing then
    is the server's own, so two runs compare. "poisson" draws exponential gaps (independent
    customers); its bursts queue even on a perfect server (M/D/1), which raises p99 by itself."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    if arrivals == "fixed":
        return [i / rate for i in range(math.ceil(rate * duration - 1e-9))]
    if arrivals != "poisson":
        raise ValueError(f"unknown arrivals {arrivals!r}")
    rng, out, t = random.Random(seed), [], 0.0
    while (t := t + rng.expovariate(rate)) < duration:
        out.append(t)
    return out


# --- connections ----------------------------------------------------------------------------

@dataclass
class Conn:
    send: Send
    close: Callable[[], None]
    used: bool = False


class Pool:
    """Keep-alive connections, handed out first in, first out: requests rotate over all of
    them, and so over all of the server's workers (which are dealt connections in turn). A new
    one is opened only when none is idle, up to `size`; past that a request waits (and its wait
    counts in its latency)."""

    def __init__(self, make: Callable[[], tuple[Send, Callable[[], None]]], size: int,
                 prefill: int = 8) -> None:
        self.make, self.size, self.opened = make, size, 0
        self.idle: asyncio.Queue[Conn] = asyncio.Queue()
        for _ in range(min(prefill, size)):
            self.idle.put_nowait(self._new())

    def _new(self) -> Conn:
        self.opened += 1
        return Conn(*self.make())

    async def get(self) -> tuple[Conn, bool]:
        """A connection, and whether the request had to wait for one."""
        if not self.idle.empty():
            return self.idle.get_nowait(), False
        if self.opened < self.size:
            return self._new(), False
        return await self.idle.get(), True

    def put(self, conn: Conn) -> None:
        self.idle.put_nowait(conn)

    def close(self) -> None:
        while not self.idle.empty():
            self.idle.get_nowait().close()


# --- one rate -------------------------------------------------------------------------------

@dataclass
class Result:
    rate: float
    duration: float
    due: list[float]  # absolute perf_counter() times each request was scheduled for
    latencies: list[float | None]  # from `due` to the answer; None unless it was a 201
    statuses: Counter[str] = field(default_factory=Counter)
    lateness: list[float] = field(default_factory=list)  # dispatch - due: the generator's lag
    send_lag: list[float] = field(default_factory=list)  # first write - due (+ connection wait)
    waited: int = 0  # requests that waited for a free connection
    resent: int = 0  # requests sent again after a stale keep-alive connection
    peak_in_flight: int = 0
    last_done: float = 0.0
    machine_busy: float | None = None
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by party

    @property
    def ok(self) -> int:
        return self.statuses["201"]

    @property
    def five_xx(self) -> int:
        return sum(v for k, v in self.statuses.items() if k.startswith("5"))

    @property
    def window(self) -> float:
        """From the first scheduled send to the last answer, at least the scheduled span."""
        if not self.due:
            return self.duration
        return max(self.duration, self.last_done - self.due[0])

    def ok_latencies(self) -> list[float]:
        return sorted(x for x in self.latencies if x is not None)


async def run_open_loop(pool: Pool, offsets: list[float], bodies: list[bytes],
                        headers: list[dict[str, str]], rate: float, duration: float,
                        timeout: float = 10.0) -> Result:
    """Send bodies[i] at start + offsets[i], never waiting for an answer before the next send,
    and wait for the last answers. One event loop; a task per request."""
    # A short lead so the first request is not late already.
    start = time.perf_counter() + 0.02
    due = [start + off for off in offsets]
    res = Result(rate, duration, due, [None] * len(due), send_lag=[math.nan] * len(due))
    in_flight: set[asyncio.Task[None]] = set()
    for i, when in enumerate(due):
        if (delay := when - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        res.lateness.append(time.perf_counter() - when)
        task = asyncio.create_task(_one(pool, res, i, bodies[i], headers[i], timeout))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        res.peak_in_flight = max(res.peak_in_flight, len(in_flight))
    if in_flight:
        await asyncio.gather(*in_flight)
    return res


async def _one(pool: Pool, res: Result, i: int, body: bytes, headers: dict[str, str],
               timeout: float) -> None:
    conn: Conn | None = None
    try:
        async with asyncio.timeout(timeout):
            conn, waited = await pool.get()
            res.waited += waited
            res.send_lag[i] = time.perf_counter() - res.due[i]
            try:
                status = await conn.send(body, headers)
            except _STALE:
                if not conn.used:
                    raise
                res.resent += 1
                status = await conn.send(body, headers)
            conn.used = True
    except TimeoutError:
        res.statuses["timeout"] += 1
        return
    except (OSError, EOFError, ValueError, IndexError) as exc:
        res.statuses[f"transport:{type(exc).__name__}"] += 1
        return
    finally:
        if conn is not None:
            pool.put(conn)  # the sender closed it on a failure; it reconnects on next use
    done = time.perf_counter()
    res.last_done = max(res.last_done, done)
    res.statuses[str(status)] += 1
    if status == 201:
        res.latencies[i] = done - res.due[i]


# --- report ---------------------------------------------------------------------------------

def exit_code(results: list[Result]) -> int:
    return 1 if any(r.five_xx for r in results) else 0


def _ms(x: float) -> str:
    return f"{x * 1000:.1f}"


def report(res: Result, label: str) -> str:
    lat = res.ok_latencies()
    others = {k: v for k, v in sorted(res.statuses.items())
              if k != "201" and k != "timeout" and not k.startswith("5")}
    late = sorted(res.lateness) or [math.nan]
    sent = sorted(x for x in res.send_lag if not math.isnan(x)) or [math.nan]
    lines = [
        f"{label}: target {res.rate:.1f}/s achieved {res.ok / res.window:.1f}/s  "
        f"scheduled={len(res.due)} ok={res.ok}  latency from schedule ms: "
        f"p50={_ms(po.pct(lat, 50))} p90={_ms(po.pct(lat, 90))} p99={_ms(po.pct(lat, 99))} "
        f"p99.9={_ms(po.pct(lat, 99.9))} max={_ms(lat[-1] if lat else math.nan)}  "
        f"5xx={res.five_xx} timeouts={res.statuses['timeout']} "
        f"other: {', '.join(f'{k}: {v}' for k, v in others.items()) or 'none'}",
        f"        generator: dispatch late p99 {_ms(po.pct(late, 99))} max {_ms(late[-1])} ms; "
        f"sent late (incl. waiting for a connection) max {_ms(sent[-1])} ms; "
        f"waited for a connection {res.waited}; resent {res.resent}; "
        f"peak in flight {res.peak_in_flight}",
    ]
    if res.cpu:
        parts = [f"{k} {v / max(res.ok, 1) * 1000:.2f}" for k, v in res.cpu.items()]
        client = res.cpu.get("client", 0.0) / res.window
        lines.append("        CPU ms per order: " + ", ".join(parts)
                     + f"; client {client:.0%} of a core"
                     + (f"; cpu busy {res.machine_busy:.0%}"
                        if res.machine_busy is not None else ""))
    # The generator is behind its schedule when it dispatches later than one gap (and 5 ms):
    # then part of the latency is its own, and a faster generator is needed at this rate.
    if late[-1] > max(0.005, 1 / res.rate):
        lines.append(f"        WARNING: the generator fell behind its schedule (max "
                     f"{_ms(late[-1])} ms late); latencies include its own lag")
    return "\n".join(lines)


# --- the benchmark --------------------------------------------------------------------------

async def measure_capacity(args: argparse.Namespace, key: str, shop: po.Shop) -> float:
    """Closed-loop orders/s in this sitting (place_orders.py's loop), the 100 % mark."""
    closed = argparse.Namespace(**{**vars(args), "duration": args.capacity_duration})
    run = await po.one_run(closed, key, shop, args.capacity_clients, args.mode)
    print(po.report(run).replace("\n", "\n  "), flush=True)
    if not run.orders:
        sys.exit("openloop: the closed-loop run placed no orders; no capacity to scale")
    return run.orders / run.duration


async def one_rate(args: argparse.Namespace, pool: Pool, shop: po.Shop, rate: float,
                   seed: int) -> Result:
    rng = random.Random(seed)

    def load(duration: float) -> tuple[list[float], list[bytes], list[dict[str, str]]]:
        # Bodies and keys made before the clock starts: the timed loop only sends.
        offsets = schedule(rate, duration, args.arrivals, rng.randrange(1 << 30))
        bodies = [orjson.dumps(po.order_body(shop, args.mode, rng)) for _ in offsets]
        heads = [{"Idempotency-Key": uuid.uuid4().hex} if args.idem else {} for _ in offsets]
        return offsets, bodies, heads

    if args.warmup > 0:  # opens the connections and warms the server at this rate; discarded
        await run_open_loop(pool, *load(args.warmup), rate, args.warmup, args.timeout)
    offsets, bodies, heads = load(args.duration)
    cpu0, own0 = cpu_times(), process_cpu(args.server_pid, args.db_tag)
    res = await run_open_loop(pool, offsets, bodies, heads, rate, args.duration, args.timeout)
    cpu1, own1 = cpu_times(), process_cpu(args.server_pid, args.db_tag)
    if cpu0 and cpu1:
        res.machine_busy = (cpu1[0] - cpu0[0]) / max(cpu1[1] - cpu0[1], 1)
    res.cpu = cpu_used(own0, own1)
    return res


async def bench(args: argparse.Namespace) -> int:
    key = po.admin_key(args)
    async with httpx.AsyncClient(base_url=args.url, timeout=60,
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        shop = await po.create_shop(po.http_poster(client), args.products, args.customers)
    print(f"open loop: {args.mode} SKUs, {args.arrivals} arrivals, {po.LINES_PER_ORDER}-line "
          f"orders, Idempotency-Key {'on' if args.idem else 'off'}, {args.duration:g}s per "
          f"rate after {args.warmup:g}s warm-up, up to {args.connections} connections, "
          f"{type(asyncio.get_running_loop()).__module__.split('.')[0]} loop", flush=True)
    if args.capacity:
        capacity = float(args.capacity)
        print(f"capacity: {capacity:.1f} orders/s (given)")
    else:
        capacity = await measure_capacity(args, key, shop)
        print(f"capacity: {capacity:.1f} orders/s closed loop, {args.capacity_clients} "
              f"clients, {args.capacity_duration:g}s", flush=True)
    pool = Pool(lambda: raw_sender(args.url, key), args.connections, args.min_connections)
    results = []
    try:
        for n, frac in enumerate(args.fractions):
            res = await one_rate(args, pool, shop, capacity * frac, seed=n)
            results.append(res)
            print(report(res, f"{frac:.0%} of capacity"), flush=True)
    finally:
        pool.close()
    return exit_code(results)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--key", help="admin API key (default: create one with the pesanan CLI)")
    p.add_argument("--capacity", type=float, help="orders/s taken as 100 %% (default: measure)")
    p.add_argument("--capacity-clients", type=int, default=8)
    p.add_argument("--capacity-duration", type=float, default=10.0)
    p.add_argument("--fractions", default="0.25,0.5,0.75",
                   type=lambda s: [float(x) for x in s.split(",")])
    p.add_argument("--duration", type=float, default=15.0, help="seconds per rate")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds at each rate, discarded")
    p.add_argument("--arrivals", choices=("fixed", "poisson"), default="fixed")
    p.add_argument("--mode", choices=("random", "hot"), default="random")
    p.add_argument("--connections", type=int, default=256, help="most connections open")
    p.add_argument("--min-connections", type=int, default=8,
                   help="connections opened up front (spread over the server's workers)")
    p.add_argument("--products", type=int, default=200)
    p.add_argument("--customers", type=int, default=5)
    p.add_argument("--timeout", type=float, default=10.0, help="per request, seconds")
    p.add_argument("--no-idem", dest="idem", action="store_false")
    p.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop",
                   help="uvloop costs the generator less CPU per request (if installed)")
    p.add_argument("--server-pid", type=int, help="report the server's CPU per order (Linux)")
    p.add_argument("--db-tag", help="report CPU per order of PostgreSQL backends whose title "
                   "contains this (the bench database name)")
    args = p.parse_args(argv)
    args.client = "raw"  # for place_orders.one_run (the capacity run)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    runner: Callable[[], asyncio.AbstractEventLoop] | None = None
    if args.loop == "uvloop":
        with contextlib.suppress(ImportError):
            import uvloop

            runner = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=runner) as r:
        sys.exit(r.run(bench(args)))


if __name__ == "__main__":
    main()
