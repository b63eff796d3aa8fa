"""The OpenAPI document as an integrator needs it, and the docs pages that render it offline.

FastAPI's generated document knows neither how we authenticate (the key check is a dependency
that raises, not a FastAPI security class: the security classes answer 403 where we answer a
problem 401) nor that every error is RFC 9457 problem+json. Both are declared here, once, from
the routes' shape, instead of a `responses=` argument on each of 100-odd decorators.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from starlette.responses import HTMLResponse

from pesanan.api.errors import PROBLEM
from pesanan.fulfillment.schemas import TplCallback
from pesanan.inventory.schemas import StockImport

# Vendored from the npm registry (licences beside them), served by the console's /static
# mount: the versioned directory names let the files be cached as immutable.
SWAGGER = "/static/vendor/swagger-ui-dist-5.35.0"
REDOC = "/static/vendor/redoc-2.5.4"

# The pages may load only what the app serves: ReDoc's sidebar would fetch its logo from
# cdn.redoc.ly (hard-coded in the bundle), an outside request on every visit. Inline script
# and style: FastAPI's page bootstraps Swagger UI inline, ReDoc styles inline and searches in
# a blob: worker.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
            "worker-src 'self' blob:; connect-src 'self'")

BEARER = "bearerAuth"
SIGNATURE = "tplSignature"
# Authenticated by an HMAC signature over the body (api/callback_route.py), not by an API key.
SIGNED = frozenset({"/api/v1/3pl/{location_code}/callbacks"})
WRITES = frozenset({"post", "put", "patch", "delete"})


class ProblemFieldError(BaseModel):
    field: str = Field(examples=["lines[0].quantity"])
    code: str = Field(examples=["insufficient_stock"])
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details; `type` is `/problems/<code>` (see the API conventions)."""

    type: str = Field(examples=["/problems/insufficient-stock"])
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemFieldError] = []


_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying",
                                "schema": {"type": "integer"}}}
_ERRORS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("the body cannot be read as JSON text (not UTF-8)", {}),
    401: ("unauthenticated: no, unknown or revoked API key",
          {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}),
    403: ("forbidden: the key's role lacks the permission", {}),
    404: ("not-found: no such resource, or one the caller may not see", {}),
    409: ("insufficient-stock, invalid-transition, conflict or idempotency-in-flight", {}),
    412: ("precondition-failed: If-Match names a stale version", {}),
    422: ("validation-error, or idempotency-key-reused with a different body", {}),
    429: ("rate-limited: too many requests for this key or address", _RETRY_AFTER),
    503: ("the database is unavailable for now", _RETRY_AFTER),
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(status: int) -> dict[str, Any]:
    description, headers = _ERRORS[status]
    out: dict[str, Any] = {"description": description,
                           "content": {PROBLEM: {"schema": _ref("Problem")}}}
    if headers:
        out["headers"] = headers
    return out


def _statuses(path: str, method: str, op: dict[str, Any]) -> list[int]:
    """Which problems an operation can answer, from its shape."""
    params = op.get("parameters", [])
    has_input = bool(params) or "requestBody" in op or method in WRITES
    # 429 on the signed callback too: failed signatures count against the caller's address.
    out = [401, 429, 503] if path in SIGNED else [401, 403, 429, 503]
    if "{" in path or "requestBody" in op:  # an unknown id in the path or the body
        out.append(404)
    if method in WRITES:
        out.append(409)
    if "requestBody" in op:
        out.append(400)
    if any(p.get("in") == "header" and p.get("name", "").lower() == "if-match" for p in params):
        out.append(412)
    if has_input:
        out.append(422)
    return sorted(out)


# Endpoints that read their body themselves (to verify a signature over the raw bytes, or to
# take a CSV file as it is), so FastAPI cannot see what they accept.
RAW_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/api/v1/inventory/imports"): {"required": True, "content": {
        "text/csv": {"schema": {"type": "string", "maxLength": 2_000_000,
                                "description": "`sku,location,on_hand` rows, location by code"}},
        "application/json": {"schema": _ref("StockImport")}}},
    ("post", "/api/v1/3pl/{location_code}/callbacks"): {"required": True, "content": {
        "application/json": {"schema": _ref("TplCallback")}}},
}


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Add security and problem+json error responses to FastAPI's generated document."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for model in (Problem, StockImport, TplCallback):
        schemas.update(_model_schemas(model))
    # FastAPI's own 422 shape is never sent: on_validation_error answers a Problem.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = {
        BEARER: {"type": "http", "scheme": "bearer",
                 "description": "An API key: `pesanan apikey create --role …`"},
        SIGNATURE: {"type": "apiKey", "in": "header", "name": "X-Pesanan-Signature",
                    "description": "HMAC-SHA256 over `<X-Pesanan-Timestamp>.<body>` with the "
                                   "3PL endpoint's secret"},
    }
    for path, item in schema.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, op in item.items():
            if (method, path) in RAW_BODIES:
                op["requestBody"] = RAW_BODIES[(method, path)]
            op["security"] = [{SIGNATURE if path in SIGNED else BEARER: []}]
            responses = op.setdefault("responses", {})
            for status in _statuses(path, method, op):
                responses[str(status)] = _problem(status)
    return schema


def _model_schemas(model: type[BaseModel]) -> dict[str, Any]:
    full = model.model_json_schema(ref_template="#/components/schemas/{model}")
    defs: dict[str, Any] = full.pop("$defs", {})
    return {**defs, model.__name__: full}


def install(app: FastAPI) -> None:
    """Serve /openapi.json (built once), /docs and /redoc from the package's own assets."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _confined(get_swagger_ui_html(
            openapi_url="/openapi.json", title=f"{app.title} API",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
            # validatorUrl null: no badge fetched from validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True}))

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _confined(get_redoc_html(
            openapi_url="/openapi.json", title=f"{app.title} API",
            redoc_js_url=f"{REDOC}/redoc.standalone.js",
            redoc_favicon_url=f"{SWAGGER}/favicon-32x32.png", with_google_fonts=False))


def _confined(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_CSP
    return page

