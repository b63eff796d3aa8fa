"""Rule commands: create, change, delete (settings:write at the entrypoints). Every check is
made before anything is written, so a refused rule leaves nothing behind; each problem is named
by its place (`trigger`, `conditions[1]`, `actions[0]`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, update
from sqlalchemy.exc import IntegrityError

from pesanan.automation import conditions as cond
from pesanan.automation import queries as qs
from pesanan.automation.models import automation_rule
from pesanan.automation.schemas import (
    ACTION_SUBJECT,
    Action,
    RuleCreate,
    RuleUpdate,
    load_actions,
)
from pesanan.core.clock import now
from pesanan.core.errors import Conflict, FieldError, ValidationFailed
from pesanan.core.ids import new_id


def checked(trigger: str, conditions: list[dict[str, Any]], actions: list[Action]
            ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(conditions, actions) in their stored form, or ValidationFailed naming every problem."""
    subject = cond.TRIGGERS.get(trigger)
    if subject is None:
        raise ValidationFailed(f"unknown trigger {trigger!r}", [FieldError(
            "trigger", "unknown_event_type",
            f"not an event a rule can start from: one of {', '.join(sorted(cond.TRIGGERS))}")])
    parsed, problems = cond.parse(conditions, subject)
    errors = [FieldError(f, "invalid_condition", m) for f, m in problems]
    for i, a in enumerate(actions):
        needs = ACTION_SUBJECT[a.type]
        if needs is not None and needs != subject:
            errors.append(FieldError(f"actions[{i}]", "invalid_action",
                                     f"{a.type} acts on a {needs}; {trigger} is about a "
                                     f"{subject}"))
    if errors:
        raise ValidationFailed(f"The rule is invalid: {errors[0].field}: {errors[0].message}",
                               errors)
    return [cond.dump(c) for c in parsed], [a.model_dump(exclude_none=True) for a in actions]


def _duplicate(name: str) -> Conflict:
    return Conflict(f"an automation rule named {name!r} already exists",
                    [FieldError("name", "duplicate", "rule names are unique")])


def _write(conn: Connection, stmt: Any, values: dict[str, Any], name: str) -> None:
    try:
        with conn.begin_nested():
            conn.execute(stmt, values)
    except IntegrityError:  # the unique name: taken (perhaps by a concurrent create)
        raise _duplicate(name) from None


def create_rule(conn: Connection, cmd: RuleCreate) -> dict[str, Any]:
    conditions, actions = checked(cmd.trigger, cmd.conditions, cmd.actions)
    ts = now()
    row = {"id": new_id(), "name": cmd.name, "enabled": cmd.enabled, "trigger": cmd.trigger,
           "conditions": conditions, "actions": actions, "created_at": ts, "updated_at": ts}
    _write(conn, automation_rule.insert(), row, cmd.name)
    return qs.rule_view(row)


def update_rule(conn: Connection, rule_id: str, cmd: RuleUpdate) -> dict[str, Any]:
    row = qs.rule_row(conn, rule_id)
    changes: dict[str, Any] = {k: v for k, v in (("name", cmd.name), ("enabled", cmd.enabled))
                               if v is not None}
    if cmd.trigger is not None or cmd.conditions is not None or cmd.actions is not None:
        # Any of the three changes what the others must fit: check them together.
        actions = cmd.actions if cmd.actions is not None else load_actions(row["actions"])
        changes["conditions"], changes["actions"] = checked(
            cmd.trigger or row["trigger"],
            cmd.conditions if cmd.conditions is not None else row["conditions"], actions)
        changes["trigger"] = cmd.trigger or row["trigger"]
    changes["updated_at"] = now()
    _write(conn, update(automation_rule).where(automation_rule.c.id == rule_id), changes,
           changes.get("name", row["name"]))
    return qs.rule_view({**row, **changes})


def delete_rule(conn: Connection, rule_id: str) -> dict[str, Any]:
    """Only a rule that never ran: its runs are the record of what it did. Disable it instead.
    Answers the rule as it was."""
    row = qs.rule_row(conn, rule_id)
    if qs.has_runs(conn, rule_id):
        raise Conflict(f"rule {row['name']!r} has run; disable it instead (its runs are its "
                       "history)")
    conn.execute(delete(automation_rule).where(automation_rule.c.id == rule_id))
    return qs.rule_view(row)
