"""The role table (auth/roles.py): every event type the code emits needs a known read
permission, and each return step goes only to roles that also hold what the step touches."""

from __future__ import annotations

import ast
from pathlib import Path

import pesanan
from pesanan.auth.roles import (
    EVENT_PERMISSIONS,
    PERMISSIONS,
    RETURN_ACTIONS,
    allows,
    may_read_event,
    readable_event_prefixes,
    role_table,
)

SRC = Path(pesanan.__file__).parent
README = SRC.parents[1] / "README.md"
# Functions whose event-type argument is a literal: the outbox, the order timeline, and the
# stock-state helper that forwards its literal to emit.
EMITTERS = {"emit", "note_event", "_done"}


def _emitted_prefixes() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in EMITTERS:
                continue
            for arg in node.args:
                text = (arg.value if isinstance(arg, ast.Constant) else
                        arg.values[0].value if isinstance(arg, ast.JoinedStr)
                        and isinstance(arg.values[0], ast.Constant) else None)
                if isinstance(text, str) and "." in text and text.split(".")[0].isidentifier():
                    found.add(text.split(".")[0])
                    break
    return found


def test_every_event_type_the_code_emits_has_a_read_permission() -> None:
    emitted = _emitted_prefixes()
    assert {"order", "invoice", "payment", "refund", "hold_rule", "tpl_endpoint", "return",
            "fulfilment_order", "stock"} <= emitted  # the scan finds them
    assert sorted(emitted - set(EVENT_PERMISSIONS)) == []


def test_every_permission_an_event_needs_is_one_some_role_holds() -> None:
    held = set().union(*PERMISSIONS.values())
    assert sorted(set(EVENT_PERMISSIONS.values()) - held) == []


def test_an_unknown_event_type_is_shown_to_nobody() -> None:
    assert not may_read_event("admin", "secret.leaked")
    assert "secret" not in readable_event_prefixes("admin")


def test_the_warehouse_reads_no_money_settings_or_customer_events() -> None:
    for t in ("invoice.issued", "payment.recorded", "refund.recorded", "credit_note.issued",
              "hold_rule.created", "tpl_endpoint.set", "customer.created"):
        assert not may_read_event("warehouse", t), t
    assert may_read_event("warehouse", "order.placed")
    assert may_read_event("warehouse", "stock.adjusted")


def test_each_return_step_goes_to_roles_that_hold_what_it_touches() -> None:
    # An exchange places an order; a refund pays money out; receiving moves stock.
    touches = {"returns:exchange": "orders:write", "returns:refund": "billing:write",
               "returns:receive": "inventory:write"}
    for role in PERMISSIONS:
        for step, needed in touches.items():
            assert not allows(role, step) or allows(role, needed), (role, step)


def test_who_may_take_each_return_step() -> None:
    holders = {step: sorted(r for r in PERMISSIONS if allows(r, step)) for step in RETURN_ACTIONS}
    assert holders == {
        "returns:request": ["admin", "clerk"],
        "returns:approve": ["admin", "clerk"],
        "returns:receive": ["admin", "warehouse"],
        "returns:refund": ["accountant", "admin"],
        "returns:exchange": ["admin", "clerk"],
    }


def test_the_readme_prints_the_role_table_of_the_code() -> None:
    # On a failure, paste `pesanan.auth.roles.role_table()` into README.md's "Roles".
    assert role_table() in README.read_text()
    assert "| warehouse | catalog, fulfillment, inventory, orders, purchasing, returns, shop |" \
        in role_table()
