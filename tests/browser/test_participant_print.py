"""The participant page printed (issue #22): the case's content only, no menu, search, buttons
or forms — the goal-status form included, which carries a layout utility class."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from rehab.models import Enrolment, Goal, Team
from tests.browser.conftest import DEMO_PASSWORD, assert_accessible, login
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_printing_the_participant_page_leaves_out_menus_buttons_and_forms(page, live_server, demo):
    enrolment = Enrolment.objects.create(
        participant=ParticipantFactory(first_name="Greta", last_name="Webbtest"),
        team=Team.objects.get(name="Rehabteamet"),
        referrer="AF",
        start_date=timezone.localdate() - datetime.timedelta(days=30),
        responsible=get_user_model().objects.get(username="handledare"),
    )
    goal = Goal.objects.create(enrolment=enrolment, text="Pröva en praktikplats")
    login(page, live_server, "handledare", DEMO_PASSWORD)
    page.goto(f"{live_server.url}{enrolment.get_absolute_url()}")
    status = page.locator(f"#goal-status-{goal.pk}")
    expect(status).to_be_visible()
    expect(page.locator("#header-search")).to_be_visible()
    assert_accessible(page)

    page.emulate_media(media="print")
    main = page.locator("main")
    expect(main.get_by_text("Pröva en praktikplats", exact=True)).to_be_visible()
    expect(main.get_by_role("heading", name="Översikt")).to_be_visible()
    expect(status).to_be_hidden()
    expect(page.locator("#header-search")).to_be_hidden()
    expect(page.get_by_role("link", name="Ny anteckning")).to_be_hidden()
    expect(page.get_by_role("button", name="Skriv ut")).to_be_hidden()
    assert page.locator("main form:visible").count() == 0
