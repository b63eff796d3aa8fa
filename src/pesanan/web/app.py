"""Mount the console on the FastAPI app: sessions, static files, pages, error pages. The
composition root (pesanan.app) calls `install` after the API's routes are in."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pesanan.bootstrap import Container
from pesanan.web.deps import HERE, CsrfFailed, LoginRequired, PageForbidden, render
from pesanan.web.static_files import static_app
from pesanan.web.views import (
    api_keys,
    auth,
    automation,
    billing,
    customers,
    dashboard,
    documents,
    emails,
    fulfilment,
    holds,
    inventory,
    jobs,
    language,
    ledger,
    new_order,
    orders,
    products,
    purchasing,
    returns,
    search,
    settings,
    sourcing,
    users,
    webhooks,
)

SESSION_HOURS = 12


class ConsoleSessions:
    """The console's signed session cookie, for everything but the API: an API request is
    authenticated by its key and never reads a session, and SessionMiddleware's cookie parsing
    and send wrapper cost ~3 % of the server's CPU per order (bench/README.md, issue 13)."""

    def __init__(self, app: ASGIApp, /, **options: Any) -> None:
        self.app = app
        self.with_sessions = SessionMiddleware(app, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
        else:
            await self.with_sessions(scope, receive, send)


def install(app: FastAPI, container: Container) -> None:
    app.add_middleware(
        ConsoleSessions,
        secret_key=container.settings.session_secret(),
        session_cookie="pesanan_session",
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=container.settings.secure_cookies,
    )
    app.mount("/static", static_app(str(HERE / "static")), name="static")
    for module in (auth, dashboard, new_order, holds, orders, billing, ledger, customers,
                   inventory, sourcing, purchasing, fulfilment, returns, api_keys, jobs,
                   automation, webhooks, products, users, search, language, documents, emails,
                   settings):
        app.include_router(module.router, include_in_schema=False)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: Exception) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", 403, title="Not allowed",
                      message="Your role does not give access to this page.")

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: Exception) -> Response:
        return render(request, "error.html", 403, title="Form expired",
                      message="This form was not sent from the console (or the page is stale)."
                              " Reload the page and try again.")
