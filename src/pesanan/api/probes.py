"""/readyz and /metrics, beside /healthz: the endpoints a load balancer and Prometheus poll.

Plain Starlette routes, not API operations: no API key (a probe has none), no dependency
resolution per poll, and not in the OpenAPI document, which describes the API integrators
call. /healthz says the process is alive; /readyz that it can serve (database answers, schema
at head), so a load balancer sends it traffic; /metrics is for the scraper (see config.py's
metrics_token for when it is reachable from outside).
"""

from __future__ import annotations

import hmac

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from pesanan.api.errors import PROBLEM, problem_body
from pesanan.bootstrap import Container
from pesanan.telemetry import metrics, readiness


def install(app: FastAPI, container: Container) -> None:
    def readyz(request: Request) -> Response:
        wrong = readiness.problems(container.read_engine)
        if not wrong:
            return Response(b'{"status":"ready"}', media_type="application/json")
        body = problem_body("service-unavailable", "Not ready", 503, "; ".join(wrong.values()),
                            request.url.path,
                            [{"field": check, "code": "not_ready", "message": message}
                             for check, message in wrong.items()])
        return Response(body, status_code=503, media_type=PROBLEM,
                        headers={"Retry-After": "5"})

    def metrics_page(request: Request) -> Response:
        token = container.settings.metrics_token
        if token and not hmac.compare_digest(
                request.headers.get("authorization", "").encode(), f"Bearer {token}".encode()):
            body = problem_body("unauthenticated", "Unauthenticated", 401,
                                "/metrics needs the bearer token set in PESANAN_METRICS_TOKEN",
                                request.url.path)
            return Response(body, status_code=401, media_type=PROBLEM,
                            headers={"WWW-Authenticate": "Bearer"})
        return Response(metrics.exposition(container.read_engine),
                        media_type=metrics.CONTENT_TYPE)

    app.add_route("/readyz", readyz, methods=["GET", "HEAD"], include_in_schema=False)
    app.add_route("/metrics", metrics_page, methods=["GET"], include_in_schema=False)
