"""A webhook's body built from the event's stored JSON text (fanout.payload_of_text, what every
sender does) is byte for byte the body built from the parsed data (fanout.payload): the outbox's
JSON is written by orjson, so a retry or a replay sends what the first attempt sent."""

from __future__ import annotations

from typing import Any

import orjson

from pesanan.webhooks import fanout

DATA: dict[str, Any] = {
    "id": "01a24287-b675-7000-b8b5-3804bdf50ac6", "number": "SO-000393", "total": "447.67",
    "lines": [{"sku": "TEE-BLK-M", "quantity": 3, "weight": 0.1, "note": None},
              {"sku": "Kopi Gayo \u2615", "quantity": 1, "weight": 1e-07, "note": "\"quoted\"\n"}],
    "flags": {"gift": True, "rush": False}, "empty": {}, "big": 2 ** 62, "neg": -0.5,
}


def _event(data: Any) -> dict[str, Any]:
    return {"id": "e1", "type": "order.placed", "occurred_at": "2026-12-04T19:28:32.344276Z",
            "sequence": 42, "aggregate_type": "order", "aggregate_id": "o1", "data": data}


def test_the_body_from_the_stored_text_is_the_body_from_the_parsed_data() -> None:
    stored = orjson.dumps(DATA).decode()  # as db/engine.py writes the outbox's data
    assert fanout.payload_of_text(_event(stored)) == fanout.payload(_event(orjson.loads(stored)))


def test_the_body_from_the_stored_text_parses_to_the_envelope() -> None:
    body = orjson.loads(fanout.payload_of_text(_event(orjson.dumps(DATA).decode())))
    assert body == {**_event(DATA), "timestamp": "2026-12-04T19:28:32.344276Z"}
    assert list(body)[-1] == "data"
