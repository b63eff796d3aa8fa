"""Writes sent in a row in a pipelined transaction, merged into one statement.

Why: each statement costs the server its own trip through the driver — parameters dumped, the
message built and sent (a system call of its own in pipeline mode, where psycopg flushes every
statement), a result parsed — about 4 % of the server's CPU per order each in a py-spy profile
(bench/README.md, issue 13). An order's guarded stock update, its order row, lines,
reservations, timeline entry, outbox event and the stored idempotent answer are writes whose
results are only checked, never read; as data-modifying CTEs of one statement, `WITH c0 AS
(UPDATE … RETURNING 1), c1 AS (INSERT …) … SELECT (SELECT count(*) FROM c0), …`, they cost one.
PostgreSQL runs every CTE of a statement exactly once whether or not it is referenced, and
checks the foreign keys at the end of the statement, so the rows may reference each other in
any order. A write sent with a check of rows changed (`expect`) returns `1` per row it changed
and the statement counts them, so each check still sees its own count.

What merges: a plain INSERT (no RETURNING); with `expect`, an UPDATE (no RETURNING; a WITH of
its own is fine). What keeps the meaning of statements sent one after another: all CTEs see the
same snapshot, so an UPDATE would not see what a sibling wrote, and a row must not change twice
in one statement; so an UPDATE never merges with another write to its table (the batch so far
goes out first), nor does a write merge after an UPDATE of its table. The merged statement goes
out before any other statement is queued and before a sync, so statements still run in the
order they were sent. Each write's driver-error translation stays with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

if TYPE_CHECKING:
    from pesanan.db.pipeline import Refusal, State, Translate

_NAMED = re.compile(r"%\((\w+)\)s")
_INSERTS = re.compile(r"\bINSERT INTO (\w+)")
_UPDATES = re.compile(r"\bUPDATE (\w+) SET\b")


@dataclass(frozen=True, slots=True)
class Item:
    sql: str
    args: Any  # the statement's named parameters
    expect: int | None = None  # rows it must change (counted), or None: unchecked
    refuse: Refusal | None = None


def mergeable(sql: str, expect: int | None = None) -> bool:
    if " RETURNING " in sql:
        return False
    if expect is None:
        return sql.startswith("INSERT INTO ")
    return (sql.startswith("UPDATE ") or sql.startswith("WITH ")) and bool(_UPDATES.search(sql))


def collect(conn: Connection, state: State, item: Item, translate: Translate | None) -> None:
    if state.merging and _clashes(state.merging, item):
        flush(conn, state)
    state.merging.append(item)
    if translate is not None and translate not in state.translate:
        state.translate.append(translate)


def _clashes(batch: list[Item], item: Item) -> bool:
    mine_updated, mine = _tables(item.sql)
    for it in batch:
        updated, written = _tables(it.sql)
        if mine_updated & written or mine & updated:
            return True
    return False


@lru_cache(maxsize=512)
def _tables(sql: str) -> tuple[frozenset[str], frozenset[str]]:
    """The tables a write updates, and every table it writes."""
    updated = frozenset(_UPDATES.findall(sql))
    return updated, updated | frozenset(_INSERTS.findall(sql))


def take(state: State, *, atomic: bool = False) -> tuple[str, list[Any], list[Item]]:
    """The batch as one statement, its parameters, and the checked items in the order of the
    statement's counts (one checked item alone: its own statement, checked by rows changed).
    `atomic`: the statement is a transaction of its own (db/pipeline.py), so it checks its
    counts itself and fails when one is not what was expected (see `refusal`)."""
    items, state.merging = state.merging, []
    checked = [it for it in items if it.expect is not None]
    args = [it.args[name] for it in items for name in _names(it.sql)]
    sqls = tuple(it.sql for it in items)
    flags = tuple(it.expect is not None for it in items)
    if atomic and checked:
        expects = tuple(it.expect if it.refuse is not None else None for it in items)
        return _checking(sqls, flags, expects), args, checked
    if len(items) == 1:
        return _NAMED.sub("%s", sqls[0]), args, checked
    return _statement(sqls, flags), args, checked


def flush(conn: Connection, state: State) -> None:
    """Queue the writes collected so far as one statement on the driver's pipeline."""
    from pesanan.db.hot import queue_sql
    from pesanan.db.pipeline import driver, queue

    driver(conn, state)
    sql, args, checked = take(state)
    cursor = queue_sql(conn, sql, args)
    queue(state, cursor, None, None, None, counted=checked)


@lru_cache(maxsize=512)
def _names(sql: str) -> tuple[str, ...]:
    return tuple(_NAMED.findall(sql))


def _ctes(sqls: tuple[str, ...], checked: tuple[bool, ...]) -> list[str]:
    """Each write with positional parameters, a checked one RETURNING 1 (for its count)."""
    return [_NAMED.sub("%s", s) + (" RETURNING 1" if c else "")
            for s, c in zip(sqls, checked, strict=True)]


def _with(parts: list[str]) -> str:
    return ", ".join(f"c{i} AS ({s})" for i, s in enumerate(parts))


@lru_cache(maxsize=256)
def _statement(sqls: tuple[str, ...], checked: tuple[bool, ...]) -> str:
    """`WITH c0 AS (first), c1 AS (second) … last`, with positional parameters; with checked
    writes, every write a CTE and the counts selected."""
    parts = _ctes(sqls, checked)
    if not any(checked):
        return f"WITH {_with(parts[:-1])} {parts[-1]}"
    counts = ", ".join(f"(SELECT count(*) FROM c{i})" for i, c in enumerate(checked) if c)
    return f"WITH {_with(parts)} SELECT {counts}"


_REFUSED = "pesanan refused:"
_REFUSED_AT = re.compile(re.escape(_REFUSED) + r"((?: \d+)+)")


@lru_cache(maxsize=256)
def _checking(sqls: tuple[str, ...], checked: tuple[bool, ...],
              expects: tuple[int | None, ...]) -> str:
    """Every write a CTE, and one value selected: 0 when each count is what its write expects;
    otherwise a cast that fails, whose message carries the counts (the CASE evaluates it only
    then, and a subquery is never folded into a constant at planning). A failed statement
    changes nothing. `expects`: per write, the count it must have; None for an unchecked write,
    or a checked one without a refusal (counted, never failing the statement)."""
    counts = " || ' ' || ".join(f"(SELECT count(*) FROM c{i})"
                                for i, c in enumerate(checked) if c)
    guards = " AND ".join(f"(SELECT count(*) FROM c{i}) = {int(e)}"
                          for i, e in enumerate(expects) if e is not None) or "true"
    return (f"WITH {_with(_ctes(sqls, checked))} SELECT CASE WHEN {guards} THEN 0 "
            f"ELSE CAST('{_REFUSED} ' || {counts} AS integer) END")


def refusal(exc: Exception, checked: list[Item]) -> Exception | None:
    """The refusal of the first check whose count failed an atomic statement (`take`), or
    None when `exc` is another error."""
    found = _REFUSED_AT.search(str(getattr(exc, "orig", exc)))
    if found is None:
        return None
    counts = [int(n) for n in found.group(1).split()]
    for item, got in zip(checked, counts, strict=True):
        if got != item.expect and item.refuse is not None:
            return item.refuse()
    return None
