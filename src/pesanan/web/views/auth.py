"""Log in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from pesanan.auth import login as auth_login
from pesanan.auth.login import Verdict
from pesanan.core.actor import Actor
from pesanan.core.clock import now
from pesanan.core.errors import RateLimited
from pesanan.db.tx import transact
from pesanan.web.deps import check_csrf, container_of, render

router = APIRouter()
# Seconds a login waits for a password check slot before it is told to retry.
CHECK_WAIT = 10.0


def _safe_next(target: str | None) -> str:
    # Only local paths: never redirect a user to another site after login.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), email="", errors={})


@router.post("/login", dependencies=[Depends(check_csrf)])
async def login(request: Request, email: Annotated[str, Form()] = "",
                password: Annotated[str, Form()] = "",
                next: Annotated[str, Form()] = "/") -> Response:
    """Async, so the rate limits and the wait for a password check slot happen on the event
    loop: a spray of logins waiting as threads would take the thread pool every page needs."""
    try:
        actor = await _log_in(request, email, password)
    except RateLimited as exc:
        message = f"{exc.detail} Try again in {_duration(exc.retry_after)}."
        resp = render(request, "login.html", 429, next=_safe_next(next), email=email,
                      errors={"password": message})
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    if actor is None:
        return render(request, "login.html", 401, next=_safe_next(next), email=email,
                      errors={"password": "Wrong email or password."})
    request.session.clear()  # a fresh session on login (no fixation)
    request.session["uid"] = actor.id
    return RedirectResponse(_safe_next(next), status_code=303)


async def _log_in(request: Request, email: str, password: str) -> Actor | None:
    """Rate limits, then the account (read connection), the lock, the argon2 check (at most
    login_verify_slots at once, no connection held), and the bookkeeping in its own short
    transaction."""
    container = container_of(request)
    settings = container.settings
    container.throttle.login_attempt(email, request.client.host if request.client else "-")
    try:
        async with container.password_checks.hold(CHECK_WAIT):
            verdict = await run_in_threadpool(_find_and_check, request, email, password)
    except TimeoutError:
        raise RateLimited("Logins are busy right now.", 5) from None
    if auth_login.changes(verdict):
        policy = auth_login.Policy(settings.login_lockout_failures,
                                   settings.login_lockout_seconds)
        at = now()
        await run_in_threadpool(transact, container.engine,
                                lambda conn: auth_login.settle(conn, verdict, policy, at))
    return verdict.account.actor if verdict.ok and verdict.account else None


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"


def _find_and_check(request: Request, email: str, password: str) -> Verdict:
    with container_of(request).read_engine.connect() as conn:
        account = auth_login.find(conn, email)
    auth_login.refuse_if_locked(account, now())
    return auth_login.check(account, password)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
