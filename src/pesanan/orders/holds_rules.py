"""Automatic hold rules (pure): which enabled rules a new order trips, and why.

A rule is a kind plus parameters. The service reads the enabled rules (cached per process
until a rule changes, see orders/holds.py) and, only when a rule needs them, the customer's
facts in one query; this module decides over plain values and is unit-tested without a
database.

Kinds and their parameters:
- `order_total_above`  {"limits": {"USD": "1000.00", ...}}: the order's total (tax included)
  is above the limit of its currency; a currency without a limit is never held by this rule.
- `credit_limit`       {}: the customer has a credit limit and its exposure — the unpaid value
  (total - paid) of its orders in this currency that are not cancelled, plus this order —
  is above it. A customer without a limit, or whose limit is in another currency than the
  order (customer.credit_currency), is never held by this rule.
- `country_not_served` {"countries": ["ID", "SG"]}: the shipping address's country is not in
  the list. An order without a shipping address (a POS sale) is not held by this rule.
- `order_velocity`     {"orders": N, "minutes": M}: this order is the N-th (or later) order of
  the customer placed within the last M minutes, counting itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pesanan.core.money import Money, MoneyError, fmt

KINDS = ("order_total_above", "credit_limit", "country_not_served", "order_velocity")
# The kinds that need the customer's facts read from the database (one query at placement).
NEEDS_CUSTOMER_FACTS = frozenset({"credit_limit", "order_velocity"})
MAX_VELOCITY_MINUTES = 7 * 24 * 60


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str
    parameters: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the rules look at for one new order. `exposure` and `recent_orders` (orders placed
    within the last N minutes, by N) do not count the new order itself; `None` means the
    service did not need to read them."""

    total: Decimal
    currency: str
    country: str | None
    credit_limit: Decimal | None = None
    credit_currency: str | None = None  # None: a limit set before currencies were recorded
    exposure: Decimal | None = None
    recent_orders: dict[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    rule_id: str
    kind: str
    reason: str


def velocity_windows(rules: list[Rule]) -> list[int]:
    """The windows (minutes) the velocity rules look back over, each once."""
    return sorted({int(r.parameters["minutes"]) for r in rules if r.kind == "order_velocity"})


def needs_customer_facts(rules: list[Rule]) -> bool:
    return any(r.kind in NEEDS_CUSTOMER_FACTS for r in rules)


def evaluate(rules: list[Rule], facts: OrderFacts) -> list[Hit]:
    """Every rule the order trips, in the rules' order. An empty list: the order is not held."""
    hits = []
    for rule in rules:
        reason = _check(rule, facts)
        if reason is not None:
            hits.append(Hit(rule.id, rule.kind, reason))
    return hits


def _check(rule: Rule, f: OrderFacts) -> str | None:
    """Why `rule` holds the order, or None."""
    return _RULES[rule.kind](rule.parameters, f) if rule.kind in _RULES else None


def _total_above(p: dict[str, Any], f: OrderFacts) -> str | None:
    raw = p.get("limits", {}).get(f.currency)
    if raw is None or f.total <= Decimal(raw):
        return None
    return (f"order total {fmt(f.total, f.currency)} {f.currency} is above the limit "
            f"{fmt(Decimal(raw), f.currency)} {f.currency}")


def _over_credit(p: dict[str, Any], f: OrderFacts) -> str | None:
    if f.credit_limit is None or f.exposure is None:
        return None
    if f.credit_currency is not None and f.credit_currency != f.currency:
        return None  # a limit in another currency says nothing about this order
    exposure = f.exposure + f.total
    if exposure <= f.credit_limit:
        return None
    return (f"customer exposure {fmt(exposure, f.currency)} {f.currency} (unpaid orders plus "
            f"this one) is over the credit limit {fmt(f.credit_limit, f.currency)}")


def _country_not_served(p: dict[str, Any], f: OrderFacts) -> str | None:
    if f.country is None or f.country in p.get("countries", []):
        return None
    return f"shipping country {f.country} is not served"


def _velocity(p: dict[str, Any], f: OrderFacts) -> str | None:
    if f.recent_orders is None:
        return None
    count = f.recent_orders.get(int(p["minutes"]), 0) + 1
    if count < int(p["orders"]):
        return None
    return (f"{count} orders from this customer within {p['minutes']} minutes "
            f"(rule: hold at {p['orders']})")


_RULES: dict[str, Callable[[dict[str, Any], OrderFacts], str | None]] = {
    "order_total_above": _total_above, "credit_limit": _over_credit,
    "country_not_served": _country_not_served, "order_velocity": _velocity,
}


def check_parameters(kind: str, parameters: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems with a rule's parameters as (field, message); empty when they are valid."""
    if kind not in KINDS:
        return [("kind", f"kind must be one of {', '.join(KINDS)}")]
    allowed = {"order_total_above": {"limits"}, "credit_limit": set(),
               "country_not_served": {"countries"},
               "order_velocity": {"orders", "minutes"}}[kind]
    out = [(f"parameters.{k}", f"unknown parameter for {kind}")
           for k in sorted(set(parameters) - allowed)]
    missing = sorted(allowed - set(parameters))
    out += [(f"parameters.{k}", "required") for k in missing]
    if out:
        return out
    if kind == "order_total_above":
        out += _check_limits(parameters["limits"])
    elif kind == "country_not_served":
        countries = parameters["countries"]
        if (not isinstance(countries, list) or not countries
                or not all(isinstance(c, str) and len(c) == 2 and c.isalpha() and c.isupper()
                           for c in countries)):
            out.append(("parameters.countries",
                        "a non-empty list of ISO 3166 two-letter country codes (\"ID\")"))
    elif kind == "order_velocity":
        for name, top in (("orders", 10_000), ("minutes", MAX_VELOCITY_MINUTES)):
            value = parameters[name]
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
                out.append((f"parameters.{name}", f"an integer from 1 to {top}"))
    return out


def _check_limits(limits: Any) -> list[tuple[str, str]]:
    if not isinstance(limits, dict) or not limits:
        return [("parameters.limits", "an object of currency -> amount, e.g. {\"USD\": \"500\"}")]
    out = []
    for cur, amount in limits.items():
        field = f"parameters.limits.{cur}"
        if not isinstance(amount, str):
            out.append((field, "a decimal string, e.g. \"500.00\""))
            continue
        try:
            if Money.of(amount, cur).amount < 0:
                out.append((field, "a limit cannot be negative"))
        except MoneyError as e:
            out.append((field, str(e)))
    return out
