"""Rules as people type and read them (the command line, the console): a condition as
`FIELD OP VALUE` (`channel eq web`, `total gt 1000000 IDR`, `country in ID,SG`,
`tags contains vip`), an action as `invoice`, `release`, `submit_purchase_order` or
`KIND: TEXT` (`tag: vip`, `note: checked by rule`, `hold: check the address`,
`notify: big order`, `send_email: SUBJECT | MESSAGE [| TO]`). Only the shape is read here;
the service checks what it says."""

from __future__ import annotations

from typing import Any

_TEXT_ACTIONS = {"tag": "tag", "note": "message", "hold": "reason", "notify": "message",
                 "release": "note"}


def condition(text: str) -> dict[str, Any]:
    """`FIELD OP VALUE` as {field, op, value}."""
    parts = text.split(None, 2)
    if len(parts) != 3:
        return {"field": text.strip(), "op": "", "value": ""}  # refused, named, by the service
    field, op, value = parts
    if field == "total":
        amount, _, currency = value.strip().partition(" ")
        return {"field": field, "op": op, "value": {"amount": amount,
                                                     "currency": currency.strip()}}
    if op in ("in", "not_in"):
        return {"field": field, "op": op, "value": [v.strip() for v in value.split(",")]}
    return {"field": field, "op": op, "value": value.strip()}


def action(text: str) -> dict[str, Any]:
    kind, sep, rest = text.partition(":")
    kind = kind.strip()
    if sep and kind == "send_email":  # `send_email: SUBJECT | MESSAGE [| TO]`
        subject, _, more = rest.partition("|")
        message, _, to = more.partition("|")
        return {"type": kind, "subject": subject.strip(), "message": message.strip(),
                **({"to": to.strip()} if to.strip() else {})}
    if sep and kind in _TEXT_ACTIONS:
        return {"type": kind, _TEXT_ACTIONS[kind]: rest.strip()}
    return {"type": kind}


def lines(text: str) -> list[str]:
    return [x.strip() for x in text.splitlines() if x.strip()]


def value_text(v: Any) -> str:
    if isinstance(v, dict):
        return f"{v['amount']} {v['currency']}"
    return ",".join(v) if isinstance(v, list) else str(v)


def condition_text(c: dict[str, Any]) -> str:
    return f"{c['field']} {c['op']} {value_text(c['value'])}"


def action_text(a: dict[str, Any]) -> str:
    if a["type"] == "send_email":
        return " | ".join([f"send_email: {a['subject']}", a["message"],
                           *([a["to"]] if a.get("to") else [])])
    rest = " ".join(str(v) for k, v in a.items() if k != "type")
    return f"{a['type']}: {rest}" if rest else a["type"]


def summary(r: dict[str, Any]) -> str:
    """when TRIGGER and CONDITIONS then ACTIONS."""
    conds = " and ".join(condition_text(c) for c in r["conditions"])
    acts = ", ".join(action_text(a) for a in r["actions"])
    return f"when {r['trigger']}{' and ' + conds if conds else ''} then {acts}"
