"""Roles and what each may do (pure). A permission is `<area>:<read|write>`."""

from __future__ import annotations

ROLES = ("admin", "clerk", "warehouse", "accountant")

_READ_ALL = {f"{a}:read" for a in (
    "catalog", "customers", "inventory", "orders", "purchasing", "billing", "ledger", "fulfillment",
    "returns",
)}

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(_READ_ALL | {f"{p.split(':')[0]}:write" for p in _READ_ALL}
                       # Settings (hold rules) are the admin's alone.
                       | {"settings:read", "settings:write"}),
    # A clerk captures orders and keeps customers; sees stock to sell it; no ledger.
    "clerk": frozenset({
        "catalog:read", "customers:read", "customers:write", "inventory:read", "orders:read",
        "orders:write", "fulfillment:read", "billing:read", "returns:read", "returns:write",
    }),
    "warehouse": frozenset({
        "catalog:read", "inventory:read", "inventory:write", "orders:read", "purchasing:read",
        "purchasing:write", "fulfillment:read", "fulfillment:write", "returns:read",
        "returns:write",
    }),
    "accountant": frozenset({
        "catalog:read", "customers:read", "orders:read", "billing:read", "billing:write",
        "ledger:read", "purchasing:read", "inventory:read", "fulfillment:read", "returns:read",
    }),
}


def allows(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())
