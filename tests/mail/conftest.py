"""Mail fixtures: a real local SMTP server, and the test container pointed at it (plain SMTP
on 127.0.0.1, retries after milliseconds instead of minutes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pesanan.bootstrap import Container
from tests.e2e.conftest import cli
from tests.mail.smtp_server import SmtpServer

__all__ = ["cli", "mailing", "smtp_server"]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    s = SmtpServer()
    yield s
    s.stop()


@pytest.fixture
def mailing(container: Container, smtp_server: SmtpServer,
            monkeypatch: pytest.MonkeyPatch) -> Container:
    monkeypatch.setattr(container, "settings", container.settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": smtp_server.port, "smtp_tls": "none",
        "mail_from": "shop@pesanan.test", "smtp_timeout_seconds": 5.0,
        "mail_backoff_scale": 0.0002}))
    return container
