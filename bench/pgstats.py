"""What PostgreSQL spends per statement on the bench database: pg_stat_statements, and
EXPLAIN (ANALYZE, BUFFERS) of each statement of Pesanan's place order.

    pgstats.py reset                # before the HTTP run: zero the counters, note the orders
    pgstats.py report [--top 25]    # after it: per statement, and per order since the reset
    pgstats.py explain --out var/bench/explain.txt   # capture an order, EXPLAIN each statement

pg_stat_statements must be preloaded (shared_preload_libraries, a restart); when it is not,
this says how to enable it and exits 0, so bench/run.sh goes on without it. The extension is
created in the bench database only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

import psycopg


def state() -> Path:
    """Where `reset` notes the order count, per database (two sittings may run at once)."""
    return Path(f"var/bench/pgstats-{dsn().rsplit('/', 1)[-1]}.json")


ENABLE = ("pg_stat_statements is not preloaded on this server; to enable it (then restart):\n"
          "  ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';\n"
          "  -- e.g. pg_ctlcluster 15 main restart; the benchmark goes on without it")


def dsn() -> str:
    return os.environ["PESANAN_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")


def ready(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SHOW shared_preload_libraries").fetchone()
    if row is None or "pg_stat_statements" not in str(row[0]):
        print(ENABLE)
        return False
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    return True


def orders(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT count(*) FROM sales_order").fetchone()
    return int(row[0]) if row else 0


def reset(conn: psycopg.Connection[Any]) -> None:
    if not ready(conn):
        return
    conn.execute("SELECT pg_stat_statements_reset()")
    state().parent.mkdir(parents=True, exist_ok=True)
    state().write_text(json.dumps({"orders": orders(conn)}))


def short(query: str, width: int = 90) -> str:
    q = re.sub(r"\s+", " ", query).strip()
    q = re.sub(r"\(([a-z_\"]+, ){4,}[a-z_\"]+\)", "(…)", q)  # long column lists
    return q if len(q) <= width else q[:width - 1] + "…"


def statements(conn: psycopg.Connection[Any], top: int) -> list[dict[str, Any]]:
    cur = conn.execute(
        "SELECT query, calls, total_exec_time, mean_exec_time, rows, shared_blks_hit, "
        "shared_blks_read, shared_blks_dirtied, wal_bytes, total_plan_time, plans "
        "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
        "WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT %s", [top])
    names = [d.name for d in cur.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def report(conn: psycopg.Connection[Any], top: int, label: str) -> None:
    if not ready(conn):
        return
    since = json.loads(state().read_text())["orders"] if state().exists() else 0
    n = max(orders(conn) - since, 1)
    rows = statements(conn, top)
    total = sum(r["total_exec_time"] for r in rows) or 1.0
    print(f"pg_stat_statements ({label}, {n} orders since the reset; per order = calls / "
          "orders, exec ms and blocks are per call):")
    print(f"  {'calls/ord':>9} {'mean ms':>8} {'ms/ord':>7} {'share':>6} {'hit':>6} {'read':>5} "
          f"{'dirt':>5} {'rows':>5} {'wal B':>6}  statement")
    for r in rows:
        c = max(r["calls"], 1)
        print(f"  {r['calls'] / n:9.2f} {r['mean_exec_time']:8.3f} "
              f"{r['total_exec_time'] / n:7.3f} {r['total_exec_time'] / total:6.1%} "
              f"{r['shared_blks_hit'] / c:6.1f} {r['shared_blks_read'] / c:5.1f} "
              f"{r['shared_blks_dirtied'] / c:5.1f} {r['rows'] / c:5.1f} "
              f"{float(r['wal_bytes']) / c:6.0f}  {short(r['query'])}")
    print(f"  total exec time per order: {sum(r['total_exec_time'] for r in rows) / n:.3f} ms "
          f"(top {len(rows)} statements)")


def explain(out: Path) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement of one freshly captured place order, in
    one transaction that is rolled back (ANALYZE runs them: each sees the ones before)."""
    from pgscript import fresh_numbers, fresh_values, literal
    from rawsql import capture_orders

    captured = capture_orders(1, 20, seed=5)
    order = captured.orders[0]
    # The captured order was placed: its fresh ids get new values, or the inserts would collide.
    swap = {v: uuid.uuid4().hex[:8] + v[8:]
            for v in fresh_values(order.steps, order.twin, captured.known)}
    # And so does its order number (taken from the sequence by the read, bound by the INSERT).
    renumber = {where: 9 * 10**18 + uuid.uuid4().int % 10**17
                for where in fresh_numbers(order.steps, order.twin, 0)}
    lines: list[str] = []
    summary: list[str] = []
    with psycopg.connect(dsn()) as conn:
        for i, step in enumerate(order.steps):
            if step.kind != "exec":
                continue
            for params in step.many if step.many is not None else [step.params]:
                params = _renumbered(params, {k: v for (j, k), v in renumber.items() if j == i})
                query = _inline(step.sql, params, lambda v: literal(_swap(v, swap), {}))
                plan = [r[0] for r in conn.execute(
                    f"EXPLAIN (ANALYZE, BUFFERS, VERBOSE OFF) {query}").fetchall()]
                lines += [f"-- {short(step.sql, 200)}", *plan, ""]
                summary.append(_summary(step.sql, plan))
        conn.rollback()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines))
    print(f"EXPLAIN (ANALYZE, BUFFERS) of {len(summary)} place-order statements -> {out}")
    for s in summary:
        print("  " + s)


def _renumbered(params: Any, new: dict[Any, int]) -> Any:
    if not new:
        return params
    if isinstance(params, dict):
        return {k: new.get(k, v) for k, v in params.items()}
    return [new.get(j, v) for j, v in enumerate(params)]


def _swap(value: Any, swap: dict[str, str]) -> Any:
    if isinstance(value, list | tuple):
        return [_swap(v, swap) for v in value]
    return swap.get(value, value) if isinstance(value, str) else value


def _inline(sql: str, params: Any, literal: Any) -> str:
    from pgscript import PLACEHOLDER

    seq = iter(params) if isinstance(params, list | tuple) else iter(())
    return PLACEHOLDER.sub(lambda m: "%" if m.group(0) == "%%" else literal(
        params[m.group(1)] if m.group(1) else next(seq)), sql)


def _summary(sql: str, plan: list[str]) -> str:
    text = "\n".join(plan)
    time = re.search(r"Execution Time: ([\d.]+) ms", text)
    scans = sorted(set(re.findall(r"Seq Scan on (\w+)", text)))
    top = next((ln for ln in plan if "Buffers:" in ln), "")  # the top node's (the first)
    hits = sum(int(h) for h in re.findall(r"shared hit=(\d+)", top))
    trig = re.findall(r"Trigger (?:for constraint )?\S+: time=([\d.]+) calls=(\d+)", text)
    return (f"{float(time.group(1)) if time else float('nan'):7.3f} ms  top-node hits {hits:4d}"
            + (f"  SEQ SCAN {','.join(scans)}" if scans else "")
            + (f"  FK checks {sum(int(c) for _, c in trig)}: "
               f"{sum(float(t) for t, _ in trig):.3f} ms" if trig else "")
            + f"  {short(sql, 70)}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("action", choices=("reset", "report", "explain"))
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--label", default="the HTTP run")
    p.add_argument("--out", default="var/bench/explain.txt")
    args = p.parse_args(argv)
    if args.action == "explain":
        explain(Path(args.out))
        return
    with psycopg.connect(dsn(), autocommit=True) as conn:
        (reset if args.action == "reset" else lambda c: report(c, args.top, args.label))(conn)


if __name__ == "__main__":
    main()
