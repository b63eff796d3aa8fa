"""Small factories over the HTTP API, with explicit arguments, so tests read as sentences."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from pesanan.auth import service as auth
from pesanan.bootstrap import Container

_n = itertools.count(1)


class Api:
    def __init__(self, client: TestClient, container: Container) -> None:
        self.client = client
        self.container = container
        self._keys: dict[str, str] = {}

    # --- auth ---------------------------------------------------------------------------
    def key(self, role: str = "admin") -> str:
        if role not in self._keys:
            with self.container.engine.begin() as conn:
                _, secret = auth.create_api_key(conn, f"test-{role}", role)
            self._keys[role] = secret
        return self._keys[role]

    def headers(self, role: str = "admin", idem: str | None = None) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self.key(role)}"}
        if idem:
            h["Idempotency-Key"] = idem
        return h

    def get(self, path: str, role: str = "admin", **params: Any) -> Response:
        return self.client.get(f"/api/v1{path}", headers=self.headers(role), params=params)

    def post(self, path: str, body: Any = None, role: str = "admin",
             idem: str | None = None) -> Response:
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers(role, idem))

    def ok(self, resp: Response, status: int = 200) -> dict[str, Any]:
        assert resp.status_code == status, resp.text
        data: dict[str, Any] = resp.json()
        return data

    # --- factories ----------------------------------------------------------------------
    def product(self, sku: str | None = None, price: str = "10.00", currency: str = "USD",
                tax_rate: str = "0.10", standard_cost: str = "6.00") -> dict[str, Any]:
        return self.ok(self.post("/products", {
            "sku": sku or f"SKU-{next(_n)}", "name": f"Product {sku}", "price": price,
            "currency": currency, "tax_rate": tax_rate, "standard_cost": standard_cost,
        }), 201)

    def location(self, code: str | None = None, kind: str = "warehouse") -> dict[str, Any]:
        code = code or f"WH{next(_n)}"
        return self.ok(self.post("/locations", {"code": code, "name": f"Location {code}",
                                                "kind": kind}), 201)

    def stock(self, sku: str, location_id: str, quantity: int,
              reason: str = "opening count") -> dict[str, Any]:
        return self.ok(self.post("/inventory/adjustments", {
            "sku": sku, "location_id": location_id, "quantity": quantity, "reason": reason,
        }), 201)

    def customer(self, name: str = "Ada Buyer", email: str | None = None,
                 payment_preference: str = "card") -> dict[str, Any]:
        return self.ok(self.post("/customers", {
            "name": name, "email": email or f"buyer{next(_n)}@example.com",
            "payment_preference": payment_preference,
            "addresses": [{"line1": "1 Jalan Sudirman", "city": "Jakarta", "country": "ID"}],
        }), 201)

    def order_body(self, customer_id: str, lines: list[tuple[str, int]], channel: str = "web",
                   **extra: Any) -> dict[str, Any]:
        return {"channel": channel, "customer_id": customer_id,
                "lines": [{"sku": s, "quantity": q} for s, q in lines], **extra}

    def order(self, customer_id: str, lines: list[tuple[str, int]], channel: str = "web",
              **extra: Any) -> dict[str, Any]:
        return self.ok(self.post("/orders", self.order_body(customer_id, lines, channel,
                                                            **extra)), 201)

    def level(self, sku: str, location_id: str) -> dict[str, Any]:
        items = self.ok(self.get("/inventory", sku=sku, location_id=location_id))["items"]
        assert len(items) == 1, items
        return items[0]
