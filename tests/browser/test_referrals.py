"""A handledare registers a referral and takes it through assessment to acceptance; the admin
of En väg in assigns a referral to Rehabteamet. Every page passes axe-core."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from referrals import services
from referrals.models import Referral
from rehab.models import Referrer, Team
from tests.browser.conftest import DEMO_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_handledare_registers_assesses_and_accepts_a_referral(page, live_server, demo):
    login(page, live_server, "handledare", PASSWORD)
    page.goto(f"{live_server.url}/remisser/")
    expect(page.get_by_role("heading", name="Remisser")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Registrera remiss").click()
    expect(page.get_by_role("heading", name="Registrera remiss")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Remittent").select_option("FK")
    page.get_by_label("Handläggarens namn").fill("Petra Lindwall")
    page.get_by_label("Handläggarens myndighet/enhet").fill("Försäkringskassan Borlänge")
    page.get_by_label("Handläggarens telefon").fill("010-123 45 67")
    page.get_by_label("Handläggarens e-post").fill("petra.lund@example.se")
    page.get_by_label("Behov").fill("Behöver stöd att hitta struktur och komma ut i praktik.")
    page.get_by_label("Mottagen").fill("2024-05-02")
    page.get_by_role("button", name="Spara remissen").click()

    main = page.locator("main")
    expect(main).to_contain_text("Remissen är registrerad.", use_inner_text=True)
    expect(page.get_by_role("heading", name="Remiss från Försäkringskassan")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Datum").fill("2024-05-06")
    page.get_by_role("button", name="Ta upp för bedömning").click()
    expect(main).to_contain_text("Remissen är nu under bedömning.", use_inner_text=True)
    assert_accessible(page)

    page.get_by_label("Datum").fill("2024-05-20")
    page.get_by_role("button", name="Anta remissen").click()
    expect(main).to_contain_text("Remissen är nu antagen.", use_inner_text=True)
    expect(main).to_contain_text(
        "18 dagar", use_inner_text=True
    )  # received 2024-05-02, accepted 2024-05-20
    assert_accessible(page)

    page.get_by_role("link", name="← Alla remisser").click()
    assert_accessible(page)
    page.get_by_label("Sök handläggare, behov eller diarienummer").fill("Lindwall")
    page.locator("main").get_by_role("button", name="Sök").click()
    row = page.get_by_role("row").filter(has_text="Petra Lindwall")
    expect(row).to_contain_text("Antagen", use_inner_text=True)
    assert_accessible(page)

    page.get_by_label("Sök handläggare, behov eller diarienummer").fill("struktur och komma ut")
    page.get_by_label("Status").select_option("accepted")
    page.get_by_label("Remittent").select_option("FK")
    page.locator("main").get_by_role("button", name="Sök").click()
    expect(page.get_by_role("row").filter(has_text="Petra Lindwall")).to_be_visible()
    assert "1 remiss" in page.locator("caption").first.inner_text()


def test_admin_of_evi_assigns_a_referral_to_rehabteamet(page, live_server, demo):
    evi = Team.objects.get(name="EVI")
    admin = get_user_model().objects.get(username="admin")
    referral = services.referral_create(
        team=evi,
        source=Referrer.AF,
        case_officer_name="Alva Norrgård",
        need="Långt från arbetsmarknaden, behöver samordnat stöd.",
        received_date=datetime.date(2024, 4, 2),
        by=admin,
    )
    for status, day in (("assessing", 3), ("accepted", 10)):
        services.referral_transition(
            referral=referral, to_status=status, date=datetime.date(2024, 4, day), by=admin
        )

    login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server.url}/remisser/")
    page.get_by_label("Team").select_option(label="EVI")
    page.get_by_label("Sök handläggare, behov eller diarienummer").fill("Norrgård")
    page.locator("main").get_by_role("button", name="Sök").click()
    assert_accessible(page)
    page.get_by_role("row").filter(has_text="Alva Norrgård").get_by_role("link").click()
    main = page.locator("main")
    expect(main).to_contain_text(
        "skrivs in när enhetschefen för EVI har fördelat den", use_inner_text=True
    )
    assert_accessible(page)

    page.get_by_label("Metod").select_option(label="Rehabteamet")
    page.get_by_role("button", name="Fördela remissen").click()
    expect(main).to_contain_text("Remissen är fördelad till Rehabteamet.", use_inner_text=True)
    expect(main).to_contain_text("Fördelad till Rehabteamet", use_inner_text=True)
    assert_accessible(page)
    referral.refresh_from_db()
    assert referral.assigned_team.name == "Rehabteamet"
    assert referral.status == Referral.Status.ACCEPTED

    # The method's handledare now sees it in their list.
    page.get_by_role("button", name="Logga ut").click()
    login(page, live_server, "handledare", PASSWORD)
    page.goto(f"{live_server.url}/remisser/?q=Norrg%C3%A5rd")
    expect(page.get_by_role("row").filter(has_text="Alva Norrgård")).to_be_visible()
    assert_accessible(page)


def test_consultations_page_is_accessible(page, live_server, demo):
    login(page, live_server, "handledare", PASSWORD)
    page.goto(f"{live_server.url}/remisser/konsultationer/ny/")
    assert_accessible(page)
    page.get_by_label("Datum").fill("2024-05-02")
    page.get_by_label("Myndighet som frågar").select_option("AF")
    page.get_by_label("Ämne").fill("Fråga om vilka som passar för Portalen")
    page.get_by_role("button", name="Spara konsultationen").click()
    main = page.locator("main")
    expect(main).to_contain_text("Konsultationen är registrerad.", use_inner_text=True)
    expect(main).to_contain_text("Fråga om vilka som passar för Portalen", use_inner_text=True)
    assert_accessible(page)


def test_evi_handledare_registers_a_referral_and_its_introductory_conversation(
    page, live_server, demo
):
    login(page, live_server, "handledare2", PASSWORD)
    page.goto(f"{live_server.url}/remisser/ny/")
    assert_accessible(page)
    page.get_by_label("Remittent").select_option("Forbund")
    page.get_by_label("Inkom via").select_option("epost")
    page.get_by_label("Diarienummer (valfritt)").fill("VB 2024/0042")
    page.get_by_label("Kan personen nå arbete inom två år?").select_option("vet_ej")
    page.get_by_label("Har deltagaren uppgett sig vara motiverad?").select_option("ja")
    page.get_by_label("Behov").fill("Behöver samordnat stöd från flera myndigheter.")
    page.get_by_label("Mottagen").fill("2024-09-02")
    page.get_by_role("button", name="Spara remissen").click()

    main = page.locator("main")
    expect(main).to_contain_text("Remissen är registrerad.", use_inner_text=True)
    text = main.inner_text()
    for shown in ("E-post", "VB 2024/0042", "Vet ej", "Verksamhet finansierad av förbundet"):
        assert shown in text
    assert "Inget registrerat" in text
    assert_accessible(page)

    page.get_by_role("link", name="Registrera introduktionssamtal").click()
    expect(page.get_by_role("heading", name="Introduktionssamtal")).to_be_visible()
    assert_accessible(page)
    # Before the referral was received: refused on the field, nothing saved.
    page.get_by_label("Datum för samtalet").fill("2024-08-30")
    page.get_by_label("Deltagaren").check()
    page.get_by_role("button", name="Spara samtalet").click()
    expect(main).to_contain_text(
        "före remissens mottagningsdatum (2024-09-02)", use_inner_text=True
    )
    assert_accessible(page)

    page.get_by_label("Datum för samtalet").fill("2024-09-09")
    page.get_by_label("Förbundets personal").check()
    page.get_by_role("button", name="Spara samtalet").click()
    expect(main).to_contain_text("Introduktionssamtalet är registrerat.", use_inner_text=True)
    text = main.inner_text()
    assert "2024-09-09, med deltagaren, förbundets personal" in text
    assert "7 dagar" in text
    assert_accessible(page)
    referral = Referral.objects.get(diary_number="VB 2024/0042")
    assert referral.channel == "epost"
    assert referral.intro_date == datetime.date(2024, 9, 9)
    assert referral.intro_with_participant and referral.intro_with_staff
    assert not referral.intro_with_referrer
