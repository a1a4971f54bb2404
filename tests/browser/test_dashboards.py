"""A steering-group member opens the dashboard: the charts are drawn by the vendored
Chart.js, each has its table, small counts show as "<5", and axe finds nothing serious."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_steering_group_reads_the_dashboard(page, live_server, example_demo):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The page's own scripts and styles all load (the vendored Chart.js included).
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if "/static/" in r.url and r.status >= 400
            else None
        ),
    )
    login(page, live_server, "styrgrupp", PASSWORD)
    page.get_by_role("link", name="Instrumentpanel").first.click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Instrumentpanel", exact=True)).to_be_visible()
    page.get_by_role("combobox", name="Team").select_option(label="Rehabteamet")
    page.get_by_role("spinbutton", name="År").fill("2024")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_load_state()
    expect(
        page.get_by_role("heading", name="Rehabteamet, 2024-01-01 – 2024-12-31")
    ).to_be_visible()

    canvases = page.locator("canvas[data-chart]")
    assert canvases.count() >= 7
    # Chart.js has drawn each chart: it sizes the canvas and registers the chart.
    drawn = page.evaluate(
        "() => Array.from(document.querySelectorAll('canvas[data-chart]'))"
        ".map(c => !!window.Chart.getChart(c) && c.width > 0)"
    )
    assert drawn and all(drawn)
    # The tables are behind "Visa tabell", one per chart.
    expect(page.get_by_role("table", name="Aktiva deltagare")).to_be_hidden()
    page.get_by_text("Visa tabell: Aktiva deltagare").click()
    expect(page.get_by_role("table", name="Aktiva deltagare")).to_be_visible()
    page.get_by_text("Visa tabell: Inflöde och avslut per månad").click()
    flows = page.get_by_role("table", name="Inflöde och avslut per månad")
    expect(flows).to_contain_text("<5", use_inner_text=True)
    expect(page.get_by_role("link", name="Ladda ner ”Aktiva deltagare” som CSV")).to_be_visible()
    assert not errors, errors
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner ”Avslutsorsaker” som CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("instrumentpanel_avslutsorsaker_team-")
