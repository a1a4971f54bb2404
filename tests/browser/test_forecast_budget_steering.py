"""SPEC §13 rules 13–15 in the browser: the forecast on the board report and the dashboard,
a budget line outside the grant from the grid to the follow-up, and a steering group for EVI
alone. axe finds nothing serious on any of the pages."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from rehab.models import ForbundMembership, Team
from reporting.models import Budget
from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login
from tests.factories import UserFactory
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db(transaction=True)
D = datetime.date


def test_forecast_on_the_board_report_and_the_dashboard(page, live_server, demo):
    team = Team.objects.get(name="Rehabteamet")
    for i in range(20):
        enrol(team, start=D(2023, 3, 1), exit=D(2024, 6, 30), gender="KMX"[i % 3])
    for i in range(24):
        enrol(
            team, start=D(2024, 3, 1), exit=None if i < 12 else D(2025, 4, 30), gender="KMX"[i % 3]
        )
    login(page, live_server, "admin", PASSWORD)
    page.goto(
        f"{live_server.url}/rapporter/styrelse/?scope=team-{team.pk}&fran=2025-01-01&till=2025-12-31"
    )
    expect(page.get_by_role("heading", name="Prognos för 2026")).to_be_visible()
    assert (
        "12 aktiva 31 dec 2025 + (20 + 24) / 2 = 34" in page.get_by_test_id("prognos").inner_text()
    )
    assert_accessible(page)

    page.goto(f"{live_server.url}/instrumentpanel/?scope=team-{team.pk}&ar=2025")
    expect(page.get_by_role("heading", name="Prognos för 2026")).to_be_visible()
    expect(page.get_by_test_id("prognos")).to_contain_text("= 34", use_inner_text=True)
    assert_accessible(page)


def test_a_line_outside_the_grant_from_the_grid_to_the_followup(page, live_server, demo):
    budget = Budget.objects.get(team__name="Rehabteamet", year=2024)
    login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server.url}/budget/{budget.team_id}/2024/andra/")
    assert_accessible(page)
    page.get_by_label("Huvudmannen bär rad 2").check()
    page.get_by_role("button", name="Spara budgeten").click()
    expect(page.get_by_role("heading", name="Budgetuppföljning Rehabteamet 2024")).to_be_visible()
    main = page.locator("main").inner_text()
    assert "Verksamhetens totala kostnad" in main
    outside = page.get_by_role("table", name=re.compile("^Kostnader utanför förbundets medel"))
    expect(outside).to_contain_text("Lokalkostnader", use_inner_text=True)
    assert "Totalt förbundets medel" in main
    assert_accessible(page)
    # The grid shows the flag again.
    page.get_by_role("link", name="Ändra budgeten").click()
    assert page.get_by_label("Huvudmannen bär rad 2").is_checked()


def test_a_steering_group_for_evi_alone(page, live_server, demo):
    evi = Team.objects.get(name="EVI")
    user = UserFactory(username="evigrupp")
    user.set_password(PASSWORD)
    user.save()
    membership = ForbundMembership.objects.create(
        user=user, forbund=evi.forbund, role=ForbundMembership.Role.STYRGRUPP
    )
    membership.teams.set([evi])
    login(page, live_server, "evigrupp", PASSWORD)
    page.get_by_role("link", name="Instrumentpanel").first.click()
    page.wait_for_load_state()
    options = page.get_by_role("combobox", name="Team").locator("option").all_inner_texts()
    assert options == ["EVI"]
    expect(page.locator("main")).not_to_contain_text("Rehabteamet", use_inner_text=True)
    assert_accessible(page)
    rehab = Team.objects.get(name="Rehabteamet")
    response = page.goto(f"{live_server.url}/instrumentpanel/?scope=team-{rehab.pk}&ar=2024")
    assert response.status == 400
    expect(page.locator("main")).to_contain_text(
        "Välj ett av teamen i listan.", use_inner_text=True
    )
