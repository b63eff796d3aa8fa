"""/api/v1/users, the API beside the console's Users page, and the one-enabled-admin rule
under concurrency: two admins demoting each other at once leave one admin, never none."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import select, text

from pesanan.auth import accounts
from pesanan.auth.models import app_user
from pesanan.auth.schemas import UserRoleSet
from pesanan.core.actor import Actor
from pesanan.core.errors import InvalidTransition
from tests.dbs import snapshot
from tests.factories import Api
from tests.web.helpers import PASSWORD


def test_the_api_invites_changes_and_disables_users(api: Api) -> None:
    created = api.ok(api.post("/users", {"email": "sari@example.com", "name": "Sari",
                                         "role": "clerk"}, idem="invite-sari"), 201)
    assert (created["email"], created["role"], created["disabled_at"]) == (
        "sari@example.com", "clerk", None)
    assert isinstance(created["password"], str) and len(created["password"]) >= 16
    replay = api.post("/users", {"email": "sari@example.com", "name": "Sari",
                                 "role": "clerk"}, idem="invite-sari")
    assert replay.headers["idempotency-replayed"] == "true"
    assert replay.json()["password"] is None  # shown that once
    uid = created["id"]
    assert api.ok(api.post(f"/users/{uid}/role", {"role": "warehouse"}))["role"] == "warehouse"
    assert api.ok(api.post(f"/users/{uid}/disable"))["disabled_at"] is not None
    assert api.ok(api.post(f"/users/{uid}/enable"))["disabled_at"] is None
    reset = api.ok(api.post(f"/users/{uid}/password", {"password": PASSWORD}))
    assert reset["password"] is None
    assert [u["email"] for u in api.ok(api.get("/users"))["items"]] == ["sari@example.com"]


def test_the_api_refuses_bad_input_and_other_roles(api: Api) -> None:
    for role in ("admin", "clerk", "warehouse", "accountant"):
        api.key(role)  # made before the snapshot
    before = snapshot(api.container.engine)
    bad = api.post("/users", {"email": "nope", "role": "clerk", "password": "short"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"email", "password"}
    assert api.post("/users", {"email": "x@example.com", "role": "owner"}).status_code == 422
    for role in ("clerk", "warehouse", "accountant"):
        assert api.get("/users", role=role).status_code == 403
        assert api.post("/users", {"email": "x@example.com", "role": "admin"},
                        role=role).status_code == 403
    assert snapshot(api.container.engine) == before


def _admin(api: Api, email: str) -> str:
    return str(api.ok(api.post("/users", {"email": email, "role": "admin",
                                          "password": PASSWORD}), 201)["id"])


def _waiting_on_a_lock(api: Api) -> bool:
    with api.container.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar())


@pytest.mark.postgres_only
def test_two_admins_demoting_each_other_at_once_leave_one_admin(backend: str, api: Api
                                                                ) -> None:
    first, second = _admin(api, "one@example.com"), _admin(api, "two@example.com")
    actor = Actor(id="test", name="test", role="admin")
    outcome: dict[str, Any] = {}

    def demote_first() -> None:
        try:
            with api.container.engine.begin() as conn:
                outcome["result"] = accounts.set_role(conn, first, UserRoleSet(role="clerk"),
                                                      actor)
        except InvalidTransition as e:
            outcome["refused"] = e

    # The first command demotes `second` and holds its locks, uncommitted.
    with api.container.engine.connect() as conn_a:
        tx = conn_a.begin()
        accounts.set_role(conn_a, second, UserRoleSet(role="clerk"), actor)
        other = threading.Thread(target=demote_first)
        other.start()
        deadline = time.monotonic() + 10
        # The second command must wait for the first's locks, not count the admins past them.
        while not _waiting_on_a_lock(api):
            assert other.is_alive(), f"the second demotion did not wait: {outcome}"
            assert time.monotonic() < deadline, "the second demotion never waited on a lock"
            time.sleep(0.02)
        tx.commit()
    other.join(timeout=10)
    assert "refused" in outcome, outcome
    with api.container.engine.connect() as conn:
        admins = conn.execute(select(app_user.c.email).where(
            app_user.c.role == "admin", app_user.c.disabled_at.is_(None))).scalars().all()
    assert admins == ["one@example.com"]
