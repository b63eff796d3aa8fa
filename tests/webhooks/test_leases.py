"""A delivery whose sender died (its lease ran out) is sent again by another worker with the
same webhook-id, and the dead sender's late answer is not recorded over the newer attempt."""

from __future__ import annotations

from datetime import timedelta

from pesanan import outbound
from pesanan.bootstrap import Container
from pesanan.core import crypto
from pesanan.core.clock import now
from pesanan.delivery import machine
from pesanan.events import relay
from pesanan.webhooks import deliver, fanout, queries
from pesanan.webhooks.models import webhook_delivery
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


def test_a_batch_records_each_row_on_its_own_lease(api: Api, hooks: Container,
                                                   receiver: Receiver) -> None:
    """The batch's attempts go in one statement on PostgreSQL: each row still fenced on its
    own lease, a NULL status (no answer) kept as NULL, a delivered row stamped, a retried one
    rescheduled, and a row another sender took over left alone ("lost")."""
    endpoint(api, receiver.url, ["order.placed"])
    product, customer = shop(api)
    for _ in range(3):
        api.order(customer, [(product["sku"], 1)])
    relay.stamp_pending(hooks.engine)
    fanout.run(hooks.engine)
    box = crypto.box_for(hooks.settings)
    lease = timedelta(seconds=30)
    items = deliver.claim(hooks.engine, now(), lease, box)
    assert len(items) == 3
    ok, refused, taken = items
    # `taken`'s lease runs out and another sender claims it (a later lease end).
    with hooks.engine.begin() as conn:
        conn.execute(webhook_delivery.update()
                     .where(webhook_delivery.c.id == taken.row["id"])
                     .values(next_attempt_at=now() - timedelta(seconds=1)))
    [again] = deliver.claim(hooks.engine, now(), lease, box)
    assert again.row["id"] == taken.row["id"]

    at = now()
    kind = deliver.Webhooks(None, deliver.rules_for(hooks.settings))
    with hooks.engine.begin() as conn:
        names = machine.record_all(conn, kind, [
            (ok, machine.Outcome(204, None, None, 5), at),
            (refused, machine.Outcome(None, "cannot connect: refused", None, 3), at),
            (taken, machine.Outcome(204, None, None, 4), at)])
    assert names == ["delivered", "retry", "lost"]
    with hooks.engine.connect() as conn:
        rows = {r["id"]: r for r in conn.execute(webhook_delivery.select()).mappings()}
    d, r, t = rows[ok.row["id"]], rows[refused.row["id"]], rows[taken.row["id"]]
    assert (d["status"], d["attempts"], d["last_status"], d["delivered_at"]) == (
        "delivered", 1, 204, at)
    assert (r["status"], r["attempts"], r["last_status"], r["last_error"], r["delivered_at"]) \
        == ("pending", 1, None, "cannot connect: refused", None)
    assert r["next_attempt_at"] > at  # its backoff, not the lease end
    assert (t["status"], t["attempts"], t["next_attempt_at"]) == ("pending", 0, again.until)
    with hooks.engine.connect() as conn:
        assert len(queries.list_attempts(conn, t["id"])["items"]) == 0
        assert len(queries.list_attempts(conn, d["id"])["items"]) == 1
