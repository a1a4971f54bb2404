"""No date a user can type makes the module rules fail (issue #14): the placement start and a
booked review follow rehab/policy.py, and the month arithmetic never raises."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from modules import forms, rules, services
from modules.models import Placement
from rehab.policy import PLACEMENT_AHEAD, PLANNED_AHEAD

D = datetime.date


# --- add_months never raises -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(9999, 12, 31), 1, datetime.date.max),
        (D(9999, 7, 31), 6, datetime.date.max),
        (D(9999, 12, 31), 10**6, datetime.date.max),
        (D(1, 1, 1), -1, datetime.date.min),
        (D(1, 6, 15), -24, datetime.date.min),
        (D(9999, 6, 30), 6, D(9999, 12, 30)),
        (D(1, 3, 31), -2, D(1, 1, 31)),
    ],
)
def test_add_months_clamps_to_the_calendars_ends(start, months, expected):
    assert rules.add_months(start, months) == expected


def test_rules_on_the_last_representable_dates_do_not_raise():
    module = rules.ModuleRule("Portalen", first_period=3, extension_period=3)
    team = rules.TeamRule()
    start = D(9999, 12, 1)
    assert rules.first_review_due(start, module) == datetime.date.max
    assert rules.review_due(start, module, 3) == datetime.date.max
    assert rules.frame_end(start, team) == datetime.date.max
    assert rules.approval_due(start, team) == datetime.date.max
    assert (
        rules.next_followup_due(
            enrolment_start=start, last_held=None, team=rules.TeamRule(followup_interval_months=3)
        )
        == datetime.date.max
    )
    assert not rules.placement_decision(
        placement_start=start, module=module, enrolment_start=D(2024, 1, 1), team=team, occupied=0
    )
    assert (
        rules.extension_decision(
            current_due=D(9999, 12, 1),
            extensions_so_far=0,
            module=module,
            enrolment_start=D(9999, 1, 1),
            team=team,
        ).due
        == datetime.date.max
    )


# --- The placement start follows the input policy --------------------------------------------


def _today():
    return timezone.localdate()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "message"),
    [
        (D(9999, 12, 31), "Startdatum kan ligga högst 60 dagar fram i tiden."),
        (None, "Startdatum kan ligga högst 60 dagar fram i tiden."),  # today + 61
        (D(1999, 12, 31), "Startdatum kan inte ligga före 2000-01-01."),
        (D(1, 1, 1), "Startdatum kan inte ligga före 2000-01-01."),
    ],
)
def test_placement_start_outside_the_policy_is_refused(
    make_enrolment, kompassen, handledare_a, start, message
):
    start = start or _today() + datetime.timedelta(days=PLACEMENT_AHEAD + 1)
    enrolment = make_enrolment(start=D(1999, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.placement_create(
            enrolment=enrolment, module=kompassen, start_date=start, by=handledare_a
        )
    assert excinfo.value.message_dict == {"start_date": [message]}
    assert not Placement.objects.exists()


@pytest.mark.django_db
def test_placement_may_start_placement_ahead_days_from_today(
    make_enrolment, kompassen, handledare_a
):
    enrolment = make_enrolment(start=_today() - datetime.timedelta(days=10))
    start = _today() + datetime.timedelta(days=PLACEMENT_AHEAD)
    placement = services.placement_create(
        enrolment=enrolment, module=kompassen, start_date=start, by=handledare_a
    )
    assert placement.start_date == start


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("9999-12-31", False),
        ("1899-01-01", False),
        ("1999-12-31", False),
        ("2000-01-01", True),
        (None, True),  # today + PLACEMENT_AHEAD
        ("tomorrow-ish", False),
    ],
)
@pytest.mark.django_db
def test_placement_form_checks_the_start_on_the_field(kompassen, value, ok):
    value = value or (_today() + datetime.timedelta(days=PLACEMENT_AHEAD)).isoformat()
    form = forms.PlacementForm(
        {"module": kompassen.pk, "start_date": value},
        modules=kompassen.__class__.objects.filter(pk=kompassen.pk),
    )
    assert form.is_valid() is ok, form.errors
    if not ok:
        assert list(form.errors) == ["start_date"]


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["9999-12-31", "1899-01-01", "0001-01-01"])
def test_placement_page_with_an_impossible_start_redisplays_the_form(
    client, handledare_a, make_enrolment, kompassen, value
):
    enrolment = make_enrolment(start=D(2024, 1, 15))
    client.force_login(handledare_a)
    response = client.post(
        reverse("modules:placement_create", args=[enrolment.pk]),
        {"module": kompassen.pk, "start_date": value},
    )
    assert response.status_code == 200
    assert "Startdatum kan" in response.content.decode()
    assert not Placement.objects.exists()


# --- A booked review is a planned date -------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("planned", [D(9999, 12, 31), None])
def test_review_booked_too_far_ahead_is_refused(
    make_enrolment, make_placement, kompassen, handledare_a, planned
):
    planned = planned or _today() + datetime.timedelta(days=PLANNED_AHEAD + 1)
    enrolment = make_enrolment(start=D(2024, 1, 15))
    placement = make_placement(enrolment, kompassen, D(2024, 2, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.review_book(placement=placement, planned_date=planned, by=handledare_a)
    assert excinfo.value.message_dict == {
        "planned_date": ["Datum för trepartsmötet kan ligga högst två år fram i tiden."]
    }


@pytest.mark.django_db
def test_review_book_form_refuses_a_date_too_far_ahead():
    form = forms.ReviewBookForm({"planned_date": "9999-12-31"})
    assert not form.is_valid()
    assert form.errors["planned_date"] == [
        "Datum för trepartsmötet kan ligga högst två år fram i tiden."
    ]
