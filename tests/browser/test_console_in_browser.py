"""The console in a real browser: logging in, the live dashboard, running an order from its
detail page, and what is refused (a wrong password, a forged POST)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from pesanan.bootstrap import Container
from tests.browser.conftest import Shooter, log_in, stream_started
from tests.dbs import row_counts
from tests.factories import Api
from tests.web.helpers import PASSWORD, make_user


def _stocked_order(api: Api, quantity: int = 2) -> dict[str, Any]:
    """An open web order for `quantity` tees at 10.00 + 10% tax each, with stock for it."""
    api.product("TEE", price="10.00", tax_rate="0.10")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 10)
    return api.order(api.customer("Ada Buyer")["id"], [("TEE", quantity)])


def test_an_admin_logs_in_and_lands_on_the_dashboard(page: Page, container: Container
                                                     ) -> None:
    email = make_user(container, "admin")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator("header.topbar")).to_contain_text("Test admin · admin")


def test_a_wrong_password_shows_the_message_and_stays_on_login(
        page: Page, container: Container, shot: Shooter) -> None:
    email = make_user(container, "admin")
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email")).to_have_value(email)
    shot(page, "login-wrong-password")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))


def test_an_order_placed_elsewhere_appears_on_an_open_dashboard_without_reload(
        page: Page, api: Api, container: Container, shot: Shooter) -> None:
    api.product("TEE", price="10.00", tax_rate="0")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 10)
    customer = api.customer("Ada Buyer")
    api.order(customer["id"], [("TEE", 1)])
    with stream_started(container) as started:
        log_in(page, container, "clerk")
        today = page.locator("#orders-today")
        expect(today).to_have_text("1")
        page.evaluate("window.__notReloaded = true")
        started(page)

    api.order(customer["id"], [("TEE", 3)], channel="phone", keyed_by="CS Wulan",
              keyed_at_location_id=wh["id"])

    expect(today).to_have_text("2")
    expect(page.locator("#cards")).to_contain_text("Phone 1")
    expect(page.locator("#cards")).to_contain_text("40.00")
    assert page.evaluate("window.__notReloaded") is True
    shot(page, "dashboard-live")


def test_an_order_is_shipped_invoiced_paid_and_delivered_from_its_page(
        page: Page, api: Api, container: Container, shot: Shooter) -> None:
    order = _stocked_order(api, quantity=2)
    log_in(page, container, "admin")
    page.goto(f"/orders/{order['id']}")
    expect(page.get_by_role("heading", name=str(order["number"]))).to_be_visible()

    page.get_by_label("Carrier").fill("JNE")
    page.get_by_label("Service").select_option("parcel")
    page.get_by_label("Tracking number").fill("JNE-0001")
    page.get_by_role("button", name="Ship everything not yet shipped").click()
    expect(page.locator(".statuses")).to_contain_text("fulfilled")
    expect(page.get_by_role("button", name="Mark delivered")).to_be_visible()

    page.get_by_role("button", name="Issue invoice").click()
    expect(page.locator("strong", has_text=re.compile(r"^INV-\d{4}-000001$"))).to_be_visible()
    expect(page.locator("#balance-due")).to_have_text("22.00")

    page.get_by_label(re.compile(r"^Amount")).fill("22.00")
    page.get_by_label("Method").select_option("card")
    page.get_by_label("Reference").fill("AUTH-42")
    page.get_by_role("button", name="Record payment").click()
    expect(page.locator("#balance-due")).to_have_text("0.00")
    expect(page.get_by_text("Payment 22.00 USD by card (AUTH-42)")).to_be_visible()

    page.get_by_role("button", name="Mark delivered").click()
    expect(page.locator(".statuses")).to_have_text("completed paid fulfilled")
    expect(page.get_by_role("button", name="Record payment")).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel order and release stock")).to_have_count(0)
    shot(page, "order-completed")
    final = api.ok(api.get(f"/orders/{order['id']}"))
    assert (final["status"], final["financial_status"], final["fulfillment_status"]) == (
        "completed", "paid", "fulfilled")
    assert final["amount_paid"] == "22.00"


def test_a_payment_over_the_balance_is_shown_beside_the_amount_and_changes_nothing(
        page: Page, api: Api, container: Container) -> None:
    order = _stocked_order(api, quantity=1)
    api.ok(api.post(f"/orders/{order['id']}/invoices", {}), 201)
    log_in(page, container, "admin")
    page.goto(f"/orders/{order['id']}")
    before = row_counts(container.engine)
    page.get_by_label(re.compile(r"^Amount")).fill("999.00")
    page.get_by_role("button", name="Record payment").click()
    amount = page.get_by_label(re.compile(r"^Amount"))
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#amount-error")).to_be_visible()
    assert row_counts(container.engine) == before
    assert api.ok(api.get(f"/orders/{order['id']}"))["amount_paid"] == "0.00"


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
        page: Page, api: Api, container: Container) -> None:
    order = _stocked_order(api)
    log_in(page, container, "admin")
    page.goto(f"/orders/{order['id']}")
    before = row_counts(container.engine)
    # The browser's own session cookie goes along; only the token is missing.
    resp = page.request.post(f"/orders/{order['id']}/cancel", form={"reason": "forged"})
    assert resp.status == 403
    assert "Form expired" in resp.text()
    assert row_counts(container.engine) == before
    assert api.ok(api.get(f"/orders/{order['id']}"))["status"] == "open"
    # The same request with the page's token goes through: only the token was missing.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    ok = page.request.post(f"/orders/{order['id']}/cancel",
                           form={"reason": "asked to", "csrf_token": str(token)},
                           max_redirects=0)
    assert ok.status == 303
    assert api.ok(api.get(f"/orders/{order['id']}"))["status"] == "cancelled"


def _new_customer(page: Page, name: str, email: str, phone: str, pays_by: str) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Phone", exact=True).fill(phone)
    page.get_by_label("Payment preference").select_option(pays_by)
    page.get_by_role("button", name="Save customer").click()


def test_a_phone_order_for_a_new_customer_is_placed_from_the_new_order_screen(
        page: Page, api: Api, container: Container, shot: Shooter) -> None:
    api.product("TEE", price="10.00", tax_rate="0.10")
    api.product("MUG", price="4.50", tax_rate="0")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 5)
    api.stock("MUG", wh["id"], 2)
    log_in(page, container, "clerk")
    page.goto("/orders/new")
    expect(page.get_by_label("Channel")).to_have_value("phone")

    _new_customer(page, "Wulan Sari", "wulan@example.com", "+628123456789", "cod")
    expect(page.get_by_role("status")).to_have_text("New customer saved.")
    expect(page.locator("#customer-panel")).to_contain_text("Wulan Sari")
    expect(page.locator("#customer-order-count")).to_have_text("0")

    page.get_by_label("Find product").fill("TEE")
    page.get_by_role("button", name="Add TEE").click()
    expect(page.get_by_label("Quantity for TEE")).to_have_value("1")
    page.get_by_label("Find product").fill("MUG")
    page.get_by_role("button", name="Add MUG").click()
    expect(page.get_by_label("Quantity for MUG")).to_have_value("1")
    page.get_by_label("Quantity for TEE").fill("3")
    page.get_by_label("Quantity for TEE").press("Tab")  # leaving the box re-prices the cart
    expect(page.locator("#cart-total")).to_have_text("37.50")  # 3 x 10.00 + 10% + 4.50
    shot(page, "new-order-filled")
    page.get_by_role("button", name="Place order").click()

    expect(page).to_have_url(re.compile(r"/orders/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", name=re.compile(r"^SO-\d{6} phone$"))).to_be_visible()
    expect(page.get_by_text("Keyed by Test clerk")).to_be_visible()
    order = api.ok(api.get(f"/orders/{page.url.rsplit('/', 1)[1]}"))
    customer = api.ok(api.get(f"/customers/{order['customer_id']}"))
    assert (customer["name"], customer["email"], customer["payment_preference"]) == (
        "Wulan Sari", "wulan@example.com", "cod")
    assert (order["channel"], order["total"], order["keyed_by"]) == ("phone", "37.50",
                                                                     "Test clerk")
    assert [(x["sku"], x["quantity"]) for x in order["lines"]] == [("TEE", 3), ("MUG", 1)]
    assert api.level("TEE", wh["id"])["reserved"] == 3


def test_ordering_more_than_is_in_stock_shows_the_message_beside_the_line(
        page: Page, api: Api, container: Container) -> None:
    api.product("TEE", price="10.00")
    wh = api.location("WH1")
    api.stock("TEE", wh["id"], 2)
    customer = api.customer("Ada Buyer")
    log_in(page, container, "clerk")
    page.goto("/orders/new")
    page.get_by_label("Find customer").fill("Ada")
    page.get_by_role("button", name="Choose Ada Buyer").click()
    expect(page.locator("#customer-panel")).to_contain_text("Ada Buyer")
    page.get_by_label("Find product").fill("TEE")
    page.get_by_role("button", name="Add TEE").click()
    expect(page.get_by_label("Quantity for TEE")).to_have_value("1")
    page.get_by_label("Quantity for TEE").fill("5")
    page.get_by_label("Quantity for TEE").press("Tab")
    expect(page.locator("#line-0-hint")).to_have_text("Only 2 available")
    before = row_counts(container.engine)
    page.get_by_role("button", name="Place order").click()

    expect(page.locator("#line-0-error")).to_contain_text("TEE")
    expect(page.get_by_label("Quantity for TEE")).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/orders/new$"))
    assert row_counts(container.engine) == before
    assert api.ok(api.get("/orders", customer_id=customer["id"]))["items"] == []


def test_a_clerk_sees_no_ledger_link_and_is_refused_the_trial_balance(
        page: Page, container: Container, shot: Shooter) -> None:
    log_in(page, container, "clerk")
    nav = page.locator("header.topbar")
    expect(nav.get_by_role("link", name="Orders")).to_be_visible()
    expect(nav.get_by_role("link", name="Ledger")).to_have_count(0)
    response = page.goto("/ledger")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("Your role does not give access to this page.")).to_be_visible()
    expect(page.get_by_text("Trial balance")).to_have_count(0)
    shot(page, "clerk-ledger-403")
