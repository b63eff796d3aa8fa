"""Hold rules as settings: create, change, enable/disable (admin only, at the entrypoints).

A rule is never deleted — the holds it caused name it — so "remove" is `enabled: false`.
Every change bumps the hold rules' version counter in the same transaction, so every process
re-reads the rules on its next order after the commit (orders/holds.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from pesanan.core.clock import now, rfc3339
from pesanan.core.errors import FieldError, NotFound, ValidationFailed
from pesanan.core.ids import new_id
from pesanan.db.sequences import counter, next_gapless
from pesanan.events.service import emit
from pesanan.orders import holds_rules, locks
from pesanan.orders.models import hold_rule
from pesanan.orders.schemas import HoldRuleCreate, HoldRuleUpdate

# The hold rules' version: a counter row bumped by every rule change. Place order reads it in
# the same statement as the catalogue (flows/availability.py), so each process's rule cache is
# checked against the database on every order at no extra round trip (orders/holds.py). No row
# yet (no rule ever made) = 0. `rules_version` is that read as a scalar subquery to carry along.
HOLD_RULES_VERSION = "hold_rules"
rules_version = (select(counter.c.value).where(counter.c.name == HOLD_RULES_VERSION)
                 .scalar_subquery())


def rule_view(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "kind": r["kind"], "parameters": r["parameters"],
            "enabled": bool(r["enabled"]), "note": r["note"],
            "created_at": rfc3339(r["created_at"]), "updated_at": rfc3339(r["updated_at"])}


def _check(kind: str, parameters: dict[str, Any]) -> None:
    problems = holds_rules.check_parameters(kind, parameters)
    if problems:
        raise ValidationFailed(f"The parameters do not fit a {kind} rule",
                               [FieldError(f, "invalid", m) for f, m in problems])


def create_rule(conn: Connection, cmd: HoldRuleCreate) -> dict[str, Any]:
    _check(cmd.kind, cmd.parameters)
    ts = now()
    rule_id = new_id()
    row = {"id": rule_id, "kind": cmd.kind, "parameters": cmd.parameters,
           "enabled": cmd.enabled, "note": cmd.note, "created_at": ts, "updated_at": ts}
    conn.execute(hold_rule.insert(), row)
    _bump_version(conn)
    view = rule_view(row)
    emit(conn, "hold_rule.created", "hold_rule", rule_id, view)
    return view


def update_rule(conn: Connection, rule_id: str, cmd: HoldRuleUpdate) -> dict[str, Any]:
    row = locks.hold_rule_row(conn, rule_id)
    changes: dict[str, Any] = {}
    if cmd.parameters is not None:
        _check(row["kind"], cmd.parameters)
        changes["parameters"] = cmd.parameters
    if cmd.enabled is not None:
        changes["enabled"] = cmd.enabled
    if "note" in cmd.model_fields_set:
        changes["note"] = cmd.note
    changes["updated_at"] = now()
    conn.execute(update(hold_rule).where(hold_rule.c.id == rule_id).values(changes))
    _bump_version(conn)
    view = rule_view({**row, **changes})
    emit(conn, "hold_rule.updated", "hold_rule", rule_id, view)
    return view


def _bump_version(conn: Connection) -> None:
    # The counter row stays locked until commit, so rule changes bump it one at a time.
    next_gapless(conn, HOLD_RULES_VERSION)


def list_rules(conn: Connection) -> dict[str, Any]:
    """Every rule (there are few), oldest first."""
    rows = conn.execute(select(hold_rule).order_by(hold_rule.c.id)).mappings()
    return {"items": [rule_view(r) for r in rows], "next_cursor": None}


def get_rule(conn: Connection, rule_id: str) -> dict[str, Any]:
    row = conn.execute(select(hold_rule).where(hold_rule.c.id == rule_id)).mappings().first()
    if row is None:
        raise NotFound(f"hold rule {rule_id} not found")
    return rule_view(row)
