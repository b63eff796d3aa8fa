"""The console in the user's language (issue 12): an id_ID user types "50.000" and pays fifty
thousand rupiah; "50,5" and "abc" are refused beside the field in Indonesian and change nothing;
English and Indonesian pages; the language switch; the shop's locale as the default."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from pesanan.auth import users
from pesanan.auth.models import app_user
from pesanan.billing.models import payment
from pesanan.bootstrap import Container
from pesanan.ledger.models import journal_line
from tests.dbs import row_counts
from tests.factories import Api
from tests.web.helpers import login, make_user


def _beside(html: str, name: str) -> str:
    """The message shown beside field `name` (field_error in _macros.html)."""
    m = re.search(rf'<small class="field-error" id="{name}-error"[^>]*>([^<]*)<', html)
    assert m, f"no error beside {name}"
    return m.group(1)


def _speaks(container: Container, role: str, locale: str | None) -> None:
    """The user of `role` (made if missing) reads the console in `locale` (None: the shop's)."""
    email = make_user(container, role)
    with container.engine.begin() as conn:
        uid = conn.execute(select(app_user.c.id).where(app_user.c.email == email)).scalar_one()
        assert users.set_locale(conn, uid, locale)


def _idr_invoice(api: Api) -> dict[str, Any]:
    """An invoiced IDR order of 150,000 rupiah, nothing paid."""
    api.product("KOPI", price="150000.00", currency="IDR", tax_rate="0")
    wh = api.location("GUDANG")
    api.stock("KOPI", wh["id"], 5)
    order = api.order(api.customer()["id"], [("KOPI", 1)])
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    return order


def _ledger_lines(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(journal_line)).scalar_one())


def test_an_indonesian_user_pays_fifty_thousand_rupiah_typed_as_50_000(
        api: Api, client: TestClient, container: Container) -> None:
    order = _idr_invoice(api)
    _speaks(container, "accountant", "id_ID")
    csrf = login(client, container, "accountant")
    page = client.get(f"/orders/{order['id']}").text
    assert "Catat pembayaran" in page  # the payment form, in Indonesian
    assert 'name="amount" inputmode="decimal" required value="150.000"' in page  # as typed here
    lines_before = _ledger_lines(container)
    resp = client.post(f"/orders/{order['id']}/pay", data={
        "csrf_token": csrf, "amount": "50.000", "method": "cash"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    after = api.ok(api.get(f"/orders/{order['id']}"))
    assert (after["amount_paid"], after["balance_due"]) == ("50000.00", "100000.00")
    with container.engine.connect() as conn:
        [paid] = conn.execute(select(payment.c.amount, payment.c.currency)).all()
    assert tuple(paid) == (Decimal("50000.00"), "IDR")
    assert _ledger_lines(container) == lines_before + 2  # cash debit, receivable credit


@pytest.mark.parametrize(("typed", "sentence"), [
    ("50,5", "Jumlah IDR tidak memakai desimal: ketik 50.000."),
    ("abc", "“abc” bukan jumlah uang: ketik seperti 50.000."),
    ("50.00", "“50.00” bukan jumlah uang: ketik seperti 50.000."),
])
def test_an_amount_that_needs_a_guess_is_refused_in_indonesian_and_nothing_changes(
        api: Api, client: TestClient, container: Container, typed: str, sentence: str) -> None:
    order = _idr_invoice(api)
    _speaks(container, "accountant", "id_ID")
    csrf = login(client, container, "accountant")
    before = row_counts(container.engine)
    resp = client.post(f"/orders/{order['id']}/pay", data={
        "csrf_token": csrf, "amount": typed, "method": "cash"})
    assert resp.status_code == 422
    assert _beside(resp.text, "amount") == sentence
    assert f'value="{typed}"' in resp.text  # what was typed stays in the field
    assert row_counts(container.engine) == before  # no payment row, no ledger entry


def test_english_and_indonesian_users_read_the_dashboard_and_orders_in_their_language(
        api: Api, client: TestClient, container: Container) -> None:
    _idr_invoice(api)
    _speaks(container, "admin", "en_US")
    login(client, container, "admin")
    dashboard, orders = client.get("/").text, client.get("/orders").text
    assert "<h1>Dashboard</h1>" in dashboard and "Orders today" in dashboard
    assert "<h1>Orders</h1>" in orders and ">Customer</th>" in orders
    assert '<html lang="en-US"' in dashboard
    assert "Dasbor" not in dashboard

    _speaks(container, "admin", "id_ID")
    dashboard, orders = client.get("/").text, client.get("/orders").text
    assert "<h1>Dasbor</h1>" in dashboard and "Pesanan hari ini" in dashboard
    assert "Stok menipis" in dashboard and "Orders today" not in dashboard
    # The queue's stages come from the read side in English and are shown translated.
    assert "Menunggu pembayaran" in dashboard and "Waiting for payment" not in dashboard
    assert "<h1>Pesanan</h1>" in orders and ">Pelanggan</th>" in orders
    assert "Pesanan baru" in orders  # the button and the nav
    assert '<html lang="id-ID"' in dashboard
    assert "150.000" in orders and "150,000" not in orders  # the total, Indonesian digits


def test_a_user_switches_language_from_the_header_with_the_forms_token(
        client: TestClient, container: Container) -> None:
    csrf = login(client, container, "clerk")
    assert ">Bahasa Indonesia</button>" in client.get("/orders").text
    forged = client.post("/language", data={"locale": "id_ID"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "<h1>Orders</h1>" in client.get("/orders").text  # unchanged
    resp = client.post("/language", data={"csrf_token": csrf, "locale": "id_ID"},
                       headers={"referer": "http://testserver/orders?status=open"},
                       follow_redirects=False)
    assert (resp.status_code, resp.headers["location"]) == (303, "/orders?status=open")
    page = client.get("/orders").text
    assert "<h1>Pesanan</h1>" in page and ">English</button>" in page
    back = client.post("/language", data={"csrf_token": csrf, "locale": "xx_XX"},
                       headers={"referer": "https://elsewhere.example/"}, follow_redirects=False)
    assert (back.status_code, back.headers["location"]) == (303, "/")  # never off-site
    assert "<h1>Orders</h1>" in client.get("/orders").text  # unknown: back to the shop's


def test_a_user_without_a_language_follows_the_shops(
        api: Api, client: TestClient, container: Container) -> None:
    login(client, container, "admin")
    assert "<h1>Dashboard</h1>" in client.get("/").text
    api.ok(api.client.patch("/api/v1/shop", json={"locale": "id_ID"}, headers=api.headers()))
    assert "<h1>Dasbor</h1>" in client.get("/").text
    login_page = TestClient(client.app).get("/login").text  # nobody logged in: the shop's too
    assert "Masuk ke konsol operator." in login_page


def test_the_indonesian_catalogue_translates_every_sentence_with_the_same_placeholders() -> None:
    from babel.messages.pofile import read_po

    from pesanan.web.i18n import LOCALE_DIR

    with (LOCALE_DIR / "id" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    with (LOCALE_DIR / "messages.pot").open("rb") as f:
        template = read_po(f)
    assert {m.id for m in catalogue if m.id} == {m.id for m in template if m.id}
    placeholder = re.compile(r"%\((\w+)\)s")
    for m in catalogue:
        if m.id and m.string:
            assert sorted(placeholder.findall(str(m.string))) == sorted(
                placeholder.findall(str(m.id))), m.id
    words = [m for m in catalogue if m.id and " " in str(m.id) and str(m.id)[0].isupper()]
    translated = [m for m in words if m.string and m.string != m.id]
    assert len(translated) >= 0.95 * len(words)  # sentences, not codes, are all in Indonesian


def _field_value(html: str, name: str) -> str:
    m = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    assert m, f"no field {name}"
    return m.group(1)


def test_an_indonesian_user_saves_a_product_as_its_form_shows_it(
        api: Api, client: TestClient, container: Container) -> None:
    p = api.product("KAOS", price="85000.00", currency="IDR", tax_rate="0.11",
                    standard_cost="40500.00")
    _speaks(container, "admin", "id_ID")
    csrf = login(client, container, "admin")
    page = client.get(f"/products/{p['id']}").text
    form = {k: _field_value(page, k) for k in ("name", "price", "standard_cost", "tax_rate")}
    assert (form["price"], form["standard_cost"]) == ("85.000", "40.500")  # as typed here
    resp = client.post(f"/products/{p['id']}", data={
        "csrf_token": csrf, "version": "1", **form, "price": "90.000",
        "oversell_policy": p["oversell_policy"]}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    after = api.ok(api.get(f"/products/{p['id']}"))
    assert (after["price"], after["standard_cost"]) == ("90000.00", "40500.00")


def test_error_pages_speak_the_users_language(client: TestClient, container: Container) -> None:
    _speaks(container, "warehouse", "id_ID")
    login(client, container, "warehouse")
    forbidden = client.get("/ledger")
    assert forbidden.status_code == 403
    assert "<h1>Tidak diizinkan</h1>" in forbidden.text
    assert "Peran Anda tidak memberi akses ke halaman ini." in forbidden.text
    _speaks(container, "clerk", "id_ID")
    login(client, container, "clerk")
    missing = client.get("/customers/no-such-id/edit")
    assert missing.status_code == 404
    assert "<h1>Pelanggan tidak ditemukan</h1>" in missing.text
