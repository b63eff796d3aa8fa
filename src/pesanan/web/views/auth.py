"""Log in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from pesanan.auth import users
from pesanan.web.deps import check_csrf, execute, render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only local paths: never redirect a user to another site after login.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), email="", errors={})


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(request: Request, email: Annotated[str, Form()] = "",
          password: Annotated[str, Form()] = "", next: Annotated[str, Form()] = "/") -> Response:
    actor = execute(request, lambda conn: users.verify_login(conn, email, password))
    if actor is None:
        return render(request, "login.html", 401, next=_safe_next(next), email=email,
                      errors={"password": "Wrong email or password."})
    request.session.clear()  # a fresh session on login (no fixation)
    request.session["uid"] = actor.id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
