"""The automation consumer (a worker task): reads the feed in commit order, and for each event
that an enabled rule starts from, checks the rule's conditions on the event's order (or
purchase order) and runs its actions — once per (rule, event).

Once: the run row is unique per (rule, event) and is written in the same transaction as the
actions and the cursor move. A redelivered event (the cursor put back, a replay) finds its run
row and is skipped; a batch cut short (kill -9, a lost race) rolls back whole — runs, actions
and cursor — and is read again.

A refused action (a DomainError: nothing left to invoice, an order that cannot be held) does
not stop the feed: each rule's actions run in a savepoint, so a refusal rolls back that rule's
actions only and is recorded as a `failed` run with the error; the consumer goes on to the
next rule and event. Not retried by itself: the operator sees it in the rule's runs. Anything
else (the database gone, a bug) is not a refusal: it propagates, the whole batch rolls back and
the worker runs it again, rather than skipping an action for good.

Conditions look at the order as it is when the consumer reads the event (usually well under a
second later), not as it was at the event: an order edited in between is judged as edited.
Rules for one event run in name order, each seeing what the one before did.

A loop stops: two rules that undo each other (hold on order.released, release on order.held)
would act on each other's events for ever, so a rule runs at most MAX_RUNS_PER_SUBJECT times
on one order (or purchase order); past that its run is `failed` with the reason, its actions
do not run, and no new event feeds the loop.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from pesanan.automation import actions
from pesanan.automation import conditions as cond
from pesanan.automation import queries as qs
from pesanan.automation.facts import facts_of, subject_of
from pesanan.automation.models import automation_rule, rule_run
from pesanan.core.clock import now
from pesanan.core.errors import DomainError
from pesanan.core.ids import new_id
from pesanan.db.tx import transact
from pesanan.events import consumers

log = logging.getLogger("pesanan.automation")
NAME = "automation"
BATCH = 200
# No rule has a reason to act on one order this often (one note per shipment would need 50
# shipments); a loop reaches it in a second.
MAX_RUNS_PER_SUBJECT = 50


def run_once(engine: Engine, limit: int = BATCH) -> int:
    """One batch in one transaction; how many events it read (0: nothing new, or another
    worker holds the cursor)."""
    return transact(engine, lambda conn: handle_batch(conn, limit))


# While no rule is enabled there is nothing to act on: the cursor moves to the newest stamped
# event without reading the events (their rows, their JSON) on every relay tick. One statement,
# so the rules and the newest position are read in one snapshot: a rule not visible there
# would not have been seen by reading the batch either (a rule acts on events after it was
# made, never on the history behind the cursor).
_SKIP = consumers.skip_statement(NAME, exists().where(automation_rule.c.enabled.is_(True)))


def handle_batch(conn: Connection, limit: int = BATCH) -> int:
    position = consumers.claim(conn, NAME)
    if position is None:
        return 0
    skipped = conn.execute(_SKIP, {"at": now()}).scalar_one_or_none()
    if skipped is not None:  # no rule enabled: the events were passed over unread
        return int(skipped) - position
    events = consumers.read_after(conn, position, limit)
    if not events:
        return 0
    rules = qs.enabled_rules(conn, {e["type"] for e in events} & set(cond.TRIGGERS))
    for event in events:
        matching = [r for r in rules if r["trigger"] == event["type"]
                    and _occurred_at(event) >= r["created_at"]]
        if matching:
            handle_event(conn, event, matching)
    consumers.advance(conn, NAME, events[-1]["sequence"])
    return len(events)


def _occurred_at(event: dict[str, Any]) -> datetime:
    # A rule acts on events after it was made, not on the history it finds behind the cursor
    # (a new rule "invoice on shipment" must not invoice every shipment since the shop opened).
    return datetime.fromisoformat(event["occurred_at"])


def handle_event(conn: Connection, event: dict[str, Any], rules: list[dict[str, Any]]) -> None:
    subject = subject_of(event)
    if subject is None:
        return
    kind, subject_id = subject
    facts = facts_of(conn, kind, subject_id)
    for rule in rules:
        parsed, _ = cond.parse(rule["conditions"], kind)  # stored checked: no problems
        if cond.holds(parsed, facts) and run_rule(conn, rule, event, subject_id) == "done":
            # The next rule sees what this one did (a tag it added, an order it held).
            facts = facts_of(conn, kind, subject_id)


def run_rule(conn: Connection, rule: dict[str, Any], event: dict[str, Any], subject_id: str
             ) -> str | None:
    """Run the rule's actions for the event unless they ran before; the outcome, or None when
    the run row was already there (a redelivery)."""
    run_id = new_id()
    try:
        with conn.begin_nested():
            conn.execute(rule_run.insert(), {
                "id": run_id, "rule_id": rule["id"], "event_id": event["id"],
                "event_type": event["type"], "event_position": event["sequence"],
                "subject_id": subject_id, "outcome": "done", "error": None, "results": [],
                "ran_at": now()})
    except IntegrityError:  # uq (rule_id, event_id): this rule already handled this event
        return None
    done = update(rule_run).where(rule_run.c.id == run_id)
    if _runs_on(conn, rule["id"], subject_id) > MAX_RUNS_PER_SUBJECT:
        log.warning("rule %s stopped on %s: a loop?", rule["name"], subject_id)
        conn.execute(done.values(outcome="failed", error=(
            f"not run: the rule already ran {MAX_RUNS_PER_SUBJECT} times on {subject_id}; "
            "do two rules undo each other?")))
        return "failed"
    try:
        with conn.begin_nested():
            results = actions.run_all(conn, rule, event, subject_id)
    except DomainError as exc:
        log.warning("rule %s on %s %s refused: %s", rule["name"], event["type"], event["id"],
                    exc.detail)
        conn.execute(done.values(outcome="failed", error=exc.detail[:500]))
        return "failed"
    conn.execute(done.values(results=results))
    return "done"


def _runs_on(conn: Connection, rule_id: str, subject_id: str) -> int:
    """The rule's runs on this subject, this one included."""
    return int(conn.execute(select(func.count()).select_from(rule_run).where(
        rule_run.c.rule_id == rule_id, rule_run.c.subject_id == subject_id)).scalar_one())
