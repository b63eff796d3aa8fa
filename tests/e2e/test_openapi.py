"""The API's first contact: docs pages that work offline, and an OpenAPI document that says
how to authenticate, what every error looks like and what every success returns."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Api

# Operations that need no API key: the liveness probe, and the 3PL callback (HMAC-signed).
NO_BEARER = {("get", "/healthz"), ("post", "/api/v1/3pl/{location_code}/callbacks")}
PROBLEM = "application/problem+json"


def _assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_page_loads_every_asset_from_the_app_itself(client: TestClient, page: str) -> None:
    resp = client.get(page)
    assert resp.status_code == 200
    # The browser may fetch nothing from elsewhere (ReDoc's bundle hard-codes a CDN logo).
    assert resp.headers["content-security-policy"].startswith("default-src 'self';")
    html = resp.text
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    assets = _assets(html)
    assert len(assets) == (3 if page == "/docs" else 2)  # js + css + icon; js + icon
    for url in assets:
        assert url.startswith("/static/vendor/"), url
        got = client.get(url)
        assert got.status_code == 200, url
        assert len(got.content) > 500, url
    assert "'/openapi.json'" in html or '"/openapi.json"' in html


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, item in schema["paths"].items() for m, op in item.items()]


def test_every_operation_but_the_allow_list_declares_bearer_auth(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": "An API key: `pesanan apikey create --role …`"}
    missing = [(m, p) for m, p, op in _operations(schema)
               if (m, p) not in NO_BEARER and op.get("security") != [{"bearerAuth": []}]]
    assert missing == []
    ops = {(m, p): op for m, p, op in _operations(schema)}
    assert "security" not in ops[("get", "/healthz")]
    assert ops[("post", "/api/v1/3pl/{location_code}/callbacks")]["security"] == [
        {"tplSignature": []}]


def test_every_operation_declared_bearer_refuses_a_request_without_a_key(
        client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    answers = {}
    for method, path, op in _operations(schema):
        if op.get("security") != [{"bearerAuth": []}]:
            continue
        url = re.sub(r"\{[^}]+\}", "x", path)
        resp = client.request(method.upper(), url)
        answers[(method, path)] = (resp.status_code, resp.headers["content-type"])
    assert len(answers) == len(_operations(schema)) - len(NO_BEARER)
    assert {v for v in answers.values()} == {(401, PROBLEM)}


def test_every_error_response_is_documented_as_problem_json(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    wrong = []
    for method, path, op in _operations(schema):
        for status, resp in op["responses"].items():
            if status.startswith(("4", "5")) and resp.get("content") != {
                    PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}:
                wrong.append((method, path, status))
    assert wrong == []
    problem = schema["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail", "instance"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_errors_documented_match_each_operation_shape(client: TestClient) -> None:
    ops = {(m, p): op for m, p, op in _operations(client.get("/openapi.json").json())}

    def codes(method: str, path: str) -> list[str]:
        return sorted(c for c in ops[(method, path)]["responses"] if c[0] in "45")

    assert codes("get", "/api/v1/orders") == ["401", "403", "422", "429", "503"]
    assert codes("get", "/api/v1/orders/{order_id}") == [
        "401", "403", "404", "422", "429", "503"]
    assert codes("post", "/api/v1/orders") == [
        "400", "401", "403", "404", "409", "422", "429", "503"]
    assert codes("patch", "/api/v1/products/{product_id}") == [
        "400", "401", "403", "404", "409", "412", "422", "429", "503"]
    assert codes("post", "/api/v1/3pl/{location_code}/callbacks") == [
        "400", "401", "404", "409", "422", "429", "503"]
    assert codes("get", "/healthz") == []
    assert ops[("get", "/api/v1/orders")]["responses"]["429"]["headers"]["Retry-After"] == {
        "description": "Seconds to wait before retrying", "schema": {"type": "integer"}}


def test_every_success_response_declares_a_json_schema(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    untyped = []
    for method, path, op in _operations(schema):
        for status, resp in op["responses"].items():
            if status.startswith("2"):
                content = resp.get("content", {})
                # JSON, or a PDF document (pesanan.documents) or an image (the shop's logo)
                # declared as binary
                body = (content.get("application/json", {}).get("schema")
                        or content.get("application/pdf", {}).get("schema", {})
                        or content.get("image/png", {}).get("schema", {}))
                if not body:
                    untyped.append((method, path, status))
    assert untyped == []


def test_endpoints_that_read_their_own_body_document_it(client: TestClient) -> None:
    ops = {(m, p): op for m, p, op in _operations(client.get("/openapi.json").json())}
    imports = ops[("post", "/api/v1/inventory/imports")]["requestBody"]["content"]
    assert sorted(imports) == ["application/json", "text/csv"]
    callback = ops[("post", "/api/v1/3pl/{location_code}/callbacks")]["requestBody"]
    assert callback["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TplCallback"}


def test_a_command_documents_the_resource_it_answers(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    place = schema["paths"]["/api/v1/orders"]["post"]["responses"]["201"]
    assert place["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/OrderOut"}
    order = schema["components"]["schemas"]["OrderOut"]
    assert {"id", "number", "status", "total", "lines", "version"} <= set(order["required"])
    assert order["additionalProperties"] is True


def test_a_refused_request_answers_the_documented_problem_shape(api: Api) -> None:
    resp = api.get("/orders/nope")
    assert resp.status_code == 404
    assert resp.headers["content-type"] == PROBLEM
    body = resp.json()
    assert set(body) == {"type", "title", "status", "detail", "instance", "errors"}
    assert body["type"] == "/problems/not-found"
