"""Reads of the schedule: every job with its last run and next run, and a job's recent runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select

from pesanan.core.clock import now, rfc3339
from pesanan.core.errors import NotFound
from pesanan.jobs.models import job_run, scheduled_job


def _stamp(ts: datetime | None) -> str | None:
    return rfc3339(ts) if ts else None


def _detail(text: str | None) -> Any:
    """The stored outcome: JSON as written, or its text when it was cut at the column's size."""
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


def job_view(r: Any, at: datetime | None = None) -> dict[str, Any]:
    at = at or now()
    return {"name": r["name"], "enabled": r["enabled"], "every_seconds": r["every_seconds"],
            "params": r["params"], "next_run_at": rfc3339(r["next_run_at"]),
            # A lease in the past is a run that died: not running, due again.
            "running": r["lease_until"] is not None and r["lease_until"] > at,
            "last_started_at": _stamp(r["last_started_at"]),
            "last_finished_at": _stamp(r["last_finished_at"]),
            "last_outcome": r["last_outcome"], "last_detail": _detail(r["last_detail"]),
            "runs": r["runs"], "failures": r["failures"]}


def list_jobs(conn: Connection) -> dict[str, Any]:
    """Every job (there are few), by name."""
    at = now()
    rows = conn.execute(select(scheduled_job).order_by(scheduled_job.c.name)).mappings()
    return {"items": [job_view(r, at) for r in rows], "next_cursor": None}


def get_job(conn: Connection, name: str, *, runs: int = 0) -> dict[str, Any]:
    row = conn.execute(select(scheduled_job).where(scheduled_job.c.name == name)
                       ).mappings().first()
    if row is None:
        raise NotFound(f"there is no scheduled job named {name!r}")
    view = job_view(row)
    if runs:
        view["recent_runs"] = recent_runs(conn, name, runs)
    return view


def recent_runs(conn: Connection, name: str, limit: int = 20) -> list[dict[str, Any]]:
    """The job's latest runs, newest first."""
    rows = conn.execute(select(job_run).where(job_run.c.name == name)
                        .order_by(job_run.c.id.desc()).limit(limit)).mappings()
    return [{"started_at": rfc3339(r["started_at"]), "finished_at": rfc3339(r["finished_at"]),
             "outcome": r["outcome"], "detail": _detail(r["detail"])} for r in rows]
