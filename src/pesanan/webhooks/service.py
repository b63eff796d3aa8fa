"""Webhook endpoint commands: create, update, enable, disable, delete, rotate the secret.

An endpoint's URL is checked when it is set (http/https, no credentials, and after DNS no
loopback, private, link-local or metadata address: a 422 naming the reason) and again by the
outbound client at every send, so a name that later resolves inward (DNS rebinding) still
gains nothing. Its event filter must name catalogued types (events/catalogue.py): a typo is a
422, not a subscription that silently never fires.

The secret (`whsec_…`, webhooks/signing.py) is sealed with the app's key (core/crypto.py) and
shown once, in the answer to the create or rotation that made it (never in the stored
idempotency replay: `replay_view`), never listed, logged or put into an event.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, select, update

from pesanan.core.clock import now
from pesanan.core.crypto import SecretBox
from pesanan.core.errors import FieldError, InvalidTransition, NotFound, ValidationFailed
from pesanan.core.ids import new_id
from pesanan.events import catalogue
from pesanan.events.service import emit
from pesanan.outbound import AddressRefused, Policy, check_url
from pesanan.outbound.addresses import REASONS, refusal
from pesanan.outbound.client import Resolver, resolve
from pesanan.webhooks import locks, signing
from pesanan.webhooks.models import webhook_attempt, webhook_delivery, webhook_endpoint
from pesanan.webhooks.queries import endpoint_view, get_endpoint
from pesanan.webhooks.schemas import EndpointCreate, EndpointUpdate


def check_url_after_dns(url: str, policy: Policy, resolver: Resolver = resolve) -> None:
    """ValidationFailed naming the reason when the URL may not be called: its form and
    literal address (outbound.check_url), then every address its name resolves to now."""
    try:
        target = check_url(url, policy)
        if target.ip is not None:
            return
        try:
            found = resolver(target.host, target.port)
        except OSError:
            raise ValidationFailed(f"the webhook URL is refused: cannot resolve {target.host}",
                                   [FieldError("url", "dns", f"{target.host} does not resolve")]
                                   ) from None
        for ip in found:
            why = refusal(ip, policy)
            if why is not None:
                raise AddressRefused(why, f"{target.host} -> {ip}")
    except AddressRefused as exc:
        raise ValidationFailed(f"the webhook URL is refused: {exc}",
                               [FieldError("url", exc.code, REASONS.get(exc.code, str(exc)))]
                               ) from None


def check_event_types(patterns: list[str]) -> list[str]:
    """The filter, without repeats; every unknown pattern is a field error."""
    errors = [FieldError(f"event_types[{i}]", "unknown_event_type",
                         f"{p!r} is not an event type (or `prefix.*`) Pesanan emits")
              for i, p in enumerate(patterns) if not catalogue.known(p)]
    if errors:
        raise ValidationFailed("unknown event types", errors)
    return list(dict.fromkeys(patterns))


def create_endpoint(conn: Connection, cmd: EndpointCreate, *, policy: Policy, box: SecretBox,
                    resolver: Resolver = resolve) -> dict[str, Any]:
    types = check_event_types(cmd.event_types)
    check_url_after_dns(cmd.url, policy, resolver)
    secret = signing.new_secret()
    ts = now()
    row = {"id": new_id(), "url": cmd.url, "description": cmd.description, "event_types": types,
           "secret_sealed": box.seal(secret), "previous_secret_sealed": None,
           "previous_secret_until": None, "status": "enabled", "disabled_reason": None,
           "disabled_at": None, "failing_since": None, "created_at": ts, "updated_at": ts}
    conn.execute(webhook_endpoint.insert().values(row))
    return {**endpoint_view(row), "secret": secret}


def replay_view(result: dict[str, Any]) -> dict[str, Any]:
    """What an idempotent replay of a create or rotation answers: the secret is gone."""
    return {**result, "secret": None}


def _locked(conn: Connection, endpoint_id: str) -> dict[str, Any]:
    row = locks.endpoint_row(conn, endpoint_id)
    if row is None:
        raise NotFound(f"webhook endpoint {endpoint_id} not found")
    return row


def update_endpoint(conn: Connection, endpoint_id: str, cmd: EndpointUpdate, *,
                    policy: Policy, resolver: Resolver = resolve) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if cmd.event_types is not None:
        values["event_types"] = check_event_types(cmd.event_types)
    if cmd.url is not None:
        check_url_after_dns(cmd.url, policy, resolver)
        values["url"] = cmd.url
    if "description" in cmd.model_fields_set:
        values["description"] = cmd.description
    _locked(conn, endpoint_id)
    conn.execute(update(webhook_endpoint).where(webhook_endpoint.c.id == endpoint_id)
                 .values(**values, updated_at=now()))
    return get_endpoint(conn, endpoint_id)


def rotate_secret(conn: Connection, endpoint_id: str, *, box: SecretBox, overlap: timedelta
                  ) -> dict[str, Any]:
    """A new secret; the current one keeps signing too until `overlap` has passed."""
    _locked(conn, endpoint_id)
    row = conn.execute(select(webhook_endpoint.c.secret_sealed)
                       .where(webhook_endpoint.c.id == endpoint_id)).one()
    secret = signing.new_secret()
    ts = now()
    conn.execute(update(webhook_endpoint).where(webhook_endpoint.c.id == endpoint_id).values(
        secret_sealed=box.seal(secret), previous_secret_sealed=row.secret_sealed,
        previous_secret_until=ts + overlap, updated_at=ts))
    return {**get_endpoint(conn, endpoint_id), "secret": secret}


def disable_endpoint(conn: Connection, endpoint_id: str, reason: str,
                     at: datetime | None = None) -> dict[str, Any]:
    """Stop sending to an endpoint (its pending deliveries wait until it is enabled again)
    and say so with `endpoint.disabled`. Disabling a disabled endpoint changes nothing."""
    row = _locked(conn, endpoint_id)
    if row["status"] == "disabled":
        return endpoint_view(row)
    ts = at or now()
    conn.execute(update(webhook_endpoint).where(webhook_endpoint.c.id == endpoint_id).values(
        status="disabled", disabled_reason=reason[:200], disabled_at=ts, updated_at=ts))
    view = get_endpoint(conn, endpoint_id)
    emit(conn, "endpoint.disabled", "webhook_endpoint", endpoint_id,
         {"id": endpoint_id, "url": view["url"], "reason": view["disabled_reason"],
          "disabled_at": view["disabled_at"]})
    return view


def enable_endpoint(conn: Connection, endpoint_id: str) -> dict[str, Any]:
    """Send again; what waited while it was disabled goes out now, in order."""
    row = _locked(conn, endpoint_id)
    if row["status"] == "enabled":
        raise InvalidTransition(f"webhook endpoint {endpoint_id} is enabled already")
    ts = now()
    conn.execute(update(webhook_endpoint).where(webhook_endpoint.c.id == endpoint_id).values(
        status="enabled", disabled_reason=None, disabled_at=None, failing_since=None,
        updated_at=ts))
    conn.execute(update(webhook_delivery).where(webhook_delivery.c.endpoint_id == endpoint_id,
                                                webhook_delivery.c.status == "pending")
                 .values(next_attempt_at=ts))
    return get_endpoint(conn, endpoint_id)


def delete_endpoint(conn: Connection, endpoint_id: str) -> dict[str, Any]:
    """Remove an endpoint with its delivery log."""
    view = endpoint_view(_locked(conn, endpoint_id))
    ids = select(webhook_delivery.c.id).where(webhook_delivery.c.endpoint_id == endpoint_id)
    conn.execute(delete(webhook_attempt).where(webhook_attempt.c.delivery_id.in_(ids)))
    conn.execute(delete(webhook_delivery).where(webhook_delivery.c.endpoint_id == endpoint_id))
    conn.execute(delete(webhook_endpoint).where(webhook_endpoint.c.id == endpoint_id))
    return view
