"""One input policy for web and command line (issue #14, finding 6; rehab/policy.py).

Each case below was accepted before the policy: a 1 MB journal note, deviation text and
decline reason; year 1899 on a referral's received date, a consultation, an activity and a
deviation; year 9999 on a first follow-up date, a review booking and an activity; an
enrolment with no responsible handledare.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from modules import services as module_services
from modules.models import Module
from referrals import services as referral_services
from rehab import policy
from rehab import services as rehab_services
from rehab.models import JournalNote, Referrer
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db
D = datetime.date
MEGABYTE = "x" * 1_000_000
TODAY = timezone.localdate()


# --- The rules themselves --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (D(1999, 12, 31), "före 2000-01-01"),
        (D(2000, 1, 1), None),
        (TODAY, None),
        (TODAY + datetime.timedelta(days=1), "framtiden"),
    ],
)
def test_event_dates_run_from_2000_to_today(value, error):
    message = policy.event_date_error(value, "Datumet")
    assert (message is None) if error is None else (error in message)


@pytest.mark.parametrize(
    ("days_ahead", "allowed"),
    [(0, True), (policy.PLANNED_AHEAD, True), (policy.PLANNED_AHEAD + 1, False)],
)
def test_planned_dates_lie_at_most_two_years_ahead(days_ahead, allowed):
    value = TODAY + datetime.timedelta(days=days_ahead)
    message = policy.planned_date_error(value, "Mötet")
    assert (message is None) == allowed
    if not allowed:
        assert message == "Mötet kan ligga högst två år fram i tiden."


def test_text_lengths_are_counted_in_characters():
    assert policy.text_error("å" * policy.NOTE, "Anteckningen", policy.NOTE) is None
    message = policy.text_error("å" * (policy.NOTE + 1), "Anteckningen", policy.NOTE)
    assert message == "Anteckningen får vara högst 20 000 tecken."


def test_form_validators_give_the_same_message():
    validate = policy.planned_date_validator("Datumet")
    with pytest.raises(ValidationError, match="högst två år"):
        validate(D(9999, 12, 31))
    validate(TODAY)


# --- The services refuse what the policy refuses ---------------------------------------------


@pytest.fixture
def enrolment(rehab_team, handledare_a):
    return EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 15), responsible=handledare_a)


def _refused(field, call):
    with pytest.raises(ValidationError) as e:
        call()
    assert field in e.value.message_dict, e.value
    return e.value.message_dict[field][0]


def test_a_megabyte_journal_note_is_refused(enrolment, handledare_a):
    message = _refused(
        "text",
        lambda: rehab_services.note_create(
            enrolment=enrolment,
            date=D(2024, 2, 1),
            kind="individual",
            text=MEGABYTE,
            by=handledare_a,
        ),
    )
    assert "högst 20 000 tecken" in message
    assert not JournalNote.objects.exists()


def test_a_megabyte_deviation_and_a_deviation_in_1899_are_refused(enrolment, handledare_a):
    occurred = timezone.make_aware(datetime.datetime(2024, 2, 1, 10, 0))
    _refused(
        "description",
        lambda: rehab_services.deviation_create(
            enrolment=enrolment,
            occurred_at=occurred,
            description=MEGABYTE,
            reported_at=None,
            reported_to="",
            by=handledare_a,
        ),
    )
    _refused(
        "occurred_at",
        lambda: rehab_services.deviation_create(
            enrolment=enrolment,
            occurred_at=timezone.make_aware(datetime.datetime(1899, 6, 1, 10, 0)),
            description="Kom inte",
            reported_at=None,
            reported_to="",
            by=handledare_a,
        ),
    )


def test_a_megabyte_decline_reason_is_refused(rehab_team, handledare_a):
    referral = referral_services.referral_create(
        team=rehab_team,
        source=Referrer.AF,
        need="Stöd",
        received_date=D(2024, 1, 2),
        by=handledare_a,
    )
    _refused(
        "reason",
        lambda: referral_services.referral_transition(
            referral=referral,
            to_status="declined",
            date=D(2024, 1, 3),
            reason=MEGABYTE,
            by=handledare_a,
        ),
    )


def test_a_referral_and_a_consultation_in_1899_are_refused(rehab_team, handledare_a):
    _refused(
        "received_date",
        lambda: referral_services.referral_create(
            team=rehab_team,
            source=Referrer.AF,
            need="Stöd",
            received_date=D(1899, 5, 1),
            by=handledare_a,
        ),
    )
    _refused(
        "date",
        lambda: referral_services.consultation_create(
            team=rehab_team,
            date=D(1899, 5, 1),
            agency=Referrer.FK,
            topic="Rutiner",
            by=handledare_a,
        ),
    )


@pytest.mark.parametrize("day", [D(1899, 1, 1), D(9999, 12, 31)])
def test_an_activity_in_1899_or_9999_is_refused(rehab_team, admin_user, day):
    _refused(
        "date",
        lambda: rehab_services.activity_create(
            team=rehab_team, date=day, title="Fika", kind="group", by=admin_user
        ),
    )


def test_a_first_followup_in_9999_is_refused(rehab_team, handledare_a):
    _refused(
        "first_followup_date",
        lambda: rehab_services.enrolment_create(
            participant=ParticipantFactory(),
            team=rehab_team,
            start_date=D(2024, 1, 1),
            referrer="AF",
            responsible=handledare_a,
            first_followup_date=D(9999, 12, 31),
            by=handledare_a,
        ),
    )


def test_an_enrolment_needs_its_responsible_handledare(rehab_team, handledare_a):
    message = _refused(
        "responsible",
        lambda: rehab_services.enrolment_create(
            participant=ParticipantFactory(),
            team=rehab_team,
            start_date=D(2024, 1, 1),
            referrer="AF",
            by=handledare_a,
        ),
    )
    assert message == "Välj ansvarig handledare."


def test_a_review_booked_in_9999_is_refused(enrolment, handledare_a, rehab_team):
    kompassen = Module.objects.get(team=rehab_team, name="Kompassen")
    placement = module_services.placement_create(
        enrolment=enrolment, module=kompassen, start_date=D(2024, 2, 1), by=handledare_a
    )
    _refused(
        "planned_date",
        lambda: module_services.review_book(
            placement=placement, planned_date=D(9999, 12, 31), by=handledare_a
        ),
    )


def test_the_web_form_shows_the_policy_on_the_field(client, enrolment, handledare_a):
    client.force_login(handledare_a)
    response = client.post(
        reverse("note_create", args=[enrolment.pk]),
        {"date": "2024-02-01", "kind": "individual", "text": MEGABYTE},
    )
    assert response.status_code == 200
    assert "högst 20 000 tecken" in response.content.decode()
    assert not JournalNote.objects.exists()
