"""Rule reads: the rules (few: read whole), one rule, a rule's runs newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from pesanan.automation.models import automation_rule, rule_run
from pesanan.core.clock import rfc3339
from pesanan.core.errors import NotFound
from pesanan.db.paging import page


def rule_view(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "name": r["name"], "enabled": bool(r["enabled"]),
            "trigger": r["trigger"], "conditions": r["conditions"], "actions": r["actions"],
            "created_at": rfc3339(r["created_at"]), "updated_at": rfc3339(r["updated_at"])}


def run_view(r: Any) -> dict[str, Any]:
    return {"id": r["id"], "rule_id": r["rule_id"], "event_id": r["event_id"],
            "event_type": r["event_type"], "event_sequence": r["event_position"],
            "subject_id": r["subject_id"], "outcome": r["outcome"], "error": r["error"],
            "results": r["results"], "ran_at": rfc3339(r["ran_at"])}


def list_rules(conn: Connection) -> dict[str, Any]:
    rows = conn.execute(select(automation_rule).order_by(automation_rule.c.name)).mappings()
    return {"items": [rule_view(r) for r in rows], "next_cursor": None}


def rule_row(conn: Connection, rule_id: str) -> dict[str, Any]:
    row = conn.execute(select(automation_rule).where(automation_rule.c.id == rule_id)
                       ).mappings().first()
    if row is None:
        raise NotFound(f"automation rule {rule_id} not found")
    return dict(row)


def get_rule(conn: Connection, rule_id: str) -> dict[str, Any]:
    return rule_view(rule_row(conn, rule_id))


def enabled_rules(conn: Connection, triggers: set[str]) -> list[dict[str, Any]]:
    """The enabled rules for these event types, in name order (the order they run in)."""
    if not triggers:
        return []
    return [dict(r) for r in conn.execute(
        select(automation_rule).where(automation_rule.c.enabled.is_(True),
                                      automation_rule.c.trigger.in_(triggers))
        .order_by(automation_rule.c.name)).mappings()]


def list_runs(conn: Connection, rule_id: str, limit: int = 50, cursor: str | None = None
              ) -> dict[str, Any]:
    """A rule's runs, newest first (ids are UUIDv7: creation order)."""
    rule_row(conn, rule_id)
    stmt = select(rule_run).where(rule_run.c.rule_id == rule_id)
    rows, nxt = page(conn, stmt, rule_run.c.id, limit, cursor)
    return {"items": [run_view(r) for r in rows], "next_cursor": nxt}


def has_runs(conn: Connection, rule_id: str) -> bool:
    return conn.execute(select(rule_run.c.id).where(rule_run.c.rule_id == rule_id).limit(1)
                        ).first() is not None


def rule_id_named(conn: Connection, ref: str) -> str:
    """A rule's id from its name or id (the command line names rules by name)."""
    found = conn.execute(select(automation_rule.c.id).where(
        (automation_rule.c.name == ref.strip()) | (automation_rule.c.id == ref.strip()))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no automation rule named {ref!r}")
    return str(found)
