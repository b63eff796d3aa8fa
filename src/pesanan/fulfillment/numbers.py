"""Fulfilment order numbers: SO-000123-1 is the first fulfilment order of order SO-000123."""

from __future__ import annotations

from pesanan.orders.queries import order_number


def fo_number(order_no: int | str, seq: int) -> str:
    """SO-000123-1: the order's number and the fulfilment order's place in it."""
    base = order_no if isinstance(order_no, str) else order_number(order_no)
    return f"{base}-{seq}"
