"""The migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pesanan.bootstrap import Container
from pesanan.migrations.tables import metadata


def test_migrated_schema_matches_the_table_definitions(container: Container) -> None:
    with container.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_the_chart_of_accounts_is_seeded(container: Container) -> None:
    with container.engine.connect() as conn:
        codes = [r[0] for r in conn.exec_driver_sql("SELECT code FROM account ORDER BY code")]
    assert codes == ["1000", "1100", "1200", "2000", "2100", "3000", "4000", "5000", "5100"]
