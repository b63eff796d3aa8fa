"""Order holds: automatic hold rules at placement, the hold rows of a manual hold and its
release, the review queue.

A held order keeps its reserved stock but is not released to fulfilment (shipping refuses an
order that is not open); releasing the hold releases it — that process, which withdraws from and
releases to fulfilment, is flows/holds.py. Each reason a hold was put on is an `order_hold` row
(a rule hit or a manual hold) and a line on the timeline.

Hot path: the enabled rules are cached per process (keyed by engine, one per database) with
the version they were read at. Every rule change bumps a version counter row in its own
transaction (orders/hold_settings.py), and place order reads that row inside the catalogue
query it runs anyway (flows/availability.py), so every process notices a change on its very
next order and re-reads the rules once: an ordinary order costs no extra statement, and with
rules enabled at most one more, only when a rule needs the customer's facts (credit limit,
velocity): `_customer_facts` reads them in one statement. The rules are read after the
version, so the cache never holds rules older than its version (read committed on PostgreSQL,
the writer's fresh snapshot on SQLite); rules newer than it are re-read on the next order.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, func, select, update

from pesanan.core.actor import Actor
from pesanan.core.clock import now, rfc3339
from pesanan.core.errors import FieldError, InvalidTransition, ValidationFailed
from pesanan.core.ids import new_id
from pesanan.core.money import fmt
from pesanan.customers import queries as customers
from pesanan.db.paging import MAX_LIMIT, decode_cursor, encode_cursor
from pesanan.db.types import Amount
from pesanan.events.service import emit
from pesanan.orders import holds_rules as rules_
from pesanan.orders import service as orders
from pesanan.orders import status as st
from pesanan.orders.models import hold_rule, order_hold, sales_order
from pesanan.orders.queries import get_order, order_number

# Keyed by engine (one per database per process): no work to build a key on the hot path.
_rules_cache: dict[Engine, tuple[int, list[rules_.Rule]]] = {}
_cache_lock = threading.Lock()


# --- rules at placement -----------------------------------------------------------------------

def enabled_rules(conn: Connection, version: int | None) -> list[rules_.Rule]:
    """The enabled rules, from the cache when it was filled at `version` (the counter row this
    transaction read); `None` (the version was not read) always reads them."""
    key = conn.engine
    cached = _rules_cache.get(key)
    if cached is not None and version is not None and cached[0] == version:
        return cached[1]
    found = [rules_.Rule(r.id, r.kind, dict(r.parameters)) for r in conn.execute(
        select(hold_rule.c.id, hold_rule.c.kind, hold_rule.c.parameters)
        .where(hold_rule.c.enabled.is_(True)).order_by(hold_rule.c.id))]
    if version is not None:
        with _cache_lock:
            _rules_cache[key] = (version, found)
    return found


def forget_rules(engine: Engine | None = None) -> None:
    """Drop the cached rules of one engine (after a rule changes), or all (between tests)."""
    with _cache_lock:
        if engine is None:
            _rules_cache.clear()
        else:
            _rules_cache.pop(engine, None)


def check_at_placement(conn: Connection, *, customer_id: str, currency: str, total: Decimal,
                       shipping_address: dict[str, Any] | None,
                       rules_version: int | None) -> list[rules_.Hit]:
    """The enabled rules a new order trips (before it is inserted); `rules_version` is the
    hold rules' version read in this transaction (flows/availability.py)."""
    rules = enabled_rules(conn, rules_version)
    if not rules:
        return []
    facts = rules_.OrderFacts(total, currency,
                              shipping_address["country"] if shipping_address else None)
    if rules_.needs_customer_facts(rules):
        facts = _customer_facts(conn, facts, customer_id, rules_.velocity_windows(rules))
    return rules_.evaluate(rules, facts)


def _customer_facts(conn: Connection, facts: rules_.OrderFacts, customer_id: str,
                    windows: list[int]) -> rules_.OrderFacts:
    """Credit limit, exposure in the order's currency and recent order counts, in one query.
    Read under read committed, like the stock: two orders placed at the same instant may each
    not see the other (the rules are a review aid, not an invariant)."""
    o = sales_order.c
    exposure = (select(func.coalesce(func.sum(o.total - o.amount_paid), 0, type_=Amount))
                .where(o.customer_id == customer_id, o.currency == facts.currency,
                       o.status != st.OrderStatus.CANCELLED, o.total > o.amount_paid)
                .scalar_subquery())
    ts = now()
    counts = [select(func.count()).where(o.customer_id == customer_id,
                                         o.placed_at >= ts - timedelta(minutes=m))
              .scalar_subquery().label(f"recent_{m}") for m in windows]
    row = customers.credit_facts(conn, customer_id, exposure.label("exposure"), *counts)
    if row is None:  # an unknown customer: the insert refuses the order
        return facts
    values: tuple[Any, ...] = tuple(row)  # credit limit and currency, then the extra columns
    return replace(facts, credit_limit=values[0], credit_currency=values[1],
                   exposure=Decimal(values[2] or 0),
                   recent_orders={m: int(values[3 + i]) for i, m in enumerate(windows)})


def hold_at_placement(conn: Connection, order_id: str, hits: list[rules_.Hit],
                      actor: Actor | None) -> None:
    """Record why a new order (inserted as on_hold) is held: one row per hit, the timeline and
    the `order.held` event."""
    ts = now()
    conn.execute(order_hold.insert(), [
        {"id": new_id(), "order_id": order_id, "rule_id": h.rule_id, "kind": h.kind,
         "reason": h.reason[:500], "status": "active", "actor": actor.name if actor else None,
         "created_at": ts, "resolved_at": None, "resolved_by": None, "resolution_note": None}
        for h in hits])
    orders.note_event(conn, order_id, "order.held",
                      "Held for review: " + "; ".join(h.reason for h in hits), actor)
    emit(conn, "order.held", "order", order_id, {
        "id": order_id, "reasons": [{"kind": h.kind, "rule_id": h.rule_id, "reason": h.reason}
                                    for h in hits]})


# --- manual hold, release, cancel (flows/holds.py runs them with fulfilment) ----------------

def check_holdable(order: dict[str, Any]) -> None:
    """A (locked) order may be put on hold unless it is fully shipped or cannot go on hold."""
    label = order_number(order["number"])
    st.check("status", order["status"], st.OrderStatus.ON_HOLD)
    if order["fulfillment_status"] == st.FulfillmentStatus.FULFILLED:
        raise InvalidTransition(f"order {label} is fully shipped: there is nothing to hold")


def put_on_hold(conn: Connection, order: dict[str, Any], reason: str, actor: Actor) -> None:
    """A manual hold on a locked order: its reason row, the status, the `order.held` event."""
    order_id = order["id"]
    conn.execute(order_hold.insert(), {
        "id": new_id(), "order_id": order_id, "rule_id": None, "kind": "manual",
        "reason": reason, "status": "active", "actor": actor.name, "created_at": now(),
        "resolved_at": None, "resolved_by": None, "resolution_note": None})
    orders.set_status(conn, order, "status", st.OrderStatus.ON_HOLD, actor,
                      f"Put on hold: {reason}")
    emit(conn, "order.held", "order", order_id,
         {"id": order_id, "reasons": [{"kind": "manual", "rule_id": None,
                                       "reason": reason}]})


def lift_hold(conn: Connection, order: dict[str, Any], note: str | None, actor: Actor) -> None:
    """on_hold -> open on a locked order: resolve every active reason (the caller then releases
    the order to fulfilment)."""
    st.check("status", order["status"], st.OrderStatus.OPEN)
    n = _resolve(conn, order["id"], "released", actor, note)
    shown = f" ({note})" if note else ""
    orders.set_status(conn, order, "status", st.OrderStatus.OPEN, actor,
                      f"Hold released: {n} reason(s) cleared{shown}")


def require_on_hold(order: dict[str, Any]) -> None:
    """The review queue's "cancel" is only for an order that is on hold."""
    if order["status"] != st.OrderStatus.ON_HOLD:
        raise InvalidTransition(f"order {order_number(order['number'])} is not on hold "
                                f"(it is {order['status']})")


def resolve_on_cancel(conn: Connection, order: dict[str, Any], actor: Actor | None,
                      reason: str) -> None:
    """Called by the cancel flow (flows/cancel.py): a cancelled order keeps no active hold."""
    if order["status"] == st.OrderStatus.ON_HOLD:
        _resolve(conn, order["id"], "cancelled", actor, reason)


def _resolve(conn: Connection, order_id: str, outcome: str, actor: Actor | None,
             note: str | None) -> int:
    done = conn.execute(
        update(order_hold)
        .where(order_hold.c.order_id == order_id, order_hold.c.status == "active")
        .values(status=outcome, resolved_at=now(), resolved_by=actor.name if actor else None,
                resolution_note=note[:500] if note else None))
    return int(done.rowcount)


# --- reads --------------------------------------------------------------------------------------

def hold_view(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "order_id": r["order_id"], "rule_id": r["rule_id"], "kind": r["kind"],
            "reason": r["reason"], "status": r["status"], "actor": r["actor"],
            "created_at": rfc3339(r["created_at"]),
            "resolved_at": rfc3339(r["resolved_at"]) if r["resolved_at"] else None,
            "resolved_by": r["resolved_by"], "resolution_note": r["resolution_note"]}


def order_holds(conn: Connection, order_id: str) -> list[dict[str, Any]]:
    return [hold_view(r) for r in conn.execute(
        select(order_hold).where(order_hold.c.order_id == order_id).order_by(order_hold.c.id)
    ).mappings()]


def order_with_holds(conn: Connection, order_id: str) -> dict[str, Any]:
    return {**get_order(conn, order_id), "holds": order_holds(conn, order_id)}


def list_holds(conn: Connection, *, limit: int = 50, cursor: str | None = None
               ) -> dict[str, Any]:
    """Held orders with their active reasons, the longest-waiting first (by the first active
    reason's id, which is time-ordered); the cursor is keyset on that id."""
    _check_limit(limit)
    after = decode_cursor(cursor)
    first = (select(order_hold.c.order_id, func.min(order_hold.c.id).label("first_id"))
             .where(order_hold.c.status == "active").group_by(order_hold.c.order_id)
             .subquery())
    o = sales_order.c
    stmt = (select(o.id, o.number, o.customer_id, o.currency, o.total, o.placed_at,
                   o.fulfillment_status, o.financial_status, o.version, first.c.first_id)
            .join(first, first.c.order_id == o.id)
            .where(o.status == st.OrderStatus.ON_HOLD))
    if after is not None:
        stmt = stmt.where(first.c.first_id > after)
    rows = conn.execute(stmt.order_by(first.c.first_id).limit(limit + 1)).mappings().all()
    nxt = encode_cursor(rows[limit - 1]["first_id"]) if len(rows) > limit else None
    rows = rows[:limit]
    reasons: dict[str, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    if rows:
        for h in conn.execute(select(order_hold).where(
                order_hold.c.order_id.in_(list(reasons)), order_hold.c.status == "active")
                .order_by(order_hold.c.id)).mappings():
            reasons[h["order_id"]].append(hold_view(h))
    return {"items": [{
        "order_id": r["id"], "number": order_number(r["number"]),
        "customer_id": r["customer_id"], "currency": r["currency"],
        "total": fmt(r["total"], r["currency"]), "placed_at": rfc3339(r["placed_at"]),
        "fulfillment_status": r["fulfillment_status"],
        "financial_status": r["financial_status"], "version": r["version"],
        "held_since": reasons[r["id"]][0]["created_at"], "reasons": reasons[r["id"]],
    } for r in rows], "next_cursor": nxt}


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}",
                               [FieldError("limit", "out_of_range", f"1..{MAX_LIMIT}")])
