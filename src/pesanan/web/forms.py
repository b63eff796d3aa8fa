"""Turn form posts into the same input schemas the API uses, and errors into messages shown
beside their fields."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pesanan.core.errors import DomainError

M = TypeVar("M", bound=BaseModel)


def field_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for p in loc:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out or "form"


def parse(schema: type[M], data: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    try:
        return schema.model_validate(data), {}
    except ValidationError as e:
        errors: dict[str, str] = {}
        for err in e.errors():
            name = field_name(tuple(err.get("loc", ()))) or "form"
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            errors.setdefault(name, msg)
        return None, errors


def domain_errors(exc: DomainError) -> dict[str, str]:
    errors = {e.field: e.message for e in exc.errors}
    errors.setdefault("form", exc.detail)
    return errors


def clean(form: Any) -> dict[str, Any]:
    """Form fields as a dict, empty strings dropped so optional fields stay unset."""
    return {k: v for k, v in form.items() if k != "csrf_token" and v != ""}
