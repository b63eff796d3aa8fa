"""The console's /settings page (admin only), times on screen in the shop's zone, and the
printable invoice carrying the shop's profile."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from pesanan.billing import service as billing
from pesanan.bootstrap import Container
from pesanan.shop import service
from tests.dbs import snapshot
from tests.factories import Api
from tests.web.helpers import login

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
FIELDS = {
    "legal_name": "PT Pesanan Nusantara", "address": "Jl. Jend. Sudirman 1\nJakarta 10220",
    "tax_id": "01.234.567.8-012.000", "email": "halo@pesanan.example", "phone": "+62 21 555",
    "time_zone": "Asia/Jakarta", "locale": "id_ID", "currency": "IDR",
    "invoice_footer": "Terima kasih atas pesanan Anda", "payment_instructions": "BCA 123 456",
    "invoice_prefix": "INV", "credit_note_prefix": "CN", "purchase_order_prefix": "PO",
    "delivery_note_prefix": "SJ",
}


def post(client: TestClient, csrf: str, fields: dict[str, str], **files: Any) -> Any:
    return client.post("/settings", data={"csrf_token": csrf, **fields},
                       files=files or None, follow_redirects=False)


def profile(container: Container) -> Any:
    with container.engine.connect() as conn:
        return service.profile(conn)


def test_the_admin_sees_every_field_and_the_nav_links_to_it(
        client: TestClient, container: Container) -> None:
    login(client, container, "admin")
    page = client.get("/settings")
    assert page.status_code == 200
    for name in FIELDS:
        assert f'name="{name}"' in page.text, name
    assert 'name="logo"' in page.text and 'type="file"' in page.text
    assert 'href="/settings"' in client.get("/").text


@pytest.mark.parametrize("role", ["clerk", "warehouse", "accountant"])
def test_other_roles_may_not_open_or_post_the_settings(
        client: TestClient, container: Container, role: str) -> None:
    csrf = login(client, container, role)
    assert client.get("/settings").status_code == 403
    before = snapshot(container.engine)
    assert post(client, csrf, FIELDS).status_code == 403
    assert snapshot(container.engine) == before
    assert 'href="/settings"' not in client.get("/customers").text


def test_saving_every_field_and_a_logo_says_saved(
        client: TestClient, container: Container) -> None:
    csrf = login(client, container, "admin")
    resp = post(client, csrf, FIELDS, logo=("logo.png", PNG, "image/png"))
    assert resp.status_code == 303 and resp.headers["location"] == "/settings?saved=1"
    p = profile(container)
    assert {k: getattr(p, k) for k in FIELDS} == FIELDS
    assert (p.logo, p.logo_type) == (PNG, "image/png")
    page = client.get("/settings?saved=1")
    assert 'id="saved"' in page.text and "PT Pesanan Nusantara" in page.text
    assert client.get("/settings/logo").content == PNG
    # Leaving the file empty keeps the logo; the box removes it.
    assert post(client, csrf, FIELDS).status_code == 303 and profile(container).logo == PNG
    assert post(client, csrf, {**FIELDS, "remove_logo": "1"}).status_code == 303
    assert profile(container).logo is None


@pytest.mark.parametrize(("field", "value", "says"), [
    ("time_zone", "Asia/Atlantis", "is not an IANA time zone"),
    ("locale", "fr_FR", "is not a supported locale"),
    ("currency", "XYZ", "is not a currency"),
    ("invoice_prefix", "inv 1", "A prefix is 1-10 characters"),
    ("legal_name", "", "may not be empty"),
    ("email", "nobody", "email"),
])
def test_a_bad_field_is_refused_beside_it_and_nothing_changes(
        client: TestClient, container: Container, field: str, value: str, says: str) -> None:
    csrf = login(client, container, "admin")
    assert post(client, csrf, FIELDS).status_code == 303
    before = snapshot(container.engine)
    resp = post(client, csrf, {**FIELDS, "legal_name": "PT Baru", field: value})
    assert resp.status_code == 422
    beside = re.search(rf'id="f-{field}".*?<small class="field-error" id="{field}-error"'
                       rf'[^>]*>([^<]*)<', resp.text, re.S)
    assert beside, resp.text
    assert says in beside.group(1)
    assert f'value="{value}"' in resp.text or field == "locale"  # what was typed stays
    assert snapshot(container.engine) == before


def test_a_file_that_is_not_an_image_is_refused_beside_the_logo(
        client: TestClient, container: Container) -> None:
    csrf = login(client, container, "admin")
    before = snapshot(container.engine)
    resp = post(client, csrf, FIELDS, logo=("logo.png", b"GIF89a not really", "image/png"))
    assert resp.status_code == 422
    assert re.search(r'id="logo-error"[^>]*>The logo must be a PNG, JPEG or SVG', resp.text)
    assert snapshot(container.engine) == before


def test_times_on_screen_are_in_the_shop_zone_and_say_so(
        api: Api, client: TestClient, container: Container) -> None:
    product = api.product(currency="IDR", price="10000.00")
    api.stock(product["sku"], api.location()["id"], 5)
    order = api.order(api.customer()["id"], [(product["sku"], 1)])
    login(client, container, "admin")
    placed = datetime.fromisoformat(order["placed_at"] if "placed_at" in order
                                    else order["created_at"])
    utc_text = f"{placed:%Y-%m-%d %H:%M} UTC"
    assert utc_text in client.get(f"/orders/{order['id']}").text
    api.ok(api.client.patch("/api/v1/shop", json={"time_zone": "Asia/Jakarta"},
                            headers=api.headers()))
    jakarta = placed.astimezone(ZoneInfo("Asia/Jakarta"))
    page = client.get(f"/orders/{order['id']}").text
    assert f"{jakarta:%Y-%m-%d %H:%M} WIB" in page
    assert utc_text not in page


def test_the_printable_invoice_carries_the_shop_profile_and_its_local_dates(
        api: Api, client: TestClient, container: Container,
        monkeypatch: pytest.MonkeyPatch) -> None:
    api.ok(api.client.patch("/api/v1/shop", json=FIELDS, headers=api.headers()))
    product = api.product(currency="IDR", price="10000.00")
    api.stock(product["sku"], api.location()["id"], 5)
    order = api.order(api.customer()["id"], [(product["sku"], 1)])
    monkeypatch.setattr(billing, "now", lambda: datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    invoice = api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    monkeypatch.undo()
    login(client, container, "admin")
    html = client.get(f"/billing/invoices/{invoice['id']}").text
    for text in ("PT Pesanan Nusantara", "Jl. Jend. Sudirman 1", "Jakarta 10220",
                 "NPWP 01.234.567.8-012.000", "Terima kasih atas pesanan Anda", "BCA 123 456"):
        assert text in html, text
    assert "Pesanan demo shop" not in html
    issue = re.search(r'id="issue-date"[^>]*>(.*?)</dd>', html, re.S)
    assert issue and re.sub(r"<[^>]+>", "", issue.group(1)).strip() == "2027-01-01"
    assert invoice["number"] == "INV-2027-000001"
