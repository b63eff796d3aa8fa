"""Console: webhook endpoints (admin). Endpoints with their status, an add form (the secret
shown once, on the page the POST answers), enable/disable, and the recent deliveries with
their attempts and a replay button."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from pesanan import outbound
from pesanan.core import crypto
from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.web.deps import PostedForm, check_csrf, container_of, execute, page, read, render
from pesanan.web.forms import clean, domain_errors, parse
from pesanan.webhooks import queries, replay, service
from pesanan.webhooks.schemas import EndpointCreate

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("settings:read"))]
Admin = Annotated[Actor, Depends(page("settings:write"))]
RECENT = 20


def _recent(c: Any) -> dict[str, Any]:
    listed = queries.list_deliveries(c, limit=RECENT)
    return {"endpoints": queries.list_endpoints(c, limit=250)["items"],
            "deliveries": [{**d, "tries": queries.list_attempts(c, d["id"])["items"]}
                           for d in listed["items"]]}


def _page(request: Request, status: int = 200, *, created: dict[str, Any] | None = None,
          errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
          done: str | None = None) -> Response:
    resp = render(request, "webhooks/list.html", status, **read(request, _recent),
                  created=created, errors=errors or {}, form=form or {}, done=done)
    if created is not None:  # the one page that holds a secret: kept out of every cache
        resp.headers["Cache-Control"] = "no-store"
    return resp


@router.get("/webhooks")
def webhooks(request: Request, _: Viewer, done: str | None = None) -> Response:
    return _page(request, done=done)


@router.post("/webhooks", dependencies=[Depends(check_csrf)])
def add_endpoint(request: Request, posted: PostedForm, _: Admin) -> Response:
    form = clean(posted)
    data = {**form, "event_types": [t.strip() for t in str(form.get("event_types", ""))
                                    .split(",") if t.strip()]}
    cmd, errors = parse(EndpointCreate, data)
    if cmd is not None:
        settings = container_of(request).settings
        try:
            created = execute(request, lambda c: service.create_endpoint(
                c, cmd, policy=outbound.policy_for(settings), box=crypto.box_for(settings)))
            return _page(request, created=created)
        except DomainError as e:
            errors = domain_errors(e)
    errors = {k.split("[")[0]: v for k, v in errors.items()}  # event_types[1] -> the field
    return _page(request, 422, errors=errors, form=form)


def _act(request: Request, fn: Any, done: str) -> Response:
    try:
        execute(request, fn)
    except DomainError as e:
        return _page(request, e.status if e.status in (404, 409) else 422,
                     errors=domain_errors(e))
    return RedirectResponse(f"/webhooks?done={done}", status_code=303)


@router.post("/webhooks/endpoints/{endpoint_id}/disable", dependencies=[Depends(check_csrf)])
def disable(request: Request, endpoint_id: str, actor: Admin) -> Response:
    return _act(request, lambda c: service.disable_endpoint(
        c, endpoint_id, f"disabled by {actor.name}"), "disabled")


@router.post("/webhooks/endpoints/{endpoint_id}/enable", dependencies=[Depends(check_csrf)])
def enable(request: Request, endpoint_id: str, _: Admin) -> Response:
    return _act(request, lambda c: service.enable_endpoint(c, endpoint_id), "enabled")


@router.post("/webhooks/deliveries/{delivery_id}/replay", dependencies=[Depends(check_csrf)])
def replay_delivery(request: Request, delivery_id: str, _: Admin) -> Response:
    return _act(request, lambda c: replay.replay_delivery(c, delivery_id), "replayed")
