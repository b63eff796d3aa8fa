"""idempotency.purge: keys past 24 h go, in bounded batches; younger keys stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from pesanan.bootstrap import Container
from pesanan.core.errors import ValidationFailed
from pesanan.idempotency.models import idempotency_key
from pesanan.idempotency.purge import purge_expired
from pesanan.worker.handlers import HANDLERS

AT = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def _keys(container: Container, ages_hours: list[float]) -> None:
    with container.engine.begin() as conn:
        conn.execute(idempotency_key.insert(), [
            {"scope": "k1", "key": f"key-{i}", "request_hash": "h", "state": "done",
             "claim_token": "t", "response_status": 201, "response_body": b"{}",
             "created_at": AT - timedelta(hours=age), "locked_at": AT - timedelta(hours=age)}
            for i, age in enumerate(ages_hours)])


def _left(container: Container) -> list[str]:
    with container.engine.connect() as conn:
        return sorted(conn.execute(select(idempotency_key.c.key)).scalars())


def test_keys_older_than_a_day_are_purged_and_younger_ones_stay(container: Container) -> None:
    _keys(container, [25, 48, 23.9, 1])
    spec = HANDLERS["idempotency.purge"]
    assert spec.handler(container, spec.params, AT) == {"purged": 2, "more": False}
    assert _left(container) == ["key-2", "key-3"]
    # Again at the same moment: nothing more to purge, the young keys still there.
    assert spec.handler(container, spec.params, AT) == {"purged": 0, "more": False}
    assert _left(container) == ["key-2", "key-3"]


def test_a_big_backlog_goes_in_bounded_batches_and_the_next_run_goes_on(
        container: Container) -> None:
    _keys(container, [30] * 7)
    assert purge_expired(container.engine, AT, timedelta(hours=24), batch=2,
                         max_batches=2) == {"purged": 4, "more": True}
    with container.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(idempotency_key)).scalar() == 3
    assert purge_expired(container.engine, AT, timedelta(hours=24), batch=2) == {
        "purged": 3, "more": False}
    assert _left(container) == []


@pytest.mark.parametrize(("params", "says"), [
    ({"hours": 12}, "hours: must be at least 24, not 12"),
    ({"hours": "a day"}, "hours: must be a number, not 'a day'"),
    ({"days": 2}, "days: is not a parameter of this job (it takes: hours)"),
])
def test_bad_params_are_refused_with_a_sentence_and_nothing_is_purged(
        container: Container, params: dict[str, object], says: str) -> None:
    _keys(container, [30])
    spec = HANDLERS["idempotency.purge"]
    with pytest.raises(ValidationFailed) as e:
        spec.handler(container, params, AT)
    assert e.value.detail == f"idempotency.purge params: {says}"
    assert _left(container) == ["key-0"]
