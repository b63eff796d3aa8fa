"""A stream and subject prefix of its own for every test, so runs (and the SQLite and
PostgreSQL passes of one test) never read each other's messages; deleted after."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from pesanan.broker.link import Link
from tests.broker.nats_tools import NATS_URL, delete_stream


@dataclass(frozen=True)
class Names:
    stream: str
    prefix: str


@pytest.fixture
def names() -> Iterator[Names]:
    tag = uuid.uuid4().hex[:12]
    made = Names(stream=f"PESANAN_TEST_{tag}", prefix=f"test{tag}.events")
    yield made
    delete_stream(made.stream)


@pytest.fixture
def link(names: Names) -> Iterator[Link]:
    made = Link(NATS_URL, names.stream, names.prefix, timeout=2.0)
    yield made
    made.close()
