"""A handledare records a case meeting of a samverkansteam (SPEC §13 rule 11) in the browser:
two agencies, two participants discussed; every page passes axe."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_handledare_records_a_case_meeting(page, live_server, demo):
    from rehab.models import CaseMeeting, Team
    from tests.factories import EnrolmentFactory, ParticipantFactory

    team = Team.objects.get(name="Rehabteamet")
    team.has_case_meetings = True
    team.save()
    for first, last in (("Maja", "Karlsson"), ("Olle", "Berg")):
        EnrolmentFactory(
            team=team, participant=ParticipantFactory(first_name=first, last_name=last)
        )
    login(page, live_server, "handledare", PASSWORD)
    main = page.locator("main")
    page.get_by_role("link", name="Mina team").click()
    page.get_by_role("link", name="Rehabteamet").click()
    page.get_by_role("link", name="Ärendemöten").click()
    assert_accessible(page)
    page.get_by_role("link", name="Registrera ett ärendemöte").click()
    assert_accessible(page)

    # Without an agency the form comes back with the reason, nothing lost.
    page.get_by_label("Deltagare 1", exact=True).select_option(label="Maja Karlsson")
    page.get_by_role("button", name="Spara mötet").click()
    expect(main).to_contain_text(
        "Välj minst en myndighet som var med på mötet.", use_inner_text=True
    )
    assert_accessible(page)

    page.get_by_label("Arbetsförmedlingen").check()
    page.get_by_label("Försäkringskassan").check()
    page.get_by_label("Anteckning om deltagare 1", exact=True).fill("Praktikplats på gång")
    page.get_by_label("Deltagare 2", exact=True).select_option(label="Olle Berg")
    page.get_by_role("button", name="Spara mötet").click()
    expect(main).to_contain_text("är sparat", use_inner_text=True)
    expect(main).to_contain_text("Arbetsförmedlingen, Försäkringskassan", use_inner_text=True)
    assert "Maja Karlsson" in main.inner_text() and "Olle Berg" in main.inner_text()
    assert_accessible(page)

    meeting = CaseMeeting.objects.get()
    assert meeting.agencies == ["AF", "FK"] and meeting.items.count() == 2

    # The list shows it, and Maja's page links it.
    page.get_by_role("link", name="Alla ärendemöten").click()
    expect(main.get_by_role("table")).to_contain_text("2", use_inner_text=True)
    assert_accessible(page)
    page.goto(live_server.url + meeting.items.first().enrolment.get_absolute_url())
    assert page.get_by_role("link", name=f"{meeting.date:%Y-%m-%d}").count() >= 1


def test_the_steering_group_sees_case_meetings_counted_never_named(page, live_server, demo):
    import datetime

    from rehab.models import CaseMeeting, CaseMeetingItem, Team
    from tests.factories import EnrolmentFactory, ParticipantFactory

    team = Team.objects.get(name="Rehabteamet")
    team.has_case_meetings = True
    team.save()
    people = [
        EnrolmentFactory(team=team, participant=ParticipantFactory(last_name="Hemligsson"))
        for _ in range(3)
    ]
    for day in range(1, 7):
        meeting = CaseMeeting.objects.create(
            team=team,
            date=datetime.date(2024, 3, day),
            agencies=["AF", "FK"] if day < 3 else ["AF"],
        )
        for e in people[:2]:
            CaseMeetingItem.objects.create(meeting=meeting, enrolment=e, note="Hemlig not")
    login(page, live_server, "styrgrupp", PASSWORD)
    page.get_by_role("link", name="Instrumentpanel").first.click()
    page.get_by_role("combobox", name="Team").select_option(label="Rehabteamet")
    page.get_by_role("spinbutton", name="År").fill("2024")
    page.get_by_role("button", name="Visa").click()
    page.wait_for_load_state()
    figure = page.locator("section#arendemoten")
    expect(figure.get_by_role("heading", name="Ärendemöten")).to_be_visible()
    figure.get_by_text("Visa tabell").click()
    row = figure.get_by_role("row", name="mar 2024")
    # Six meetings, twelve discussed, six with AF, "<5" with FK.
    assert row.inner_text().split()[2:6] == ["6", "12", "6", "<5"]
    body = page.locator("main").inner_text()
    assert "Hemligsson" not in body and "Hemlig not" not in body
    assert_accessible(page)
