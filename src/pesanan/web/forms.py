"""Turn form posts into the same input schemas the API uses, and errors into messages shown
beside their fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pesanan.core.errors import DomainError
from pesanan.core.money import MINOR_UNITS
from pesanan.core.schema import FORM_CONTEXT

M = TypeVar("M", bound=BaseModel)


def field_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for p in loc:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out or "form"


_PLAIN_AMOUNT = re.compile(r"\d{1,14}(?:\.(\d+))?")


def money_problem(raw: Any, currency: str | None) -> str | None:
    """Why a typed amount is refused, in a sentence, or None. Until locale-aware input lands,
    an amount is digits with at most the currency's decimals: "50.000" typed the Indonesian
    way means fifty thousand rupiah, but read as a decimal it is Rp 50, so a separator (or
    more decimals than the currency has) is refused rather than guessed."""
    text = str(raw if raw is not None else "").strip()
    minor = MINOR_UNITS.get(currency or "", 2)
    m = _PLAIN_AMOUNT.fullmatch(text)
    if m and len(m.group(1) or "") <= minor:
        return None
    cur = currency or "the currency"
    example = "50000" + ("." + "5" * minor if minor else "")
    decimals = f"at most {minor} decimal{'s' if minor != 1 else ''}" if minor else "no decimals"
    return (f"Type the amount in digits without thousands separators, with {decimals} for "
            f"{cur}: for example {example}.")


def parse(schema: type[M], data: dict[str, Any], money: Mapping[str, str | None] | None = None
          ) -> tuple[M | None, dict[str, str]]:
    """`data` as `schema`, or the errors by field. Form fields are text, so integers are
    parsed from ASCII digits (the API itself takes JSON integers only). `money` names the
    amount fields and their currency: each is checked first with `money_problem`."""
    errors: dict[str, str] = {}
    for name, currency in (money or {}).items():
        if data.get(name) not in (None, ""):
            problem = money_problem(data[name], currency)
            if problem:
                errors[name] = problem
    try:
        cmd = schema.model_validate(data, context={FORM_CONTEXT: True})
    except ValidationError as e:
        for err in e.errors():
            name = field_name(tuple(err.get("loc", ()))) or "form"
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            if msg.startswith("String should match pattern") and name in (money or {}):
                msg = money_problem(data.get(name), (money or {})[name]) or msg
            errors.setdefault(name, msg)
        return None, errors
    return (None, errors) if errors else (cmd, {})


def domain_errors(exc: DomainError) -> dict[str, str]:
    errors = {e.field: e.message for e in exc.errors}
    errors.setdefault("form", exc.detail)
    return errors


def clean(form: Any) -> dict[str, Any]:
    """Form fields as a dict, empty strings dropped so optional fields stay unset."""
    return {k: v for k, v in form.items() if k != "csrf_token" and v != ""}
