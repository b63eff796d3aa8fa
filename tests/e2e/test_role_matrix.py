"""Role x route matrix: every /api/v1 route and every console page or action, called by every
role, answers 403 exactly when the role table (auth/roles.py) withholds the permission the
route declares, and never 403 otherwise (404 or 422 on the placeholder ids and empty bodies
are fine: the guard let the call through).

Routes are discovered from the app, and each one's permission from the `api.deps.require` /
`web.deps.page` dependency it declares, so a route added tomorrow is checked too; a route with
no permission dependency fails the test unless it is on the allow-list below."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, get_type_hints

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.responses import StreamingResponse

from pesanan.auth.roles import PERMISSIONS, ROLES, allows
from pesanan.bootstrap import Container
from tests.factories import Api
from tests.web.helpers import login

# Routes that authenticate otherwise, on purpose.
UNGUARDED_API = {
    ("POST", "/api/v1/3pl/{location_code}/callbacks"),  # HMAC signature, no API key
}
# /language: any signed-in user picks their own language (it needs the session, no permission).
UNGUARDED_CONSOLE = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
                     ("POST", "/language")}
# Neither API nor console: public by design (api-conventions.md, "Auth").
PUBLIC = {"/healthz", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
PLACEHOLDER = "nope"


@dataclass(frozen=True)
class Guarded:
    method: str
    path: str
    permissions: tuple[str, ...]
    streams: bool

    @property
    def url(self) -> str:
        return re.sub(r"\{[^}]+\}", PLACEHOLDER, self.path)

    def allowed(self, role: str) -> bool:
        return all(allows(role, p) for p in self.permissions)


def _permissions(dependant: Dependant) -> list[str]:
    found = []
    for sub in dependant.dependencies:
        permission = getattr(sub.call, "permission", None)
        if isinstance(permission, str):
            found.append(permission)
        found += _permissions(sub)
    return found


def _streams(route: APIRoute) -> bool:
    returns = get_type_hints(route.endpoint).get("return")
    return isinstance(returns, type) and issubclass(returns, StreamingResponse)


def _routes(app: FastAPI) -> list[Guarded]:
    out = []
    for ctx in iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute) or ctx.path in PUBLIC:
            continue
        for method in sorted(ctx.methods or ()):
            out.append(Guarded(method, ctx.path, tuple(sorted(set(_permissions(route.dependant)))),
                               _streams(route)))
    return out


def _api_routes(app: FastAPI) -> list[Guarded]:
    return [r for r in _routes(app) if r.path.startswith("/api/v1/")]


def _console_routes(app: FastAPI) -> list[Guarded]:
    return [r for r in _routes(app) if not r.path.startswith("/api/")]


def _call(client: TestClient, r: Guarded, **kwargs: Any) -> Any:
    return client.request(r.method, r.url, follow_redirects=False, **kwargs)


# --- every route declares a permission the table knows -----------------------------------------

def test_every_api_and_console_route_declares_a_permission(client: TestClient) -> None:
    api = {(r.method, r.path) for r in _api_routes(client.app) if not r.permissions}
    console = {(r.method, r.path) for r in _console_routes(client.app) if not r.permissions}
    assert sorted(api - UNGUARDED_API) == []
    assert sorted(console - UNGUARDED_CONSOLE) == []
    # The allow-lists name routes that exist (a renamed route must not leave a stale entry).
    assert api >= UNGUARDED_API and console >= UNGUARDED_CONSOLE


def test_every_declared_permission_is_in_the_role_table(client: TestClient) -> None:
    declared = {p for r in _routes(client.app) for p in r.permissions}
    held = set().union(*PERMISSIONS.values())
    assert sorted(declared - held) == []
    # And the discovery sees the whole app: the main areas are all there.
    assert len(_api_routes(client.app)) > 100 and len(_console_routes(client.app)) > 80
    assert {"returns:receive", "returns:refund", "settings:write", "ledger:read"} <= declared


# Routes whose permission is a decision of the role table, pinned so that a route cannot quietly
# declare a weaker one (the matrix below only checks that what is declared is enforced).
PINNED = {
    ("POST", "/api/v1/returns"): "returns:request",
    ("POST", "/api/v1/returns/{rma_id}/approve"): "returns:approve",
    ("POST", "/api/v1/returns/{rma_id}/receive"): "returns:receive",
    ("POST", "/api/v1/returns/{rma_id}/refund"): "returns:refund",
    ("POST", "/api/v1/returns/{rma_id}/exchange"): "returns:exchange",
    ("POST", "/returns/{rma_id}/receive"): "returns:receive",
    ("POST", "/returns/{rma_id}/refund"): "returns:refund",
    ("POST", "/returns/{rma_id}/exchange"): "returns:exchange",
    ("GET", "/api/v1/credit-notes"): "billing:read",
    ("GET", "/api/v1/refunds"): "billing:read",
    ("POST", "/api/v1/orders/{order_id}/payments"): "billing:write",
    ("GET", "/api/v1/ledger/entries"): "ledger:read",
    ("POST", "/api/v1/hold-rules"): "settings:write",
    ("PUT", "/api/v1/3pl/{location_code}/endpoint"): "settings:write",
    # Where a 3PL is reached is configuration, as its events are (auth/roles.py).
    ("GET", "/api/v1/3pl/{location_code}/endpoint"): "settings:read",
    ("GET", "/billing"): "billing:read",
    ("GET", "/customers/{customer_id}"): "customers:read",
    # The shop's settings: every role reads who the shop is, only the admin changes it.
    ("GET", "/api/v1/shop"): "shop:read",
    ("PATCH", "/api/v1/shop"): "settings:write",
    ("PUT", "/api/v1/shop/logo"): "settings:write",
    ("DELETE", "/api/v1/shop/logo"): "settings:write",
    ("GET", "/settings"): "settings:write",
    ("POST", "/settings"): "settings:write",
}


def test_the_pinned_routes_declare_the_permission_the_role_table_intends(
        client: TestClient) -> None:
    declared = {(r.method, r.path): r.permissions for r in _routes(client.app)}
    assert {k: declared.get(k) for k in PINNED} == {k: (p,) for k, p in PINNED.items()}


# --- the API -----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_each_api_route_refuses_exactly_the_roles_the_table_refuses(api: Api, role: str
                                                                     ) -> None:
    wrong = []
    for r in _api_routes(api.client.app):
        if not r.permissions:
            continue
        body = {"json": {}} if r.method in ("POST", "PUT", "PATCH") else {}
        resp = _call(api.client, r, headers=api.headers(role), **body)
        expected = "allowed" if r.allowed(role) else 403
        got = resp.status_code
        if expected == 403:
            detail = resp.json().get("detail", "") if got == 403 else ""
            ok = got == 403 and resp.json()["type"] == "/problems/forbidden" and all(
                p.replace(":", " ") in detail or allows(role, p) for p in r.permissions)
        else:
            ok = got not in (401, 403) and got < 500
        if not ok:
            wrong.append(f"{r.method} {r.path}: {role} got {got}, expected {expected}")
    assert wrong == []


# --- the console -------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_each_console_page_and_action_refuses_exactly_the_roles_the_table_refuses(
        client: TestClient, container: Container, role: str) -> None:
    csrf = login(client, container, role)
    wrong = []
    for r in _console_routes(client.app):
        if not r.permissions or (r.streams and r.allowed(role)):
            continue  # an allowed event stream never ends; its refusal is checked below
        form = {"data": {"csrf_token": csrf}} if r.method == "POST" else {}
        resp = _call(client, r, **form)
        got = resp.status_code
        if r.allowed(role):
            ok = got not in (401, 403) and got < 500
            expected = "allowed"
        else:
            ok = got == 403 and "Your role does not give access" in resp.text
            expected = "403"
        if not ok:
            wrong.append(f"{r.method} {r.path}: {role} got {got}, expected {expected}")
    assert wrong == []
