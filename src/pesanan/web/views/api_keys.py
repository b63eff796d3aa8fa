"""Console: API keys (admin). List, create (the secret shown once, on the page the POST answers,
never stored or redirected with), revoke."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from pesanan.auth import keys
from pesanan.auth.roles import ROLES
from pesanan.auth.schemas import ApiKeyCreate
from pesanan.bootstrap import Container
from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.db.paging import MAX_LIMIT
from pesanan.web.deps import PostedForm, check_csrf, container_of, execute, page, read, render
from pesanan.web.forms import clean, domain_errors, parse

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("apikeys:read"))]
Admin = Annotated[Actor, Depends(page("apikeys:write"))]


def _page(request: Request, status: int = 200, *, cursor: str | None = None,
          created: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          form: dict[str, Any] | None = None, revoked: str | None = None) -> Response:
    try:
        listed = read(request, lambda c: keys.list_api_keys(c, limit=MAX_LIMIT, cursor=cursor))
    except DomainError as e:  # a cursor this server did not issue
        listed, errors = {"items": [], "next_cursor": None}, domain_errors(e)
    resp = render(request, "api_keys/list.html", status, keys=listed, created=created,
                  errors=errors or {}, form=form or {}, roles=ROLES,
                  revoked=revoked, cache_seconds=container_of(request).settings
                  .auth_cache_seconds)
    if created is not None:  # the one page that holds a secret: kept out of every cache
        resp.headers["Cache-Control"] = "no-store"
    return resp


@router.get("/api-keys")
def api_keys(request: Request, _: Viewer, cursor: str | None = None,
             revoked: str | None = None) -> Response:
    return _page(request, cursor=cursor, revoked=revoked)


@router.post("/api-keys", dependencies=[Depends(check_csrf)])
def create_api_key(request: Request, posted: PostedForm, _: Admin) -> Response:
    form = clean(posted)
    cmd, errors = parse(ApiKeyCreate, form)
    if cmd is not None:
        try:
            created = execute(request, lambda c: keys.create_key(c, cmd))
            return _page(request, created=created)
        except DomainError as e:
            errors = domain_errors(e)
    return _page(request, 422, errors=errors, form=form)


@router.post("/api-keys/{key_id}/revoke", dependencies=[Depends(check_csrf)])
def revoke_api_key(request: Request, key_id: str, _: Admin) -> Response:
    try:
        execute(request, lambda c: keys.revoke_key(c, key_id))
    except DomainError as e:
        status = 404 if e.code == "not-found" else 409
        return _page(request, status, errors=domain_errors(e))
    container: Container = container_of(request)
    container.keys.forget(key_id)  # refused at once by this process
    return RedirectResponse(f"/api-keys?revoked={key_id}", status_code=303)
