"""Issue #21 in the browser, on a phone's viewport (390 × 844): a participant answers in
hand-over mode on the handledare's screen and through a one-time link; the link works once and
never after expiry; the steering group sees the results suppressed."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from questionnaires.models import AnswerLink, Response
from rehab.models import Team
from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
SELF_RATING = "Självskattning – hur har du det?"


def _fits_the_phone(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _answer_every_question(page):
    for fieldset in page.locator("fieldset").all():
        options = fieldset.locator("label.q-option")
        options.nth(min(2, options.count() - 1)).click()
    page.get_by_role("button", name="Skicka svaren").click()


def _choose(page, occasion):
    page.get_by_label("Enkät").select_option(label=SELF_RATING)
    page.get_by_label("När").select_option(label=occasion)


def test_participant_answers_by_hand_over_and_by_link_and_styrgrupp_sees_it_suppressed(
    browser, page, live_server, demo
):
    handledare = get_user_model().objects.get(username="handledare")
    participant = ParticipantFactory(first_name="Siv", last_name="Enkätsson")
    enrolment = EnrolmentFactory(
        participant=participant, team=Team.objects.get(name="Rehabteamet"), responsible=handledare
    )
    page.set_viewport_size(PHONE)
    login(page, live_server, "handledare", PASSWORD)
    page.goto(f"{live_server.url}/deltagare/{participant.pk}/")
    page.get_by_role("link", name="Självskattning (enkät)").click()
    assert_accessible(page)

    # Hand-over mode: the screen shows the questionnaire and nothing of the case.
    _choose(page, "Vid start")
    page.get_by_role("button", name="Lämna över skärmen").click()
    expect(page.get_by_role("heading", name=SELF_RATING)).to_be_visible()
    body = page.locator("body").inner_text()
    assert "Enkätsson" not in body and participant.personnummer[:8] not in body
    assert page.get_by_role("link", name="Deltagare").count() == 0
    assert_accessible(page)
    _fits_the_phone(page)
    # Leaving for the case is refused without the password.
    page.goto(f"{live_server.url}/deltagare/{participant.pk}/")
    expect(page.locator("body")).not_to_contain_text("Enkätsson", use_inner_text=True)
    _answer_every_question(page)
    expect(page.get_by_text("Tack! Dina svar är sparade.")).to_be_visible()
    page.get_by_role("link", name="Handledaren tar över").click()
    expect(page.get_by_label("Handledarens lösenord")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Handledarens lösenord").fill("inte-rätt-lösenord")
    page.get_by_role("button", name="Tillbaka till ärendet").click()
    expect(page.get_by_text("Fel lösenord.")).to_be_visible()
    page.get_by_label("Handledarens lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Tillbaka till ärendet").click()
    expect(page.get_by_text("Deltagarens svar är sparade.")).to_be_visible()
    assert Response.objects.filter(enrolment=enrolment, occasion="start").count() == 1

    # A one-time link with a QR code, opened on the participant's own phone.
    _choose(page, "Vid avstämning")
    page.get_by_role("button", name="Skapa engångslänk").click()
    expect(page.locator(".qr-code svg")).to_be_visible()
    assert_accessible(page)
    url = page.get_by_label("Länk").input_value()
    phone = browser.new_context(locale="sv-SE", viewport=PHONE)
    own = phone.new_page()
    own.goto(url)
    expect(own.get_by_role("heading", name=SELF_RATING)).to_be_visible()
    expect(own.locator("body")).not_to_contain_text("Enkätsson", use_inner_text=True)
    assert_accessible(own)
    _fits_the_phone(own)
    _answer_every_question(own)
    expect(own.get_by_text("Tack! Dina svar är sparade.")).to_be_visible()
    # Once only.
    own.goto(url)
    expect(own.get_by_role("heading", name="Länken fungerar inte längre")).to_be_visible()
    assert_accessible(own)
    assert Response.objects.filter(enrolment=enrolment, occasion="review").count() == 1

    # Never after expiry.
    page.goto(f"{live_server.url}/enkater/inskrivning/{enrolment.pk}/")
    _choose(page, "Vid avstämning")
    page.get_by_role("button", name="Skapa engångslänk").click()
    late = page.get_by_label("Länk").input_value()
    AnswerLink.objects.filter(used_at__isnull=True).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    own.goto(late)
    expect(own.get_by_role("heading", name="Länken fungerar inte längre")).to_be_visible()
    phone.close()

    # The steering group sees the results with small counts withheld.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, live_server, "styrgrupp", PASSWORD)
    page.get_by_role("link", name="Enkätresultat").click()
    page.get_by_label("Team").select_option(label="Rehabteamet")
    page.get_by_label("Enkät").select_option(label=SELF_RATING)
    page.get_by_role("button", name="Visa").click()
    main = page.locator("main").inner_text()
    assert "Hur mår du i dag, allt sammantaget?" in main
    assert "<5" in main
    assert "Enkätsson" not in main
    assert_accessible(page)
