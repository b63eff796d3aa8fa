"""A captured request (bench/sqlcapture.py) as a pgbench script: the same statements and
transaction boundaries, constants as literals, fresh values as pgbench variables.

A value is *fresh* when two captures of the same request body differ in it and it is a string
(ids, the idempotency key, its claim token), or an integer bound by name (the order number
that the catalogue read took from the sequence): each transaction of the script gets new ones,
or the inserts would collide with the first. Timestamps and blobs (JSON, bytes) that differ keep
the first capture's value: nothing unique rests on them, and their size is what matters.

Fresh values are numbers of 19 digits, `base + (txn * 1024 + client_id) * 64 + k`, padded with
the captured value's tail to the same length: unique per (run, client, transaction, value), and
rising over a run like Pesanan's time-ordered UUIDs (so index inserts land at the right edge, as
Pesanan's do). `txn` counts each client's transactions (pgbench keeps variables per client
across transactions; -D txn=0 starts it) and `base` separates runs (-D base=...).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from psycopg import Binary, sql
from psycopg.types.json import Json

from sqlcapture import Step

WIDTH = 19  # digits of a fresh value: base 10**18 upwards
PLACEHOLDER = re.compile(r"%\((\w+)\)[sbt]|%[sbt]|%%")
VARIABLE = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")


class NotReplayable(Exception):
    """The capture does something one pgbench connection cannot replay."""


@dataclass
class Script:
    text: str
    fresh: int  # fresh values per transaction
    statements: int  # SQL statements per transaction (executemany: one per parameter set)


def base_for(run: int) -> int:
    """-D base=... for the run-th pgbench run on one database: 10**16 values apart."""
    return 10**18 + run * 10**16


def _flat(step: Step) -> list[Any]:
    sets = step.many if step.many is not None else [step.params]
    out: list[Any] = []
    for p in sets:
        vals = list(p.values()) if isinstance(p, dict) else list(p or ())
        for v in vals:
            out.extend(v if isinstance(v, list | tuple) else [v])
    return out


def fresh_values(a: list[Step], b: list[Step], known: set[str]) -> dict[str, int]:
    """Strings that differ between two captures of the same body, numbered by first use, but
    for `known` values (ids that existed before: the allocator may pick another location for
    the second order)."""
    if [(s.kind, s.sql) for s in a] != [(s.kind, s.sql) for s in b]:
        raise NotReplayable("two orders with the same body sent different SQL; cannot tell "
                            "which values are fresh")
    fresh: dict[str, int] = {}
    for sa, sb in zip(a, b, strict=True):
        va, vb = _flat(sa), _flat(sb)
        if len(va) != len(vb):
            raise NotReplayable(f"parameter count differs in: {sa.sql[:80]}")
        for x, y in zip(va, vb, strict=True):
            if isinstance(x, str) and x != y and x not in fresh and x not in known:
                fresh[x] = len(fresh)
    return fresh


def fresh_numbers(a: list[Step], b: list[Step], first: int
                  ) -> dict[tuple[int, str | int], int]:
    """(step, parameter name or position) -> fresh index from `first`: integers that differ
    between the two captures where they are bound (an order number). By where, not by value:
    a quantity may equal an order number. Not in an executemany (its sets are the rows)."""
    out: dict[tuple[int, str | int], int] = {}
    for i, (sa, sb) in enumerate(zip(a, b, strict=True)):
        if isinstance(sa.params, dict) and isinstance(sb.params, dict):
            pairs: list[tuple[str | int, Any, Any]] = [
                (k, x, sb.params.get(k)) for k, x in sa.params.items()]
        elif isinstance(sa.params, list | tuple) and isinstance(sb.params, list | tuple):
            pairs = [(j, x, y) for j, (x, y) in enumerate(zip(sa.params, sb.params, strict=True))]
        else:
            continue
        for k, x, y in pairs:
            if type(x) is int and type(y) is int and x != y:
                out[(i, k)] = first + len(out)
    return out


def _quote(text: str, cast: str = "") -> str:
    """A string literal pgbench will not mistake for a variable (`:name` inside it)."""
    lit = sql.Literal(text).as_string(None)
    if VARIABLE.search(lit):
        body = text.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\072")
        lit = f"E'{body}'"
    return lit + cast


def literal(value: Any, fresh: dict[str, int]) -> str:
    if isinstance(value, str) and value in fresh:
        return f"(:f{fresh[value]} || {_quote(value[WIDTH:])})"
    if isinstance(value, list | tuple) and any(isinstance(v, str) and v in fresh
                                               for v in value):
        return "ARRAY[" + ", ".join(literal(v, fresh) for v in value) + "]"
    if isinstance(value, Json):
        text = (value.dumps or json.dumps)(value.obj)  # None: the engine's default
        return _quote(text.decode() if isinstance(text, bytes) else text, "::json")
    if isinstance(value, Binary):
        value = value.obj
    if isinstance(value, bytes | bytearray | memoryview):
        return f"'\\x{bytes(value).hex()}'::bytea"  # hex: no colon for pgbench to misread
    if isinstance(value, str):
        return _quote(str(value))  # a StrEnum as its value
    return str(sql.Literal(value).as_string(None))


def render(statement: str, params: Any, fresh: dict[str, int],
           numbers: dict[str | int, int] | None = None) -> str:
    seq = iter(enumerate(params)) if isinstance(params, list | tuple) else iter(())

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "%%":
            return "%"
        if m.group(1):
            where: str | int = m.group(1)
            value = params[where]
        else:
            where, value = next(seq)
        if numbers and where in numbers:
            return f":f{numbers[where]}"  # a bigint: 19 digits fit
        return literal(value, fresh)

    out = PLACEHOLDER.sub(sub, statement).strip().rstrip(";")
    stray = {v for v in VARIABLE.findall(out) if not re.fullmatch(r"f\d+", v)}
    if stray:
        raise NotReplayable(f"pgbench would read {sorted(stray)} as variables in: {out[:120]}")
    return out


def pgbench_script(a: list[Step], b: list[Step], known: set[str], *, pipeline: bool
                   ) -> Script:
    """`a` and `b`: the steps of two orders with the same body. `pipeline`: render psycopg's
    pipelines (executemany, conn.pipeline()) as \\startpipeline/\\endpipeline (pgbench allows
    them in extended and prepared mode only; in simple mode each statement waits)."""
    fresh = fresh_values(a, b, known)
    numbers = fresh_numbers(a, b, len(fresh))
    lines = ["\\set txn :txn + 1"]
    lines += [f"\\set f{k} :base + (:txn * 1024 + :client_id) * 64 + {k}"
              for k in range(len(fresh) + len(numbers))]
    open_tx: int | None = None
    depth = 0
    statements = 0
    for i, step in enumerate(a):
        if step.kind == "begin":
            if open_tx is not None and open_tx != step.conn:
                raise NotReplayable("two connections hold a transaction open at once")
            open_tx = step.conn
            lines.append("BEGIN;")
        elif step.kind in ("commit", "rollback"):
            open_tx = None
            lines.append(f"{step.kind.upper()};")
        elif step.kind == "pipeline":
            depth += 1
            if depth == 1 and pipeline:
                lines.append("\\startpipeline")
        elif step.kind == "sync":
            depth -= 1
            if depth == 0 and pipeline:
                lines.append("\\endpipeline")
        elif step.kind == "flush":  # Pipeline.sync(): the queue goes out, the pipeline stays
            if depth > 0 and pipeline:  # (PostgreSQL 15's pgbench has no \syncpipeline)
                lines += ["\\endpipeline", "\\startpipeline"]
        else:
            if open_tx is not None and step.conn != open_tx:
                raise NotReplayable("a statement ran on a second connection inside a "
                                    "transaction of the first")
            sets = step.many if step.many is not None else [step.params]
            wrap = pipeline and step.many is not None and len(sets) > 1 and depth == 0
            lines += ["\\startpipeline"] if wrap else []
            named: dict[str | int, int] = {k: n for (j, k), n in numbers.items() if j == i}
            lines += [render(step.sql, p, fresh, named) + ";" for p in sets]
            lines += ["\\endpipeline"] if wrap else []
            statements += len(sets)
    if open_tx is not None:
        raise NotReplayable("the capture ends inside a transaction")
    return Script("\n".join(lines) + "\n", len(fresh) + len(numbers), statements)
