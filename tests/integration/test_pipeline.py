"""db/pipeline.py: a transaction's sent statements go out together (PostgreSQL pipeline mode)
and are checked before COMMIT; on SQLite they run at once. Either way a failed check or a
driver error rolls everything back, and the connection goes back to the pool out of pipeline
mode."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from pesanan.core.errors import Retry
from pesanan.db import pipeline
from pesanan.db.hot import Hot
from pesanan.db.tx import transact, transact_on
from pesanan.inventory import service as inventory
from tests.factories import Api

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from sqlcapture import driver_capture, recording, round_trips

md = MetaData()
item = Table("pipeline_test_item", md, Column("id", String(20), primary_key=True),
             Column("state", String(10), nullable=False))
insert_item = Hot(item.insert(), columns=("id", "state"))
finish = Hot(update(item).where(item.c.id == bindparam("id_"), item.c.state == "new")
             .values(state="done"))
read_ids = Hot(select(item.c.id).order_by(item.c.id))
tag = Table("pipeline_test_tag", md, Column("id", String(20), primary_key=True),
            Column("label", String(10), nullable=False))
relabel = Hot(update(tag).where(tag.c.id == bindparam("id_")).values(label=bindparam("label")))


@pytest.fixture
def engine(api: Api) -> Iterator[Engine]:
    engine = api.container.engine
    with engine.begin() as conn:
        md.drop_all(conn)
        md.create_all(conn)
    yield engine
    with engine.begin() as conn:
        md.drop_all(conn)


def _ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in read_ids.all(conn)]


def _in_pipeline_mode(conn: Connection) -> bool:
    dbapi = conn.connection.dbapi_connection
    return getattr(dbapi, "_pipeline", None) is not None


def test_a_failed_check_rolls_back_what_was_sent_before_it(engine: Engine) -> None:
    def command(conn: Connection) -> None:
        pipeline.open(conn)
        insert_item.send(conn, {"id": "a", "state": "new"})
        finish.sendmany(conn, [{"id_": "a"}, {"id_": "missing"}], expect=2,
                        refuse=lambda: Retry("a row was not there"))

    with engine.connect() as conn:
        with pytest.raises(Retry), conn.begin():
            command(conn)
            pipeline.settle(conn)
        assert pipeline.current(conn) is None
        assert not _in_pipeline_mode(conn)
    assert _ids(engine) == []


def test_the_sent_writes_are_checked_and_committed(engine: Engine) -> None:
    def command(conn: Connection) -> int:
        pipeline.open(conn)
        for n in "abc":
            insert_item.send(conn, {"id": n, "state": "new"})
        finish.sendmany(conn, [{"id_": "a"}, {"id_": "b"}], expect=2, refuse=Retry)
        return 1

    assert transact(engine, command) == 1
    with engine.connect() as conn:
        assert conn.execute(select(item.c.id, item.c.state).order_by(item.c.id)).all() == [
            ("a", "done"), ("b", "done"), ("c", "new")]


def test_an_ordinary_statement_runs_after_the_queued_writes(engine: Engine) -> None:
    with engine.begin() as conn:
        pipeline.open(conn)
        insert_item.send(conn, {"id": "a", "state": "new"})
        # Not a hot statement: the queue goes out first, the statement runs outside the
        # pipeline, and the pipeline resumes after it (PostgreSQL).
        assert conn.execute(select(item.c.id)).scalars().all() == ["a"]
        assert (pipeline.current(conn) is not None) == (engine.dialect.name == "postgresql")
        insert_item.send(conn, {"id": "b", "state": "new"})
    assert _ids(engine) == ["a", "b"]


def test_a_hot_read_sees_the_queued_writes_and_sent_rows_arrive_with_it(engine: Engine) -> None:
    with engine.begin() as conn:
        pipeline.open(conn)
        insert_item.send(conn, {"id": "b", "state": "new"})
        early = read_ids.send(conn)  # queued before the insert below
        insert_item.send(conn, {"id": "a", "state": "new"})
        assert [r[0] for r in read_ids.all(conn)] == ["a", "b"]
        assert [r[0] for r in early.rows()] == ["b"]


@pytest.mark.postgres_only
def test_a_driver_error_in_the_queue_is_raised_before_commit(engine: Engine) -> None:
    with engine.connect() as conn:
        with pytest.raises(IntegrityError), conn.begin():
            pipeline.open(conn)
            insert_item.send(conn, {"id": "a", "state": "new"})
            insert_item.send(conn, {"id": "a", "state": "new"})  # raises nothing yet
            pipeline.settle(conn)
        assert not _in_pipeline_mode(conn)
        assert read_ids.all(conn) == []  # the connection works on
        conn.rollback()
    assert _ids(engine) == []


@pytest.mark.postgres_only
def test_a_translated_driver_error_is_the_callers_error(engine: Engine) -> None:
    def refused(_exc: Any) -> Exception:
        return LookupError("duplicate item")

    with engine.connect() as conn:
        with pytest.raises(LookupError), conn.begin():
            pipeline.open(conn)
            insert_item.send(conn, {"id": "a", "state": "new"})
            insert_item.send(conn, {"id": "a", "state": "new"}, translate=refused)
            pipeline.settle(conn)
        assert not _in_pipeline_mode(conn)


@pytest.mark.postgres_only
def test_a_rollback_with_writes_still_queued_leaves_pipeline_mode(engine: Engine) -> None:
    with engine.connect() as conn:
        with pytest.raises(ZeroDivisionError), conn.begin():
            pipeline.open(conn)
            insert_item.send(conn, {"id": "a", "state": "new"})
            _ = 1 / 0
        assert pipeline.current(conn) is None
        assert not _in_pipeline_mode(conn)
    assert _ids(engine) == []


def test_one_pick_short_in_a_pipeline_reserves_nothing(api: Api) -> None:
    wh = api.location("WH1")
    ids = {sku: api.product(sku)["id"] for sku in ("A", "B")}
    for sku in ids:
        api.stock(sku, wh["id"], 5)
    order = api.order(api.customer()["id"], [("A", 1)])
    line = order["lines"][0]["id"]
    with api.container.engine.connect() as conn, pytest.raises(Retry), conn.begin():
        pipeline.open(conn)
        inventory.reserve(conn, order["id"], [(ids["A"], wh["id"], 1, line),
                                              (ids["B"], wh["id"], 6, line)])
        pipeline.settle(conn)
    assert [api.level(s, wh["id"])["reserved"] for s in ("A", "B")] == [1, 0]


@pytest.mark.postgres_only
def test_placing_an_order_is_three_statements_and_three_round_trips_on_postgresql(api: Api) -> None:
    wh = api.location("WH1")
    for sku in ("A", "B", "C"):
        api.product(sku)
        api.stock(sku, wh["id"], 50)
    customer = api.customer()["id"]
    body = {"channel": "web", "customer_id": customer,
            "lines": [{"sku": s, "quantity": 1} for s in ("A", "B", "C")]}
    # The first order reads the hold rules into this process's cache (orders/holds.py).
    assert api.post("/orders", body, idem="pipeline-trips-0").status_code == 201
    with driver_capture() as cap:
        with recording(cap) as steps:
            placed = api.post("/orders", body, idem="pipeline-trips-1")
        assert placed.status_code == 201, placed.text
    # The API key's lookup runs on the auth engine's own connection: not the order's.
    auth = {s.conn for s in steps if s.kind == "exec" and "api_key" in (s.sql or "")}
    mine = [s for s in steps if s.conn not in auth]
    execs = [s.sql.split(" (")[0] for s in mine if s.kind == "exec"]
    # The claim, the read; then every write as one statement (db/merged.py): the three guarded
    # stock updates, the order's INSERTs, the stored answer, each checked by its count.
    assert len(execs) == 3 and execs[0].startswith("INSERT INTO idempotency_key")
    assert execs[1].startswith("SELECT product.id") and "nextval" in mine_sql(mine, 1)
    writes = mine_sql(mine, 2)
    assert writes.startswith("WITH c0 AS (WITH v") and "UPDATE stock_level" in writes
    assert "UPDATE idempotency_key" in writes and writes.count("INSERT INTO") >= 5
    # The statement checks its own counts (it is a transaction of its own: db/pipeline.py).
    assert writes.count(" RETURNING 1)") == 2
    assert "CASE WHEN (SELECT count(*) FROM c0) = 3" in writes
    # The claim; the read; the writes (one message, no BEGIN, no COMMIT).
    assert [s.kind for s in mine if s.kind != "exec"] == []
    assert round_trips(mine) == 3


def mine_sql(steps: list[Any], n: int) -> str:
    return [s.sql for s in steps if s.kind == "exec"][n]


def test_plain_inserts_sent_in_a_row_are_one_statement_and_all_land(engine: Engine) -> None:
    seen: list[str] = []

    def before(_c: Any, _cur: Any, sql: str, *_: Any) -> None:
        seen.append(sql)

    event.listen(engine, "before_cursor_execute", before)
    try:
        with engine.begin() as conn:
            pipeline.open(conn)
            for n in "abc":
                insert_item.send(conn, {"id": n, "state": "new"})
            finish.send(conn, {"id_": "b"}, expect=1, refuse=Retry)  # not merged: an UPDATE
            insert_item.send(conn, {"id": "d", "state": "new"})
    finally:
        event.remove(engine, "before_cursor_execute", before)
    kinds = [s.split()[0] for s in seen if not s.startswith("BEGIN")]  # SQLite's own BEGIN
    if engine.dialect.name == "postgresql":  # a, b, c merged; then the update; then d
        assert kinds == ["WITH", "UPDATE", "INSERT"] and seen[0].count("INSERT INTO") == 3
    else:  # SQLite: each at once
        assert kinds == ["INSERT", "INSERT", "INSERT", "UPDATE", "INSERT"]
    with engine.connect() as conn:
        assert conn.execute(select(item.c.id, item.c.state).order_by(item.c.id)).all() == [
            ("a", "new"), ("b", "done"), ("c", "new"), ("d", "new")]


@pytest.mark.postgres_only
def test_one_statement_reserves_every_row_or_is_refused(api: Api) -> None:
    wh = api.location("WH1")
    ids = {sku: api.product(sku)["id"] for sku in ("A", "B", "C")}
    for sku in ids:
        api.stock(sku, wh["id"], 5)
    order = api.order(api.customer()["id"], [("A", 1)])
    line = order["lines"][0]["id"]
    picks = [(ids["C"], wh["id"], 2, line), (ids["A"], wh["id"], 1, line),
             (ids["B"], wh["id"], 3, line), (ids["A"], wh["id"], 1, line)]
    with api.container.engine.begin() as conn:
        pipeline.open(conn)
        inventory.hold(conn, picks)
    assert [api.level(s, wh["id"])["reserved"] for s in ("A", "B", "C")] == [3, 3, 2]
    with api.container.engine.connect() as conn, pytest.raises(Retry), conn.begin():
        pipeline.open(conn)
        inventory.hold(conn, [(ids["A"], wh["id"], 1, line), (ids["B"], wh["id"], 3, line)])
        pipeline.settle(conn)
    assert [api.level(s, wh["id"])["reserved"] for s in ("A", "B", "C")] == [3, 3, 2]


class Short(Exception):
    """A refusal that is not a lost race (transact would retry a Retry)."""


def test_checked_writes_merge_into_one_statement_each_checked_by_its_own_count(
        engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(item.insert(), [{"id": "a", "state": "new"}])
        conn.execute(tag.insert(), [{"id": "t", "label": "old"}])
    seen: list[str] = []

    def before(_c: Any, _cur: Any, sql: str, *_: Any) -> None:
        seen.append(sql)

    def command(relabelled: str) -> Any:
        def run(conn: Connection) -> None:
            pipeline.open(conn)
            finish.send(conn, {"id_": "a"}, expect=1, refuse=lambda: Short("item"))
            relabel.send(conn, {"id_": relabelled, "label": "new"}, expect=1,
                         refuse=lambda: Short("tag"))
            insert_item.send(conn, {"id": "b", "state": "new"})  # writes a's table: apart
        return run

    event.listen(engine, "before_cursor_execute", before)
    try:
        with pytest.raises(Short, match="tag"):  # the tag's count is its own, not the item's
            transact(engine, command("missing"), attempts=1)
        failed, seen[:] = list(seen), []
        transact(engine, command("t"), attempts=1)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    with engine.connect() as conn:
        assert conn.execute(select(item.c.id, item.c.state).order_by(item.c.id)).all() == [
            ("a", "done"), ("b", "new")]
        assert conn.execute(select(tag.c.label)).scalar_one() == "new"
    if engine.dialect.name == "postgresql":
        # Both UPDATEs as one statement counting each one's rows; the INSERT apart (it writes
        # the table one of them updated, and would not be seen by it).
        writes = [s for s in seen if not s.startswith("BEGIN")]
        assert [s.split()[0] for s in writes] == ["WITH", "INSERT"], writes
        assert "UPDATE pipeline_test_tag" in writes[0] and writes[0].count("count(*)") == 2
        assert failed == seen  # refused at the check, after both went out pipelined


def _autocommit(conn: Connection) -> bool:
    return bool(getattr(conn.connection.dbapi_connection, "autocommit", False))


def test_a_command_that_sends_an_ordinary_statement_is_one_transaction(engine: Engine) -> None:
    # PostgreSQL begins lazily (db/pipeline.py): the collected write would be a transaction of
    # its own if the ordinary statement did not begin the real one first.
    with engine.connect() as conn:
        with pytest.raises(ZeroDivisionError), conn.begin():
            pipeline.open(conn)
            insert_item.send(conn, {"id": "a", "state": "new"})
            conn.execute(item.insert(), {"id": "b", "state": "new"})
            _ = 1 / 0
        assert not _autocommit(conn)
    assert _ids(engine) == []


def test_a_write_whose_result_is_wanted_at_once_is_inside_the_transaction(
        engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(item.insert(), {"id": "a", "state": "new"})
    with engine.connect() as conn:
        with pytest.raises(ZeroDivisionError), conn.begin():
            pipeline.open(conn)
            assert [r[0] for r in read_ids.all(conn)] == ["a"]  # a read: on its own
            assert finish.execute(conn, {"id_": "a"}) == 1  # a write: begins first
            _ = 1 / 0
        assert not _autocommit(conn)
    with engine.connect() as conn:
        assert conn.execute(select(item.c.state)).scalar_one() == "new"


def test_the_connection_leaves_a_command_as_it_came(engine: Engine) -> None:
    def ok(conn: Connection) -> None:
        pipeline.open(conn)
        insert_item.send(conn, {"id": "a", "state": "new"})

    def short(conn: Connection) -> None:
        pipeline.open(conn)
        finish.send(conn, {"id_": "missing"}, expect=1, refuse=lambda: Short("missing"))

    with engine.connect() as conn:
        transact_on(conn, ok)
        assert not _autocommit(conn)
        with pytest.raises(Short):
            transact_on(conn, short, attempts=1)
        assert not _autocommit(conn)
        conn.execute(item.insert(), {"id": "b", "state": "new"})  # begins implicitly again
        conn.rollback()
    assert _ids(engine) == ["a"]
