"""Turn form posts into the same input schemas the API uses, and errors into messages shown
beside their fields."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pesanan.core.amounts import DEFAULT_LOCALE, AmountError, format_money, parse_money
from pesanan.core.errors import DomainError
from pesanan.core.money import MINOR_UNITS
from pesanan.core.schema import FORM_CONTEXT
from pesanan.web import i18n

M = TypeVar("M", bound=BaseModel)


def field_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for p in loc:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out or "form"


def money_problem(raw: Any, currency: str | None, locale: str = DEFAULT_LOCALE) -> str | None:
    """Why a typed amount is refused, as a sentence in the user's language, or None. Read the
    way people of `locale` write it (core.amounts.parse_money): "50.000" is fifty thousand in
    id_ID, and anything that would need a guess ("50,5" rupiah, "50.00" in id_ID) is refused."""
    try:
        parse_money(str(raw if raw is not None else ""), currency or "", locale)
    except AmountError as e:
        i18n.activate(locale)
        return i18n.amount_problem(e)
    return None


def typed_amount(value: Any, currency: str, locale: str) -> str:
    """A stored amount as the user would type it in `locale` ("85000.00" IDR -> "85.000" in
    id_ID), to fill in a form that is then saved as it stands; read back exactly."""
    if value in (None, "") or currency not in MINOR_UNITS:
        return "" if value is None else str(value)
    return format_money(Decimal(str(value)), currency, locale, symbol=False)


def read_money(data: dict[str, Any], money: Mapping[str, str | None], locale: str
               ) -> dict[str, str]:
    """Each amount field of `data` typed in `locale` replaced by its exact decimal string
    ("50.000" -> "50000", the API's form, so the schema and service read it as they read JSON),
    or an error by field. A field whose currency is unknown is left to the schema and service,
    which refuse the currency."""
    errors: dict[str, str] = {}
    for name, currency in money.items():
        raw = data.get(name)
        if raw in (None, "") or currency not in MINOR_UNITS:
            continue
        try:
            data[name] = str(parse_money(str(raw), str(currency), locale))
        except AmountError as e:
            i18n.activate(locale)
            errors[name] = i18n.amount_problem(e)
    return errors


def parse(schema: type[M], data: dict[str, Any], money: Mapping[str, str | None] | None = None,
          locale: str = DEFAULT_LOCALE) -> tuple[M | None, dict[str, str]]:
    """`data` as `schema`, or the errors by field. Form fields are text, so integers are
    parsed from ASCII digits (the API itself takes JSON integers only). `money` names the
    amount fields and their currency: each is read in `locale` first (`read_money`)."""
    data = dict(data)
    errors = read_money(data, money or {}, locale)
    try:
        cmd = schema.model_validate(data, context={FORM_CONTEXT: True})
    except ValidationError as e:
        for err in e.errors():
            name = field_name(tuple(err.get("loc", ()))) or "form"
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            if msg.startswith("String should match pattern") and name in (money or {}):
                msg = money_problem(data.get(name), (money or {})[name], locale) or msg
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
