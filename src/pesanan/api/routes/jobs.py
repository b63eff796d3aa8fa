"""Scheduled jobs: the schedule (admins: settings:read), and changing a job or queueing a run
now (settings:write). The worker runs them (pesanan/worker/scheduler.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from pesanan.api import commands
from pesanan.api.deps import ReadConn, require
from pesanan.core.actor import Actor
from pesanan.jobs import queries, service
from pesanan.jobs.schemas import JobUpdate

router = APIRouter(tags=["jobs"])
Reader = Annotated[Actor, Depends(require("settings:read"))]
Admin = Annotated[Actor, Depends(require("settings:write"))]


class JobOut(BaseModel):
    """For the OpenAPI document (commands answer ready bytes; see api/responses.py)."""

    model_config = ConfigDict(extra="allow")
    name: str
    enabled: bool
    every_seconds: int
    params: dict[str, Any]
    next_run_at: str
    running: bool
    last_started_at: str | None
    last_finished_at: str | None
    last_outcome: str | None
    last_detail: Any
    runs: int
    failures: int


@router.get("/jobs")
def list_jobs(conn: ReadConn, _: Reader) -> dict[str, Any]:
    """Every scheduled job with its last run (outcome, detail) and next run."""
    return queries.list_jobs(conn)


@router.get("/jobs/{name}")
def get_job(name: str, conn: ReadConn, _: Reader) -> dict[str, Any]:
    """One job, with its latest runs (`recent_runs`, newest first)."""
    return queries.get_job(conn, name, runs=20)


@router.patch("/jobs/{name}", response_model=JobOut)
def update_job(name: str, body: JobUpdate, request: Request, actor: Admin) -> Response:
    """Change `enabled`, `every_seconds` (1 s to 31 days) or `params` (the job's own keys,
    each keeping its type); a bad field -> 422 and nothing changes."""
    # The job's own params check comes from the composition root (the worker's JobSpecs).
    lookup = getattr(request.app.state, "job_validator", None)
    validate = lookup(name) if lookup else None
    return commands.run(request, actor, lambda c: service.update_job(c, name, body, validate),
                        body=body)


@router.post("/jobs/{name}/run", response_model=JobOut)
def run_job(name: str, request: Request, actor: Admin) -> Response:
    """Queue a run now: the job is due at once and the next worker pass runs it (409 when the
    job is disabled)."""
    return commands.run(request, actor, lambda c: service.queue_now(c, name))
