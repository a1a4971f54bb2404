"""A handledare's main path in the browser: referral → enrolment → note → exit."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from rehab.models import Enrolment
from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_referral_enrolment_note_exit(page, live_server, demo):
    login(page, live_server, "handledare", PASSWORD)
    main = page.locator("main")
    page.get_by_role("link", name="Remisser", exact=True).click()
    page.get_by_role("link", name="Registrera remiss").click()
    page.get_by_label("Remittent").select_option("AF")
    page.get_by_label("Handläggarens namn").fill("Petra Lindwall")
    page.get_by_label("Handläggarens myndighet/enhet").fill("Arbetsförmedlingen Ludvika")
    page.get_by_label("Behov").fill("Behöver samordnat stöd för att närma sig arbete.")
    page.get_by_label("Mottagen").fill("2024-01-10")
    page.get_by_role("button", name="Spara remissen").click()
    page.get_by_label("Datum").fill("2024-01-12")
    page.get_by_role("button", name="Ta upp för bedömning").click()
    page.get_by_label("Datum").fill("2024-01-20")
    page.get_by_role("button", name="Anta remissen").click()
    expect(main).to_contain_text("Remissen är nu antagen.", use_inner_text=True)

    # From the accepted referral to registering the person.
    page.get_by_role("link", name="Skriv in deltagaren").click()
    expect(page.get_by_role("heading", name="Ny deltagare")).to_be_visible()
    assert_accessible(page)

    # A wrong check digit is refused in Swedish, and nothing is lost.
    page.locator("main").get_by_label("Personnummer").fill("19850312-4127")
    page.get_by_label("Förnamn").fill("Anna")
    page.get_by_label("Efternamn").fill("Berg")
    page.get_by_label("Kön").select_option("K")
    # The team's own kommuner first, in their own group.
    home = page.get_by_label("Kommun").locator('optgroup[label="Teamets kommuner"] option')
    assert home.all_inner_texts() == ["Ludvika", "Smedjebacken"]
    page.get_by_label("Kommun").select_option(label="Ludvika")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("main")).to_contain_text(
        "Kontrollsiffran stämmer inte", use_inner_text=True
    )
    assert page.get_by_label("Förnamn").input_value() == "Anna"
    assert_accessible(page)
    page.locator("main").get_by_label("Personnummer").fill("19850312-4128")
    page.get_by_role("button", name="Spara", exact=True).click()

    # Enrolment form, pre-filled with the team and the responsible handledare.
    expect(page.locator("h1")).to_contain_text("Skriv in Anna Berg", use_inner_text=True)
    # Pre-filled from the referral.
    assert page.get_by_label("Ordinarie handläggare").input_value() == "Petra Lindwall"
    assert_accessible(page)
    page.get_by_label("Startdatum").fill("2024-02-01")
    page.get_by_label("Arbetsförmedlingen").check()
    page.get_by_label("Försäkringskassan").check()
    page.get_by_label("Självskattat välmående vid start (1–10)").fill("4")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("main")).to_contain_text(
        "Anna Berg är inskriven i Rehabteamet", use_inner_text=True
    )
    expect(page.locator("main")).to_contain_text(
        "Arbetsförmedlingen, Försäkringskassan", use_inner_text=True
    )
    assert_accessible(page)

    page.get_by_role("link", name="Ny anteckning").click()
    assert page.get_by_label("Datum").input_value() == timezone.localdate().isoformat()
    page.get_by_label("Datum").fill("2024-02-05")
    page.get_by_label("Typ").select_option("individual")
    page.get_by_label("Anteckning").fill("Första samtalet om mål och mående.")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page.locator("main")).to_contain_text(
        "Första samtalet om mål och mående.", use_inner_text=True
    )

    page.get_by_role("link", name="Avsluta").click()
    assert_accessible(page)
    page.get_by_label("Avslutsdatum").fill("2024-09-30")
    page.get_by_label("Avslutsorsak").select_option("annat")
    page.get_by_label("Sysselsättning efter avslut").select_option("ovrigt")
    page.get_by_label("Ja").check()
    page.get_by_role("button", name="Registrera avslut").click()
    # Outcome not work or studies: a plan is required, the form keeps what was typed.
    expect(page.locator("main")).to_contain_text("krävs en handlingsplan", use_inner_text=True)
    assert page.get_by_label("Avslutsdatum").input_value() == "2024-09-30"
    page.get_by_label("Handlingsplan för vad som händer sedan").fill("Social praktik via IFO.")
    page.get_by_role("button", name="Registrera avslut").click()
    expect(page.locator("main")).to_contain_text("Avslutet är registrerat", use_inner_text=True)
    expect(page.locator("main")).to_contain_text("Avslutad 2024-09-30", use_inner_text=True)
    assert_accessible(page)
    enrolment = Enrolment.objects.get()
    assert enrolment.exit_outcome == "annat"
    # The referral was marked enrolled and is listed on the participant page.
    assert enrolment.referrals.get().status == "enrolled"
    expect(main).to_contain_text("Inskriven", use_inner_text=True)


def test_group_activity_attendance(page, live_server, demo):
    from rehab.models import Team
    from tests.factories import EnrolmentFactory, ParticipantFactory

    EnrolmentFactory(
        team=Team.objects.get(name="Rehabteamet"),
        participant=ParticipantFactory(first_name="Maja", last_name="Karlsson"),
    )
    EnrolmentFactory(
        team=Team.objects.get(name="Rehabteamet"),
        participant=ParticipantFactory(first_name="Olle", last_name="Berg"),
    )
    login(page, live_server, "handledare", PASSWORD)
    page.get_by_role("link", name="Mina team").click()
    page.get_by_role("link", name="Rehabteamet").click()
    page.get_by_role("link", name="Gruppaktiviteter och närvaro").click()
    assert_accessible(page)
    page.get_by_label("Datum").fill("2024-03-05")
    page.get_by_label("Aktivitet").fill("Fikagrupp")
    page.get_by_role("button", name="Lägg in").click()
    assert_accessible(page)
    page.get_by_role("group", name="Maja Karlsson").get_by_label("Närvarande").check()
    page.get_by_role("group", name="Olle Berg").get_by_label("Anmält förhinder").check()
    page.get_by_role("button", name="Spara närvaro").click()
    expect(page.locator("main")).to_contain_text(
        "Närvaron är sparad: 1 närvarande.", use_inner_text=True
    )
    expect(page.locator("main")).to_contain_text(
        "1 av 2 (1 anmält förhinder)", use_inner_text=True
    )


def test_the_caseload_marks_an_overdue_review_in_words(page, live_server, demo):
    from modules.models import Module, Placement
    from rehab.models import Team
    from tests.factories import EnrolmentFactory, ParticipantFactory

    team = Team.objects.get(name="Rehabteamet")
    today = timezone.localdate()
    for last_name, review in (("Sentlund", -3), ("Itidberg", 10)):
        enrolment = EnrolmentFactory(
            team=team, participant=ParticipantFactory(last_name=last_name)
        )
        Placement.objects.create(
            enrolment=enrolment,
            module=Module.objects.filter(team=team).first(),
            start_date=enrolment.start_date,
            next_review_due=today + datetime.timedelta(days=review),
        )
    login(page, live_server, "handledare", PASSWORD)
    page.get_by_role("link", name="Deltagare", exact=True).click()
    late = page.get_by_role("row", name=re.compile("Sentlund"))
    expect(late).to_contain_text("Försenad", use_inner_text=True)
    expect(page.get_by_role("row", name=re.compile("Itidberg"))).not_to_contain_text(
        "Försenad", use_inner_text=True
    )
    assert_accessible(page)
