"""Issue 11 acceptance with real processes on one PostgreSQL: two `pesanan serve` processes and
two `pesanan worker` processes under place-order load, and a worker killed with -9 in the
middle of deliveries, ten times over.

What must hold: every event reaches the webhook endpoint (once per endpoint while nobody dies;
at least once, with the same webhook-id, when a worker is killed mid-send), no scheduled job
runs twice at once, and `pesanan audit` is clean afterwards."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from pesanan.bootstrap import Container
from pesanan.events.queries import list_events
from pesanan.jobs.models import job_run
from pesanan.webhooks.models import webhook_attempt, webhook_delivery
from tests.factories import Api
from tests.live_server import BIN, free_port, serve
from tests.webhooks.receiver import Received, Receiver

pytestmark = pytest.mark.postgres_only
ROOT = Path(__file__).resolve().parents[2]


def _env(container: Container) -> dict[str, str]:
    return {
        "PESANAN_DATABASE_URL": container.settings.database_url,
        # Every process seals and unseals the endpoint's secret with the same key.
        "PESANAN_SECRET_KEY": "fleet-test-secret-key-not-for-production",
        "PESANAN_OUTBOUND_ALLOW": "127.0.0.1,::1",
        "PESANAN_WEBHOOK_BACKOFF_SCALE": "0.001",
        # A send's lease is three deadlines: a killed worker's send is retried 3 s later.
        "PESANAN_OUTBOUND_DEADLINE_SECONDS": "1",
        "PESANAN_RATE_LIMIT_API": "",
    }


@contextmanager
def _worker(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    out = log.open("ab")
    proc = subprocess.Popen([str(BIN / "pesanan"), "worker"], env={**os.environ, **env},
                            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        out.close()


def _pending(container: Container) -> tuple[int, int]:
    """(stamped events without a delivery, deliveries not delivered)."""
    with container.engine.connect() as conn:
        stamped = sum(1 for e in list_events(conn, limit=1_000_000) if e["sequence"])
        delivered = conn.execute(select(func.count()).select_from(webhook_delivery)
                                 .where(webhook_delivery.c.status == "delivered")).scalar_one()
        waiting = conn.execute(select(func.count()).select_from(webhook_delivery)
                               .where(webhook_delivery.c.status != "delivered")).scalar_one()
    return stamped - delivered - waiting, waiting


def _settle(container: Container, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        unstamped = _unstamped(container)
        missing, waiting = _pending(container)
        if unstamped == 0 and missing == 0 and waiting == 0:
            return
        assert time.monotonic() < deadline, (unstamped, missing, waiting)
        time.sleep(0.2)


def _unstamped(container: Container) -> int:
    with container.engine.connect() as conn:
        return sum(1 for e in list_events(conn, limit=1_000_000) if e["sequence"] is None)


def _event_ids(container: Container) -> set[str]:
    with container.engine.connect() as conn:
        return {e["id"] for e in list_events(conn, limit=1_000_000)}


def _shop(api: Api, units: int) -> tuple[str, str]:
    product = api.product()
    loc = api.location()
    api.stock(product["sku"], loc["id"], units)
    return product["sku"], api.customer()["id"]


def _overlaps(runs: list[tuple[datetime, datetime]]) -> int:
    runs = sorted(runs)
    return sum(1 for a, b in itertools.pairwise(runs) if b[0] < a[1])


def test_two_servers_and_two_workers_deliver_each_event_once_and_never_run_a_job_twice(
        container: Container, tmp_path: Path) -> None:
    env = _env(container)
    receiver = Receiver()
    ports = [free_port(), free_port()]
    with ExitStack() as stack:
        for i, port in enumerate(ports):
            d = tmp_path / f"api{i}"
            d.mkdir()
            stack.enter_context(serve(env, port, d))
        clients = [stack.enter_context(httpx.Client(base_url=f"http://127.0.0.1:{p}",
                                                    timeout=30)) for p in ports]
        apis = [Api(c, container) for c in clients]  # type: ignore[arg-type]
        api = apis[0]
        api.ok(api.post("/webhooks/endpoints", {"url": receiver.url, "event_types": []}), 201)
        sku, customer = _shop(api, 10_000)
        for _ in range(2):
            stack.enter_context(_worker(env, tmp_path / "workers.log"))
        # A job due every second, claimed by whichever worker is first: two runs of it may
        # never overlap.
        deadline = time.monotonic() + 30
        while api.client.patch("/api/v1/jobs/idempotency.purge", json={"every_seconds": 1},
                               headers=api.headers()).status_code == 404:
            assert time.monotonic() < deadline, "the workers never registered their jobs"
            time.sleep(0.2)
        assert api.post("/jobs/idempotency.purge/run").status_code < 300

        failures: list[str] = []

        def place(a: Api, n: int) -> None:
            for i in range(n):
                r = a.post("/orders", a.order_body(customer, [(sku, 1)]))
                if r.status_code != 201:
                    failures.append(r.text)
                elif i % 3 == 0:
                    oid = r.json()["id"]
                    a.post(f"/orders/{oid}/cancel", {"reason": "fleet test"})

        threads = [threading.Thread(target=place, args=(a, 20)) for a in apis for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        _settle(container, timeout=90)
        time.sleep(1.5)  # let the every-second job run a few more times on both workers

    got = receiver.received()
    receiver.stop()
    ids = Counter(r.headers["webhook-id"] for r in got)
    events = _event_ids(container)
    with container.engine.connect() as conn:
        runs = [(r.started_at, r.finished_at) for r in conn.execute(
            select(job_run.c.started_at, job_run.c.finished_at)
            .where(job_run.c.name == "idempotency.purge"))]
    print(f"\n{len(events)} events, {len(got)} webhook requests, "
          f"{sum(n - 1 for n in ids.values())} repeats, {len(runs)} runs of the 1 s job")
    assert len(ids) == len(events) and all(n == 1 for n in ids.values())
    assert len(runs) >= 2 and _overlaps(runs) == 0
    audit = subprocess.run([str(BIN / "pesanan"), "audit"], env={**os.environ, **env},
                           capture_output=True, text=True, timeout=120)
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_a_worker_killed_mid_delivery_ten_times_loses_no_event(
        container: Container, tmp_path: Path) -> None:
    env = _env(container)
    in_flight = threading.Event()

    def slow(_: Received) -> int:
        in_flight.set()
        time.sleep(0.3)  # every answer takes a while: a kill lands during a send
        return 204

    receiver = Receiver(status=slow)
    port = free_port()
    kills = 0
    with ExitStack() as stack:
        stack.enter_context(serve(env, port, tmp_path))
        client = stack.enter_context(httpx.Client(base_url=f"http://127.0.0.1:{port}",
                                                  timeout=30))
        api = Api(client, container)  # type: ignore[arg-type]
        api.ok(api.post("/webhooks/endpoints", {"url": receiver.url, "event_types": []}), 201)
        sku, customer = _shop(api, 1000)
        for _ in range(10):
            for _ in range(5):
                api.order(customer, [(sku, 1)])
            in_flight.clear()
            with _worker(env, tmp_path / "workers.log") as w:
                assert in_flight.wait(30), "the worker never sent anything"
                os.kill(w.pid, signal.SIGKILL)
                w.wait()
                kills += 1
        with _worker(env, tmp_path / "workers.log"):
            _settle(container, timeout=90)

    got = receiver.received()
    receiver.stop()
    ids = Counter(r.headers["webhook-id"] for r in got)
    bodies: dict[str, set[str]] = {}
    for r in got:
        # A send cut by the kill can reach the receiver half-written: compare whole ones.
        if len(r.body) == int(r.headers.get("content-length", "-1")):
            bodies.setdefault(r.headers["webhook-id"], set()).add(r.body.decode())
    with container.engine.connect() as conn:
        lost_leases = conn.execute(select(func.count()).select_from(webhook_delivery)
                                   .where(webhook_delivery.c.attempts > 1)).scalar_one()
        attempts = conn.execute(select(func.count()).select_from(webhook_attempt)).scalar_one()
    events = _event_ids(container)
    repeats = sum(n - 1 for n in ids.values())
    print(f"\n{kills} kills, {len(events)} events, {len(got)} requests, {repeats} repeats "
          f"(same webhook-id), {attempts} attempts recorded, {lost_leases} deliveries retried")
    assert kills == 10
    assert len(ids) == len(events)  # every event arrived, none lost
    assert repeats > 0  # the kills really cut sends, which were sent again...
    assert len(bodies) == len(events)  # every event arrived whole at least once...
    assert all(len(b) == 1 for b in bodies.values())  # ...with the same id and the same body
