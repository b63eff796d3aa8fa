"""Fulfilment order status rules and the 3PL signature, without a database."""

from __future__ import annotations

import pytest

from pesanan.fulfillment import signing
from pesanan.fulfillment.status import (
    FOStatus,
    after_shipments,
    can_ship,
    step_target,
)


@pytest.mark.parametrize(("current", "quantity", "shipped", "shipments", "expected"), [
    ("open", 5, 0, [], FOStatus.OPEN),
    ("packed", 5, 0, [], FOStatus.PACKED),
    ("packed", 5, 2, ["shipped"], FOStatus.PARTIALLY_SHIPPED),
    ("partially_shipped", 5, 5, ["shipped", "shipped"], FOStatus.SHIPPED),
    ("shipped", 5, 5, ["delivered", "shipped"], FOStatus.SHIPPED),
    ("shipped", 5, 5, ["delivered", "delivered"], FOStatus.DELIVERED),
    ("shipped", 5, 5, ["delivered", "failed"], FOStatus.FAILED_DELIVERY),
    ("partially_shipped", 5, 2, ["delivered"], FOStatus.PARTIALLY_SHIPPED),
    ("cancelled", 5, 0, [], FOStatus.CANCELLED),
])
def test_the_status_follows_units_and_shipments(current: str, quantity: int, shipped: int,
                                                shipments: list[str],
                                                expected: FOStatus) -> None:
    assert after_shipments(current, quantity, shipped, shipments) is expected


def test_steps_go_forward_from_where_they_may_only() -> None:
    assert step_target("pick", "open") is FOStatus.PICKING
    assert step_target("pack", "open") is FOStatus.PACKED
    assert step_target("pack", "picking") is FOStatus.PACKED
    assert step_target("unpack", "packed") is FOStatus.PICKING
    with pytest.raises(ValueError, match="a shipped fulfilment order cannot be packed"):
        step_target("pack", "shipped")
    with pytest.raises(ValueError, match="a picking fulfilment order cannot be picked"):
        step_target("pick", "picking")


def test_what_may_ship() -> None:
    assert [s.value for s in FOStatus if can_ship(s)] == [
        "open", "picking", "packed", "partially_shipped", "failed_delivery"]


def test_a_signature_verifies_only_with_the_secret_body_and_a_fresh_timestamp() -> None:
    body = b'{"event_id":"e1"}'
    sig = signing.sign("secret-a", 1_000, body)
    assert sig.startswith("sha256=") and len(sig) == 7 + 64
    assert signing.verify("secret-a", "1000", sig, body, now=1_100) is None
    assert signing.verify("secret-b", "1000", sig, body, now=1_100) == "bad signature"
    assert signing.verify("secret-a", "1000", sig, body + b" ", now=1_100) == "bad signature"
    assert signing.verify("secret-a", "1001", sig, body, now=1_100) == "bad signature"
    assert signing.verify("secret-a", "1000", sig, body, now=1_301) == "stale timestamp"
    assert signing.verify("secret-a", "1000", sig, body, now=699) == "stale timestamp"
    assert signing.verify("secret-a", None, sig, body, now=1_000) == (
        "missing signature headers")
    assert signing.verify("secret-a", "soon", sig, body, now=1_000) == "malformed timestamp"
