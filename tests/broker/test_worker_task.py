"""The worker's broker task: there only when PESANAN_NATS_URL is set; one worker pass takes an
order placed through the API to its subject on the broker, the envelope the API serves."""

from __future__ import annotations

from dataclasses import replace

import orjson

from pesanan.bootstrap import Container
from pesanan.events.consumers import read_after
from pesanan.events.relay import stamp_pending
from pesanan.worker.loop import run_once
from pesanan.worker.tasks import tasks
from tests.broker.conftest import Names
from tests.broker.nats_tools import NATS_URL, read_stream
from tests.factories import Api


def with_broker(container: Container, names: Names) -> Container:
    settings = container.settings.model_copy(update={
        "nats_url": NATS_URL, "nats_stream": names.stream, "nats_subject_prefix": names.prefix,
        "nats_timeout": 2.0})
    return replace(container, settings=settings)


def test_without_a_nats_url_the_worker_has_no_broker_task(container: Container) -> None:
    assert container.settings.nats_url == ""
    assert "broker" not in [t.name for t in tasks(container)]


def test_a_worker_pass_puts_a_placed_order_on_its_subject(
        api: Api, container: Container, names: Names) -> None:
    api.product("KOPI")
    api.stock("KOPI", api.location("WH-A")["id"], 5)
    order = api.order(api.customer()["id"], [("KOPI", 2)])
    stamp_pending(container.engine)  # the relay's pass, so the broker's has events to read
    c = with_broker(container, names)
    broker = [t for t in tasks(c) if t.name == "broker"]
    assert len(broker) == 1

    with container.engine.connect() as conn:
        feed = read_after(conn, 0, 1000)
    assert run_once(c, broker) == {"broker": len(feed)}

    got = read_stream(names.stream, names.prefix)
    assert [orjson.loads(m.data) for m in got] == feed
    placed = [orjson.loads(m.data) for m in got if m.subject == f"{names.prefix}.order.placed"]
    assert [p["aggregate_id"] for p in placed] == [order["id"]]
    assert run_once(c, broker) == {"broker": 0}
