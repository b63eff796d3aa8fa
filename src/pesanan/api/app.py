"""The HTTP API: /api/v1 (JSON), /healthz, /readyz, /metrics, OpenAPI at /openapi.json and /docs.

`create_api` builds it alone; the composition root (pesanan.app) passes the console's
`install` in, so one app serves both while the API never imports the console.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from pesanan import __version__
from pesanan.api import errors, openapi, probes
from pesanan.api.door import Door
from pesanan.api.input_guard import RefuseNul
from pesanan.api.lane import PlaceOrderLane
from pesanan.api.routes import (
    api_keys,
    automation,
    billing,
    catalog,
    customers,
    documents,
    emails,
    events,
    fulfillment,
    inventory,
    jobs,
    ledger,
    order_changes,
    orders,
    purchasing,
    returns,
    search,
    shop,
    sourcing,
    users,
    webhooks,
)
from pesanan.bootstrap import Container, build
from pesanan.core.errors import DomainError
from pesanan.telemetry.http import Observe

# Mounts more pages on the app (the web console): after the API's routes, inside the Door.
Install = Callable[[FastAPI, Container], None]


def create_api(container: Container | None = None, console: Install | None = None) -> FastAPI:
    app = FastAPI(
        # No OpenTelemetry unless an operator wires it: its per-request checks cost CPU on
        # every call, and place-order is CPU-bound (bench/README.md).
        telemetry={"tracing": False, "metrics": False, "logs": False},
        title="Pesanan",
        version=__version__,
        description="Order management: capture, stock, purchasing, ledger, invoices, shipping.",
        # /docs and /redoc come from pesanan.api.openapi, with assets served from the package.
        docs_url=None, redoc_url=None,
    )
    app.state.container = container or build()
    api = APIRouter(prefix="/api/v1")
    # Orders first: routes are matched in order, and placing an order is the hot path.
    for module in (orders, catalog, customers, inventory, order_changes, sourcing,
                   purchasing, billing, ledger, fulfillment, returns, events, api_keys,
                   webhooks, automation, jobs, search, documents, shop,
                   emails, users):
        api.include_router(module.router)
    app.include_router(api)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    probes.install(app, app.state.container)  # /readyz, /metrics
    openapi.install(app)

    # Inside Observe: the ordinary POST /api/v1/orders, past FastAPI's routing (api/lane.py).
    app.add_middleware(PlaceOrderLane, router=app.router, container=app.state.container)
    # The request id (X-Request-ID, log lines, 500 bodies) and latency by route template.
    app.add_middleware(Observe, router=app.router,
                       log_requests=app.state.container.settings.log_requests)
    app.add_middleware(RefuseNul)  # NUL in a path or query: 404/422 (api/input_guard.py)

    if console is not None:
        console(app, app.state.container)
    # Last added, so outermost: what the rate limits refuse is answered before anything runs.
    app.add_middleware(Door, container=app.state.container)
    app.add_exception_handler(DomainError, errors.on_domain_error)
    app.add_exception_handler(RequestValidationError, errors.on_validation_error)
    app.add_exception_handler(HTTPException, errors.on_http_error)
    for fault in errors.DATABASE_FAULTS:  # 503 and the connection stays open (errors.py)
        app.add_exception_handler(fault, errors.on_database_fault)
    app.add_exception_handler(Exception, errors.on_unexpected)
    return app
