"""The event type catalogue: every type Pesanan emits, with what it means (pure).

What a webhook endpoint (and, later, an automation rule) may subscribe to: a type or a prefix
not here is refused with a 422, so a typo ("order.place") fails at once instead of silently
never matching. tests/webhooks/test_catalogue.py scans src/ for every `emit(` with a literal
type and fails when one is missing here, so a new event cannot ship unlisted.
"""

from __future__ import annotations

# Types built at run time (f-strings) are listed by hand: the returns' statuses
# (returns/status.py) and the fulfilment order steps (fulfillment/work.py).
EVENT_TYPES: dict[str, str] = {
    "order.placed": "An order was placed.",
    "order.edited": "An open order's lines, address or details changed.",
    "order.held": "An order was put on hold (by a person or a hold rule).",
    "order.released": "A held order was released.",
    "order.cancelled": "An order was cancelled; its reservations were released.",
    "order.completed": "An order was paid in full and fulfilled.",
    "backorder.created": "Units of an order wait for stock.",
    "backorder.released": "A backorder was filled from received stock.",
    "backorder.cancelled": "A backorder was cancelled.",
    "product.created": "A product was added to the catalogue.",
    "product.updated": "A product's details or price changed.",
    "customer.created": "A customer was created.",
    "customer.updated": "A customer's profile, credit, payment terms or addresses changed.",
    "location.created": "A stock location was created.",
    "location.updated": "A stock location changed.",
    "stock.adjusted": "On-hand stock was adjusted.",
    "stock.counted": "A stock count was recorded.",
    "stock.count_posted": "A stock count's differences were posted.",
    "stock.quarantined": "Units were moved to quarantine.",
    "stock.released": "Quarantined units were released to sellable stock.",
    "stock.scrapped": "Units were scrapped.",
    "stock.settings_changed": "A product's stock settings at a location changed.",
    "stock.transfer_created": "A stock transfer between locations was created.",
    "stock.transfer_shipped": "A stock transfer left its source.",
    "stock.transfer_received": "A stock transfer arrived.",
    "stock.transfer_cancelled": "A stock transfer was cancelled.",
    "fulfilment_order.picking_started": "Picking of a fulfilment order started.",
    "fulfilment_order.packed": "A fulfilment order was packed.",
    "fulfilment_order.unpacked": "A packed fulfilment order was unpacked.",
    "shipment.shipped": "A shipment left a location.",
    "shipment.delivered": "A shipment was delivered.",
    "shipment.delivery_failed": "The carrier could not deliver a shipment.",
    "carrier.created": "A carrier was added.",
    "carrier.updated": "A carrier changed.",
    "carrier.deleted": "A carrier was removed.",
    "tpl_endpoint.set": "A 3PL location's endpoint was set.",
    "hold_rule.created": "A hold rule was created.",
    "hold_rule.updated": "A hold rule changed.",
    "invoice.issued": "An invoice was issued.",
    "invoice.overdue": "An invoice is still owed past its due date (a reminder, at most once "
                       "per the job's every_days).",
    "payment.recorded": "A payment was recorded against an order.",
    "credit_note.issued": "A credit note was issued.",
    "refund.recorded": "A refund was paid out.",
    "return.requested": "A return was requested.",
    "return.approved": "A return was approved.",
    "return.rejected": "A return was rejected.",
    "return.received": "Returned goods were received.",
    "return.refunded": "A received return was refunded.",
    "return.exchanged": "A return was exchanged for a replacement order.",
    "return.closed": "A return was closed.",
    "supplier.created": "A supplier was created.",
    "supplier_offer.created": "A supplier offer was created.",
    "reorder_rule.set": "A product's reorder rule was set.",
    "purchase_order.drafted": "A purchase order was drafted.",
    "purchase_order.lines_changed":
        "A draft purchase order's lines were added, changed or removed.",
    "purchase_order.ordered": "A purchase order was sent to its supplier.",
    "purchase_order.received": "Goods of a purchase order were received.",
    "purchase_order.cancelled": "A purchase order was cancelled.",
    "endpoint.disabled": "A webhook endpoint was disabled (410 Gone, or failing for days).",
    "sla.breached": "An order waited in a stage longer than the shop's threshold (once per "
                    "order and stage).",
    "audit.completed": "The nightly audit ran: whether every invariant holds, and the first "
                       "breaches.",
    "automation.notified": "An automation rule's notify action ran (its rule and message).",
    "shop.updated": "The shop's settings changed (which fields, and the profile after).",
}


def prefixes() -> set[str]:
    return {t.split(".", 1)[0] for t in EVENT_TYPES}


def known(pattern: str) -> bool:
    """A subscription pattern names something: an exact type, or `<prefix>.*` of a listed
    prefix ("order.*"), or "*" (everything)."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return pattern[:-2] in prefixes()
    return pattern in EVENT_TYPES


def matches(patterns: list[str], event_type: str) -> bool:
    """Whether an event of `event_type` is wanted by a filter; an empty filter wants all."""
    if not patterns:
        return True
    for p in patterns:
        if p == "*" or p == event_type or (p.endswith(".*") and
                                          event_type.startswith(p[:-1])):
            return True
    return False
