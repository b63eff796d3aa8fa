"""Console: scheduled jobs (admin settings). The schedule with each job's last run, outcome and
next run; enable, disable, change the interval, or queue a run now (the worker runs it)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.jobs import queries, service
from pesanan.jobs.schemas import JobUpdate
from pesanan.web.deps import PostedForm, check_csrf, execute, page, read, render
from pesanan.web.forms import clean, domain_errors, parse

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("settings:read"))]
Admin = Annotated[Actor, Depends(page("settings:write"))]
RECENT_RUNS = 20


def _page(request: Request, status: int = 200, *, errors: dict[str, str] | None = None,
          failed: str | None = None, done: str | None = None) -> Response:
    return render(request, "jobs/list.html", status, jobs=read(request, queries.list_jobs),
                  errors=errors or {}, failed=failed, done=done)


@router.get("/jobs")
def jobs_page(request: Request, _: Viewer, done: str | None = None) -> Response:
    return _page(request, done=done)


@router.get("/jobs/{name}")
def job_page(request: Request, name: str, _: Viewer) -> Response:
    """One job: its parameters and its latest runs with their outcome and detail."""
    try:
        job = read(request, lambda c: queries.get_job(c, name, runs=RECENT_RUNS))
    except DomainError as e:
        return render(request, "error.html", 404, title="No such job", message=e.detail)
    return render(request, "jobs/detail.html", job=job)


def _change(request: Request, name: str, data: dict[str, Any], done: str) -> Response:
    cmd, errors = parse(JobUpdate, data)
    if cmd is not None:
        try:
            execute(request, lambda c: service.update_job(c, name, cmd))
            return RedirectResponse(f"/jobs?done={done}", status_code=303)
        except DomainError as e:
            errors = domain_errors(e)
            if e.status == 404:
                return _page(request, 404, errors=errors, failed=name)
    return _page(request, 422, errors=errors, failed=name)


@router.post("/jobs/{name}/enable", dependencies=[Depends(check_csrf)])
def enable(request: Request, name: str, _: Admin) -> Response:
    return _change(request, name, {"enabled": True}, "enabled")


@router.post("/jobs/{name}/disable", dependencies=[Depends(check_csrf)])
def disable(request: Request, name: str, _: Admin) -> Response:
    return _change(request, name, {"enabled": False}, "disabled")


@router.post("/jobs/{name}/every", dependencies=[Depends(check_csrf)])
def every(request: Request, posted: PostedForm, name: str, _: Admin) -> Response:
    return _change(request, name, {"every_seconds": clean(posted).get("every_seconds", "")},
                   "saved")


@router.post("/jobs/{name}/run", dependencies=[Depends(check_csrf)])
def run_now(request: Request, name: str, _: Admin) -> Response:
    try:
        execute(request, lambda c: service.queue_now(c, name))
    except DomainError as e:
        return _page(request, e.status, errors=domain_errors(e), failed=name)
    return RedirectResponse("/jobs?done=queued", status_code=303)
