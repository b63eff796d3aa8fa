"""Scheduled jobs: their rows, claims (one runner at a time across workers) and outcomes.

Why our own table with `SELECT … FOR UPDATE SKIP LOCKED` and not a job library: the good ones
(procrastinate, pgqueuer) are PostgreSQL-only, and the SQLite default must run jobs too; and
these rows are the schedule the operator sees and changes (console, CLI, API), not a queue of
opaque tasks. A claim is one short transaction; the handler runs outside it (in its own
transactions) under a lease that the runner renews while it works; the outcome is recorded
only under the claim's token (fenced), so a runner that lost its lease never overwrites a newer
run. A run cut by kill -9 stops renewing: when its lease ends, the job is due again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import orjson
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from pesanan.core.clock import now
from pesanan.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from pesanan.core.ids import new_id
from pesanan.db.tx import transact
from pesanan.jobs import locks
from pesanan.jobs.models import job_run, scheduled_job
from pesanan.jobs.queries import job_view
from pesanan.jobs.schemas import JobUpdate

DETAIL_MAX = 2000  # characters of an outcome kept on the row and in the history
RUNS_KEPT = 50  # history rows per job
c = scheduled_job.c


# A job's check of its params (JobSpec.validate): returns them, or raises ValidationFailed.
Validate = Callable[[dict[str, Any]], dict[str, Any]]


class Defaults(Protocol):
    """What a job's row starts with (worker/handlers.py JobSpec has these)."""

    @property
    def name(self) -> str: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def every_seconds(self) -> int: ...
    @property
    def params(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Claim:
    name: str
    token: str
    started_at: datetime
    lease: timedelta
    params: dict[str, Any]


def sync(conn: Connection, specs: Iterable[Defaults]) -> int:
    """Insert the jobs that have no row yet, with their spec's defaults (first run due now);
    an existing row keeps the operator's settings and only gains parameters new in the spec.
    Safe when several workers start at once (insert-or-nothing). Returns rows inserted."""
    at, made = now(), 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for spec in specs:
        made += len(conn.execute(dialect.insert(scheduled_job).values(
            name=spec.name, enabled=spec.enabled, every_seconds=spec.every_seconds,
            params=spec.params, next_run_at=at, runs=0, failures=0, created_at=at,
            updated_at=at).on_conflict_do_nothing(index_elements=["name"])
            .returning(c.name)).all())
        params = conn.execute(select(c.params).where(c.name == spec.name)).scalar_one()
        missing = {k: v for k, v in spec.params.items() if k not in params}
        if missing:
            conn.execute(update(scheduled_job).where(c.name == spec.name)
                         .values(params={**params, **missing}, updated_at=at))
    return made


def _next_run(row: Mapping[str, Any], at: datetime) -> datetime:
    # On the job's own beat (no drift from how long claims take); a beat missed while no worker
    # ran is skipped, not made up in a burst.
    nxt: datetime = row["next_run_at"] + timedelta(seconds=row["every_seconds"])
    return nxt if nxt > at else at + timedelta(seconds=row["every_seconds"])


def _take(conn: Connection, row: dict[str, Any], at: datetime, lease: timedelta, *,
          on_schedule: bool) -> Claim:
    token = secrets.token_hex(16)
    values: dict[str, Any] = {"lease_until": at + lease, "lease_token": token,
                              "last_started_at": at}
    # The beat moves on for a scheduled run; not for a retry of a run whose runner died (its
    # claim moved it already) nor for an operator's extra run.
    if on_schedule and row["lease_token"] is None:
        values["next_run_at"] = _next_run(row, at)
    conn.execute(update(scheduled_job).where(c.name == row["name"]).values(values))
    return Claim(row["name"], token, at, lease, dict(row["params"]))


def claim_due(engine: Engine, names: Iterable[str], lease: Callable[[str], timedelta],
              at: datetime | None = None) -> Claim | None:
    """Claim the next due job among `names` (the ones this worker has handlers for)."""
    wanted = list(names)
    if not wanted:
        return None

    def run(conn: Connection) -> Claim | None:
        t = at or now()
        row = locks.due_job(conn, t, wanted)
        return None if row is None else _take(conn, row, t, lease(row["name"]),
                                              on_schedule=True)
    return transact(engine, run)


def claim_named(engine: Engine, name: str, lease: timedelta, at: datetime | None = None
                ) -> Claim:
    """Claim job `name` now, due or not (an operator's run): Conflict while another runner
    holds it, NotFound when there is no such job."""
    def run(conn: Connection) -> Claim:
        t = at or now()
        row = locks.free_job(conn, name, t)
        if row is not None:
            return _take(conn, row, t, lease, on_schedule=False)
        if locks.job_row(conn, name) is None:
            raise NotFound(f"there is no scheduled job named {name!r}")
        raise Conflict(f"job {name} is running on a worker now; try again when it is done")
    return transact(engine, run)


def renew(engine: Engine, claim: Claim) -> bool:
    """Push the lease on while the handler works; False when the claim is no longer ours."""
    def run(conn: Connection) -> int:
        return conn.execute(update(scheduled_job).where(
            c.name == claim.name, c.lease_token == claim.token).values(
            lease_until=now() + claim.lease)).rowcount
    return transact(engine, run) == 1


def _detail_text(detail: Any) -> str:
    text = orjson.dumps(detail, default=str).decode()
    return text if len(text) <= DETAIL_MAX else text[: DETAIL_MAX - 1] + "…"


def finish(engine: Engine, claim: Claim, outcome: str, detail: Any,
           at: datetime | None = None) -> bool:
    """Record the run's outcome ("ok" or "failed") and free the job, only under the claim's
    token; False (nothing written) when another runner took the job over meanwhile."""
    text = _detail_text(detail)

    def run(conn: Connection) -> bool:
        t = at or now()
        done = conn.execute(update(scheduled_job).where(
            c.name == claim.name, c.lease_token == claim.token).values(
            lease_until=None, lease_token=None, last_finished_at=t, last_outcome=outcome,
            last_detail=text, runs=c.runs + 1,
            failures=c.failures + (1 if outcome == "failed" else 0), updated_at=t)).rowcount
        if done != 1:
            return False
        conn.execute(insert(job_run).values(id=new_id(), name=claim.name,
                                            started_at=claim.started_at, finished_at=t,
                                            outcome=outcome, detail=text))
        newest = (select(job_run.c.id).where(job_run.c.name == claim.name)
                  .order_by(job_run.c.id.desc()).limit(RUNS_KEPT))
        conn.execute(delete(job_run).where(job_run.c.name == claim.name,
                                           job_run.c.id.not_in(newest)))
        return True
    return transact(engine, run)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "null"


def _check_params(current: dict[str, Any], given: dict[str, Any]) -> None:
    errors = []
    for key, value in given.items():
        if key not in current:
            known = ", ".join(sorted(current)) or "none"
            errors.append(FieldError(f"params.{key}", "unknown",
                                     f"this job has no parameter {key!r} (it has: {known})"))
        elif current[key] is not None and _json_kind(value) != _json_kind(current[key]):
            errors.append(FieldError(f"params.{key}", "invalid",
                                     f"must be a {_json_kind(current[key])}"))
    if errors:
        raise ValidationFailed("The job's parameters are invalid", errors)


def update_job(conn: Connection, name: str, cmd: JobUpdate,
               validate: Validate | None = None) -> dict[str, Any]:
    """Change a job's schedule, enabled flag or parameters (only those given). `validate` is
    the job's own check of its whole params (JobSpec.validate, handed in by the entrypoint:
    this platform package knows no job), raising ValidationFailed naming each bad one."""
    row = locks.job_row(conn, name)
    if row is None:
        raise NotFound(f"there is no scheduled job named {name!r}")
    at = now()
    changes: dict[str, Any] = {"updated_at": at}
    if cmd.params is not None:
        _check_params(row["params"], cmd.params)
        changes["params"] = {**row["params"], **cmd.params}
        if validate is not None:
            validate(changes["params"])
    if cmd.enabled is not None:
        changes["enabled"] = cmd.enabled
    if cmd.every_seconds is not None:
        changes["every_seconds"] = cmd.every_seconds
        # A shorter interval takes effect now, not after the old, longer wait.
        changes["next_run_at"] = min(row["next_run_at"],
                                     at + timedelta(seconds=cmd.every_seconds))
    conn.execute(update(scheduled_job).where(c.name == name).values(changes))
    return job_view({**row, **changes}, at)


def queue_now(conn: Connection, name: str) -> dict[str, Any]:
    """Make the job due now: the next worker pass runs it (Conflict when it is disabled, as it
    would never run)."""
    row = locks.job_row(conn, name)
    if row is None:
        raise NotFound(f"there is no scheduled job named {name!r}")
    if not row["enabled"]:
        raise Conflict(f"job {name} is disabled: enable it to run it on schedule")
    at = now()
    conn.execute(update(scheduled_job).where(c.name == name)
                 .values(next_run_at=at, updated_at=at))
    return job_view({**row, "next_run_at": at}, at)
