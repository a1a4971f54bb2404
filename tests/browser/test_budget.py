"""Budget follow-up in the browser: the unit manager enters a month's costs and the follow-up
changes; a steering-group member reads the follow-up and has no edit controls."""

import re

import pytest
from playwright.sync_api import expect

from common.cells import format_kronor
from reporting.models import Budget
from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


def open_followup(page, live_server, username):
    login(page, live_server, username, PASSWORD)
    page.get_by_role("link", name="Budget", exact=True).click()
    expect(page.get_by_role("heading", name="Budgetuppföljning", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Uppföljning Rehabteamet 2024").click()
    expect(page.get_by_role("heading", name="Budgetuppföljning Rehabteamet 2024")).to_be_visible()


def test_admin_enters_a_months_costs_and_the_followup_updates(page, live_server, demo):
    budget = Budget.objects.get(team__name="Rehabteamet", year=2024)
    open_followup(page, live_server, "admin")
    assert_accessible(page)
    main = page.locator("main")
    expect(main).to_contain_text("1\u00a0500\u00a0000\u00a0kr", use_inner_text=True)

    page.get_by_role("link", name="Registrera utfall").click()
    expect(page.get_by_role("heading", name="Registrera utfall Rehabteamet 2024")).to_be_visible()
    assert_accessible(page)
    # A bad amount: a clear error beside the field, and nothing is saved.
    page.get_by_label("Tolkkostnader, december").fill("-50")
    page.get_by_role("button", name="Spara utfallet").click()
    expect(page.locator("main")).to_contain_text(
        "Beloppet får inte vara negativt (-50).", use_inner_text=True
    )
    assert_accessible(page)

    page.get_by_label("Tolkkostnader, december").fill("12 345,50")
    page.get_by_role("button", name="Spara utfallet").click()
    assert page.get_by_role("alert").inner_text() == "Utfallet är sparat: 1 ändrade."
    tolk = budget.lines.get(name="Tolkkostnader")
    assert str(tolk.actuals.get(month=12).amount) == "12345.50"
    expected = format_kronor(sum(a.amount for a in tolk.actuals.all()))
    assert expected.endswith(",50\u00a0kr")
    row = page.get_by_role("row", name=re.compile("^Tolkkostnader"))
    expect(row).to_contain_text(expected, use_inner_text=True)

    # The follow-up as of an earlier date counts fewer months.
    page.get_by_label("Per datum").fill("2024-03-15")
    page.get_by_role("button", name="Visa").click()
    expect(page.locator("main")).to_contain_text(
        "Utfall hittills (3 månader)", use_inner_text=True
    )
    assert_accessible(page)


def test_steering_group_sees_the_followup_without_edit_controls(page, live_server, demo):
    open_followup(page, live_server, "styrgrupp")
    assert_accessible(page)
    main = page.locator("main").inner_text()
    assert "Prognos för helåret" in main
    assert "Kostnad per deltagare" in main
    assert page.get_by_role("link", name="Registrera utfall").count() == 0
    assert page.get_by_role("link", name="Ändra budgeten").count() == 0
    assert page.get_by_role("link", name="Importera utfall").count() == 0


def test_a_bad_cell_out_of_view_is_summarised_at_the_top_and_its_link_focuses_it(
    page, live_server, demo
):
    """Issue "Pleasant to work in": at 1366 × 800 the grid's later columns are scrolled out of
    view. A refused cell is listed once at the top, and its link takes the user to the cell."""
    page.set_viewport_size({"width": 1366, "height": 800})
    budget = Budget.objects.get(team__name="Rehabteamet", year=2024)
    line = budget.lines.get(name__startswith="Aktiviteter")
    login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server.url}/budget/{budget.team_id}/2024/utfall/")
    page.get_by_label(f"{line.name}, november").fill("tusen")
    page.get_by_role("button", name="Spara utfallet").click()

    summary = page.locator(".error-summary")
    assert summary.count() == 1
    assert page.locator(".alert-danger").count() == 1, "one red banner, not two"
    box = summary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800, "summary in the first screen"
    link = summary.get_by_role("link", name=f"November, {line.name}: ")
    expect(link).to_contain_text("är inget belopp", use_inner_text=True)
    cell = page.get_by_label(f"{line.name}, november")
    assert cell.get_attribute("aria-invalid") == "true"
    described = cell.get_attribute("aria-describedby")
    expect(page.locator(f"#{described}")).to_contain_text("är inget belopp", use_inner_text=True)

    link.click()
    cell_id = cell.get_attribute("id")
    page.wait_for_function(f"document.activeElement?.id === '{cell_id}'")
    # Bootstrap scrolls smoothly: wait until the cell has arrived in the window.
    page.wait_for_function(
        "el => { const r = el.getBoundingClientRect();"
        " return r.left >= 0 && r.right <= window.innerWidth"
        " && r.top >= 0 && r.bottom <= window.innerHeight; }",
        arg=cell.element_handle(),
    )
    assert_accessible(page)
