"""The e2e suite's `cli` fixture (run `pesanan …` in-process against the test database)."""

from tests.e2e.conftest import cli

__all__ = ["cli"]
