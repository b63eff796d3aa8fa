"""CPU per order of the command below HTTP: the idempotency claim, place_order and the stored
answer, in this process, one order after another (issue 13).

The HTTP benchmark's server CPU per order mixes the framework, the thread hand-off and the
database driver; this isolates the part Pesanan's own code and its SQL layer spend, so a change
on the hot path can be compared in the same minutes without a server (less noisy on a busy
machine than a closed-loop run, which a loaded CPU inflates).

    PESANAN_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/pesanan_bench \\
        .venv/bin/python bench/command_cpu.py --orders 400 [--profile]

Uses a fresh shop made through the API (place_orders.create_shop) on that database.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from typing import Any

from place_orders import _sync_poster, create_shop, order_body


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--orders", type=int, default=400, help="orders per round (3 rounds)")
    p.add_argument("--profile", action="store_true", help="one round under pyinstrument")
    args = p.parse_args()

    from fastapi.testclient import TestClient

    from pesanan.api import commands
    from pesanan.app import create_app
    from pesanan.auth import service as auth
    from pesanan.bootstrap import build
    from pesanan.config import get_settings
    from pesanan.core.actor import Actor
    from pesanan.flows import place_order as place_flow
    from pesanan.idempotency import service as idem
    from pesanan.orders.schemas import PlaceOrder

    container = build(get_settings().model_copy(update={"rate_limit_api": ""}))
    with container.engine.begin() as conn:
        _, key = auth.create_api_key(conn, "bench-command-cpu", "admin")
    with TestClient(create_app(container), raise_server_exceptions=False) as tc:
        tc.headers["Authorization"] = f"Bearer {key}"
        shop = asyncio.run(create_shop(_sync_poster(tc), 200, 5))
    engine = container.engine
    actor = Actor("bench-command-cpu", "bench", "admin")
    rng = random.Random(7)
    n = args.orders
    bodies = [PlaceOrder.model_validate(order_body(shop, "random", rng)) for _ in range(n + 100)]
    path = "/api/v1/orders"

    def place(body: PlaceOrder) -> None:
        k = uuid.uuid4().hex
        digest = idem.request_hash("POST", path, body.model_dump_json().encode())
        with engine.connect() as conn:  # as api/commands.py claims
            token = idem.claim_now(conn, actor.id, k, digest)
        assert isinstance(token, str)
        resp = commands._execute(engine, lambda c: place_flow.place_order(c, body, actor),
                                 (actor.id, k, token), 201,
                                 lambda r: f"/api/v1/orders/{r['id']}", None, path)
        assert resp.status_code == 201, resp.body

    for b in bodies[:100]:  # warm the statement caches and the driver's prepared statements
        place(b)
    profiler: Any = None
    if args.profile:
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.0002)
        profiler.start()
    for _ in range(1 if args.profile else 3):
        c0, w0 = time.process_time(), time.perf_counter()
        for b in bodies[100:]:
            place(b)
        print(f"{engine.dialect.name}: CPU {1000 * (time.process_time() - c0) / n:.3f} ms/order, "
              f"wall {1000 * (time.perf_counter() - w0) / n:.3f} ms/order ({n} orders)")
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))
    container.close()


if __name__ == "__main__":
    main()
