"""The main path of each source team of SPEC §13 in chromium, with axe: REBUS enrols past
Hagfors's share (a warning, counted in the board report); AKTIV runs beside Balder; the
pre-exit evaluation before an exit. (Portalen's EVI deadline: test_modules.py; the En väg in
introductory conversation and Lekeberg's case meetings: their own files.)"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from modules.models import Module, Placement
from modules.rules import review_due
from rehab.models import Enrolment, Kommun, Team
from tests.browser.conftest import DEMO_PASSWORD, assert_accessible, login
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _user(name):
    return get_user_model().objects.get(username=name)


def test_rebus_enrolment_past_hagfors_share(page, live_server, demo):
    rebus = Team.objects.get(name="REBUS")
    hagfors = Kommun.objects.get(name="Hagfors")
    start = timezone.localdate() - datetime.timedelta(days=10)
    for _ in range(17):  # Hagfors is offered 17 places first: all taken
        EnrolmentFactory(
            team=rebus, participant=ParticipantFactory(kommun=hagfors), start_date=start
        )
    rut = _user("rebus-handledare")
    participant = ParticipantFactory(
        first_name="Hedda", last_name="Hagfors", kommun=hagfors, created_by=rut
    )
    login(page, live_server, "rebus-handledare", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/inskrivning/ny/?deltagare={participant.pk}")
    page.get_by_label("Startdatum").fill(timezone.localdate().isoformat())
    page.get_by_label("Remittent").select_option("FK")
    page.get_by_label("Arbetsförmedlingen").check()
    page.get_by_label("Försäkringskassan").check()
    page.get_by_label("Sjukpenning / rehabiliteringspenning").check()
    assert_accessible(page)
    page.get_by_role("button", name="Spara").click()
    main = page.locator("main").inner_text()
    assert "är inskriven i REBUS" in main
    assert "Hagfors erbjuds 17 platser först; med den här inskrivningen är 18" in main
    assert "platserna kan fyllas utifrån behov" in main
    assert Enrolment.objects.filter(participant=participant, team=rebus).exists()
    assert_accessible(page)

    # The unit manager reads the board report: occupancy per kommun and the count.
    context = page.context.browser.new_context(locale="sv-SE")
    manager = context.new_page()
    login(manager, live_server, "rebus-admin", DEMO_PASSWORD)
    manager.goto(
        f"{live_server.url}/rapporter/styrelse/?scope=team-{rebus.pk}"
        f"&fran={timezone.localdate().year}-01-01&till={timezone.localdate().isoformat()}"
    )
    main = manager.locator("main").inner_text()
    assert "Platser och mjuka regler" in main
    assert "1 inskrivning utöver Hagfors andel" in main
    assert "18 av 17" not in main  # counts are in the table, not a made-up ratio
    assert_accessible(manager)
    manager.goto(f"{live_server.url}/team/{rebus.pk}/")
    expect(manager.locator("main")).to_contain_text("Över andelen", use_inner_text=True)
    assert_accessible(manager)
    context.close()


def test_aktiv_beside_balder(page, live_server, demo):
    ida = _user("insjo-handledare")
    balder = Team.objects.get(name="Balder")
    aktiv_team = Team.objects.get(name="AKTIV")
    start = timezone.localdate() - datetime.timedelta(days=30)
    participant = ParticipantFactory(
        first_name="Bo", last_name="Balder", kommun=Kommun.objects.get(name="Mora")
    )
    main = EnrolmentFactory(
        team=balder, participant=participant, start_date=start, responsible=ida
    )
    ips = Module.objects.get(name="Balder IPS")
    Placement.objects.create(
        enrolment=main,
        module=ips,
        start_date=start,
        next_review_due=review_due(start, ips.as_rule(), 0),
    )
    beside = EnrolmentFactory(
        team=aktiv_team, participant=participant, start_date=start, responsible=ida
    )
    login(page, live_server, "insjo-handledare", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/moduler/inskrivning/{beside.pk}/")
    page.get_by_role("link", name="Placera i modul").click()
    page.get_by_label("Modul").select_option(index=1)
    page.get_by_label("Startdatum").fill(start.isoformat())
    assert_accessible(page)
    page.get_by_role("button", name="Placera").click()
    text = page.locator("main").inner_text()
    assert "Deltagaren är placerad i AKTIV" in text
    due = start + datetime.timedelta(weeks=12)
    assert f"senast {due.isoformat()}" in text  # 12 weeks, exactly 84 days
    assert Placement.objects.filter(enrolment=main, end_date__isnull=True).exists()
    assert_accessible(page)


def test_pre_exit_evaluation_then_exit(page, live_server, demo):
    from rehab import services

    hanna = _user("handledare")
    enrolment = EnrolmentFactory(
        team=Team.objects.get(name="Rehabteamet"),
        participant=ParticipantFactory(first_name="Eva", last_name="Utvärdering"),
        start_date=datetime.date(2024, 1, 15),
        responsible=hanna,
    )
    services.goal_create(enrolment=enrolment, text="Arbetsträna halvtid", by=hanna)
    login(page, live_server, "handledare", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/deltagare/{enrolment.participant_id}/")
    page.get_by_role("link", name="Avsluta").click()
    expect(page.locator("main")).to_contain_text(
        "Inget utvärderingsmöte är registrerat.", use_inner_text=True
    )
    assert_accessible(page)
    page.get_by_role("link", name="Registrera utvärderingsmöte").click()
    page.get_by_label("Mötet hölls").fill("2024-06-01")
    page.get_by_label("Delvis uppnått").check()
    assert_accessible(page)
    page.get_by_role("button", name="Spara utvärderingen").click()
    text = page.locator("main").inner_text()
    assert "Hölls 2024-06-01." in text and "Arbetsträna halvtid – delvis uppnått" in text
    page.get_by_label("Avslutsdatum").fill("2024-06-10")
    page.get_by_label("Avslutsorsak").select_option("arbete")
    page.get_by_label("Sysselsättning efter avslut").select_option("forvarvsarbete")
    page.get_by_label("Andel av heltid (%)").fill("50")
    page.get_by_label("Ja").check()
    page.get_by_role("button", name="Registrera avslut").click()
    text = page.locator("main").inner_text()
    assert "Avslutet är registrerat" in text
    assert "Inget utvärderingsmöte" not in text
    assert "Delvis uppnått" in text  # the goal no longer says "Planerat"
    assert_accessible(page)
