"""Third-party logistics (3PL): a location of kind `3pl` gets its fulfilment orders by a signed
outbound request and reports shipments and deliveries back through a signed callback.

Outbound is an outbox: releasing a 3PL fulfilment order writes a `tpl_dispatch` row in the same
transaction (flows/release.py); fulfillment/dispatch.py sends it after commit, signed
(fulfillment/signing.py), through Pesanan's one outbound client (pesanan/outbound).

This module keeps the endpoint configuration. A URL is checked when it is set (http/https, no
credentials, no internal address in any disguise: a 422 naming the reason) and again, after
DNS, at every send.

Inbound: `handle_callback` verifies the signature with the location's secret (401 and nothing
changed when it is missing, wrong or stale), then records the event id under a unique key
before acting. A replay (same event id) answers the stored result; concurrent replays on
PostgreSQL wait on the unique index for the first to commit, then find its row.

The secret is kept (HMAC needs it both to sign and to verify) sealed with the app's key
(core/crypto.py), shown once in the answer to the PUT that set it (never in its stored
idempotency replay: `replay_view`), and never listed, logged or put into an event.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from pesanan.core.actor import Actor
from pesanan.core.clock import now, rfc3339
from pesanan.core.crypto import SecretBox, SecretUnreadable
from pesanan.core.errors import FieldError, NotFound, Unauthenticated, ValidationFailed
from pesanan.core.ids import new_id
from pesanan.events.service import emit
from pesanan.fulfillment import signing
from pesanan.fulfillment.models import tpl_endpoint
from pesanan.inventory import queries as inventory
from pesanan.inventory.queries import location_ref
from pesanan.outbound import AddressRefused, Policy, check_url

# --- endpoint configuration ---------------------------------------------------------------------

def _location_by_code(conn: Connection, code: str) -> dict[str, Any]:
    row = inventory.location_by_code(conn, code)
    if row is None:
        raise NotFound(f"location {code} not found")
    return row


def endpoint_view(loc: dict[str, Any], ep: dict[str, Any] | None) -> dict[str, Any]:
    return {"location_id": loc["id"], "location_code": loc["code"],
            "url": ep["url"] if ep else None, "secret_set": ep is not None,
            "updated_at": rfc3339(ep["updated_at"]) if ep else None}


def check_endpoint_url(url: str, policy: Policy) -> None:
    """ValidationFailed naming the reason when the URL may not be called."""
    try:
        check_url(url, policy)
    except AddressRefused as exc:
        raise ValidationFailed(f"the 3PL endpoint URL is refused: {exc}",
                               [FieldError("url", exc.code, str(exc))]) from None


def set_endpoint(conn: Connection, code: str, url: str, secret: str | None, *,
                 policy: Policy, box: SecretBox) -> dict[str, Any]:
    """Point a 3PL location at its URL; answers the secret once (made here when not given)."""
    check_endpoint_url(url, policy)
    loc = _location_by_code(conn, code)
    if loc["kind"] != "3pl":
        raise ValidationFailed(f"location {code} is a {loc['kind']}, not a 3pl",
                               [FieldError("location_code", "not_3pl",
                                           "only a 3pl location has an endpoint")])
    secret = secret or secrets.token_urlsafe(32)
    ts = now()
    sealed = box.seal(secret)
    row = {"location_id": loc["id"], "url": url, "secret_sealed": sealed, "created_at": ts,
           "updated_at": ts}
    # One upsert, not "exists? then update, else insert": two PUTs racing for a new endpoint
    # both found none and the second INSERT hit the primary key (a 500). Now the second waits
    # for the first to commit and updates its row; created_at stays the first one's.
    ins = (postgresql.insert(tpl_endpoint) if conn.dialect.name == "postgresql"
           else sqlite.insert(tpl_endpoint))
    conn.execute(ins.values(row).on_conflict_do_update(
        index_elements=["location_id"],
        set_={"url": url, "secret_sealed": sealed, "updated_at": ts}))
    view = endpoint_view(loc, row)
    emit(conn, "tpl_endpoint.set", "location", loc["id"], view)  # the view has no secret
    return {**view, "secret": secret}


def replay_view(result: dict[str, Any]) -> dict[str, Any]:
    """What a replay of the PUT answers: the same, but the secret (shown once) is gone."""
    return {**result, "secret": None}


def get_endpoint(conn: Connection, code: str) -> dict[str, Any]:
    loc = _location_by_code(conn, code)
    ep = conn.execute(select(tpl_endpoint).where(tpl_endpoint.c.location_id == loc["id"])
                      ).mappings().first()
    return endpoint_view(loc, dict(ep) if ep else None)


# --- inbound callbacks --------------------------------------------------------------------------

def verify_callback(conn: Connection, code: str, timestamp: str | None,
                    signature: str | None, body: bytes, at: int, *,
                    box: SecretBox) -> dict[str, Any]:
    """The 3PL location the request is authentically from; Unauthenticated otherwise (an
    unknown location looks the same as a bad signature: nothing to probe)."""
    row = conn.execute(
        select(location_ref.c.id, location_ref.c.code, tpl_endpoint.c.secret_sealed)
        .join(tpl_endpoint, tpl_endpoint.c.location_id == location_ref.c.id)
        .where(location_ref.c.code == code, location_ref.c.kind == "3pl")).first()
    reason = "unknown 3PL location" if row is None else _verify(
        box, row.secret_sealed, timestamp, signature, body, at)
    if reason is not None:
        raise Unauthenticated(f"callback refused: {reason}")
    assert row is not None
    return {"id": row.id, "code": row.code}


def _verify(box: SecretBox, sealed: str, timestamp: str | None, signature: str | None,
            body: bytes, at: int) -> str | None:
    try:
        secret = box.open(sealed)
    except SecretUnreadable:  # sealed under another key: refuse, as for a wrong signature
        return "the endpoint's secret cannot be unsealed"
    return signing.verify(secret, timestamp, signature, body, at)


def tpl_actor(code: str) -> Actor:
    return Actor(id=f"3pl:{code}", name=f"3pl {code}", role="warehouse")


def new_callback_id() -> str:
    return new_id()
