"""Input for changing a scheduled job (pure)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from pesanan.core.schema import Input, StrictInt

MIN_EVERY_SECONDS = 1
MAX_EVERY_SECONDS = 31 * 24 * 3600  # a month: longer is not a schedule anyone watches


class JobUpdate(Input):
    """Only the fields to change. `params` keys must be the job's own (its spec names them);
    a value keeps its default's JSON type (a number stays a number)."""

    enabled: bool | None = None
    every_seconds: Annotated[StrictInt, Field(ge=MIN_EVERY_SECONDS,
                                              le=MAX_EVERY_SECONDS)] | None = None
    params: dict[str, Any] | None = None
