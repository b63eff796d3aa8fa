"""GET/PATCH /api/v1/shop and the logo: every role reads, only the admin changes, a bad field is
a problem+json naming it and nothing changes (row and outbox alike)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from sqlalchemy import func, select

from pesanan.bootstrap import Container
from pesanan.events.models import outbox
from pesanan.shop.models import shop_settings
from tests.factories import Api

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'

JAKARTA_SHOP = {
    "legal_name": "PT Pesanan Nusantara", "address": "Jl. Jend. Sudirman 1\nJakarta 10220",
    "tax_id": "01.234.567.8-012.000", "email": "halo@pesanan.example", "phone": "+62 21 555 0100",
    "time_zone": "Asia/Jakarta", "locale": "id_ID", "currency": "IDR",
    "invoice_footer": "Terima kasih", "payment_instructions": "BCA 123 456 7890",
    "invoice_prefix": "FAK", "credit_note_prefix": "NK", "purchase_order_prefix": "PO-J",
    "delivery_note_prefix": "SJ/",
}


def patch(api: Api, body: dict[str, Any], role: str = "admin") -> Any:
    return api.client.patch("/api/v1/shop", json=body, headers=api.headers(role))


def state(container: Container) -> tuple[list[dict[str, Any]], int]:
    """The settings rows and the number of events: what a refused change must leave alone."""
    with container.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(shop_settings)).mappings()]
        events = conn.execute(select(func.count()).select_from(outbox)).scalar_one()
    return rows, events


def shop_events(container: Container) -> list[dict[str, Any]]:
    with container.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(outbox.c.type, outbox.c.data).where(outbox.c.type == "shop.updated")
        ).mappings()]


@pytest.mark.parametrize("role", ["admin", "clerk", "warehouse", "accountant"])
def test_every_role_reads_the_default_shop(api: Api, role: str) -> None:
    shop = api.ok(api.get("/shop", role=role))
    assert shop["legal_name"] == "Pesanan demo shop"
    assert (shop["time_zone"], shop["locale"], shop["currency"]) == ("UTC", "en_US", "IDR")
    assert shop["invoice_prefix"] == "INV" and shop["logo"] is None


def test_the_admin_sets_every_field_and_the_change_is_announced(
        api: Api, container: Container) -> None:
    shop = api.ok(patch(api, JAKARTA_SHOP))
    assert {k: shop[k] for k in JAKARTA_SHOP} == JAKARTA_SHOP
    assert api.ok(api.get("/shop", role="clerk")) == shop
    [event] = shop_events(container)
    # IDR is already the default currency: not a change
    assert sorted(event["data"]["changed"]) == sorted(set(JAKARTA_SHOP) - {"currency"})
    assert event["data"]["shop"]["time_zone"] == "Asia/Jakarta"


def test_only_the_fields_sent_change_and_null_clears_an_optional_one(api: Api) -> None:
    api.ok(patch(api, JAKARTA_SHOP))
    shop = api.ok(patch(api, {"tax_id": None, "phone": ""}))
    assert shop["tax_id"] is None and shop["phone"] is None
    assert shop["legal_name"] == "PT Pesanan Nusantara" and shop["time_zone"] == "Asia/Jakarta"


def test_the_same_values_again_announce_nothing(api: Api, container: Container) -> None:
    api.ok(patch(api, {"time_zone": "Asia/Jakarta"}))
    api.ok(patch(api, {"time_zone": "Asia/Jakarta"}))
    assert len(shop_events(container)) == 1


BAD_FIELDS = [
    ("time_zone", "Asia/Atlantis", "unknown_time_zone"),
    ("time_zone", "posixrules", "unknown_time_zone"),
    ("time_zone", "../../etc/passwd", "unknown_time_zone"),
    ("locale", "fr_FR", "unsupported_locale"),
    ("currency", "XYZ", "unknown_currency"),
    ("invoice_prefix", "inv", "invalid_prefix"),
    ("credit_note_prefix", "", "invalid_prefix"),
    ("purchase_order_prefix", "ABCDEFGHIJK", "invalid_prefix"),
    ("delivery_note_prefix", "S J", "invalid_prefix"),
    ("legal_name", "", "required"),
    ("email", "not an email", "invalid_email"),
    ("logo", "!!not base64!!", "invalid"),
    ("logo", base64.b64encode(b"GIF89a....").decode(), "not_an_image"),
    ("logo", base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * (512 * 1024)).decode(),
     "too_large"),
    ("logo", base64.b64encode(b'<svg onload="alert(1)"/>').decode(), "unsafe_svg"),
]


@pytest.mark.parametrize(("field", "value", "code"), BAD_FIELDS)
def test_a_bad_field_is_refused_by_name_and_nothing_changes(
        api: Api, container: Container, field: str, value: str, code: str) -> None:
    api.ok(patch(api, {"legal_name": "PT Lama"}))
    before = state(container)
    resp = patch(api, {"legal_name": "PT Baru", field: value})
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert problem["type"] == "/problems/validation-error"
    assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]
    assert state(container) == before


def test_several_bad_fields_are_named_at_once(api: Api, container: Container) -> None:
    before = state(container)
    resp = patch(api, {"time_zone": "Mars/Olympus", "locale": "xx", "currency": "ABC"})
    assert resp.status_code == 422
    assert sorted(e["field"] for e in resp.json()["errors"]) == ["currency", "locale",
                                                                 "time_zone"]
    assert state(container) == before


def test_an_unknown_field_is_refused(api: Api, container: Container) -> None:
    before = state(container)
    resp = patch(api, {"colour": "red"})
    assert resp.status_code == 422
    assert state(container) == before


@pytest.mark.parametrize("role", ["clerk", "warehouse", "accountant"])
def test_only_the_admin_changes_the_shop(api: Api, container: Container, role: str) -> None:
    before = state(container)
    assert patch(api, {"legal_name": "PT Lain"}, role=role).status_code == 403
    resp = api.client.put("/api/v1/shop/logo", content=PNG, headers=api.headers(role))
    assert resp.status_code == 403
    assert state(container) == before


@pytest.mark.parametrize(("image", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"),
                                              (SVG, "image/svg+xml")])
def test_a_logo_put_as_an_image_is_served_back_with_its_type(
        api: Api, image: bytes, kind: str) -> None:
    shop = api.ok(api.client.put("/api/v1/shop/logo", content=image, headers=api.headers()))
    assert shop["logo"] == {"type": kind, "size": len(image), "url": "/api/v1/shop/logo"}
    got = api.client.get("/api/v1/shop/logo", headers=api.headers("warehouse"))
    assert got.status_code == 200
    assert got.content == image and got.headers["content-type"].startswith(kind)
    assert "default-src 'none'" in got.headers["content-security-policy"]


def test_a_logo_in_json_and_its_removal(api: Api) -> None:
    shop = api.ok(patch(api, {"logo": base64.b64encode(PNG).decode()}))
    assert shop["logo"]["type"] == "image/png"
    assert api.client.get("/api/v1/shop/logo", headers=api.headers()).content == PNG
    assert api.ok(patch(api, {"logo": None}))["logo"] is None
    assert api.client.get("/api/v1/shop/logo", headers=api.headers()).status_code == 404


def test_a_put_logo_that_is_not_an_image_changes_nothing(api: Api, container: Container) -> None:
    api.ok(api.client.put("/api/v1/shop/logo", content=PNG, headers=api.headers()))
    before = state(container)
    for body, code in [(b"hello", "not_an_image"),
                       (PNG + b"\0" * (512 * 1024), "too_large")]:
        resp = api.client.put("/api/v1/shop/logo", content=body, headers=api.headers())
        assert resp.status_code == 422, resp.text
        assert resp.json()["errors"][0]["code"] == code
    assert state(container) == before
