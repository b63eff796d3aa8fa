"""bench/rawsql.py's script generator: a captured place order becomes a pgbench script whose
transactions each insert a new order with new ids, on the shop's own SKUs and stock rows, and
reserve what the order reserved. pgbench itself is not needed: the test replays the script the
way `pgbench -M simple` does (variables substituted as text) for two transactions."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from pesanan.bootstrap import Container

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from pgscript import NotReplayable, base_for, fresh_values, pgbench_script
from rawsql import capture_orders
from sqlcapture import Step


def replay(script: str, dsn: str, txn: int, client_id: int = 0, run: int = 0) -> list[int]:
    """One transaction of `script` as pgbench -M simple runs it; returns its fresh values."""
    env: dict[str, int] = {"txn": txn - 1, "client_id": client_id, "base": base_for(run)}
    statements: list[str] = []
    buf: list[str] = []
    for line in script.splitlines():
        if line.startswith("\\set "):
            _, name, expr = line.split(" ", 2)
            expr = re.sub(r":(\w+)", lambda m: str(env[m.group(1)]), expr)
            assert re.fullmatch(r"[\d\s+*()-]+", expr), expr
            env[name] = eval(expr)  # digits and + * ( ) only, checked above
        elif line.startswith("\\"):
            continue  # \startpipeline / \endpipeline change no result
        else:
            buf.append(line)
            if line.endswith(";"):
                statements.append("\n".join(buf))
                buf = []
    assert not buf, "a statement without its semicolon"
    with psycopg.connect(dsn, autocommit=True) as conn:
        for stmt in statements:
            conn.execute(re.sub(r"(?<!:):(f\d+)", lambda m: str(env[m.group(1)]), stmt))
    return [v for k, v in env.items() if re.fullmatch(r"f\d+", k)]


def scalar(container: Container, sql: str, **params: Any) -> Any:
    with container.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


@pytest.mark.postgres_only
def test_each_replayed_transaction_places_a_new_order_on_the_shops_stock(
        container: Container, backend: str) -> None:
    url = container.settings.database_url
    captured = capture_orders(2, 6, url=url)
    order = captured.orders[0]
    script = pgbench_script(order.steps, order.twin, captured.known, pipeline=False)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    orders0 = scalar(container, "SELECT count(*) FROM sales_order")
    reserved0 = scalar(container, "SELECT sum(reserved) FROM stock_level")

    first = replay(script.text, dsn, txn=1)
    second = replay(script.text, dsn, txn=2)

    assert script.fresh == len(first) > 0
    assert not set(first) & set(second), "fresh values repeat between transactions"
    assert scalar(container, "SELECT count(*) FROM sales_order") == orders0 + 2
    assert scalar(container, "SELECT sum(reserved) FROM stock_level") == reserved0 + 2 * order.units
    # The script's SKUs are the captured order's, and the shop has them.
    skus = {line["sku"] for line in order.body["lines"]}
    assert set(re.findall(r"'(B[0-9A-F]{6}-\d{4})'", script.text)) == skus
    assert scalar(container, "SELECT count(*) FROM product WHERE sku = ANY(:s)",
                  s=list(skus)) == len(skus)
    # Its transactions are Pesanan's: as many BEGINs as the capture opened (none on the hot
    # path: its writes are one statement, a transaction of its own, db/pipeline.py).
    assert script.text.count("BEGIN;") == sum(s.kind == "begin" for s in order.steps)
    assert script.text.count("COMMIT;") == sum(s.kind == "commit" for s in order.steps)
    assert "\\startpipeline" not in script.text
    piped = pgbench_script(order.steps, order.twin, captured.known, pipeline=True)
    # Nothing is pipelined or sent as an executemany on the hot path any more: three
    # statements (the claim, the read, the writes), the same script either way.
    assert piped.text == script.text and script.statements == 3


def test_fresh_values_are_the_strings_that_differ_and_were_not_there_before() -> None:
    a = [Step("begin", 1), Step("exec", 1, "INSERT INTO t VALUES (%(id)s, %(loc)s, %(n)s)",
                                {"id": "id-a", "loc": "loc-1", "n": 1}), Step("commit", 1)]
    b = [Step("begin", 1), Step("exec", 1, "INSERT INTO t VALUES (%(id)s, %(loc)s, %(n)s)",
                                {"id": "id-b", "loc": "loc-2", "n": 1}), Step("commit", 1)]
    assert fresh_values(a, b, known={"loc-1", "loc-2"}) == {"id-a": 0}
    script = pgbench_script(a, b, {"loc-1", "loc-2"}, pipeline=True).text
    assert "INSERT INTO t VALUES ((:f0 || ''), 'loc-1', 1);" in script


def test_an_integer_bound_by_name_that_differs_is_fresh_where_it_is_bound() -> None:
    # The order number the read took from the sequence differs; the quantity 7 does not, even
    # where it equals the first capture's number.
    sql_ = "INSERT INTO o VALUES (%(id)s, %(number)s, %(q)s)"
    a = [Step("begin", 1), Step("exec", 1, sql_, {"id": "id-a", "number": 7, "q": 7}),
         Step("commit", 1)]
    b = [Step("begin", 1), Step("exec", 1, sql_, {"id": "id-b", "number": 8, "q": 7}),
         Step("commit", 1)]
    script = pgbench_script(a, b, set(), pipeline=False)
    assert "INSERT INTO o VALUES ((:f0 || ''), :f1, 7);" in script.text
    assert script.fresh == 2 and "\\set f1 " in script.text


def test_a_colon_word_in_a_constant_is_escaped_and_other_sql_refused() -> None:
    a = [Step("exec", 1, "SELECT %s", ["note:urgent"])]
    b = [Step("exec", 1, "SELECT %s", ["note:urgent"])]
    assert "SELECT E'note\\072urgent';" in pgbench_script(a, b, set(), pipeline=False).text
    with pytest.raises(NotReplayable):
        pgbench_script([Step("exec", 1, "SELECT :x")], [Step("exec", 1, "SELECT :x")], set(),
                       pipeline=False)
    with pytest.raises(NotReplayable):
        pgbench_script([Step("exec", 1, "SELECT 1")], [Step("exec", 1, "SELECT 2")], set(),
                       pipeline=False)


def test_arrays_of_fresh_ids_and_an_explicit_pipeline_replay_as_pesanan_sent_them() -> None:
    def order(ids: list[str]) -> list[Step]:
        return [Step("pipeline", 1), Step("begin", 1),
                Step("exec", 1, "INSERT INTO t SELECT * FROM unnest(%s::VARCHAR[], %s::INT[])",
                     [ids, [1, 2]]),
                Step("commit", 1), Step("sync", 1)]

    a, b = order(["a-1", "a-2"]), order(["b-1", "b-2"])
    piped = pgbench_script(a, b, set(), pipeline=True).text
    assert ("\\startpipeline\nBEGIN;\nINSERT INTO t SELECT * FROM unnest(ARRAY[(:f0 || ''), "
            "(:f1 || '')]::VARCHAR[], '{1,2}'::int2[]::INT[]);\nCOMMIT;\n\\endpipeline\n") in piped
    assert "\\startpipeline" not in pgbench_script(a, b, set(), pipeline=False).text
