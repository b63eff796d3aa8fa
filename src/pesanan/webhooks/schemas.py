"""Input for webhook endpoints (pure): what a create, an update and a range replay accept."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from pesanan.core.schema import Input, Text

EventPattern = Annotated[str, Field(min_length=1, max_length=64)]


class EndpointCreate(Input):
    # A plain string, not HttpUrl: pydantic would rewrite it (a trailing slash, punycode);
    # outbound.check_url decides what may be called and says why not.
    url: str = Field(min_length=1, max_length=2000)
    description: Annotated[Text, Field(max_length=200)] | None = None
    # Types ("order.placed") or prefixes ("order.*"); empty: every event.
    event_types: list[EventPattern] = Field(default_factory=list, max_length=100)


class EndpointUpdate(Input):
    url: str | None = Field(default=None, min_length=1, max_length=2000)
    description: Annotated[Text, Field(max_length=200)] | None = None
    event_types: list[EventPattern] | None = Field(default=None, max_length=100)


class ReplayFrom(Input):
    # Every event with a position after this one (the envelope's `sequence`).
    after: int = Field(ge=0)
