"""Run one rule's actions through the same service functions as the API, as the rule: the
order timeline then says "by rule <name>"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from pesanan.automation import conditions as cond
from pesanan.automation.schemas import (
    Action,
    AddNote,
    AddTag,
    Hold,
    Invoice,
    Notify,
    Release,
    SendEmail,
    SubmitPurchaseOrder,
    load_actions,
)
from pesanan.billing import service as billing
from pesanan.billing.schemas import IssueInvoice
from pesanan.core.actor import Actor
from pesanan.events.service import emit
from pesanan.flows import holds
from pesanan.mail import service as mail
from pesanan.orders import service as orders
from pesanan.orders.schemas import HoldOrder, ReleaseHold
from pesanan.orders.tags import add_tag
from pesanan.purchasing.lifecycle import submit_purchase_order


def rule_actor(rule: dict[str, Any]) -> Actor:
    # The rule acts with the rights of whoever may write rules (settings:write, an admin).
    return Actor(id=f"rule:{rule['id']}", name=f"rule {rule['name']}", role="admin")


def run_all(conn: Connection, rule: dict[str, Any], event: dict[str, Any],
            subject_id: str | None) -> list[dict[str, Any]]:
    """Each action in order; what each did. A refusal (DomainError) propagates: the caller
    rolls the rule's actions back together and records the run as failed."""
    actor = rule_actor(rule)
    return [{"type": a.type, **_run(conn, a, rule, event, subject_id, actor)}
            for a in load_actions(rule["actions"])]


def _run(conn: Connection, action: Action, rule: dict[str, Any], event: dict[str, Any],
         subject_id: str | None, actor: Actor) -> dict[str, Any]:
    match action:
        case Notify():
            emit(conn, "automation.notified", "automation_rule", rule["id"], {
                "rule_id": rule["id"], "rule_name": rule["name"], "message": action.message,
                "event_id": event["id"], "event_type": event["type"],
                "subject_id": subject_id})
            return {}
        case SendEmail():
            # The mail package's own path (one email_message per rule and event, sent by the
            # worker); the trigger names the subject: an order or a purchase order.
            return mail.queue_rule_email(
                conn, rule["id"], event, cond.TRIGGERS.get(event["type"]), subject_id,
                subject=action.subject, message=action.message, to=action.to)
    # Every other action acts on the subject; the service checked at creation that it fits.
    assert subject_id is not None
    match action:
        case Invoice():
            inv = billing.issue_invoice(conn, subject_id, IssueInvoice(), actor)
            return {"invoice_id": inv["id"], "invoice_number": inv["number"]}
        case Hold():
            holds.hold_order(conn, subject_id, HoldOrder(reason=action.reason), actor)
        case Release():
            holds.release_hold(conn, subject_id, ReleaseHold(note=action.note), actor)
        case AddTag():
            return {"added": add_tag(conn, subject_id, action.tag, actor)}
        case AddNote():
            orders.note_event(conn, subject_id, "order.note", action.message, actor)
        case SubmitPurchaseOrder():
            submit_purchase_order(conn, subject_id, actor)
    return {}
