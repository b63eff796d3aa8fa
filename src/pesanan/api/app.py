"""The HTTP application: /api/v1 (JSON), /healthz, OpenAPI at /openapi.json and /docs."""

from __future__ import annotations

import itertools
import os
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from pesanan import __version__
from pesanan.api import errors
from pesanan.api.routes import (
    billing,
    catalog,
    customers,
    events,
    fulfillment,
    inventory,
    ledger,
    orders,
    purchasing,
)
from pesanan.bootstrap import Container, build
from pesanan.core.errors import DomainError
from pesanan.web import app as web

_request_ids = itertools.count(1)


def create_app(container: Container | None = None) -> FastAPI:
    app = FastAPI(
        title="Pesanan",
        version=__version__,
        description="Order management: capture, stock, purchasing, ledger, invoices, shipping.",
    )
    app.state.container = container or build()
    api = APIRouter(prefix="/api/v1")
    for module in (catalog, customers, inventory, orders, purchasing, billing, ledger,
                   fulfillment, events):
        api.include_router(module.router)
    app.include_router(api)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.middleware("http")
    async def request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]
                         ) -> Response:
        request.state.request_id = f"{os.getpid()}-{next(_request_ids)}"
        return await call_next(request)

    web.install(app, app.state.container)
    app.add_exception_handler(DomainError, errors.on_domain_error)
    app.add_exception_handler(RequestValidationError, errors.on_validation_error)
    app.add_exception_handler(HTTPException, errors.on_http_error)
    app.add_exception_handler(Exception, errors.on_unexpected)
    return app
