"""How long fan-out and delivery of a backlog of events take (PostgreSQL, one local receiver,
one worker thread); the figure is printed for the report, and the test checks the backlog is
delivered once each."""

from __future__ import annotations

import time

import pytest

from pesanan.bootstrap import Container
from pesanan.events import relay
from pesanan.webhooks import fanout
from tests.factories import Api
from tests.webhooks.helpers import endpoint, pump, shop
from tests.webhooks.receiver import Receiver

ORDERS = 300
pytestmark = pytest.mark.postgres_only


def test_a_backlog_of_events_is_fanned_out_and_delivered(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    endpoint(api, receiver.url)
    product, customer = shop(api, ORDERS)
    for _ in range(ORDERS):
        api.order(customer, [(product["sku"], 1)])
    t0 = time.monotonic()
    stamped = relay.stamp_pending(hooks.engine)
    t1 = time.monotonic()
    while fanout.run(hooks.engine):
        pass
    t2 = time.monotonic()
    while len(receiver.received()) < stamped:
        pump(hooks)
    t3 = time.monotonic()
    print(f"\n{stamped} events: stamp {1000 * (t1 - t0):.0f} ms, fan-out "
          f"{1000 * (t2 - t1):.0f} ms, delivery {t3 - t2:.2f} s "
          f"({stamped / (t3 - t2):.0f} deliveries/s)")
    assert len({r.headers["webhook-id"] for r in receiver.received()}) == stamped
