"""Webhook fixtures: the test container may call 127.0.0.1 (the receiver) and retries after
milliseconds instead of minutes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pesanan.bootstrap import Container
from tests.webhooks.receiver import Receiver


@pytest.fixture
def hooks(container: Container, monkeypatch: pytest.MonkeyPatch) -> Container:
    monkeypatch.setattr(container, "settings", container.settings.model_copy(update={
        "outbound_allow": "127.0.0.1,::1", "webhook_backoff_scale": 0.0002}))
    return container


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()
