"""Group activities and attendance (SPEC §6, §13 rule 12: the activity types, and "anmält
förhinder" counted apart from unannounced absence)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rehab import services
from rehab.models import Attendance, GroupActivity
from tests.factories import EnrolmentFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def activity(rehab_team, handledare_a):
    return services.activity_create(
        team=rehab_team, date=D(2024, 3, 5), title="Fikagrupp", kind="group", by=handledare_a
    )


def test_attendance_covers_those_enrolled_that_day(rehab_team, handledare_a, activity):
    here = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
    absent = EnrolmentFactory(team=rehab_team, start_date=D(2024, 2, 1))
    EnrolmentFactory(team=rehab_team, start_date=D(2024, 4, 1))  # not yet enrolled
    EnrolmentFactory(
        team=rehab_team, start_date=D(2023, 1, 1), exit_date=D(2024, 3, 4), exit_outcome="arbete"
    )  # left the day before
    assert set(services.activity_participants(activity)) == {here, absent}
    assert (
        services.attendance_record(activity=activity, present_ids=[here.pk], by=handledare_a) == 1
    )
    assert dict(Attendance.objects.values_list("enrolment_id", "status")) == {
        here.pk: "narvarande",
        absent.pk: "franvarande",
    }
    # Recording again replaces the earlier record.
    services.attendance_record(activity=activity, present_ids=[absent.pk], by=handledare_a)
    assert dict(Attendance.objects.values_list("enrolment_id", "status")) == {
        here.pk: "franvarande",
        absent.pk: "narvarande",
    }
    # And with a notified absence: the one not marked present or notified is absent.
    services.attendance_record(
        activity=activity, present_ids=[], notified_ids=[absent.pk], by=handledare_a
    )
    assert dict(Attendance.objects.values_list("enrolment_id", "status")) == {
        here.pk: "franvarande",
        absent.pk: "anmalt_forhinder",
    }


def test_present_and_notified_at_once_is_refused(rehab_team, handledare_a, activity):
    e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
    with pytest.raises(ValidationError, match="både vara närvarande"):
        services.attendance_record(
            activity=activity, present_ids=[e.pk], notified_ids=[e.pk], by=handledare_a
        )
    assert not Attendance.objects.exists()


def test_a_notified_absence_of_someone_not_enrolled_is_refused(rehab_team, handledare_a, activity):
    later = EnrolmentFactory(team=rehab_team, start_date=D(2024, 4, 1))
    with pytest.raises(ValidationError, match="inte inskriven"):
        services.attendance_record(
            activity=activity, present_ids=[], notified_ids=[later.pk], by=handledare_a
        )


@pytest.mark.parametrize(
    "kind",
    [
        "arbetstraning",
        "arbetsprovning",
        "social_traning",
        "praktik",
        "motiverande_samtal",
        "kartlaggning",
        "wellness",
        "group",
    ],
)
def test_the_activity_and_journal_types_of_rule_12(kind):
    from rehab.models import JournalNote

    assert kind in GroupActivity.Kind.values
    assert kind in JournalNote.Kind.values


def test_attendance_of_someone_not_enrolled_is_refused(rehab_team, handledare_a, activity):
    later = EnrolmentFactory(team=rehab_team, start_date=D(2024, 4, 1))
    with pytest.raises(ValidationError, match="inte inskriven"):
        services.attendance_record(activity=activity, present_ids=[later.pk], by=handledare_a)
    assert not Attendance.objects.exists()


def test_attendance_before_the_day_is_refused(rehab_team, handledare_a):
    future = services.activity_create(
        team=rehab_team,
        date=timezone.localdate() + datetime.timedelta(days=3),
        title="Promenad",
        kind="wellness",
        by=handledare_a,
    )
    with pytest.raises(ValidationError, match="först på aktivitetens dag"):
        services.attendance_record(activity=future, present_ids=[], by=handledare_a)


def test_triage_team_has_no_activities(other_team, handledare_b):
    with pytest.raises(ValidationError):
        services.activity_create(
            team=other_team, date=D(2024, 3, 5), title="x", kind="group", by=handledare_b
        )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("handledare_a", 200),
        ("admin", 200),
        ("handledare_b", 404),
        ("forbund", 403),
        ("styrgrupp", 403),
    ],
)
def test_activity_pages_by_persona(client, personas, rehab_team, activity, persona, status):
    client.force_login(personas[persona])
    assert client.get(reverse("activity_list", args=[rehab_team.pk])).status_code == status
    assert client.get(reverse("activity_detail", args=[activity.pk])).status_code == status


def test_anonymous_is_sent_to_login(client, rehab_team, activity):
    for url in (
        reverse("activity_list", args=[rehab_team.pk]),
        reverse("activity_detail", args=[activity.pk]),
    ):
        assert "/logga-in/" in client.get(url)["Location"]


def test_schedule_and_record_through_the_pages(client, handledare_a, rehab_team):
    e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
    client.force_login(handledare_a)
    bad = client.post(
        reverse("activity_list", args=[rehab_team.pk]), {"date": "", "title": "", "kind": "group"}
    )
    assert bad.status_code == 200 and "Detta fält måste fyllas i." in bad.content.decode()
    response = client.post(
        reverse("activity_list", args=[rehab_team.pk]),
        {"date": "2024-03-05", "title": "Fikagrupp", "kind": "group"},
    )
    activity = GroupActivity.objects.get()
    assert response["Location"] == reverse("activity_detail", args=[activity.pk])
    assert e.participant.last_name in client.get(response["Location"]).content.decode()
    e2 = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
    e3 = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
    client.post(
        response["Location"],
        {f"status-{e.pk}": "narvarande", f"status-{e2.pk}": "anmalt_forhinder"},
    )
    assert dict(Attendance.objects.values_list("enrolment_id", "status")) == {
        e.pk: "narvarande",
        e2.pk: "anmalt_forhinder",
        e3.pk: "franvarande",
    }
    listing = client.get(reverse("activity_list", args=[rehab_team.pk])).content.decode()
    assert "1 av 3 (1 anmält förhinder)" in listing
    page = client.get(reverse("participant_detail", args=[e.participant_id])).content.decode()
    assert "Närvaro vid gruppaktiviteter" in page and "1 av 1" in page
    page = client.get(reverse("participant_detail", args=[e2.participant_id])).content.decode()
    assert "0 av 1 (1 anmält förhinder)" in page
    # The page re-displays what was recorded.
    detail = client.get(response["Location"]).content.decode()
    assert f'id="status-{e2.pk}-anmalt_forhinder" checked' in detail


def test_a_journal_note_of_a_rule_12_type(client, handledare_a, rehab_team):
    from rehab.models import JournalNote

    e = EnrolmentFactory(team=rehab_team, start_date=D(2024, 1, 1))
    client.force_login(handledare_a)
    client.post(
        reverse("note_create", args=[e.pk]),
        {"date": "2024-03-05", "kind": "motiverande_samtal", "text": "Samtal"},
    )
    note = JournalNote.objects.get()
    assert note.get_kind_display() == "Motiverande samtal"
