"""Roles and what each may do (pure). A permission is `<area>:<read|write>`, or for returns,
whose steps belong to different people, `returns:<action>`.

README.md ("Roles") prints this table; tests/e2e/test_role_matrix.py checks every route
against it."""

from __future__ import annotations

ROLES = ("admin", "clerk", "warehouse", "accountant")

_READ_ALL = {f"{a}:read" for a in (
    "catalog", "customers", "inventory", "orders", "purchasing", "billing", "ledger", "fulfillment",
    "returns",
)}
# Who the shop is (name, time zone, currency): every role reads it, documents and screens show it.
_EVERYONE = {"shop:read"}
# A return passes through several hands: customer service asks and decides, the warehouse
# receives (restocks), accounts pay money out, and an exchange places an order. Each step is
# its own permission so that no role does a step its job does not include.
RETURN_ACTIONS = {
    "returns:request": "ask to return delivered units",
    "returns:approve": "approve, reject or close a return",
    "returns:receive": "receive returned goods (restock, quarantine, scrap)",
    "returns:refund": "refund a received return (money out)",
    "returns:exchange": "a replacement order paid from the credit note",
}

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(_READ_ALL | {f"{p.split(':')[0]}:write" for p in _READ_ALL
                                    if p != "returns:read"}
                       | set(RETURN_ACTIONS)
                       # Settings (hold rules) are the admin's alone.
                       | {"settings:read", "settings:write"}
                       # So are API keys: a key holder could mint keys of any role.
                       | {"apikeys:read", "apikeys:write"}
                       # And console users: who may log in, with which role.
                       | {"users:read", "users:write"} | _EVERYONE),
    # A clerk captures orders and keeps customers; sees stock to sell it; no ledger. Handles
    # the customer's side of a return, and an exchange (which places an order).
    "clerk": frozenset({
        "catalog:read", "customers:read", "customers:write", "inventory:read", "orders:read",
        "orders:write", "fulfillment:read", "billing:read", "returns:read", "returns:request",
        "returns:approve", "returns:exchange",
    } | _EVERYONE),
    # The warehouse moves goods: no money (billing) and no customer contact data.
    "warehouse": frozenset({
        "catalog:read", "inventory:read", "inventory:write", "orders:read", "purchasing:read",
        "purchasing:write", "fulfillment:read", "fulfillment:write", "returns:read",
        "returns:receive",
    } | _EVERYONE),
    "accountant": frozenset({
        "catalog:read", "customers:read", "orders:read", "billing:read", "billing:write",
        "ledger:read", "purchasing:read", "inventory:read", "fulfillment:read", "returns:read",
        "returns:refund",
    } | _EVERYONE),
}

# The read permission each event type needs, by the type's prefix (`invoice.issued` ->
# "invoice"): the feed (GET /events) and anything that forwards events (webhooks) show a role
# only what it could read through the resource's own endpoints. A prefix missing here is shown
# to nobody (fail closed); tests/unit/test_roles.py checks every type the code emits is listed.
EVENT_PERMISSIONS: dict[str, str] = {
    "order": "orders:read", "backorder": "orders:read",
    "product": "catalog:read",
    "customer": "customers:read",
    "location": "inventory:read", "stock": "inventory:read",
    "shipment": "fulfillment:read", "fulfilment_order": "fulfillment:read",
    "fulfilment": "fulfillment:read", "carrier": "fulfillment:read",
    # The 3PL endpoint (URL) is configuration, set with settings:write.
    "tpl_endpoint": "settings:read", "hold_rule": "settings:read",
    # Webhook endpoints (endpoint.disabled) are configuration as well.
    "endpoint": "settings:read",
    "invoice": "billing:read", "payment": "billing:read", "credit_note": "billing:read",
    "refund": "billing:read",
    "return": "returns:read",
    "supplier": "purchasing:read", "supplier_offer": "purchasing:read",
    "reorder_rule": "purchasing:read", "purchase_order": "purchasing:read",
    # Scheduled jobs (worker/handlers.py): an SLA breach is about an order, so whoever reads
    # orders sees it; the nightly audit's breaches name stock, money and orders alike, so only
    # the role that reads everything (the admin, through settings:read) does.
    "sla": "orders:read", "audit": "settings:read",
    # An automation rule's notification (automation.notified) names the rule: settings.
    "automation": "settings:read",
    # The shop's settings (shop.updated) are configuration.
    "shop": "settings:read",
}


def allows(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())


def event_prefix(event_type: str) -> str:
    return event_type.split(".", 1)[0]


def event_permission(event_type: str) -> str | None:
    """The read permission an event type needs; None for a type not in the table."""
    return EVENT_PERMISSIONS.get(event_prefix(event_type))


def may_read_event(role: str, event_type: str) -> bool:
    needed = event_permission(event_type)
    return needed is not None and allows(role, needed)


def readable_event_prefixes(role: str) -> list[str]:
    """The event type prefixes `role` may read, sorted (for a SQL filter)."""
    return sorted(p for p, needed in EVENT_PERMISSIONS.items() if allows(role, needed))


def role_table() -> str:
    """The role table as README.md prints it (tests/unit/test_roles.py keeps the two equal)."""
    lines = ["| role | reads | writes | return steps |", "|---|---|---|---|"]
    for role in ROLES:
        held = PERMISSIONS[role]
        reads = sorted(p.split(":")[0] for p in held if p.endswith(":read"))
        writes = sorted(p.split(":")[0] for p in held if p.endswith(":write"))
        steps = [p.split(":")[1] for p in RETURN_ACTIONS if p in held]
        lines.append(f"| {role} | {', '.join(reads)} | {', '.join(writes) or '—'} | "
                     f"{', '.join(steps) or '—'} |")
    return "\n".join(lines) + "\n"
