"""Prometheus metrics: request latency measured in each server process, and the shop's counts
read from the database when scraped.

Two kinds, on purpose:
- Request latency is an in-process histogram. With `pesanan serve --workers N` each request is
  timed in whichever process served it, and a scrape lands on any one of them (connections are
  dealt out in turn, serving.py), so the processes share their samples through
  prometheus_client's multiprocess mode: `prepare_processes` gives them one fresh
  PROMETHEUS_MULTIPROC_DIR before they start, and a scrape of any one adds up all of them.
  Several hosts are scraped one target per host, as Prometheus expects.
- Orders placed, outbox lag, webhook deliveries and job runs are facts in the database, so they are
  counted there at scrape time: right whichever process answers, however many restarted, and
  the worker process needs no endpoint of its own.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from pesanan.analytics import counts
from pesanan.core.clock import now
from pesanan.events import consumers

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # every path no route matched: one label value, however many paths

REQUEST_SECONDS = Histogram(
    "pesanan_http_request_duration_seconds",
    "HTTP requests by route template, method and status class, and how long they took.",
    ["route", "method", "status"],
    # Place-order takes a few ms on a quiet server and tens under load (bench/README.md).
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

log = logging.getLogger("pesanan.telemetry")


# The histogram's children by (route, method, status): a dict look-up per request instead of
# prometheus_client's locked labels() call. Bounded like the labels themselves.
_series: dict[tuple[str, str, int], Any] = {}


def observe(route: str, method: str, status: int, seconds: float) -> None:
    # Every label is bounded: templates come from the app's routes, methods from a fixed set
    # (a client may send any word), statuses are folded into classes.
    key = (route, method if method in _METHODS else "other", status // 100)
    series = _series.get(key)
    if series is None:
        series = _series[key] = REQUEST_SECONDS.labels(key[0], key[1], f"{key[2]}xx")
    series.observe(seconds)


def prepare_processes(workers: int) -> Path | None:
    """Before starting `workers` server processes: give them one empty multiprocess directory
    (its own, unless the operator set PROMETHEUS_MULTIPROC_DIR). Returns the directory made
    here, for `finish_processes`; None when there is nothing to share or it is the operator's.
    """
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        # Samples left by a previous run would be added to this one's.
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        return None
    if workers < 2:
        return None
    made = Path(tempfile.mkdtemp(prefix="pesanan-metrics-"))
    os.environ[MULTIPROC_ENV] = str(made)  # the spawned workers inherit it
    return made


def finish_processes(made: Path | None) -> None:
    if made is not None:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(made, ignore_errors=True)


class _Fixed(Collector):
    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        return iter(self.families)


def database_families(conn: Connection) -> list[Metric]:
    orders = CounterMetricFamily("pesanan_orders", "Orders placed, by channel (from the "
                                 "database, so every process agrees).", labels=["channel"])
    for channel, n in sorted(counts.orders_by_channel(conn).items()):
        orders.add_metric([channel], n)
    return [orders, *_feed_families(conn), *_worker_families(conn)]


def _feed_families(conn: Connection) -> list[Metric]:
    """The outbox relay's lag, and each consumer's (webhook fan-out, broker, automation)."""
    at = now()
    lag = consumers.lag(conn, at)
    unstamped = lag["oldest_unstamped_seconds"]
    oldest = GaugeMetricFamily("pesanan_outbox_lag_seconds", "Age of the oldest event the "
                               "relay has not stamped yet (0 when none waits).", value=unstamped)
    waiting = GaugeMetricFamily("pesanan_outbox_unstamped_events",
                                "Events committed and not yet stamped by the relay.",
                                value=lag["unstamped"])
    behind = GaugeMetricFamily("pesanan_event_consumer_behind_events", "Stamped events a "
                               "consumer has still to handle.", labels=["consumer"])
    age = GaugeMetricFamily("pesanan_event_consumer_lag_seconds", "Age of the oldest event a "
                            "consumer has not handled (an unstamped one counts: it waits "
                            "too).", labels=["consumer"])
    for name, position in sorted(lag["cursors"].items()):
        behind.add_metric([name], max(lag["newest_position"] - position, 0))
        first = consumers.read_after(conn, position, 1)  # one index probe per consumer
        waited = ((at - datetime.fromisoformat(first[0]["occurred_at"])).total_seconds()
                  if first else 0.0)
        age.add_metric([name], max(waited, unstamped, 0.0))
    return [oldest, waiting, behind, age]


def _worker_families(conn: Connection) -> list[Metric]:
    """What the worker processes did, as they recorded it in the database."""
    # Gauges, not counters: the job deliveries.purge forgets old attempts, and a counter that
    # goes down reads as a reset (rate() would count the whole log again).
    attempts = GaugeMetricFamily("pesanan_webhook_attempts_logged", "Webhook sends in the "
                                 "attempt log (deliveries.purge keeps 30 days), by outcome "
                                 "(delivered, retry, failed).", labels=["outcome"])
    for outcome, n in sorted(counts.webhook_attempts_by_outcome(conn).items()):
        attempts.add_metric([outcome], n)
    tpl = GaugeMetricFamily("pesanan_tpl_attempts_logged", "3PL dispatch sends in the attempt "
                            "log, by outcome (sent, retry, failed).", labels=["outcome"])
    for outcome, n in sorted(counts.tpl_attempts_by_outcome(conn).items()):
        tpl.add_metric([outcome], n)
    deliveries = GaugeMetricFamily("pesanan_webhook_deliveries", "Webhook messages by status "
                                   "(pending, delivered, failed).", labels=["status"])
    for status, n in sorted(counts.webhook_deliveries_by_status(conn).items()):
        deliveries.add_metric([status], n)
    runs = CounterMetricFamily("pesanan_job_runs", "Scheduled job runs, by job and outcome.",
                               labels=["job", "outcome"])
    for job, (ok, failed) in sorted(counts.job_runs(conn).items()):
        runs.add_metric([job, "ok"], ok)
        runs.add_metric([job, "failed"], failed)
    return [attempts, tpl, deliveries, runs]


def exposition(engine: Engine) -> bytes:
    """The whole scrape: this process's (or all processes') request histogram, then the
    database's counts. A database that does not answer leaves its part out and says so in
    `pesanan_database_up`, so latency stays visible while the database is down."""
    if os.environ.get(MULTIPROC_ENV):
        local = CollectorRegistry()
        MultiProcessCollector(local)  # type: ignore[no-untyped-call]
        text = generate_latest(local)
    else:
        text = generate_latest(REGISTRY)
    families: list[Metric] = []
    up = 1
    try:
        with engine.connect() as conn:
            families = database_families(conn)
    except SQLAlchemyError as exc:
        log.warning("metrics: the database did not answer: %s", type(exc).__name__)
        up = 0
    families.append(GaugeMetricFamily("pesanan_database_up", "1 when the scrape could read "
                                      "the database.", value=up))
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_Fixed(families))
    return text + generate_latest(scraped)
