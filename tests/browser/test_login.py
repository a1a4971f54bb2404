"""Each demo role logs in through the browser and lands on its own start page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_page_is_accessible(page, live_server, demo):
    page.goto(f"{live_server.url}/")
    assert "/logga-in/" in page.url
    assert_accessible(page)


@pytest.mark.parametrize(
    ("username", "heading_text", "sees"),
    [
        ("handledare", "handledare", "Rehabteamet"),
        ("handledare2", "handledare", "EVI"),
        ("admin", "enhetschef", "Administration"),
        ("forbund", "förbundstjänsteperson", "Aktiva deltagare per team"),
        ("styrgrupp", "ledamot i styrgruppen", "Aktiva deltagare per team"),
    ],
)
def test_each_demo_role_reaches_its_start_page(
    page, live_server, demo, username, heading_text, sees
):
    login(page, live_server, username, PASSWORD)
    assert page.url == f"{live_server.url}/"
    body = page.locator("main").inner_text()
    assert f"Du är inloggad som {heading_text}" in body
    assert sees in body
    assert_accessible(page)


def test_wrong_password_is_refused_in_swedish(page, live_server, demo):
    login(page, live_server, "handledare", "fel-lösenord")
    assert "/logga-in/" in page.url
    expect(page.locator("main")).to_contain_text(
        "korrekt användarnamn och lösenord", use_inner_text=True
    )
    assert_accessible(page)


def test_handledare_opens_team_page_and_logs_out(page, live_server, demo):
    login(page, live_server, "handledare", PASSWORD)
    page.get_by_role("link", name="Rehabteamet").click()
    expect(page.get_by_role("heading", name="Rehabteamet")).to_be_visible()
    expect(page.locator("main")).to_contain_text("0 av 30", use_inner_text=True)
    assert_accessible(page)
    page.get_by_role("button", name="Logga ut").click()
    assert "/logga-in/" in page.url
