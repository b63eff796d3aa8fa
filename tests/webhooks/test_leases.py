"""A delivery whose sender died (its lease ran out) is sent again by another worker with the
same webhook-id, and the dead sender's late answer is not recorded over the newer attempt."""

from __future__ import annotations

from datetime import timedelta

from pesanan import outbound
from pesanan.bootstrap import Container
from pesanan.core import crypto
from pesanan.core.clock import now
from pesanan.events import relay
from pesanan.webhooks import deliver, fanout, queries
from tests.factories import Api
from tests.webhooks.helpers import endpoint, shop
from tests.webhooks.receiver import Receiver


def test_a_lease_that_ran_out_is_taken_over_and_the_late_sender_is_fenced_off(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    ep = endpoint(api, receiver.url, ["order.placed"])
    product, customer = shop(api)
    api.order(customer, [(product["sku"], 1)])
    relay.stamp_pending(hooks.engine)
    fanout.run(hooks.engine)
    box, client = crypto.box_for(hooks.settings), outbound.client_for(hooks.settings)
    lease = timedelta(seconds=30)

    first = deliver.claim(hooks.engine, now(), lease, box)
    assert len(first) == 1
    # Within the lease nobody else gets it; after it ran out (the sender was killed) they do.
    assert deliver.claim(hooks.engine, now(), lease, box) == []
    second = deliver.claim(hooks.engine, now() + lease + timedelta(seconds=1), lease, box)
    assert [i.row["id"] for i in second] == [first[0].row["id"]]

    rules = deliver.rules_for(hooks.settings)
    sent = deliver.attempt(second[0], client.post)
    with hooks.engine.begin() as conn:
        assert deliver.record(conn, second[0], sent, now(), rules) == "delivered"
    late = deliver.attempt(first[0], client.post)  # the "dead" sender's answer comes in late
    with hooks.engine.begin() as conn:
        assert deliver.record(conn, first[0], late, now(), rules) == "lost"

    got = receiver.received()
    assert len(got) == 2 and got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
    with hooks.engine.connect() as conn:
        d = queries.list_deliveries(conn, endpoint_id=ep["id"])["items"][0]
        assert (d["status"], d["attempts"]) == ("delivered", 1)
        assert len(queries.list_attempts(conn, d["id"])["items"]) == 1
