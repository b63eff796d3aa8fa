"""Running totals the operator's monitoring reads (telemetry's /metrics), counted in the
database at scrape time so every process reports the same numbers, however many there are and
whichever did the work (a server placed the order, a worker sent the webhook or ran the job)."""

from __future__ import annotations

from typing import Any, get_args

from sqlalchemy import Connection, func, select

from pesanan.fulfillment.models import tpl_dispatch_attempt
from pesanan.jobs.models import scheduled_job
from pesanan.orders.models import sales_order
from pesanan.orders.schemas import PlaceOrder
from pesanan.webhooks.models import webhook_attempt, webhook_delivery


def _by(conn: Connection, column: Any) -> dict[str, int]:
    rows = conn.execute(select(column, func.count()).group_by(column)).all()
    return {str(key): int(n) for key, n in rows}


# Every channel an order can come from, so each has a series (at 0) before its first order:
# a rate over a series that appears mid-way misses its first orders.
CHANNELS: tuple[str, ...] = get_args(PlaceOrder.model_fields["channel"].annotation)


def orders_by_channel(conn: Connection) -> dict[str, int]:
    """Orders placed so far, by channel (cancelled ones too: they were placed)."""
    return {**dict.fromkeys(CHANNELS, 0), **_by(conn, sales_order.c.channel)}


def webhook_attempts_by_outcome(conn: Connection) -> dict[str, int]:
    """Every webhook send in the attempt log, by outcome (delivered, retry, failed)."""
    return _by(conn, webhook_attempt.c.outcome)


def tpl_attempts_by_outcome(conn: Connection) -> dict[str, int]:
    """Every 3PL dispatch send in the attempt log, by outcome (sent, retry, failed)."""
    return _by(conn, tpl_dispatch_attempt.c.outcome)


def webhook_deliveries_by_status(conn: Connection) -> dict[str, int]:
    """Webhook messages now pending, delivered or failed (given up)."""
    return _by(conn, webhook_delivery.c.status)


def job_runs(conn: Connection) -> dict[str, tuple[int, int]]:
    """Each scheduled job's runs so far: (succeeded, failed). From the job's own counters, not
    the run history, which keeps only the latest runs."""
    j = scheduled_job.c
    return {str(name): (int(runs) - int(failures), int(failures))
            for name, runs, failures in conn.execute(select(j.name, j.runs, j.failures))}
