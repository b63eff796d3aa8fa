#!/usr/bin/env bash
# Run the place-order benchmark end to end: a fresh bench database, migrated; a server started
# here with N workers; 8, 32 and 64 clients, random then hot SKUs; SQL statements per order; the
# server stopped again.
#
#   bench/run.sh postgresql [workers=2]     # database pesanan_bench on 127.0.0.1:5432
#   bench/run.sh sqlite [workers=1]         # var/bench/bench.db
#
#   BENCH=spray bench/run.sh postgresql     # bench/spray.py: place order quiet vs under a spray
#   BENCH=worker bench/run.sh postgresql    # bench/worker_lag.py: without / with the worker
#   BENCH=openloop bench/run.sh postgresql  # bench/openloop.py only: open-loop latency
#
# On PostgreSQL it then prints pg_stat_statements per statement, EXPLAIN (ANALYZE, BUFFERS)
# of each place-order statement (var/bench/<db>-explain.txt), the raw pgbench replay of
# Pesanan's own transaction (bench/rawsql.py); then a summary: Pesanan / raw, CPU per order,
# calibration, steal (SQLite: Pesanan's figures and the calibration).
#
# Env: DURATION (15), CLIENTS (8,32,64; spray: the first), MODES (random,hot), PORT (8765),
#      PESANAN_BENCH_PG (admin URL, postgresql://postgres@127.0.0.1:5432/postgres),
#      BENCH_DB (database name: pesanan_bench, or bench for var/bench/bench.db),
#      EXTRA (more place_orders.py arguments).
set -euo pipefail
cd "$(dirname "$0")/.."

DB=${1:-postgresql}
BIN=.venv/bin
PORT=${PORT:-8765}
DURATION=${DURATION:-15}
CLIENTS=${CLIENTS:-8,32,64}
MODES=${MODES:-random,hot}
PG_ADMIN=${PESANAN_BENCH_PG:-postgresql://postgres@127.0.0.1:5432/postgres}
NAME=${BENCH_DB:-pesanan_bench}  # the PostgreSQL database, or var/bench/bench.db for SQLite
[ "$DB" = sqlite ] && NAME=${BENCH_DB:-bench}

case "$DB" in
  postgresql)
    WORKERS=${2:-2}
    "$BIN/python" - "$PG_ADMIN" "$NAME" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as c:
    c.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
    c.execute(f'CREATE DATABASE "{sys.argv[2]}"')
PY
    base=${PG_ADMIN%/*}
    export PESANAN_DATABASE_URL="${base/postgresql:\/\//postgresql+psycopg://}/$NAME"
    ;;
  sqlite)
    WORKERS=${2:-1}
    mkdir -p var/bench
    rm -f "var/bench/$NAME.db" "var/bench/$NAME.db-wal" "var/bench/$NAME.db-shm"
    export PESANAN_DATABASE_URL="sqlite:///$PWD/var/bench/$NAME.db"
    ;;
  *) echo "usage: bench/run.sh postgresql|sqlite [workers]" >&2; exit 2 ;;
esac

"$BIN/pesanan" db upgrade >/dev/null
KEY=$("$BIN/pesanan" apikey create --role admin --name bench | tail -n 1)

# One key places every order, far faster than an integrator sends (PESANAN_RATE_LIMIT_API,
# 200/s per key per process): the benchmark measures the server, so that limit is off unless
# set. The limits on unknown keys and logins stay on (bench/spray.py measures them).
export PESANAN_RATE_LIMIT_API=${PESANAN_RATE_LIMIT_API-}

# The worker benchmark's webhook receiver listens on 127.0.0.1: the server (which checks the
# endpoint's address) and the worker (which sends) must both allow it.
[ "${BENCH:-orders}" = worker ] && export PESANAN_OUTBOUND_ALLOW=127.0.0.1,::1

"$BIN/pesanan" serve --port "$PORT" --workers "$WORKERS" >/dev/null &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null

echo "== $DB, $WORKERS worker(s), $(nproc) CPU(s), ${DURATION}s per run, $(date -u +%FT%TZ), load average $(cut -d" " -f1-3 /proc/loadavg)"
if [ "${BENCH:-orders}" = spray ]; then
  # Place order quiet, then under waves of unknown keys and wrong logins (bench/spray.py).
  SPRAY_EMAIL=spray@bench.pesanan.io
  PESANAN_NEW_USER_PASSWORD=spray-bench-password "$BIN/pesanan" user create \
    --email "$SPRAY_EMAIL" --role clerk >/dev/null
  "$BIN/python" bench/spray.py --url "http://127.0.0.1:$PORT" --key "$KEY" \
    --login-email "$SPRAY_EMAIL" --clients "${CLIENTS%%,*}" --duration "$DURATION" \
    --server-pid "$SERVER" $([ "$DB" = postgresql ] && echo --db-tag "$NAME") ${EXTRA:-}
  exit $?
fi
if [ "${BENCH:-orders}" = worker ]; then
  "$BIN/python" bench/worker_lag.py --url "http://127.0.0.1:$PORT" --key "$KEY" \
    --clients "${CLIENTS%%,*}" --duration "$DURATION" --server-pid "$SERVER" \
    $([ "$DB" = postgresql ] && echo --db-tag "$NAME") ${EXTRA:-}
  exit $?
fi
# Open-loop latency (bench/openloop.py): closed-loop capacity, then 25/50/75 % of it at a fixed
# arrival rate, latency from each request's scheduled time. Alone with BENCH=openloop (EXTRA
# goes to it); otherwise after everything on PostgreSQL unless OPENLOOP=0.
openloop() {
  "$BIN/python" bench/openloop.py --url "http://127.0.0.1:$PORT" --key "$KEY" \
    --duration "$DURATION" --server-pid "$SERVER" \
    $([ "$DB" = postgresql ] && echo --db-tag "$NAME") "$@"
}
if [ "${BENCH:-orders}" = openloop ]; then
  openloop ${EXTRA:-}
  exit $?
fi
# The sitting's machine (steal, busy) from here; pg_stat_statements from zero for the HTTP run.
mkdir -p var/bench
OUT=var/bench/$NAME  # per database, so two sittings on two databases keep apart
"$BIN/python" bench/machine.py mark "$OUT-stat0.json"
[ "$DB" = postgresql ] && "$BIN/python" bench/pgstats.py reset
"$BIN/python" bench/place_orders.py --url "http://127.0.0.1:$PORT" --key "$KEY" \
  --clients "$CLIENTS" --duration "$DURATION" --mode "$MODES" --count-sql \
  --server-pid "$SERVER" $([ "$DB" = postgresql ] && echo --db-tag "$NAME") \
  --json "$OUT-http.json" ${EXTRA:-}
RAW=()
if [ "$DB" = postgresql ]; then
  # Per statement what PostgreSQL spent for Pesanan, then the same for the raw replay of its
  # own transaction (bench/rawsql.py: RAW_CLIENTS, 8,64; RAW_PROTOCOLS, prepared,simple).
  "$BIN/python" bench/pgstats.py report --label "the HTTP run"
  "$BIN/python" bench/pgstats.py explain --out "$OUT-explain.txt"
  "$BIN/python" bench/pgstats.py reset
  "$BIN/python" bench/rawsql.py --clients "${RAW_CLIENTS:-8,64}" --duration "$DURATION" \
    --protocols "${RAW_PROTOCOLS:-prepared,simple}" --json "$OUT-raw.json"
  "$BIN/python" bench/pgstats.py report --label "the raw pgbench runs" --top 12
  RAW=(--raw "$OUT-raw.json")
fi
"$BIN/python" bench/summary.py --http "$OUT-http.json" "${RAW[@]}" --mark "$OUT-stat0.json"
if [ "$DB" = postgresql ] && [ "${OPENLOOP:-1}" = 1 ]; then
  # The HTTP and raw runs before wrote ~1 GB of WAL in three minutes, so PostgreSQL is usually
  # in the middle of a checkpoint that WAL asked for (log: "checkpoint starting: wal") when the
  # open loop starts, and its writes and final sync land in the measured minute: p99 at 50 %
  # went from ~9 ms to 30-44 ms in the runs where it did (2026-12-04). Flushed here first, so
  # the open loop measures its own load; CHECKPOINT_BEFORE_OPENLOOP=0 keeps the old order.
  if [ "${CHECKPOINT_BEFORE_OPENLOOP:-1}" = 1 ]; then
    "$BIN/python" - "$PESANAN_DATABASE_URL" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1].replace("postgresql+psycopg://", "postgresql://"),
                     autocommit=True) as c:
    c.execute("CHECKPOINT")
PY
  fi
  openloop
fi
