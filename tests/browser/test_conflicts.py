"""Two browsers on the same record: the second save is stopped and shown what changed."""

import pytest
from playwright.sync_api import expect

from rehab.models import Participant, Team
from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def second_page(browser):
    context = browser.new_context(locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_two_case_workers_edit_one_participant(page, second_page, live_server, demo):
    participant = ParticipantFactory(first_name="Greta", last_name="Samtidig")
    EnrolmentFactory(team=Team.objects.get(name="Rehabteamet"), participant=participant)
    url = f"{live_server.url}/deltagare/{participant.pk}/andra/"
    login(page, live_server, "handledare", PASSWORD)
    login(second_page, live_server, "admin", PASSWORD)
    page.goto(url)
    second_page.goto(url)

    page.get_by_label("Telefon").fill("070-111 11 11")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator("main")).to_contain_text("Uppgifterna är sparade.", use_inner_text=True)

    second_page.get_by_label("Adress").fill("Storgatan 1, Ludvika")
    second_page.get_by_role("button", name="Spara").click()
    main = second_page.locator("main").inner_text()
    assert "Någon annan har ändrat uppgifterna medan du skrev" in main
    assert "070-111 11 11" in main
    assert second_page.get_by_label("Adress").input_value() == "Storgatan 1, Ludvika"
    assert_accessible(second_page)

    # The second user keeps the first one's phone number and saves again.
    second_page.get_by_label("Telefon").fill("070-111 11 11")
    second_page.get_by_role("button", name="Spara").click()
    expect(second_page.locator("main")).to_contain_text(
        "Uppgifterna är sparade.", use_inner_text=True
    )
    participant.refresh_from_db()
    assert (participant.phone, participant.address) == ("070-111 11 11", "Storgatan 1, Ludvika")
    assert Participant.objects.filter(pk=participant.pk).count() == 1
