"""The nightly audit (the scheduled job `audit.nightly`): the checks of `pesanan audit`, their
result announced as an `audit.completed` event {ok, breaches: [first 20], checked_at}.

The checks read one snapshot on the read engine (checks.snapshot); the event and the run's row
(audit_run, keyed by the time the run is for) are written in one short transaction after, so a
run retried for the same time after a crash finds its row and announces nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, select, text

from pesanan.audit import checks
from pesanan.audit.models import audit_run
from pesanan.core.clock import now, rfc3339
from pesanan.db.tx import transact
from pesanan.db.types import UTCDateTime
from pesanan.events.service import emit

SHOWN = 20  # breaches carried in the event; the count says how many there were
_record = text(
    "INSERT INTO audit_run (run_for, ok, breaches, failed_checks, checked_at) "
    "VALUES (:r, :ok, :n, :failed, :at) ON CONFLICT DO NOTHING"
).bindparams(bindparam("r", type_=UTCDateTime), bindparam("at", type_=UTCDateTime))


def _outcome(row: Any) -> dict[str, Any]:
    failed = [x for x in row.failed_checks.split(",") if x]
    return {"ok": bool(row.ok), "breaches": row.breaches, "failed_checks": failed,
            "checked_at": rfc3339(row.checked_at)}


def _announce(conn: Connection, run_for: datetime, results: list[checks.Result],
              checked_at: datetime) -> dict[str, Any] | None:
    breaches = [{"check": r.check.name, "subject": b.subject, "detail": b.detail}
                for r in results for b in r.breaches]
    failed = [r.check.name for r in results if not r.ok]
    done = conn.execute(_record, {"r": run_for, "ok": not failed, "n": len(breaches),
                                  "failed": ",".join(failed), "at": checked_at})
    if done.rowcount != 1:
        return None  # this run was announced already
    emit(conn, "audit.completed", "audit", rfc3339(run_for), {
        "ok": not failed, "breach_count": len(breaches), "failed_checks": failed,
        "breaches": breaches[:SHOWN], "checked_at": rfc3339(checked_at)})
    return {"ok": not failed, "breaches": len(breaches), "failed_checks": failed,
            "checked_at": rfc3339(checked_at)}


def run_nightly(read_engine: Engine, engine: Engine, run_for: datetime) -> dict[str, Any]:
    """Run every check and announce the result once for `run_for`."""
    def earlier(conn: Connection) -> Any:
        return conn.execute(select(audit_run).where(audit_run.c.run_for == run_for)).first()

    done = transact(engine, earlier)
    if done is not None:
        return {**_outcome(done), "repeated": True}
    with checks.snapshot(read_engine) as conn:
        results = checks.run_all(conn)
    checked_at = now()
    announced = transact(engine, lambda conn: _announce(conn, run_for, results, checked_at))
    if announced is None:  # another run for this time finished first
        return {**_outcome(transact(engine, earlier)), "repeated": True}
    return announced
