"""Locking, as one named concept.

Stock rows are always touched in one global order — by (product_id, location_id) — so two
commands that lock the same rows cannot deadlock each other. Every stock write is a guarded
UPDATE: the guard is evaluated on the locked, current row (PostgreSQL re-checks the WHERE after
waiting for a concurrent writer), so check-then-act can never race.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

T = TypeVar("T", bound=tuple[str, str, int])


def in_lock_order(rows: Iterable[T]) -> list[T]:
    return sorted(rows, key=lambda r: (r[0], r[1]))
