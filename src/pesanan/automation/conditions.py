"""A rule's conditions, as plain values: which triggers a rule may name, what each condition
may say (parse and validate, every problem named by its place in the list) and whether the
facts of one order (or purchase order) meet them. No database here: the consumer loads the
facts (automation/facts.py) and asks `holds`.

A condition is `{"field", "op", "value"}`; a rule's conditions are ANDed (no condition: always).
Money (`total`) is compared as a Decimal in one currency, `{"amount": "1000000", "currency":
"IDR"}`: an order in another currency never meets it, because amounts are never converted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

Subject = Literal["order", "purchase_order"]

# The events a rule may start from, and what each one is about. An event whose subject is an
# order carries it as its aggregate (order.*) or as `data.order_id` (shipments, invoices...).
TRIGGERS: dict[str, Subject] = {
    **{t: "order" for t in (
        "order.placed", "order.edited", "order.held", "order.released", "order.cancelled",
        "order.completed", "backorder.created", "backorder.released", "shipment.shipped",
        "shipment.delivered", "invoice.issued", "payment.recorded", "refund.recorded",
        "credit_note.issued")},
    **{t: "purchase_order" for t in (
        "purchase_order.drafted", "purchase_order.ordered", "purchase_order.received")},
}

CHANNELS = ("web", "pos", "phone")
PAYMENT_PREFERENCES = ("card", "bank_transfer", "cash", "cod", "invoice")
EQUALITY = ("eq", "ne", "in", "not_in")
ORDERING = ("eq", "ne", "gt", "gte", "lt", "lte")
OPS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "contains")
MAX_LIST = 50


@dataclass(frozen=True)
class Facts:
    """What a condition can look at. None = not known for this subject (e.g. no country on an
    order without a shipping address): no condition on it holds, `ne` and `not_in` neither."""

    total: Decimal
    currency: str
    channel: str | None = None
    country: str | None = None
    customer_id: str | None = None
    customer_email: str | None = None
    payment_preference: str | None = None
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any  # str | Decimal | tuple[str, ...] after parsing; total: (Decimal, currency)


def _text(raw: Any, allowed: Sequence[str] | None, upper: bool = False) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 254:
        raise ValueError("must be a non-empty string of at most 254 characters")
    value = raw.strip().upper() if upper else raw.strip()
    if allowed is not None and value not in allowed:
        raise ValueError(f"must be one of {', '.join(allowed)}")
    return value


def _country(raw: Any) -> str:
    value = _text(raw, None, upper=True)
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise ValueError("must be an ISO 3166 two-letter country code, e.g. ID")
    return value


def _customer(raw: Any) -> str:
    # An email (matched case-insensitively, as customers store it) or a customer id.
    value = _text(raw, None)
    return value.lower() if "@" in value else value


def _tag(raw: Any) -> str:
    return _text(raw, None).lower()


Reader = Callable[[Any], str]
_READERS: dict[str, tuple[tuple[str, ...], Reader]] = {
    "channel": (EQUALITY, lambda v: _text(v, CHANNELS)),
    "country": (EQUALITY, _country),
    "customer": (EQUALITY, _customer),
    "payment_preference": (EQUALITY, lambda v: _text(v, PAYMENT_PREFERENCES)),
    "tags": (("contains", "not_in"), _tag),
}
FIELDS: dict[Subject, tuple[str, ...]] = {
    "order": ("channel", "total", "country", "customer", "payment_preference", "tags"),
    "purchase_order": ("total",),
}


def _money(raw: Any) -> tuple[Decimal, str]:
    if not isinstance(raw, Mapping) or set(raw) != {"amount", "currency"}:
        raise ValueError('must be {"amount": "1000000.00", "currency": "IDR"}')
    amount, currency = raw["amount"], raw["currency"]
    if not isinstance(amount, str) or len(amount) > 24:
        raise ValueError("amount must be a decimal string")
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise ValueError("amount must be a decimal string") from None
    if not value.is_finite():
        raise ValueError("amount must be a decimal string")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isascii() \
            or not currency.isalpha() or not currency.isupper():
        raise ValueError("currency must be an ISO 4217 code, e.g. IDR")
    return value, currency


def parse_one(raw: Any, subject: Subject) -> Condition:
    """One condition, or ValueError saying what is wrong with it."""
    if not isinstance(raw, Mapping) or set(raw) != {"field", "op", "value"}:
        raise ValueError("a condition is {\"field\", \"op\", \"value\"} and nothing else")
    field, op, value = raw["field"], raw["op"], raw["value"]
    if field not in FIELDS[subject]:
        raise ValueError(f"field {field!r} is not one of {', '.join(FIELDS[subject])}")
    if field == "total":
        if op not in ORDERING:
            raise ValueError(f"op {op!r} does not apply to total; use one of "
                             f"{', '.join(ORDERING)}")
        return Condition(field, op, _money(value))
    ops, read = _READERS[field]
    if op not in ops:
        raise ValueError(f"op {op!r} does not apply to {field}; use one of {', '.join(ops)}")
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_LIST:
            raise ValueError(f"{op} takes a list of 1 to {MAX_LIST} values")
        return Condition(field, op, tuple(read(v) for v in value))
    return Condition(field, op, read(value))


def parse(raw: Any, subject: Subject) -> tuple[list[Condition], list[tuple[str, str]]]:
    """All conditions, and the problems as (`conditions[i]`, message): every bad one named."""
    if not isinstance(raw, list):
        return [], [("conditions", "must be a list of conditions")]
    out: list[Condition] = []
    problems: list[tuple[str, str]] = []
    for i, item in enumerate(raw):
        try:
            out.append(parse_one(item, subject))
        except ValueError as exc:
            problems.append((f"conditions[{i}]", str(exc)))
    return out, problems


def dump(c: Condition) -> dict[str, Any]:
    """A parsed condition as stored (JSON): the normalised form of what was given."""
    if c.field == "total":
        amount, currency = c.value
        return {"field": c.field, "op": c.op, "value": {"amount": str(amount),
                                                         "currency": currency}}
    value = list(c.value) if isinstance(c.value, tuple) else c.value
    return {"field": c.field, "op": c.op, "value": value}


def _fact(facts: Facts, field: str) -> Any:
    if field == "customer":
        return (facts.customer_id, facts.customer_email)
    return getattr(facts, field)


def _compare(op: str, left: Any, right: Any) -> bool:
    match op:
        case "eq":
            return bool(left == right)
        case "ne":
            return bool(left != right)
        case "gt":
            return bool(left > right)
        case "gte":
            return bool(left >= right)
        case "lt":
            return bool(left < right)
        case "lte":
            return bool(left <= right)
        case "in":
            return left in right
        case "not_in":
            return left not in right
    raise ValueError(f"unknown op {op}")


def meets(c: Condition, facts: Facts) -> bool:
    if c.field == "total":
        amount, currency = c.value
        return currency == facts.currency and _compare(c.op, facts.total, amount)
    if c.field == "tags":
        # contains: the order has the tag; not_in: it has none of them.
        if c.op == "contains":
            return c.value in facts.tags
        return not facts.tags & set(c.value)
    if c.field == "customer":
        # Either of the customer's handles matches: its id or its email.
        known = [h for h in _fact(facts, "customer") if h is not None]
        if not known:
            return False
        if c.op in ("eq", "in"):
            return any(_compare(c.op, h, c.value) for h in known)
        return all(_compare(c.op, h, c.value) for h in known)
    value = _fact(facts, c.field)
    return value is not None and _compare(c.op, value, c.value)


def holds(conditions: Sequence[Condition], facts: Facts) -> bool:
    return all(meets(c, facts) for c in conditions)
