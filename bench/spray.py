"""Place-order latency, quiet and during an authentication spray, against a running server.

Sets up a shop like place_orders.py, then runs the same place-order load twice for --duration
seconds each: once quiet, once while a spray sends, every --wave-interval seconds, a wave of
--spray concurrent requests with unknown API keys (a fresh random key each) and --spray
concurrent wrong console logins (half against --login-email, a real account, half against
random unknown emails). Prints both place-order runs (p50/p99, errors, CPU), the p99 ratio,
and what the sprays got back (they should get only 401 and 429; anything else, or an order
that does not get 201, is a failure). --rounds N repeats the quiet/spray pair.

    .venv/bin/python bench/spray.py --url http://127.0.0.1:8765 --key psn_… \\
        --login-email spray@bench.pesanan.io --clients 8 --duration 15

bench/run.sh runs it on a fresh database with BENCH=spray (it also creates the console user).
Any place_orders.py option (--clients, --duration, --warmup, --server-pid, --db-tag, …) works.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import secrets
import sys
import time
from collections import Counter
from urllib.parse import urlencode

import httpx

import place_orders as po
from httpload import RawConnection

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def login_session(url: str) -> tuple[str, str]:
    """A console session cookie and its CSRF token, so the wrong logins pass the CSRF check
    and reach the password check."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        page = await client.get("/login")
        found = _CSRF.search(page.text)
        if page.status_code != 200 or not found:
            sys.exit(f"spray: GET /login -> {page.status_code}, no CSRF token")
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    return cookie, found.group(1)


async def _one(conn: RawConnection, method: str, path: str, body: bytes,
               headers: dict[str, str], timeout: float) -> str:
    # Twice at most: uvicorn closes a keep-alive connection idle for 5 s (a wave can take that
    # long), and a request sent on it just then gets no answer; a client retries on a new one.
    for attempt in (1, 2):
        reused = conn.writer is not None
        try:
            return str(await asyncio.wait_for(conn.request(method, path, body, headers),
                                              timeout))
        except (TimeoutError, OSError, EOFError, ValueError, IndexError) as exc:
            conn.close()  # a half-read answer would poison the next request
            if isinstance(exc, TimeoutError):
                return "timeout"
            if not (reused and attempt == 1):
                return f"transport:{type(exc).__name__}"
    raise AssertionError("unreachable")


async def spray(args: argparse.Namespace, stop: asyncio.Event,
                keys: Counter[str], logins: Counter[str]) -> int:
    """Waves until `stop` is set; returns how many waves were sent."""
    cookie, token = await login_session(args.url)
    key_conns = [RawConnection(args.url, "")
                 for _ in range(args.spray if "keys" in args.kinds else 0)]
    login_conns = [RawConnection(args.url, "", "application/x-www-form-urlencoded")
                   for _ in range(args.spray if "logins" in args.kinds else 0)]
    waves = 0
    try:
        while not stop.is_set():
            t0 = time.perf_counter()
            key_calls = [_one(c, "GET", "/api/v1/orders", b"",
                              {"Authorization": f"Bearer psn_{secrets.token_urlsafe(32)}"},
                              args.timeout) for c in key_conns]
            login_calls = [_one(c, "POST", "/login", urlencode({
                "email": (args.login_email if n % 2 == 0
                          else f"nobody-{secrets.token_hex(4)}@bench.pesanan.io"),
                "password": f"wrong-{secrets.token_hex(6)}", "csrf_token": token}).encode(),
                {"Cookie": cookie}, args.timeout) for n, c in enumerate(login_conns)]
            results = await asyncio.gather(*key_calls, *login_calls)
            keys.update(results[:len(key_conns)])
            logins.update(results[len(key_conns):])
            waves += 1
            left = args.wave_interval - (time.perf_counter() - t0)
            if left > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), left)
    finally:
        for c in key_conns + login_conns:
            c.close()
    return waves


def _p99(run: po.Run) -> float:
    return po.pct(sorted(run.latencies), 99)


async def bench(args: argparse.Namespace) -> int:
    key = po.admin_key(args)
    async with httpx.AsyncClient(base_url=args.url, timeout=60,
                                 headers={"Authorization": f"Bearer {key}"}) as client:
        shop = await po.create_shop(po.http_poster(client), args.products, args.customers)
    clients = args.clients[0]
    print(f"shop: {len(shop.skus)} products, {len(shop.customers)} customers; {clients} "
          f"order clients, {args.duration}s per run; spray: waves of {args.spray} unknown-key "
          f"GETs + {args.spray} wrong logins every {args.wave_interval}s", flush=True)
    ratios, bad = [], 0
    for n in range(1, args.rounds + 1):
        quiet, loud, keys, logins, waves = await one_round(args, key, shop, clients)
        print(f"round {n}\n  quiet  {po.report(quiet)}\n  spray  {po.report(loud)}")
        ratios.append(_p99(loud) / _p99(quiet))
        print(f"  place-order p50 {po.pct(sorted(quiet.latencies), 50) * 1000:.1f} -> "
              f"{po.pct(sorted(loud.latencies), 50) * 1000:.1f} ms, p99 "
              f"{_p99(quiet) * 1000:.1f} -> {_p99(loud) * 1000:.1f} ms under spray "
              f"({ratios[-1]:.2f}x)")
        print(f"  spray: {waves} waves; unknown keys {dict(sorted(keys.items()))}; "
              f"wrong logins {dict(sorted(logins.items()))}", flush=True)
        bad += sum(v for k, v in (keys + logins).items() if k not in ("401", "429"))
        bad += sum(v for k, v in (quiet.statuses + loud.statuses).items() if k != "201")
    print(f"p99 under spray / quiet by round: {', '.join(f'{r:.2f}x' for r in ratios)}")
    if bad:
        print(f"FAIL: {bad} answers were not 401/429 (sprays) or 201 (orders)")
    return 1 if bad else 0


async def one_round(args: argparse.Namespace, key: str, shop: po.Shop, clients: int
                    ) -> tuple[po.Run, po.Run, Counter[str], Counter[str], int]:
    """A quiet run, then the same run under the spray."""
    quiet = await po.one_run(args, key, shop, clients, "random")
    keys: Counter[str] = Counter()
    logins: Counter[str] = Counter()
    stop = asyncio.Event()
    sprayer = asyncio.create_task(spray(args, stop, keys, logins))
    loud = await po.one_run(args, key, shop, clients, "random")
    stop.set()
    waves = await sprayer
    return quiet, loud, keys, logins, waves


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=False)
    p.add_argument("--login-email", required=True, help="a real console account to guess at")
    p.add_argument("--spray", type=int, default=50, help="unknown keys and wrong logins a wave")
    p.add_argument("--wave-interval", type=float, default=1.0, help="seconds between waves")
    p.add_argument("--rounds", type=int, default=1,
                   help="quiet/spray pairs, one after the other (a shared machine is noisy)")
    p.add_argument("--kinds", default="keys,logins", type=lambda s: s.split(","),
                   help="what a wave sends: keys (unknown API keys), logins, or both")
    mine, rest = p.parse_known_args(argv)
    args = po.parse(rest)
    vars(args).update(vars(mine))
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(bench(parse())))
