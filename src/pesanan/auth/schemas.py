"""Input for API key administration."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from pesanan.core.schema import Input


class ApiKeyCreate(Input):
    # Who or what holds the key ("till 1", "shop sync"): shown in lists and on timelines.
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    role: Literal["admin", "clerk", "warehouse", "accountant"]
