"""db/hot.py runs a SQLAlchemy construct on the driver's cursor: it must behave as
`Connection.execute` does — types processed both ways, defaults applied, errors and events as
SQLAlchemy gives them, and always inside a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, StatementError

from pesanan.bootstrap import Container
from pesanan.core.errors import ValidationFailed
from pesanan.db.hot import Hot
from pesanan.db.tx import transact
from pesanan.db.types import Amount, UTCDateTime

md = MetaData()
thing = Table(
    "hot_test_thing", md,
    Column("id", String(20), primary_key=True),
    Column("price", Amount, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("state", String(10), nullable=False),
    Column("version", Integer, nullable=False, default=1),
)
insert_thing = Hot(thing.insert(), columns=("id", "price", "at", "state"))
read_things = Hot(select(thing.c.id, thing.c.price, thing.c.at, thing.c.version)
                  .order_by(thing.c.id))
bump = Hot(update(thing).where(thing.c.id == bindparam("id_"), thing.c.state == "new")
           .values(state="done", version=thing.c.version + 1))


@pytest.fixture
def engine(container: Container) -> Iterator[Engine]:
    with container.engine.begin() as conn:
        md.drop_all(conn)
        md.create_all(conn)
    yield container.engine
    with container.engine.begin() as conn:
        md.drop_all(conn)


AT = datetime(2026, 12, 3, 7, 0, 0, 123000, tzinfo=UTC)


def row(id_: str, price: str = "12.3456") -> dict[str, Any]:
    return {"id": id_, "price": Decimal(price), "at": AT, "state": "new"}


def test_values_go_in_and_come_out_as_the_column_types_say(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_thing.execute(conn, row("a"))
        insert_thing.execute(conn, row("b", "0.5"))
    with engine.connect() as conn:
        rows = read_things.all(conn)
        stored = conn.execute(select(thing.c.price).where(thing.c.id == "a")).scalar_one()
    assert rows == [("a", Decimal("12.3456"), AT, 1), ("b", Decimal("0.5"), AT, 1)]
    assert rows[0][2].tzinfo is not None
    assert stored == Decimal("12.3456")  # what SQLAlchemy itself reads back


def test_a_literal_in_the_construct_and_the_rowcount(engine: Engine) -> None:
    with engine.begin() as conn:
        insert_thing.execute(conn, row("a"))
        assert bump.execute(conn, {"id_": "a"}) == 1
        assert bump.execute(conn, {"id_": "a"}) == 0  # state is "done" now
        assert bump.executemany(conn, [{"id_": "a"}, {"id_": "zz"}]) == 0
    with engine.connect() as conn:
        state, version = conn.execute(select(thing.c.state, thing.c.version)).one()
    assert (state, version) == ("done", 2)


def test_executemany_counts_every_row_changed(engine: Engine) -> None:
    with engine.begin() as conn:
        for n in "abc":
            insert_thing.execute(conn, row(n))
        assert bump.executemany(conn, [{"id_": "a"}, {"id_": "b"}, {"id_": "c"}]) == 3


def test_outside_a_transaction_it_begins_one_that_rolls_back(engine: Engine) -> None:
    with engine.connect() as conn:
        insert_thing.execute(conn, row("a"))
        assert conn.in_transaction()
        conn.rollback()
    with engine.connect() as conn:
        assert read_things.all(conn) == []


def test_a_driver_error_is_sqlalchemys_and_the_transaction_rolls_back(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        insert_thing.execute(conn, row("a"))
        insert_thing.execute(conn, row("a"))
    with engine.connect() as conn:
        assert read_things.all(conn) == []


def test_a_refused_amount_is_a_validation_error_through_transact(engine: Engine) -> None:
    with pytest.raises(StatementError) as raised, engine.begin() as conn:
        insert_thing.execute(conn, row("a", "1e30"))
    assert isinstance(raised.value.orig, ValidationFailed)
    with pytest.raises(ValidationFailed):
        transact(engine, lambda c: insert_thing.execute(c, row("a", "1e30")))


def test_a_missing_parameter_is_refused_and_nothing_is_written(engine: Engine) -> None:
    with pytest.raises(StatementError), engine.begin() as conn:
        insert_thing.execute(conn, {"id": "a", "price": Decimal(1), "at": AT})
    with engine.connect() as conn:
        assert read_things.all(conn) == []


def test_cursor_events_see_the_statement(engine: Engine) -> None:
    seen: list[tuple[str, bool]] = []

    def before(_c: Any, _cur: Any, sql: str, _params: Any, _ctx: Any, many: bool) -> None:
        seen.append((sql.split()[0], many))

    event.listen(engine, "before_cursor_execute", before)
    try:
        with engine.begin() as conn:
            insert_thing.execute(conn, row("a"))
            bump.executemany(conn, [{"id_": "a"}])
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert ("INSERT", False) in seen and ("UPDATE", True) in seen


def test_an_expanding_in_is_refused_when_compiled(engine: Engine) -> None:
    bad = Hot(select(thing.c.id).where(thing.c.id.in_(bindparam("ids", expanding=True))))
    with engine.connect() as conn, pytest.raises(ValueError, match="expanding"):
        bad.all(conn, {"ids": ["a"]})


def test_autocommit_is_visible_at_once_and_leaves_no_transaction(
        engine: Engine, container: Container) -> None:
    with engine.connect() as conn:
        insert_thing.autocommit(conn, row("a"))
        assert not conn.in_transaction()
        # Another connection (on SQLite the writer is one: a reader) sees it at once.
        with container.read_engine.connect() as other:
            assert [r[0] for r in read_things.all(other)] == ["a"]
        conn.begin()
        insert_thing.execute(conn, row("b"))
        conn.rollback()  # the next transaction on the connection is an ordinary one
        with pytest.raises(RuntimeError), conn.begin():
            insert_thing.autocommit(conn, row("c"))
    with engine.connect() as conn:
        assert [r[0] for r in read_things.all(conn)] == ["a"]


def test_the_catalogue_read_of_no_sku_and_of_an_unknown_one(container: Container) -> None:
    from pesanan.flows.availability import read_catalog_and_stock

    with container.read_engine.connect() as conn:
        assert read_catalog_and_stock(conn, []) == {}
        unknown = read_catalog_and_stock(conn, ["NO-SUCH-SKU"])
    assert unknown == {} and unknown.rules_version is None
