"""API keys over the API: an admin lists, creates (the secret shown once, never replayed) and
revokes them; a revoked key is refused at once by the process that revoked it, and by others
within the auth cache time."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from pesanan.app import create_app
from pesanan.auth.service import KeyCache
from pesanan.bootstrap import Container
from tests.dbs import row_counts
from tests.factories import Api


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _create(api: Api, name: str = "till 1", role: str = "clerk") -> dict[str, Any]:
    return api.ok(api.post("/api-keys", {"name": name, "role": role}), 201)


def test_an_admin_creates_a_key_that_works_and_its_secret_is_shown_once(api: Api) -> None:
    resp = api.post("/api-keys", {"name": "till 1", "role": "clerk"}, idem="new-till-key")
    replay = api.post("/api-keys", {"name": "till 1", "role": "clerk"}, idem="new-till-key")

    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert resp.headers["location"] == f"/api/v1/api-keys/{created['id']}"
    assert (created["name"], created["role"], created["revoked_at"]) == ("till 1", "clerk", None)
    assert created["secret"].startswith("psn_") and created["prefix"] == created["secret"][:12]
    assert api.client.get("/api/v1/orders", headers=_bearer(created["secret"])).status_code == 200
    # The replay is the same key without its secret; the secret is stored nowhere in clear.
    assert (replay.status_code, replay.headers["idempotency-replayed"]) == (201, "true")
    assert replay.json() == {**created, "secret": None}
    with api.container.engine.connect() as conn:
        stored = b"".join(conn.execute(text("SELECT response_body FROM idempotency_key"))
                          .scalars())
        keys = conn.execute(text("SELECT COUNT(*) FROM api_key WHERE name = 'till 1'")).scalar()
    assert created["secret"].encode() not in stored
    assert keys == 1


def test_the_list_shows_every_key_newest_first_without_secrets(api: Api) -> None:
    first = _create(api, "shop sync", "admin")
    second = _create(api, "till 1", "clerk")

    listed = api.ok(api.get("/api-keys"))

    names = [k["name"] for k in listed["items"]]
    assert names[:2] == ["till 1", "shop sync"]
    assert "test-admin" in names  # the key this test calls with
    assert listed["next_cursor"] is None
    assert listed["items"][0] == {k: v for k, v in second.items() if k != "secret"}
    assert all(set(k) == {"id", "name", "role", "prefix", "created_at", "revoked_at"}
               for k in listed["items"])
    assert first["secret"] not in str(listed) and second["secret"] not in str(listed)


def test_a_revoked_key_gets_401_and_the_revocation_is_listed(api: Api) -> None:
    key = _create(api)
    assert api.client.get("/api/v1/orders", headers=_bearer(key["secret"])).status_code == 200

    revoked = api.post(f"/api-keys/{key['id']}/revoke")

    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    refused = api.client.get("/api/v1/orders", headers=_bearer(key["secret"]))
    assert refused.status_code == 401
    assert refused.json()["type"] == "/problems/unauthenticated"
    listed = {k["id"]: k for k in api.ok(api.get("/api-keys"))["items"]}
    assert listed[key["id"]]["revoked_at"] == revoked.json()["revoked_at"]


def test_the_revoking_process_refuses_the_key_at_once_others_within_their_cache_time(
        api: Api) -> None:
    key = _create(api)
    c = api.container

    def process() -> TestClient:  # a server process trusting looked-up keys for 5 minutes
        own: Container = dataclasses.replace(c, keys=KeyCache(c.auth_engine, 300.0))
        return TestClient(create_app(own))

    revoker, other = process(), process()
    assert revoker.get("/api/v1/orders", headers=_bearer(key["secret"])).status_code == 200
    assert other.get("/api/v1/orders", headers=_bearer(key["secret"])).status_code == 200

    resp = revoker.post(f"/api/v1/api-keys/{key['id']}/revoke", headers=api.headers("admin"))

    assert resp.status_code == 200, resp.text
    assert revoker.get("/api/v1/orders", headers=_bearer(key["secret"])).status_code == 401
    # Another process still trusts its cached lookup until PESANAN_AUTH_CACHE_SECONDS pass.
    assert other.get("/api/v1/orders", headers=_bearer(key["secret"])).status_code == 200


def test_revoking_an_unknown_or_revoked_key_is_refused_and_changes_nothing(api: Api) -> None:
    key = _create(api)
    api.ok(api.post(f"/api-keys/{key['id']}/revoke"))
    before = row_counts(api.container.engine)
    with api.container.engine.connect() as conn:
        revoked_at = conn.execute(text("SELECT revoked_at FROM api_key WHERE id = :i"),
                                  {"i": key["id"]}).scalar()

    unknown = api.post("/api-keys/0192f0c4-0000-7000-8000-000000000000/revoke")
    again = api.post(f"/api-keys/{key['id']}/revoke")

    assert unknown.status_code == 404
    assert unknown.json()["type"] == "/problems/not-found"
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/invalid-transition"
    assert row_counts(api.container.engine) == before
    with api.container.engine.connect() as conn:
        assert conn.execute(text("SELECT revoked_at FROM api_key WHERE id = :i"),
                            {"i": key["id"]}).scalar() == revoked_at


def test_a_bad_create_body_is_422_and_creates_nothing(api: Api) -> None:
    api.key("admin")
    before = row_counts(api.container.engine)
    for body in ({"name": "x", "role": "root"}, {"name": "", "role": "clerk"},
                 {"name": "x", "role": "clerk", "secret": "psn_mine"}, {"role": "clerk"}):
        resp = api.post("/api-keys", body)
        assert resp.status_code == 422, body
        assert resp.json()["type"] == "/problems/validation-error"
    assert row_counts(api.container.engine) == before


def test_only_an_admin_may_list_create_or_revoke_keys(api: Api) -> None:
    key = _create(api)
    before = row_counts(api.container.engine)
    for role in ("clerk", "warehouse", "accountant"):
        assert api.get("/api-keys", role=role).status_code == 403
        made = api.post("/api-keys", {"name": "mine", "role": "admin"}, role=role)
        assert (made.status_code, made.json()["type"]) == (403, "/problems/forbidden")
        assert api.post(f"/api-keys/{key['id']}/revoke", role=role).status_code == 403
    after = row_counts(api.container.engine)
    assert after["api_key"] == before["api_key"] + 3  # only the callers' own test keys
    listed = {k["id"]: k for k in api.ok(api.get("/api-keys"))["items"]}
    assert listed[key["id"]]["revoked_at"] is None
