"""The scheduled jobs' handlers, by job name, with their default schedule and parameters.
The scheduler (pesanan/jobs, worker/scheduler) claims a due job and calls its handler.

Each handler reads its params (operator input: worker/job_params.py refuses a bad one with a
sentence naming it), then calls one domain function that does the work in its own bounded
transactions and is idempotent: a second run, or a run after a crash, never doubles an effect.
`at` is the moment the run is for (the claim's start); handlers use it, not the clock, so a
test can run them at a fixed time.

For the worker/jobs side: `JobSpec.validate(params) -> params` (optional) checks params the
same way the handler does, so `pesanan jobs set` can refuse bad ones before they are saved;
it raises core.errors.ValidationFailed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, get_args

from pesanan.audit.nightly import run_nightly
from pesanan.billing.reminders import remind_overdue
from pesanan.bootstrap import Container
from pesanan.core.actor import Actor
from pesanan.core.money import Money
from pesanan.customers.schemas import PaymentPreference
from pesanan.db.tx import transact
from pesanan.flows import sla, unpaid
from pesanan.fulfillment import dispatch_purge
from pesanan.idempotency.purge import purge_expired
from pesanan.idempotency.service import KEEP_FOR
from pesanan.purchasing.auto import auto_replenish
from pesanan.webhooks import purge as webhook_purge
from pesanan.worker.job_params import Params

# handler(container, params, at) -> outcome detail (JSON-able); raising = the run failed.
Handler = Callable[[Container, dict[str, Any], datetime], dict[str, Any]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    handler: Handler
    every_seconds: int
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    enabled: bool = True
    # How long a claim holds the job without a word from its runner. The runner renews it
    # while the handler works (worker/scheduler.py), so this bounds only how soon a run cut by
    # kill -9 is retried, not how long a run may take.
    lease_seconds: int = 60
    # Checks operator-given params (raises ValidationFailed naming each bad one); None = any.
    validate: Callable[[dict[str, Any]], dict[str, Any]] | None = None


def job_actor(name: str) -> Actor:
    """Who a job acts as: the timeline and events say "job <name>" did it."""
    return Actor(id=f"job:{name}", name=f"job {name}", role="admin")


# --- idempotency.purge ---------------------------------------------------------------------

def purge_params(params: dict[str, Any]) -> dict[str, Any]:
    p = Params("idempotency.purge", params, ["hours"])
    # Never younger than the API promises to keep a key (24 h): a retry must replay.
    hours = p.number("hours", 24, at_least=KEEP_FOR.total_seconds() / 3600)
    p.done()
    return {"hours": hours}


def purge(c: Container, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    hours = purge_params(params)["hours"]
    return purge_expired(c.engine, at, timedelta(hours=hours))


# --- purchasing.replenish ------------------------------------------------------------------

def _submit_under(params: dict[str, Any]) -> Money | None:
    p = Params("purchasing.replenish", params, ["submit_under", "currency"])
    under = p.money("submit_under", "currency")
    p.done()
    return under


def replenish_params(params: dict[str, Any]) -> dict[str, Any]:
    under = _submit_under(params)
    return ({"submit_under": "", "currency": ""} if under is None
            else {"submit_under": str(under.amount), "currency": under.currency})


def replenish(c: Container, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    under = _submit_under(params)
    actor = job_actor("purchasing.replenish")
    return transact(c.engine, lambda conn: auto_replenish(conn, actor, under))


# --- orders.cancel_unpaid ------------------------------------------------------------------

def cancel_unpaid_params(params: dict[str, Any]) -> dict[str, Any]:
    p = Params("orders.cancel_unpaid", params, ["hours", "payment_preferences"])
    hours = p.number("hours", 48, above=0)
    prefs = p.choices("payment_preferences", list(unpaid.PREPAID), get_args(PaymentPreference))
    p.done()
    return {"hours": hours, "payment_preferences": prefs}


def cancel_unpaid(c: Container, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    p = cancel_unpaid_params(params)
    return unpaid.cancel_unpaid(c.engine, at, p["hours"], p["payment_preferences"],
                                job_actor("orders.cancel_unpaid"))


# --- billing.overdue_reminders -------------------------------------------------------------

def reminder_params(params: dict[str, Any]) -> dict[str, Any]:
    p = Params("billing.overdue_reminders", params, ["every_days", "grace_days"])
    every = p.number("every_days", 7, above=0)
    grace = p.number("grace_days", 1, at_least=0)
    p.done()
    return {"every_days": every, "grace_days": grace}


def overdue_reminders(c: Container, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    p = reminder_params(params)
    every, grace = timedelta(days=p["every_days"]), timedelta(days=p["grace_days"])
    return transact(c.engine, lambda conn: remind_overdue(conn, at, every, grace))


# --- orders.sla ----------------------------------------------------------------------------

def sla_params(params: dict[str, Any]) -> dict[str, Any]:
    """Hours per stage over the defaults; a stage set to 0 (or null) is not checked. Zero
    rather than only null, because `jobs set` keeps each param's JSON type (a number)."""
    p = Params("orders.sla", params, sla.STAGES)
    hours: dict[str, float] = {}
    for stage in sla.STAGES:
        if stage in p.given and p.given[stage] is None:
            continue
        hours[stage] = p.number(stage, sla.DEFAULT_HOURS[stage], at_least=0)
    p.done()
    return hours


def sla_alerts(c: Container, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    hours = {stage: h for stage, h in sla_params(params).items() if h > 0}
    return transact(c.engine, lambda conn: sla.check_sla(conn, at, hours))


# --- audit.nightly -------------------------------------------------------------------------

def audit_params(params: dict[str, Any]) -> dict[str, Any]:
    Params("audit.nightly", params, []).done()
    return {}


def nightly_audit(c: Container, params: dict[str, Any], at: datetime) -> dict[str, Any]:
    audit_params(params)
    return run_nightly(c.read_engine, c.engine, at)


# --- deliveries.purge ----------------------------------------------------------------------

def deliveries_purge_params(params: dict[str, Any]) -> dict[str, Any]:
    p = Params("deliveries.purge", params, ["days"])
    # Never before the last retry could have happened (about three days), plus slack: a
    # delivery's log must outlive any question about it while it was being tried.
    days = p.number("days", 30, at_least=7)
    p.done()
    return {"days": days}


def deliveries_purge(c: Container, params: dict[str, Any], at: datetime,
                     batch: int = 1000, max_batches: int = 100) -> dict[str, Any]:
    before = at - timedelta(days=deliveries_purge_params(params)["days"])
    done = {"webhook_deliveries": 0, "tpl_attempts": 0}
    for key, purge_batch in (("webhook_deliveries", webhook_purge.purge_batch),
                             ("tpl_attempts", dispatch_purge.purge_batch)):
        for _ in range(max_batches):  # the next run goes on where this one stopped
            n = purge_batch(c.engine, before, batch)
            done[key] += n
            if n < batch:
                break
    return done


HANDLERS: dict[str, JobSpec] = {s.name: s for s in (
    JobSpec("idempotency.purge", purge, 3600, {"hours": 24},
            "delete Idempotency-Keys older than `hours` (at least 24)", validate=purge_params),
    JobSpec("purchasing.replenish", replenish, 3600, {"submit_under": "", "currency": ""},
            "draft purchase orders below reorder points; submit those with a total under "
            "`submit_under` `currency` (empty: submit none)", validate=replenish_params),
    # Off until the shop turns it on: it cancels customers' orders.
    JobSpec("orders.cancel_unpaid", cancel_unpaid, 900,
            {"hours": 48, "payment_preferences": list(unpaid.PREPAID)},
            "cancel (and release the stock of) orders unpaid after `hours` whose customer "
            "pays by one of `payment_preferences`", enabled=False,
            validate=cancel_unpaid_params),
    JobSpec("billing.overdue_reminders", overdue_reminders, 3600,
            {"every_days": 7, "grace_days": 1},
            "an invoice.overdue event per invoice overdue by `grace_days`, at most once per "
            "`every_days`", validate=reminder_params),
    JobSpec("orders.sla", sla_alerts, 300, dict(sla.DEFAULT_HOURS),
            "sla.breached once per (order, stage) waiting longer than its hours "
            f"({', '.join(sla.STAGES)}; 0 = not checked)", validate=sla_params),
    JobSpec("audit.nightly", nightly_audit, 86400, {},
            "the checks of `pesanan audit`, announced as an audit.completed event",
            validate=audit_params),
    JobSpec("deliveries.purge", deliveries_purge, 3600, {"days": 30},
            "forget finished webhook deliveries and 3PL attempt logs older than `days` "
            "(at least 7)", validate=deliveries_purge_params),
)}
