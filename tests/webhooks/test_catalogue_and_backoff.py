"""The event type catalogue is complete, and the retry schedule spans about three days."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import pesanan
from pesanan.delivery import backoff
from pesanan.events.catalogue import EVENT_TYPES, known, matches

SRC = Path(pesanan.__file__).parent
# emit() itself, and inventory/states.py's helper that passes its literal type on to emit.
EMITTERS = {"emit", "_done"}


def _emitted() -> tuple[set[str], set[str]]:
    """(literal types, literal prefixes of f-string types) of every emit call in src/."""
    literal, prefixes = set(), set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in EMITTERS:
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) \
                        and "." in arg.value:
                    literal.add(arg.value)
                    break
                if isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                    prefixes.add(str(arg.values[0].value))
                    break
    return literal, prefixes


def test_every_event_type_the_code_emits_is_in_the_catalogue() -> None:
    literal, prefixes = _emitted()
    assert {"order.placed", "shipment.shipped", "endpoint.disabled"} <= literal  # scan works
    assert sorted(literal - set(EVENT_TYPES)) == []
    # Built at run time: at least one catalogued type for each (e.g. "return.").
    assert {"return.", "fulfilment_order."} <= prefixes
    assert [p for p in prefixes if not any(t.startswith(p) for t in EVENT_TYPES)] == []


def test_filters_match_exact_types_prefixes_or_everything() -> None:
    assert matches([], "order.placed")
    assert matches(["order.*"], "order.placed")
    assert not matches(["order.*"], "orders_x.placed")
    assert matches(["invoice.issued", "order.placed"], "order.placed")
    assert not matches(["order.cancelled"], "order.placed")
    assert known("order.*") and known("order.placed") and known("*")
    assert not known("order.place") and not known("nothing.*") and not known("order")


def test_eleven_attempts_spread_over_about_three_days() -> None:
    assert backoff.MAX_ATTEMPTS == 11
    assert 2.9 * 86400 <= backoff.total_span() <= 3.1 * 86400
    assert backoff.delay_after(1, 0.5) == 5.0  # no jitter in the middle
    assert backoff.delay_after(len(backoff.DELAYS_SECONDS) + 1, 0.5) is None


@pytest.mark.parametrize("rand", [0.0, 0.999999])
def test_jitter_stays_within_fifteen_percent_and_scales(rand: float) -> None:
    wait = backoff.delay_after(2, rand)
    assert wait is not None and 300 * 0.85 <= wait <= 300 * 1.15
    scaled = backoff.delay_after(2, rand, scale=0.001)
    assert scaled == pytest.approx(wait * 0.001)
