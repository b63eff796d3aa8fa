"""Allocation benchmark (issue 4): a 1,000-line order over 10 locations, end to end through the
API — the dry-run plan and a real placement.

It creates, under a fresh tag (so it can run again on the same database), 10 locations in 3
countries and 1,000 SKUs, each stocked in 3 of the 10 locations with too little in any one of
them for some lines (so the plan is a real set cover with splits), and a customer. Then it
times `POST /api/v1/sourcing/plans` and `POST /api/v1/orders` with all 1,000 lines.

By default it runs **in process**: FastAPI `TestClient` on the database in
`PESANAN_DATABASE_URL` (no server to start; the HTTP stack, validation, JSON and the database
round trips are all real, only the socket is not). `--url URL --key KEY` drives a running
server instead.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from typing import Any

import httpx


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", help="a running server; default: in process")
    ap.add_argument("--key", help="admin API key (with --url)")
    ap.add_argument("--lines", type=int, default=1000)
    ap.add_argument("--locations", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=5, help="dry runs to time")
    ap.add_argument("--placements", type=int, default=3, help="real orders to time")
    args = ap.parse_args()
    if args.url:
        if not args.key:
            sys.exit("--url needs --key")
        with httpx.Client(base_url=args.url, timeout=60) as client:
            run(client, {"Authorization": f"Bearer {args.key}"}, args)
        return
    from fastapi.testclient import TestClient

    from pesanan.app import create_app
    from pesanan.auth import service as auth
    from pesanan.bootstrap import build

    container = build()
    with container.engine.begin() as conn:
        _, secret = auth.create_api_key(conn, "bench-allocation", "admin")
    print(f"in process on {container.engine.url.render_as_string(hide_password=True)}")
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        run(client, {"Authorization": f"Bearer {secret}"}, args)
    container.close()


def _ok(resp: httpx.Response, status: int = 200) -> Any:
    if resp.status_code != status:
        sys.exit(f"{resp.request.method} {resp.request.url}: {resp.status_code} {resp.text}")
    return resp.json()


def setup(client: Any, h: dict[str, str], args: argparse.Namespace) -> tuple[list[str], str]:
    tag = uuid.uuid4().hex[:6].upper()
    places = [("ID", "JK"), ("ID", "JI"), ("ID", "SU"), ("SG", "SG"), ("MY", "KL")]
    locs = []
    for i in range(args.locations):
        country, region = places[i % len(places)]
        locs.append(_ok(client.post("/api/v1/locations", headers=h, json={
            "code": f"B{tag}-{i}", "name": f"Bench {i}", "country": country,
            "region": region}), 201)["id"])
    skus = [f"B{tag}-{n:04d}" for n in range(args.lines)]
    start = time.perf_counter()
    for n, sku in enumerate(skus):
        _ok(client.post("/api/v1/products", headers=h, json={
            "sku": sku, "name": f"Bench {n}", "price": "10.00", "currency": "USD",
            "tax_rate": "0.11"}), 201)
        # 3 locations per SKU; the first holds 6 units, so a 7-unit line (every 7th) splits.
        for k in range(3):
            _ok(client.post("/api/v1/inventory/adjustments", headers=h, json={
                "sku": sku, "location_id": locs[(n + k) % len(locs)],
                "quantity": 6 + 40 * k * (n % 2), "reason": "bench"}), 201)
    print(f"setup: {len(locs)} locations, {len(skus)} SKUs stocked in 3 locations each "
          f"({time.perf_counter() - start:.1f} s)")
    customer = _ok(client.post("/api/v1/customers", headers=h, json={
        "name": "Bench Buyer", "email": f"bench-{tag.lower()}@example.com"}), 201)["id"]
    return skus, customer


def run(client: Any, h: dict[str, str], args: argparse.Namespace) -> None:
    skus, customer = setup(client, h, args)
    lines = [{"sku": s, "quantity": 7 if n % 7 == 0 else 1} for n, s in enumerate(skus)]
    ship_to = {"country": "ID", "region": "JI"}
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        plan = _ok(client.post("/api/v1/sourcing/plans", headers=h, json={
            "lines": lines, "channel": "web", "ship_to": ship_to}))
        times.append(time.perf_counter() - t)
    split = sum(1 for x in plan["lines"] if len(x["picks"]) > 1)
    print(f"dry-run plan, {len(lines)} lines: {plan['shipments']} shipments, {split} split "
          f"lines, feasible {plan['feasible']}")
    print(f"  POST /sourcing/plans: min {min(times) * 1000:.0f} ms, median "
          f"{statistics.median(times) * 1000:.0f} ms over {len(times)}")
    placed = []
    for i in range(args.placements):
        t = time.perf_counter()
        idem = {**h, "Idempotency-Key": uuid.uuid4().hex}
        order = _ok(client.post("/api/v1/orders", headers=idem,
                                json={"channel": "web", "customer_id": customer,
                                      "lines": [{"sku": x["sku"], "quantity": 1} if i else x
                                                for x in lines],
                                      "shipping_address": {"name": "B", "line1": "1",
                                                           "city": "Surabaya", "region": "JI",
                                                           "country": "ID"}}), 201)
        placed.append(time.perf_counter() - t)
        print(f"  POST /orders #{i + 1} ({order['number']}, {len(order['lines'])} lines"
              f"{', 7 units on every 7th' if i == 0 else ', 1 unit each'}): "
              f"{placed[-1] * 1000:.0f} ms")
    print(f"placement: min {min(placed) * 1000:.0f} ms, max {max(placed) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
