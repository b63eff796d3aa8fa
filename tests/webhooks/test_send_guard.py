"""At send time the outbound guard still applies: an address no longer allowed is refused
before connecting, and a redirect is an answer, never followed."""

from __future__ import annotations

import pytest

from pesanan.bootstrap import Container
from tests.factories import Api
from tests.webhooks.helpers import endpoint, pump_until, shop
from tests.webhooks.receiver import Receiver


def _attempts(api: Api, endpoint_id: str) -> list[dict[str, object]]:
    items = api.ok(api.get("/webhooks/deliveries", endpoint_id=endpoint_id))["items"]
    return api.ok(api.get(f"/webhooks/deliveries/{items[0]['id']}/attempts"))["items"] \
        if items else []


def test_an_address_refused_at_send_time_is_never_connected_to(
        api: Api, hooks: Container, receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    ep = endpoint(api, receiver.url, ["order.placed"])
    # The allow-list is gone (as in production): 127.0.0.1 is loopback again.
    monkeypatch.setattr(hooks, "settings", hooks.settings.model_copy(
        update={"outbound_allow": ""}))
    product, customer = shop(api)
    api.order(customer, [(product["sku"], 1)])
    pump_until(hooks, lambda: len(_attempts(api, ep["id"])) >= 1)
    first = _attempts(api, ep["id"])[0]
    assert first["status"] is None and "loopback" in str(first["error"])
    assert receiver.received() == []


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
        api: Api, hooks: Container) -> None:
    target = Receiver()
    mover = Receiver(lambda _: 302)
    mover.location = target.url
    try:
        ep = endpoint(api, mover.url, ["order.placed"])
        product, customer = shop(api)
        api.order(customer, [(product["sku"], 1)])
        pump_until(hooks, lambda: len(_attempts(api, ep["id"])) >= 1)
        first = _attempts(api, ep["id"])[0]
        assert first["status"] == 302 and first["outcome"] == "retry"
        assert "redirects are not followed" in str(first["error"])
        assert target.received() == [] and len(mover.received()) == 1
    finally:
        target.stop()
        mover.stop()
