"""Reading a scheduled job's params: operator input (`pesanan jobs set`), so every mistake is
refused with a sentence naming the parameter, all of them at once, before the job does anything.

`Params` reads one job's dict; `done()` raises ValidationFailed whose detail lists every
problem ("orders.sla params: placed: must be a number of hours above 0"), since the run's
recorded outcome is that detail."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from pesanan.core.errors import Invalid, ValidationFailed
from pesanan.core.money import Money, MoneyError


class Params:
    def __init__(self, job: str, given: dict[str, Any], known: Iterable[str]) -> None:
        self.job, self.inv = job, Invalid()
        self.given: dict[str, Any] = dict(given) if isinstance(given, dict) else {}
        if not isinstance(given, dict | None):
            self.bad("params", "must be an object of named parameters")
        names = list(known)
        takes = f"it takes: {', '.join(names)}" if names else "it takes none"
        for key in sorted(set(self.given) - set(names)):
            self.bad(key, f"is not a parameter of this job ({takes})")

    def bad(self, key: str, message: str) -> None:
        self.inv.add(f"params.{key}", "invalid", f"{key}: {message}")

    def number(self, key: str, default: float, *, above: float | None = None,
               at_least: float | None = None) -> float:
        value = self.given.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.bad(key, f"must be a number, not {value!r}")
            return default
        if above is not None and not value > above:
            self.bad(key, f"must be above {above:g}, not {value:g}")
        if at_least is not None and value < at_least:
            self.bad(key, f"must be at least {at_least:g}, not {value:g}")
        return float(value)

    def choices(self, key: str, default: list[str], allowed: Iterable[str]) -> list[str]:
        value = self.given.get(key, default)
        allowed = sorted(allowed)
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            self.bad(key, f"must be a list of names among {', '.join(allowed)}")
            return []
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            self.bad(key, f"unknown {', '.join(unknown)} (known: {', '.join(allowed)})")
        return sorted(set(value) & set(allowed))

    def money(self, amount_key: str, currency_key: str) -> Money | None:
        """An optional amount with its currency: "" (or absent) amount = none."""
        amount, currency = self.given.get(amount_key, ""), self.given.get(currency_key, "")
        if amount in ("", None):
            return None
        if not isinstance(amount, str):
            self.bad(amount_key, f'must be a decimal string such as "500000.00", not {amount!r}')
            return None
        if not isinstance(currency, str) or not currency:
            self.bad(currency_key, f"is needed with {amount_key} (an ISO 4217 code, e.g. IDR)")
            return None
        try:
            money = Money.of(amount, currency)
        except MoneyError as e:
            self.bad(amount_key, str(e))
            return None
        if money.amount <= Decimal(0):
            self.bad(amount_key, f"must be above 0, not {amount}")
        return money

    def done(self) -> None:
        if self.inv.errors:
            raise ValidationFailed(
                f"{self.job} params: " + "; ".join(e.message for e in self.inv.errors),
                self.inv.errors)
