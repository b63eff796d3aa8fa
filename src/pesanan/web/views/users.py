"""Console: users and roles (admin only). List, invite (a password typed, or made up and shown
once on the page the POST answers: never stored, logged or redirected with), change role,
disable and enable, reset a password. The rules (one enabled admin always remains) are
auth.accounts'."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from pesanan.auth import accounts
from pesanan.auth.roles import ROLES
from pesanan.auth.schemas import PasswordReset, UserCreate, UserRoleSet
from pesanan.core.actor import Actor
from pesanan.core.errors import DomainError
from pesanan.web.deps import PostedForm, check_csrf, execute, page, read, render
from pesanan.web.forms import clean, domain_errors, parse

router = APIRouter()
Viewer = Annotated[Actor, Depends(page("users:read"))]
Admin = Annotated[Actor, Depends(page("users:write"))]
PAGE = 100
DONE = {"role": "Role changed.", "disabled": "User disabled: they can no longer log in.",
        "enabled": "User enabled."}


def _page(request: Request, status: int = 200, *, cursor: str | None = None,
          shown: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          form: dict[str, Any] | None = None, target: str | None = None,
          done: str | None = None) -> Response:
    """The list; `errors` about user `target` are shown in its row (None: the invite form)."""
    try:
        listed = read(request, lambda c: accounts.list_users(c, limit=PAGE, cursor=cursor))
    except DomainError as e:  # a cursor this server did not issue
        listed, errors = {"items": [], "next_cursor": None}, domain_errors(e)
    resp = render(request, "users/list.html", status, users=listed, shown=shown,
                  errors=errors or {}, form=form or {}, roles=ROLES, target=target,
                  done=DONE.get(done or ""))
    if shown is not None:  # holds a password: kept out of every cache
        resp.headers["Cache-Control"] = "no-store"
    return resp


@router.get("/users")
def user_list(request: Request, _: Viewer, cursor: str | None = None, done: str | None = None
              ) -> Response:
    return _page(request, cursor=cursor, done=done)


def _blank_password(form: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in form.items() if not (k == "password" and not str(v).strip())}


@router.post("/users", dependencies=[Depends(check_csrf)])
def invite(request: Request, posted: PostedForm, _: Admin) -> Response:
    form = _blank_password(clean(posted))
    cmd, errors = parse(UserCreate, form)
    if cmd is not None:
        try:
            created = execute(request, lambda c: accounts.invite_user(c, cmd))
            return _page(request, 201, shown={**created, "why": "created"})
        except DomainError as e:
            errors = domain_errors(e)
    form.pop("password", None)  # never echoed back into the page
    return _page(request, 422, errors=errors, form=form)


def _on_user(request: Request, user_id: str, run: Any, done: str) -> Response:
    try:
        execute(request, run)
    except DomainError as e:
        status = 404 if e.code == "not-found" else 422 if e.code == "validation-error" else 409
        return _page(request, status, errors=domain_errors(e), target=user_id)
    return RedirectResponse(f"/users?done={done}#user-{user_id}", status_code=303)


@router.post("/users/{user_id}/role", dependencies=[Depends(check_csrf)])
def change_role(request: Request, user_id: str, posted: PostedForm, actor: Admin) -> Response:
    cmd, errors = parse(UserRoleSet, clean(posted))
    if cmd is None:
        return _page(request, 422, errors=errors, target=user_id)
    return _on_user(request, user_id, lambda c: accounts.set_role(c, user_id, cmd, actor),
                    "role")


@router.post("/users/{user_id}/disable", dependencies=[Depends(check_csrf)])
def disable(request: Request, user_id: str, actor: Admin) -> Response:
    return _on_user(request, user_id,
                    lambda c: accounts.set_disabled(c, user_id, True, actor), "disabled")


@router.post("/users/{user_id}/enable", dependencies=[Depends(check_csrf)])
def enable(request: Request, user_id: str, actor: Admin) -> Response:
    return _on_user(request, user_id,
                    lambda c: accounts.set_disabled(c, user_id, False, actor), "enabled")


@router.post("/users/{user_id}/password", dependencies=[Depends(check_csrf)])
def reset_password(request: Request, user_id: str, posted: PostedForm, _: Admin) -> Response:
    cmd, errors = parse(PasswordReset, _blank_password(clean(posted)))
    if cmd is not None:
        try:
            done = execute(request, lambda c: accounts.reset_password(c, user_id, cmd))
            return _page(request, shown={**done, "why": "reset"})
        except DomainError as e:
            status = 404 if e.code == "not-found" else 422
            return _page(request, status, errors=domain_errors(e), target=user_id)
    return _page(request, 422, errors=errors, target=user_id)
