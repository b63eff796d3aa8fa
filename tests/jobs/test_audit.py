"""audit.nightly: the checks of `pesanan audit`, announced once per run as audit.completed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from pesanan.core.errors import ValidationFailed
from pesanan.inventory.models import stock_level
from pesanan.worker.handlers import HANDLERS
from tests.factories import Api
from tests.jobs.outbox import emitted

SPEC = HANDLERS["audit.nightly"]
AT = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)


def test_a_clean_shop_is_announced_ok_once_per_run(api: Api) -> None:
    api.product("TEE")
    api.stock("TEE", api.location()["id"], 5)
    out = SPEC.handler(api.container, {}, AT)
    assert (out["ok"], out["breaches"], out["failed_checks"]) == (True, 0, [])
    [event] = emitted(api.container, "audit.completed")
    assert (event["ok"], event["breach_count"], event["breaches"], event["checked_at"]) == (
        True, 0, [], out["checked_at"])
    # The same run again (a retry): its outcome, nothing announced twice.
    assert SPEC.handler(api.container, {}, AT) == {**out, "repeated": True}
    assert len(emitted(api.container, "audit.completed")) == 1
    # The next night's run is a run of its own.
    assert SPEC.handler(api.container, {}, AT + timedelta(days=1))["ok"] is True
    assert len(emitted(api.container, "audit.completed")) == 2


def test_a_breach_is_announced_with_its_check_and_subject(api: Api) -> None:
    api.product("TEE")
    api.stock("TEE", api.location("WH1")["id"], 5)
    with api.container.engine.begin() as conn:  # on hand drifts from its movements
        conn.execute(update(stock_level).values(on_hand=stock_level.c.on_hand + 2))
    out = SPEC.handler(api.container, {}, AT)
    assert (out["ok"], out["failed_checks"]) == (False, ["on_hand"])
    [event] = emitted(api.container, "audit.completed")
    assert event["ok"] is False
    assert [(b["check"], b["subject"]) for b in event["breaches"]] == [
        ("on_hand", "stock TEE @ WH1")]
    assert event["breach_count"] == out["breaches"] == 1


def test_params_are_refused_since_the_audit_takes_none(api: Api) -> None:
    with pytest.raises(ValidationFailed) as e:
        SPEC.handler(api.container, {"checks": ["on_hand"]}, AT)
    assert e.value.detail == ("audit.nightly params: checks: is not a parameter of this job "
                              "(it takes none)")
    assert emitted(api.container, "audit.completed") == []
