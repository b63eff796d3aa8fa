"""Changing an endpoint: update (checked like a create), disable and enable (what waited goes
out), delete, and the secret never in an idempotent replay. Two senders at once on PostgreSQL
never send one delivery twice."""

from __future__ import annotations

import threading

import pytest

from pesanan import outbound
from pesanan.bootstrap import Container
from pesanan.core import crypto
from pesanan.events import relay
from pesanan.webhooks import deliver, fanout
from tests import dbs
from tests.factories import Api
from tests.webhooks.helpers import endpoint, pump, pump_until, shop
from tests.webhooks.receiver import Receiver


def test_an_update_is_checked_like_a_create_and_a_refused_one_changes_nothing(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    ep = endpoint(api, receiver.url, ["order.placed"])
    path = f"/api/v1/webhooks/endpoints/{ep['id']}"
    before = dbs.row_counts(hooks.engine)
    for body, code in (({"url": "http://10.9.8.7/x"}, "private"),
                       ({"event_types": ["order.typo"]}, "unknown_event_type")):
        resp = api.client.patch(path, json=body, headers=api.headers())
        assert resp.status_code == 422 and resp.json()["errors"][0]["code"] == code
    assert dbs.row_counts(hooks.engine) == before
    assert api.ok(api.get(f"/webhooks/endpoints/{ep['id']}"))["event_types"] == ["order.placed"]
    changed = api.client.patch(path, json={"event_types": ["order.*", "invoice.issued"],
                                           "description": "ERP"}, headers=api.headers())
    assert changed.status_code == 200, changed.text
    assert changed.json()["event_types"] == ["order.*", "invoice.issued"]
    assert changed.json()["description"] == "ERP"
    deleted = api.client.delete(path, headers=api.headers())
    assert deleted.status_code == 200
    assert api.get(f"/webhooks/endpoints/{ep['id']}").status_code == 404


def test_an_idempotent_replay_of_a_create_or_rotation_never_shows_the_secret(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    body = {"url": receiver.url}
    first = api.ok(api.post("/webhooks/endpoints", body, idem="create-1"), 201)
    again = api.post("/webhooks/endpoints", body, idem="create-1")
    assert again.status_code == 201 and again.headers["idempotency-replayed"] == "true"
    assert first["secret"].startswith("whsec_") and again.json()["secret"] is None
    assert again.json()["id"] == first["id"]
    path = f"/webhooks/endpoints/{first['id']}/rotate-secret"
    assert api.ok(api.post(path, idem="rotate-1"))["secret"].startswith("whsec_")
    assert api.ok(api.post(path, idem="rotate-1"))["secret"] is None


def test_a_disabled_endpoint_gets_what_waited_once_it_is_enabled(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    ep = endpoint(api, receiver.url, ["order.placed"])
    product, customer = shop(api)
    api.ok(api.post(f"/webhooks/endpoints/{ep['id']}/disable"))
    api.order(customer, [(product["sku"], 1)])  # fanned out while disabled: not queued
    pump(hooks)
    assert receiver.received() == []
    enabled = api.ok(api.post(f"/webhooks/endpoints/{ep['id']}/enable"))
    assert enabled["status"] == "enabled" and enabled["disabled_reason"] is None
    assert api.post(f"/webhooks/endpoints/{ep['id']}/enable").status_code == 409
    api.order(customer, [(product["sku"], 1)])
    pump_until(hooks, lambda: len(receiver.received()) == 1)
    # The one placed while it was disabled comes with a replay from the cursor.
    out = api.ok(api.post(f"/webhooks/endpoints/{ep['id']}/replay", {"after": 0}))
    assert (out["events"], out["created"]) == (2, 1)
    pump_until(hooks, lambda: len(receiver.received()) == 3)


@pytest.mark.postgres_only
def test_two_senders_at_once_never_send_one_delivery_twice(
        api: Api, hooks: Container, receiver: Receiver) -> None:
    endpoint(api, receiver.url)
    product, customer = shop(api, 200)
    for _ in range(120):
        api.order(customer, [(product["sku"], 1)])
    stamped = relay.stamp_pending(hooks.engine)
    while fanout.run(hooks.engine):
        pass
    box, client = crypto.box_for(hooks.settings), outbound.client_for(hooks.settings)
    rules = deliver.rules_for(hooks.settings)
    start = threading.Barrier(2)

    def sender() -> None:
        start.wait()
        while deliver.send_due(hooks.engine, box, client, rules):
            pass
    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    ids = [r.headers["webhook-id"] for r in receiver.received()]
    assert len(ids) == stamped and len(set(ids)) == stamped
