"""A handledare starts a journal note on a phone, leaves, and finds the draft again (issue #22):
the draft autosaves to the server, is restored, and is gone once the note is saved."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from rehab.models import Enrolment, JournalNote, JournalNoteDraft, Team
from tests.browser.conftest import DEMO_PASSWORD, assert_accessible, login
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_journal_draft_survives_leaving_the_page(page, live_server, demo):
    enrolment = Enrolment.objects.create(
        participant=ParticipantFactory(first_name="Greta", last_name="Webbtest"),
        team=Team.objects.get(name="Rehabteamet"),
        referrer="AF",
        start_date=timezone.localdate() - datetime.timedelta(days=30),
        responsible=get_user_model().objects.get(username="handledare"),
    )
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, "handledare", DEMO_PASSWORD)
    page.goto(f"{live_server.url}{enrolment.get_absolute_url()}")
    page.get_by_role("link", name="Ny anteckning").click()
    # The autosave listens from when its script has run: on a loaded machine, typing before
    # then would not start it (a person types again; the test types once).
    page.wait_for_load_state("load")
    main = page.locator("main")
    main.get_by_label("Typ").select_option(label="Telefonsamtal")
    main.get_by_label("Anteckning").fill("Ringde Greta om praktikplatsen")
    # The autosave says when it saved; nothing is put in the browser's storage.
    expect(main.locator("[data-draft-status]")).to_contain_text("Utkastet är sparat kl.")
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0
    assert JournalNoteDraft.objects.get().text == "Ringde Greta om praktikplatsen"
    assert_accessible(page)

    main.get_by_role("link", name="Avbryt").click()
    page.get_by_role("link", name="Fortsätt på ditt utkast").click()
    expect(main).to_contain_text("är återställt", use_inner_text=True)
    expect(main.get_by_label("Anteckning")).to_have_value("Ringde Greta om praktikplatsen")
    assert_accessible(page)
    main.get_by_label("Anteckning").fill("Ringde Greta om praktikplatsen; hon börjar måndag.")
    main.get_by_role("button", name="Spara", exact=True).click()
    expect(main).to_contain_text("Anteckningen är sparad.", use_inner_text=True)
    assert JournalNote.objects.get().text.endswith("hon börjar måndag.")
    assert not JournalNoteDraft.objects.exists()
    expect(page.get_by_role("link", name="Ny anteckning")).to_be_visible()
