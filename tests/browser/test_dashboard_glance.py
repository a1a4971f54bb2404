"""The dashboard at a glance (issue #16): a steering-group member on a 1366 × 800 screen sees
every key figure without scrolling, opens a chart's table with the mouse or the keyboard, and
prints the page without navigation and with the tables open. axe finds nothing serious."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)

SCREEN = {"width": 1366, "height": 800}
SCREENSHOT = "/tmp/dash-glance.png"  # noqa: S108 – looked at by hand, not read back
KEY_FIGURES = [
    "Aktiva 2024-12-31",
    "Nya under perioden",
    "Avslut under perioden",
    "Avslut till arbete eller studier",
    "Stegförflyttning",
    "Ökat välmående",
    "På väntelista 2024-12-31",
    "Förbrukad budget",
]


@pytest.fixture
def demo_cases(transactional_db):
    """The demo as `make run` seeds it, with more participants: four years of Rehabteamet's
    cases up to today and its 2024 budget."""
    call_command(
        "seed_demo", "--participants", "200", "--password", PASSWORD, stdout=io.StringIO()
    )


def test_steering_group_sees_the_key_figures_above_the_fold(page, live_server, demo_cases):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(SCREEN)
    login(page, live_server, "styrgrupp", PASSWORD)
    page.get_by_role("link", name="Instrumentpanel").first.click()
    page.wait_for_load_state()
    page.get_by_role("combobox", name="Team").select_option(label="Rehabteamet")
    page.get_by_role("spinbutton", name="År").fill("2024")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_load_state()

    heading = page.get_by_role("heading", name="Rehabteamet, 2024-01-01 – 2024-12-31")
    expect(heading).to_be_visible()
    expect(page.get_by_text("samma period i fjol, 2023-01-01 – 2023-12-31")).to_be_visible()
    cards = page.locator("article.kf")
    assert cards.count() == len(KEY_FIGURES)
    for i, title in enumerate(KEY_FIGURES):
        card = cards.nth(i)
        expect(card.get_by_role("heading", name=title, exact=True), title).to_be_visible()
        box = card.bounding_box()
        assert box is not None and box["y"] >= 0, title
        assert box["y"] + box["height"] <= SCREEN["height"], (title, box)
        value = card.locator(".kf-value")
        assert value.inner_text().strip(), title
        assert "i fjol" in card.locator(".kf-compare").inner_text(), title
    # Steering group: aggregates only, with the legend for the withheld values.
    expect(page.get_by_text("Inga uppgifter om enskilda deltagare visas.")).to_be_visible()
    page.screenshot(path=SCREENSHOT)

    # A chart's table opens by mouse …
    table = page.get_by_role("table", name="Aktiva deltagare")
    expect(table).to_be_hidden()
    page.get_by_text("Visa tabell: Aktiva deltagare").click()
    expect(table).to_be_visible()
    expect(table.get_by_role("columnheader", name="Totalt")).to_be_visible()
    # … and by keyboard.
    summary = page.locator("summary", has_text="Visa tabell: Avslutsorsaker")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("table", name="Avslutsorsaker")).to_be_visible()
    assert not errors, errors
    assert_accessible(page)


def test_the_printed_dashboard_has_no_navigation_and_every_table_open(
    page, live_server, demo_cases
):
    page.set_viewport_size(SCREEN)
    login(page, live_server, "styrgrupp", PASSWORD)
    page.goto(f"{live_server.url}/instrumentpanel/?ar=2024")
    page.wait_for_load_state()
    closed = page.locator("details.dash-table:not([open])")
    count = closed.count()
    assert count >= 7
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_hidden()
    expect(page.get_by_role("button", name="Visa")).to_be_hidden()
    expect(page.locator("article.kf").first).to_be_visible()
    # dashboard.js opens every table before printing and closes them again afterwards.
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    assert closed.count() == 0
    expect(page.get_by_role("table", name="Aktiva deltagare")).to_be_visible()
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    assert closed.count() == count
    page.emulate_media(media="screen")
    expect(page.get_by_role("navigation", name="Huvudmeny")).to_be_visible()
