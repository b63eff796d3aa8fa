"""What an Idempotency-Key keeps and what it does not: a request the service refused as invalid
before anything ran does not use the key up; a claim left by a crashed request says when to
retry (Retry-After) and is taken over once its lease runs out; a claim taken over can no longer
store a response (fencing)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import text

from pesanan.core.clock import now
from pesanan.idempotency import service as idem
from pesanan.orders.schemas import PlaceOrder
from tests.dbs import row_counts
from tests.factories import Api


def _shop(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    api.product("TEE-BLK-M", price="12.50")
    wh = api.location("WH1")
    api.stock("TEE-BLK-M", wh["id"], 10)
    return wh, api.customer()


def _key_id(api: Api, role: str = "admin") -> str:
    with api.container.engine.connect() as conn:
        return str(conn.execute(text("SELECT id FROM api_key WHERE name = :n"),
                                {"n": f"test-{role}"}).scalar_one())


def test_a_body_the_service_refuses_leaves_the_key_free_for_the_fixed_body(api: Api) -> None:
    wh, cust = _shop(api)
    bad = api.order_body(cust["id"], [("NO-SUCH-SKU", 2)])
    before = row_counts(api.container.engine)

    refused = api.post("/orders", bad, idem="checkout-41")
    again = api.post("/orders", bad, idem="checkout-41")

    assert refused.status_code == again.status_code == 422
    assert refused.json()["type"] == again.json()["type"] == "/problems/validation-error"
    assert "idempotency-replayed" not in again.headers  # ran again: nothing was stored
    assert row_counts(api.container.engine) == before  # not even the key
    fixed = api.post("/orders", api.order_body(cust["id"], [("TEE-BLK-M", 2)]),
                     idem="checkout-41")
    assert fixed.status_code == 201, fixed.text
    assert api.level("TEE-BLK-M", wh["id"])["reserved"] == 2


def test_a_refusal_after_the_command_ran_is_stored_and_replayed(api: Api) -> None:
    wh, cust = _shop(api)
    body = api.order_body(cust["id"], [("TEE-BLK-M", 11)])  # 10 on hand

    first = api.post("/orders", body, idem="checkout-42")
    api.stock("TEE-BLK-M", wh["id"], 5)
    replay = api.post("/orders", body, idem="checkout-42")

    assert first.status_code == replay.status_code == 409
    assert replay.headers["idempotency-replayed"] == "true"
    assert replay.json() == first.json()
    assert first.json()["type"] == "/problems/insufficient-stock"
    assert api.level("TEE-BLK-M", wh["id"])["reserved"] == 0


def _crashed_claim(api: Api, body: dict[str, Any], key: str) -> str:
    """The claim a request leaves when its process dies mid-command: in flight, never done."""
    digest = idem.request_hash("POST", "/api/v1/orders",
                               PlaceOrder.model_validate(body).model_dump_json().encode())
    scope = _key_id(api)
    with api.container.engine.begin() as conn:
        token = idem.claim(conn, scope, key, digest)
    assert isinstance(token, str)
    return token


def _age_claim(api: Api, key: str, by: timedelta) -> None:
    with api.container.engine.begin() as conn:
        conn.execute(text("UPDATE idempotency_key SET locked_at = :t WHERE key = :k"),
                     {"t": now() - by, "k": key})


def test_a_retry_after_a_crash_is_told_when_the_claim_runs_out_then_takes_it_over(
        api: Api) -> None:
    wh, cust = _shop(api)
    body = api.order_body(cust["id"], [("TEE-BLK-M", 2)])
    stale_token = _crashed_claim(api, body, "checkout-43")
    before = row_counts(api.container.engine)

    waiting = api.post("/orders", body, idem="checkout-43")

    assert waiting.status_code == 409
    assert waiting.json()["type"] == "/problems/idempotency-in-flight"
    assert 29 <= int(waiting.headers["retry-after"]) <= 30
    assert row_counts(api.container.engine) == before

    _age_claim(api, "checkout-43", idem.LEASE + timedelta(seconds=1))
    retried = api.post("/orders", body, idem="checkout-43")

    assert retried.status_code == 201, retried.text
    assert api.level("TEE-BLK-M", wh["id"])["reserved"] == 2
    # The crashed request's token no longer counts: it can neither store nor release.
    scope = _key_id(api)
    with pytest.raises(idem.ClaimLost), api.container.engine.begin() as conn:
        idem.complete(conn, scope, "checkout-43", stale_token, 201, b"{}", None)
    with api.container.engine.begin() as conn:
        idem.release(conn, scope, "checkout-43", stale_token)
    replay = api.post("/orders", body, idem="checkout-43")
    assert (replay.status_code, replay.headers["idempotency-replayed"]) == (201, "true")
    assert orjson.loads(replay.content) == retried.json()
