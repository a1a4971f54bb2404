"""Issue #22: the participant page's summary and jump links, the printable action plan (easy
Swedish) and the 3-party protocol to sign; who may open them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from modules import services as module_services
from modules.models import Module
from rehab import services
from rehab.models import Deviation
from tests.factories import EnrolmentFactory, ParticipantFactory

D = datetime.date


@pytest.fixture
def case(rehab_team, handledare_a):
    start = timezone.localdate() - datetime.timedelta(days=40)
    enrolment = EnrolmentFactory(
        team=rehab_team,
        participant=ParticipantFactory(first_name="Vera", last_name="Översikt"),
        start_date=start,
        responsible=handledare_a,
        case_officer_name="Petra Lind",
    )
    goal = services.goal_create(
        enrolment=enrolment, text="Komma till fikagruppen", by=handledare_a
    )
    services.goal_create(enrolment=enrolment, text="Ta bussen själv", parent=goal, by=handledare_a)
    placement = module_services.placement_create(
        enrolment=enrolment,
        module=Module.objects.get(team=rehab_team, name="Kompassen"),
        start_date=start,
        by=handledare_a,
    )
    review = module_services.review_book(
        placement=placement, planned_date=timezone.localdate(), by=handledare_a
    )
    Deviation.objects.create(
        enrolment=enrolment,
        occurred_at=timezone.now() - datetime.timedelta(days=1),
        description="Kom inte",
    )
    return enrolment, review


def test_summary_at_the_top_with_jump_links(client, case, handledare_a):
    enrolment, _ = case
    client.force_login(handledare_a)
    page = client.get(reverse("participant_detail", args=[enrolment.participant_id])).content
    page = page.decode()
    summary = page[page.index('id="oversikt"') : page.index('id="personuppgifter"')]
    assert "Modul: Kompassen, nästa utvärdering senast" in summary
    assert "Ramtiden slutar" in summary
    assert "Saknas" in summary  # consent
    assert "1 avvikelse inte rapporterad" in summary
    for anchor in ("#oversikt", "#personuppgifter", "#samtycke-rubrik", f"#plan-{enrolment.pk}"):
        assert f'href="{anchor}"' in page
    assert f'id="journal-{enrolment.pk}"' in page


def test_printable_action_plan_in_easy_swedish(client, case, handledare_a, handledare_b):
    enrolment, _ = case
    url = reverse("action_plan_print", args=[enrolment.pk])
    client.force_login(handledare_b)
    assert client.get(url).status_code == 404
    client.force_login(handledare_a)
    page = client.get(url).content.decode()
    assert "Din handlingsplan" in page and "Det här vill du uppnå" in page
    assert "Komma till fikagruppen" in page and "Ta bussen själv" in page
    assert "Petra Lind" in page
    assert enrolment.participant.personnummer not in page


def test_review_protocol_to_sign(client, case, handledare_a, handledare_b, styrgrupp_user):
    enrolment, review = case
    url = reverse("modules:review_protocol", args=[review.pk])
    for outsider in (handledare_b, styrgrupp_user):
        client.force_login(outsider)
        assert client.get(url).status_code in (403, 404)
    client.force_login(handledare_a)
    page = client.get(url).content.decode()
    assert "Protokoll från trepartsmöte" in page
    assert "Underskrift och namnförtydligande" in page
    assert "☐ Förläng" in page
    assert "Komma till fikagruppen" in page
    module_page = client.get(reverse("modules:enrolment", args=[enrolment.pk])).content.decode()
    assert url in module_page


def test_header_search_finds_a_participant_from_any_page(client, case, handledare_a):
    _enrolment, _ = case
    client.force_login(handledare_a)
    start = client.get(reverse("start")).content.decode()
    assert 'role="search"' in start and 'id="header-search"' in start
    response = client.post(reverse("caseload"), {"q": "Översikt"})
    assert response.status_code == 302 and response.url == reverse("caseload")  # not in the URL
    assert "Vera" in client.get(response.url).content.decode()


def test_header_search_is_for_case_workers_only(client, styrgrupp_user):
    client.force_login(styrgrupp_user)
    assert 'id="header-search"' not in client.get(reverse("start")).content.decode()
