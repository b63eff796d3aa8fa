"""Column types that keep values exact on both SQLite and PostgreSQL.

SQLite has no true decimal type (NUMERIC is stored as REAL), so money is stored as an integer
scaled by 10^4: lossless on both databases, summable in SQL, and comparable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect
from sqlalchemy.types import TypeDecorator

from pesanan.core.errors import FieldError, ValidationFailed
from pesanan.core.money import MAX_STORED_AMOUNT, STORAGE_SCALE, storable

_SCALE = 10**STORAGE_SCALE


class Amount(TypeDecorator[Decimal]):
    """A Decimal with at most 4 decimal places, stored as BIGINT(value * 10^4)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must not be a float")
        d = Decimal(value)
        scaled = d * _SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {STORAGE_SCALE} decimal places")
        if not storable(d):
            # A sum or product past the column (inputs are bounded, their totals are not):
            # a validation error the command refuses with, not a driver overflow (db/tx.py
            # unwraps it from SQLAlchemy's StatementError).
            raise ValidationFailed("An amount is too large to record",
                                   [FieldError("amount", "too_large",
                                               f"{value} is over {MAX_STORED_AMOUNT}")])
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-STORAGE_SCALE)


class Ratio(Amount):
    """A rate such as a tax rate (0.11), with up to 4 decimals, stored the same exact way."""

    cache_ok = True


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out. SQLite keeps naive text, so we normalise on the way."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        utc: datetime = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        ts = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if ts.tzinfo is None:
            return ts.replace(tzinfo=UTC)
        return ts.astimezone(UTC)
