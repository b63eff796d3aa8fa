"""The composition root: the one ASGI app that serves the API and the web console.

The API (pesanan.api.app) and the console (pesanan.web.app) are peers that never import each
other; this is the one place that puts them together. Servers load it by factory
(`serving.APP` = serve_app, uvicorn's `factory=True`), so importing this module builds
nothing.
"""

from __future__ import annotations

from fastapi import FastAPI

from pesanan.api.app import create_api
from pesanan.bootstrap import Container, build
from pesanan.jobs.service import Validate
from pesanan.telemetry import logs
from pesanan.web.app import install
from pesanan.worker import handlers


def create_app(container: Container | None = None) -> FastAPI:
    """The API with the console mounted after its routes (the API's routes match first: placing
    an order is the hot path) and inside its Door, as one app: same routes, same middleware."""
    app = create_api(container, console=install)
    # PATCH /jobs/{name} checks params with the job's own rules, which live with the worker
    # (a peer the API never imports): handed over here, looked up per request.
    app.state.job_validator = _job_validator
    return app


def _job_validator(name: str) -> Validate | None:
    spec = handlers.HANDLERS.get(name)
    return spec.validate if spec else None


def serve_app() -> FastAPI:
    """The servers' factory (serving.APP), called once in each server process: this process's
    logs in the configured format first, then the app. Tests call create_app and keep their
    own logging."""
    container = build()
    logs.configure(container.settings)
    return create_app(container)
