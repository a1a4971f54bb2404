"""A handledare places a participant, books and records the 3-party meeting, and finds the
deadlines; the unit manager decides a management approval. Every page passes axe-core."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from modules.models import ManagementApproval, Placement
from rehab.models import Enrolment, Team
from tests.browser.conftest import assert_accessible, login
from tests.factories import ParticipantFactory

PASSWORD = "webbläsartest-lösenord"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def enrolment(db):
    from django.contrib.auth import get_user_model

    call_command(
        "seed_demo",
        "--participants",
        "0",
        "--password",
        PASSWORD,
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )
    start = timezone.localdate() - datetime.timedelta(days=120)
    return Enrolment.objects.create(
        participant=ParticipantFactory(first_name="Greta", last_name="Webbtest"),
        team=Team.objects.get(name="Rehabteamet"),
        referrer="AF",
        start_date=start,
        responsible=get_user_model().objects.get(username="handledare"),
    )


def test_handledare_places_books_and_records_a_review(page, live_server, enrolment):
    login(page, live_server, "handledare", PASSWORD)
    page.goto(f"{live_server.url}/moduler/inskrivning/{enrolment.pk}/")
    expect(
        page.get_by_role("heading", name="Moduler och frister – Greta Webbtest")
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Placera i modul").click()
    page.get_by_label("Modul").select_option(label="Portalen (0 av 30 platser upptagna)")
    page.get_by_label("Startdatum").fill(enrolment.start_date.isoformat())
    assert_accessible(page)
    page.get_by_role("button", name="Placera").click()
    expect(page.locator("main")).to_contain_text(
        "Deltagaren är placerad i Portalen", use_inner_text=True
    )
    placement = Placement.objects.get(enrolment=enrolment)
    expect(page.locator("main")).to_contain_text(
        "Försenad", use_inner_text=True
    )  # review was due a month ago
    assert_accessible(page)
    page.goto(f"{live_server.url}/moduler/frister/")
    expect(page.locator("main")).to_contain_text("Greta Webbtest", use_inner_text=True)
    assert_accessible(page)
    page.get_by_role("link", name="Greta Webbtest").click()

    page.get_by_role("link", name="Boka trepartsmöte").click()
    page.get_by_label("Datum för trepartsmötet").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Boka").click()
    expect(page.locator("main")).to_contain_text("Trepartsmötet är bokat", use_inner_text=True)

    page.get_by_role("link", name="Registrera mötet").click()
    page.get_by_label("Deltagaren närvarade").check()
    page.get_by_label("Modulpersonal närvarade").check()
    page.get_by_label("Utvärderade mål").fill("Kommer varje vecka till fikagruppen.")
    page.get_by_label("Förläng").check()
    assert_accessible(page)
    page.get_by_role("button", name="Registrera").click()
    expect(page.locator("main")).to_contain_text("placeringen förlängd", use_inner_text=True)
    placement.refresh_from_db()
    assert placement.extensions == 1

    # The extension is used up: "Förläng" is shown disabled, with the rule's reason.
    assert page.get_by_role("link", name="Förläng").count() == 0
    assert page.get_by_role("button", name="Förläng").is_disabled()
    expect(page.locator("main")).to_contain_text(
        "Portalen kan bara förlängas 1 gång.", use_inner_text=True
    )
    assert_accessible(page)

    # Portalen asks for En väg in to be contacted at an extension (SPEC §13 rule 3): the only
    # deadline within 30 days is "Kontakta EVI", 14 days after the meeting.
    due = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    page.goto(f"{live_server.url}/moduler/frister/")
    main = page.locator("main").inner_text()
    assert "1 frist" in main and "Kontakta EVI" in main and due in main
    assert_accessible(page)
    page.get_by_role("link", name="Greta Webbtest").click()
    expect(page.locator("main")).to_contain_text("Kontakter med En väg in", use_inner_text=True)
    page.get_by_role("link", name=f"Registrera kontakt senast {due}").click()
    page.get_by_label("Hur").select_option(label="Telefon")
    page.get_by_label("Anteckning").fill("Ringde EVI om förlängningen.")
    assert_accessible(page)
    page.get_by_role("button", name="Registrera").click()
    expect(page.locator("main")).to_contain_text(
        "Kontakten med En väg in är registrerad.", use_inner_text=True
    )
    page.goto(f"{live_server.url}/moduler/frister/")
    expect(page.locator("main")).to_contain_text(
        "0 frister", use_inner_text=True
    )  # the review is months away now
    page.goto(f"{live_server.url}/moduler/modul/{placement.module_id}/")
    expect(page.locator("main")).to_contain_text("Greta Webbtest", use_inner_text=True)
    assert_accessible(page)
    page.goto(f"{live_server.url}/moduler/")
    assert_accessible(page)
    page.goto(f"{live_server.url}/moduler/frister/kalender/")
    page.get_by_role("button", name="Skapa kalenderlänk").click()
    assert page.get_by_label("Kalenderlänk").input_value().endswith(".ics")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Kopiera länken").click()
    # The copy is asynchronous: wait for the status line rather than read it at once.
    expect(page.locator("main")).to_contain_text("Länken är kopierad")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert copied == page.get_by_label("Kalenderlänk").input_value()
    assert_accessible(page)


def test_unit_manager_decides_a_management_approval(page, live_server, enrolment):
    ManagementApproval.objects.create(enrolment=enrolment, requested_date=enrolment.start_date)
    login(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server.url}/moduler/ledningsgruppsbeslut/")
    assert_accessible(page)
    page.get_by_role("link", name="Registrera beslut för Greta Webbtest").click()
    page.get_by_label("Godkänt", exact=True).check()
    page.get_by_label("Beslutsdatum").fill(timezone.localdate().isoformat())
    until = enrolment.start_date + datetime.timedelta(days=800)
    page.get_by_label("Godkänt till och med").fill(until.isoformat())
    assert_accessible(page)
    page.get_by_role("button", name="Registrera beslutet").click()
    expect(page.locator("main")).to_contain_text("godkänt till och med", use_inner_text=True)
    assert ManagementApproval.objects.get().status == "approved"
    assert_accessible(page)
