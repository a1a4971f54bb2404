"""Actions that contradict the state are not offered (issue #14, finding 8).

Before: a review booking stayed "Bokat" after the review was recorded and after exit;
"Förläng" was offered with the extensions used up; "Skriv in" was offered for a participant
already enrolled (refused only after the whole form was filled); EVI members saw "Ny
deltagare" and "Anonym inskrivning", which led to 403.
"""

import datetime

import pytest
from django.urls import reverse

from casework import services as casework_services
from modules import services as module_services
from modules.models import Module, Review
from rehab.services import ExitData
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def enrolment(rehab_team, handledare_a):
    return EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 15), responsible=handledare_a)


@pytest.fixture
def placement(enrolment, rehab_team, handledare_a):
    kompassen = Module.objects.get(team=rehab_team, name="Kompassen")
    return module_services.placement_create(
        enrolment=enrolment, module=kompassen, start_date=D(2024, 2, 1), by=handledare_a
    )


def test_recording_the_review_closes_its_booking(placement, handledare_a):
    module_services.review_book(placement=placement, planned_date=D(2024, 7, 1), by=handledare_a)
    module_services.review_record(
        placement=placement,
        held_date=D(2024, 7, 2),
        decision=Review.Decision.EXTEND,
        attended_participant=True,
        attended_case_officer=True,
        attended_staff=True,
        by=handledare_a,
    )
    assert not Review.objects.filter(placement=placement, held_date__isnull=True).exists()
    assert Review.objects.get(placement=placement).held_date == D(2024, 7, 2)


def test_exit_cancels_the_booked_review(enrolment, placement, handledare_a):
    module_services.review_book(placement=placement, planned_date=D(2024, 7, 1), by=handledare_a)
    casework_services.enrolment_exit(
        enrolment=enrolment,
        data=ExitData(exit_date=D(2024, 6, 1), outcome="arbete", occupation_exit="forvarvsarbete"),
        by=handledare_a,
    )
    assert not Review.objects.filter(placement=placement, held_date__isnull=True).exists()


def test_ending_the_placement_cancels_the_booked_review(placement, handledare_a):
    module_services.review_book(placement=placement, planned_date=D(2024, 7, 1), by=handledare_a)
    module_services.placement_end(placement=placement, end_date=D(2024, 6, 1), by=handledare_a)
    assert not Review.objects.filter(placement=placement, held_date__isnull=True).exists()


def test_extend_is_shown_disabled_with_the_reason_when_refused(
    client, enrolment, placement, handledare_a
):
    module = placement.module
    module.max_extensions = 1
    module.save()
    placement.extensions = 1
    placement.save()
    client.force_login(handledare_a)
    body = client.get(reverse("modules:enrolment", args=[enrolment.pk])).content.decode()
    assert reverse("modules:placement_extend", args=[placement.pk]) not in body
    assert 'disabled aria-describedby="extend-refusal">Förläng</button>' in body


def test_extend_is_offered_while_allowed(client, enrolment, placement, handledare_a):
    client.force_login(handledare_a)
    body = client.get(reverse("modules:enrolment", args=[enrolment.pk])).content.decode()
    assert reverse("modules:placement_extend", args=[placement.pk]) in body


def test_enrol_is_not_offered_for_a_participant_enrolled_in_every_team(
    client, enrolment, handledare_a
):
    client.force_login(handledare_a)
    page = client.get(reverse("participant_detail", args=[enrolment.participant_id]))
    assert f"{reverse('enrolment_create')}?deltagare=" not in page.content.decode()
    response = client.get(reverse("enrolment_create") + f"?deltagare={enrolment.participant_id}")
    assert response.status_code == 302
    assert response["Location"] == reverse("participant_detail", args=[enrolment.participant_id])
    follow = client.get(response["Location"]).content.decode()
    assert "har redan en pågående inskrivning" in follow


def test_enrol_is_offered_after_exit(client, rehab_team, handledare_a):
    former = EnrolmentFactory(
        team=rehab_team, start_date=D(2023, 1, 9), exit_date=D(2023, 6, 30), exit_outcome="arbete"
    )
    client.force_login(handledare_a)
    page = client.get(reverse("participant_detail", args=[former.participant_id]))
    assert f"{reverse('enrolment_create')}?deltagare={former.participant_id}" in (
        page.content.decode()
    )


def test_triage_members_are_not_offered_registration(client, handledare_a, handledare_b):
    new, anonymous = reverse("participant_create"), reverse("participant_create_anonymous")
    client.force_login(handledare_b)  # EVI (En väg in): triage only
    body = client.get(reverse("caseload")).content.decode()
    assert new not in body and anonymous not in body
    client.force_login(handledare_a)  # Rehabteamet
    body = client.get(reverse("caseload")).content.decode()
    assert new in body and anonymous in body
