"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from click.testing import Result
from typer.testing import CliRunner

from pesanan.bootstrap import Container
from pesanan.cli import app
from pesanan.config import get_settings

Cli = Callable[..., Result]


@pytest.fixture
def cli(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """Run `pesanan …` in-process against the test database. Settings are cached per process,
    so the cache is cleared on the way in and out. (A test module that needs other settings,
    e.g. a wide terminal, defines its own `cli`.)"""
    monkeypatch.setenv("PESANAN_DATABASE_URL", container.settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, list(args))
    get_settings.cache_clear()
