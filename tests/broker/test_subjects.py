"""An event's subject, payload and dedup id (pure)."""

from __future__ import annotations

import orjson
import pytest

from pesanan.broker.subjects import message, subject_for


def test_the_subject_is_the_prefix_then_the_event_type() -> None:
    assert subject_for("pesanan.events", "order.placed") == "pesanan.events.order.placed"
    assert subject_for("p", "purchase_order.drafted") == "p.purchase_order.drafted"


@pytest.mark.parametrize("bad", ["order placed", "order.*", "order.>", "order..placed", "",
                                 "order.placed."])
def test_a_type_that_is_no_subject_is_refused_not_mangled(bad: str) -> None:
    with pytest.raises(ValueError, match="not a NATS subject"):
        subject_for("pesanan.events", bad)


def test_the_message_carries_the_envelope_and_the_event_id_as_msg_id() -> None:
    envelope = {"id": "0193-abc", "type": "stock.adjusted", "occurred_at": "2026-12-02T06:00:00Z",
                "sequence": 7, "aggregate_type": "product", "aggregate_id": "p1",
                "data": {"delta": -2}}
    m = message("x.events", envelope)
    assert m.subject == "x.events.stock.adjusted"
    assert orjson.loads(m.payload) == envelope
    assert m.headers == {"Nats-Msg-Id": "0193-abc"}
