"""The notifications the shop sends, each from one event type of the catalogue (pure).

Each has a switch (notification_setting; no row: on). The recipient: the order's customer,
or the purchase order's supplier. `attach` names the document whose PDF goes with it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Notification:
    kind: str  # the switch's name and the message's kind
    event_type: str  # events/catalogue.py
    title: str  # for people: the console, the CLI
    attach: str | None  # "invoice" | "purchase_order": the PDF attached


NOTIFICATIONS: tuple[Notification, ...] = (
    Notification("order_confirmation", "order.placed", "Order confirmation", None),
    Notification("invoice_issued", "invoice.issued", "Invoice issued (PDF attached)", "invoice"),
    Notification("shipment_sent", "shipment.shipped", "Shipment sent (tracking link)", None),
    Notification("refund_issued", "refund.recorded", "Refund issued", None),
    Notification("overdue_reminder", "invoice.overdue", "Overdue invoice reminder (PDF attached)",
                 "invoice"),
    Notification("purchase_order", "purchase_order.ordered",
                 "Purchase order to the supplier (PDF attached)", "purchase_order"),
)
BY_KIND: dict[str, Notification] = {n.kind: n for n in NOTIFICATIONS}
BY_EVENT: dict[str, Notification] = {n.event_type: n for n in NOTIFICATIONS}
EVENT_TYPES: list[str] = [n.event_type for n in NOTIFICATIONS]

# The kind of an email an automation rule's "send email" action made.
RULE_PREFIX = "rule:"


def rule_kind(rule_id: str) -> str:
    return f"{RULE_PREFIX}{rule_id}"


def language(locale: str) -> str:
    """The templates' language for a locale: "id" for Indonesian, "en" for the rest."""
    return "id" if locale.lower().startswith("id") else "en"
