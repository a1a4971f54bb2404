"""Case meetings of a samverkansteam (SPEC §13 rule 11): the rules of the services, the pages
and who may see them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rehab import services
from rehab.models import AuditEvent, CaseMeeting, CaseMeetingItem
from rehab.services import Discussed
from tests.factories import EnrolmentFactory, ParticipantFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def team(rehab_team):
    rehab_team.has_case_meetings = True
    rehab_team.save()
    return rehab_team


@pytest.fixture
def two(team):
    return [
        EnrolmentFactory(
            team=team,
            start_date=D(2024, 1, 1),
            participant=ParticipantFactory(first_name="Maja", last_name="Karlsson"),
        ),
        EnrolmentFactory(
            team=team,
            start_date=D(2024, 1, 1),
            participant=ParticipantFactory(first_name="Olle", last_name="Berg"),
        ),
    ]


@pytest.fixture
def meeting(team, two, handledare_a):
    return services.case_meeting_create(
        team=team,
        date=D(2024, 3, 5),
        agencies=["FK", "AF"],
        note="Fast möte",
        items=[Discussed(two[0].pk, "Praktik på gång"), Discussed(two[1].pk)],
        by=handledare_a,
    )


def _errors(excinfo) -> dict:
    return {k: " ".join(v) for k, v in excinfo.value.message_dict.items()}


# --- The rules ------------------------------------------------------------------------------


def test_create_records_the_meeting_items_and_the_audit(meeting, two, handledare_a):
    assert meeting.agencies == ["AF", "FK"]  # in Agency's order
    assert meeting.agency_labels == ["Arbetsförmedlingen", "Försäkringskassan"]
    assert dict(meeting.items.values_list("enrolment_id", "note")) == {
        two[0].pk: "Praktik på gång",
        two[1].pk: "",
    }
    created = AuditEvent.objects.get(action="case_meeting_create")
    assert created.changes["discussed"] == 2 and created.changes["agencies"] == "AF,FK"
    assert created.changes["note"] == "(ändrad)"  # free text never in the trail
    discussed = AuditEvent.objects.filter(action="case_meeting_discuss")
    assert set(discussed.values_list("participant_id", flat=True)) == {
        e.participant_id for e in two
    }


@pytest.mark.parametrize(
    ("today", "latest"),
    [(D(2026, 12, 2), D(2027, 12, 2)), (D(2028, 2, 29), D(2029, 2, 28))],
)
def test_a_date_up_to_one_year_ahead_is_accepted_and_beyond_refused(
    team, handledare_a, monkeypatch, today, latest
):
    monkeypatch.setattr("rehab.services.meetings._today", lambda: today)
    services.case_meeting_create(team=team, date=latest, agencies=["AF"], by=handledare_a)
    with pytest.raises(ValidationError) as excinfo:
        services.case_meeting_create(
            team=team,
            date=latest + datetime.timedelta(days=1),
            agencies=["AF"],
            by=handledare_a,
        )
    assert "högst ett år fram i tiden" in _errors(excinfo)["date"]
    with pytest.raises(ValidationError) as excinfo:
        services.case_meeting_create(
            team=team, date=D(1999, 12, 31), agencies=["AF"], by=handledare_a
        )
    assert "före 2000-01-01" in _errors(excinfo)["date"]
    assert CaseMeeting.objects.count() == 1


def test_an_enrolment_of_another_team_is_refused(team, other_team, handledare_a):
    elsewhere = EnrolmentFactory(team=other_team, start_date=D(2024, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.case_meeting_create(
            team=team,
            date=D(2024, 3, 5),
            agencies=["AF"],
            items=[Discussed(elsewhere.pk)],
            by=handledare_a,
        )
    assert "inte inskriven i teamet" in _errors(excinfo)["items"]
    assert not CaseMeeting.objects.exists()


def test_an_unknown_or_erroneous_enrolment_is_refused(team, two, handledare_a):
    two[0].registered_in_error = True
    two[0].save()
    for pk in (0, two[0].pk):
        with pytest.raises(ValidationError) as excinfo:
            services.case_meeting_create(
                team=team,
                date=D(2024, 3, 5),
                agencies=["AF"],
                items=[Discussed(pk)],
                by=handledare_a,
            )
        assert "inte inskriven i teamet" in _errors(excinfo)["items"]


def test_the_same_enrolment_twice_is_refused(team, two, handledare_a):
    with pytest.raises(ValidationError) as excinfo:
        services.case_meeting_create(
            team=team,
            date=D(2024, 3, 5),
            agencies=["AF"],
            items=[Discussed(two[0].pk, "a"), Discussed(two[0].pk, "b")],
            by=handledare_a,
        )
    assert "en gång per möte" in _errors(excinfo)["items"]
    assert not CaseMeeting.objects.exists()


def test_someone_not_enrolled_on_the_day_is_refused(team, handledare_a):
    later = EnrolmentFactory(team=team, start_date=D(2024, 4, 1))
    gone = EnrolmentFactory(
        team=team, start_date=D(2023, 1, 1), exit_date=D(2024, 3, 4), exit_outcome="arbete"
    )
    for enrolment in (later, gone):
        with pytest.raises(ValidationError) as excinfo:
            services.case_meeting_create(
                team=team,
                date=D(2024, 3, 5),
                agencies=["AF"],
                items=[Discussed(enrolment.pk)],
                by=handledare_a,
            )
        assert "på mötesdagen" in _errors(excinfo)["items"]
    # The day of the exit still counts.
    services.case_meeting_create(
        team=team, date=D(2024, 3, 4), agencies=["AF"], items=[Discussed(gone.pk)], by=handledare_a
    )


@pytest.mark.parametrize(
    ("agencies", "message"),
    [([], "minst en myndighet"), (["AF", "NASA"], "Okänd myndighet")],
)
def test_agencies_are_required_and_known(team, handledare_a, agencies, message):
    with pytest.raises(ValidationError) as excinfo:
        services.case_meeting_create(
            team=team, date=D(2024, 3, 5), agencies=agencies, by=handledare_a
        )
    assert message in _errors(excinfo)["agencies"]


def test_too_long_notes_are_refused(team, two, handledare_a):
    with pytest.raises(ValidationError) as excinfo:
        services.case_meeting_create(
            team=team,
            date=D(2024, 3, 5),
            agencies=["AF"],
            note="x" * 5_001,
            items=[Discussed(two[0].pk, "y" * 2_001)],
            by=handledare_a,
        )
    errors = _errors(excinfo)
    assert "högst 5 000 tecken" in errors["note"] and "högst 2 000 tecken" in errors["items"]


def test_a_team_without_case_meetings_is_refused(rehab_team, handledare_a):
    with pytest.raises(ValidationError, match="inga ärendemöten"):
        services.case_meeting_create(
            team=rehab_team, date=D(2024, 3, 5), agencies=["AF"], by=handledare_a
        )


def test_update_replaces_the_items_and_audits_each_change(meeting, two, team, handledare_a):
    third = EnrolmentFactory(team=team, start_date=D(2024, 1, 1))
    services.case_meeting_update(
        meeting=meeting,
        date=D(2024, 3, 6),
        agencies=["Region"],
        note="Fast möte",
        items=[Discussed(two[0].pk, "Ny anteckning"), Discussed(third.pk)],
        by=handledare_a,
    )
    meeting.refresh_from_db()
    assert meeting.date == D(2024, 3, 6) and meeting.agencies == ["Region"]
    assert dict(meeting.items.values_list("enrolment_id", "note")) == {
        two[0].pk: "Ny anteckning",
        third.pk: "",
    }
    update = AuditEvent.objects.get(action="case_meeting_update")
    assert set(update.changes) == {"date", "agencies"}
    by_action = {
        a: set(AuditEvent.objects.filter(action=a).values_list("participant_id", flat=True))
        for a in ("case_meeting_item_update", "case_meeting_undiscuss")
    }
    assert by_action["case_meeting_item_update"] == {two[0].participant_id}
    assert by_action["case_meeting_undiscuss"] == {two[1].participant_id}


def test_update_keeps_the_rules(meeting, two, handledare_a):
    with pytest.raises(ValidationError):
        services.case_meeting_update(
            meeting=meeting,
            date=D(2024, 3, 5),
            agencies=["AF"],
            items=[Discussed(two[0].pk), Discussed(two[0].pk)],
            by=handledare_a,
        )
    assert meeting.items.count() == 2


def test_delete_removes_the_meeting_and_its_items(meeting, two, handledare_a):
    services.case_meeting_delete(meeting=meeting, by=handledare_a)
    assert not CaseMeeting.objects.exists() and not CaseMeetingItem.objects.exists()
    assert AuditEvent.objects.get(action="case_meeting_delete").changes["discussed"] == 2
    assert AuditEvent.objects.filter(action="case_meeting_undiscuss").count() == 2


# --- Pages and who may see them -------------------------------------------------------------


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
def test_case_meeting_pages_by_persona(client, personas, team, meeting, persona, status):
    client.force_login(personas[persona])
    for url in (
        reverse("case_meeting_list", args=[team.pk]),
        reverse("case_meeting_create", args=[team.pk]),
        reverse("case_meeting_detail", args=[meeting.pk]),
        reverse("case_meeting_update", args=[meeting.pk]),
        reverse("case_meeting_delete", args=[meeting.pk]),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        if status != 200:
            assert "Karlsson" not in response.content.decode()
    # Nor can another team's handledare delete it.
    client.post(reverse("case_meeting_delete", args=[meeting.pk]))
    assert CaseMeeting.objects.filter(pk=meeting.pk).exists() == (status != 200)


def test_anonymous_is_sent_to_login(client, team, meeting):
    for url in (
        reverse("case_meeting_list", args=[team.pk]),
        reverse("case_meeting_detail", args=[meeting.pk]),
    ):
        assert "/logga-in/" in client.get(url)["Location"]


def test_the_team_page_links_the_meetings_only_when_it_has_them(client, handledare_a, rehab_team):
    client.force_login(handledare_a)
    url = reverse("team_detail", args=[rehab_team.pk])
    assert "Ärendemöten" not in client.get(url).content.decode()
    rehab_team.has_case_meetings = True
    rehab_team.save()
    assert reverse("case_meeting_list", args=[rehab_team.pk]) in client.get(url).content.decode()
    # A team without them sends the form back to the team page.
    rehab_team.has_case_meetings = False
    rehab_team.save()
    response = client.get(reverse("case_meeting_create", args=[rehab_team.pk]))
    assert response.status_code == 302


def test_the_list_is_newest_first_and_paginated(client, handledare_a, team):
    for day in range(1, 28):
        services.case_meeting_create(
            team=team, date=D(2024, 2, day), agencies=["AF"], by=handledare_a
        )
    client.force_login(handledare_a)
    page = client.get(reverse("case_meeting_list", args=[team.pk])).content.decode()
    assert page.index("2024-02-27") < page.index("2024-02-26")
    assert "2024-02-02" not in page and "Sida 1 av 2" in page
    second = client.get(reverse("case_meeting_list", args=[team.pk]) + "?sida=2")
    assert "2024-02-02" in second.content.decode()


def _post_data(date="2024-03-05", agencies=("AF", "FK"), rows=(), total=4):
    data = {
        "date": date,
        "agencies": list(agencies),
        "note": "",
        "deltagare-TOTAL_FORMS": str(total),
        "deltagare-INITIAL_FORMS": "0",
    }
    for i, (enrolment, note) in enumerate(rows):
        data[f"deltagare-{i}-enrolment"] = str(enrolment)
        data[f"deltagare-{i}-note"] = note
    return data


def test_record_through_the_form(client, handledare_a, team, two):
    client.force_login(handledare_a)
    url = reverse("case_meeting_create", args=[team.pk])
    form = client.get(url).content.decode()
    assert "Välj deltagare …" in form and "Maja Karlsson" in form
    response = client.post(url, _post_data(rows=[(two[0].pk, "Bra"), (two[1].pk, "")]))
    meeting = CaseMeeting.objects.get()
    assert response["Location"] == reverse("case_meeting_detail", args=[meeting.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Maja Karlsson" in page and "Olle Berg" in page and "Bra" in page
    assert "Arbetsförmedlingen, Försäkringskassan" in page
    # The participant page lists the meeting.
    participant = client.get(reverse("participant_detail", args=[two[0].participant_id]))
    assert reverse("case_meeting_detail", args=[meeting.pk]) in participant.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_post_data(date=""), "Detta fält måste fyllas i."),
        (_post_data(date="2024-13-40"), "Fyll i ett giltigt datum."),
        (_post_data(agencies=()), "Välj minst en myndighet"),
        (_post_data(date="2099-01-01"), "högst ett år fram i tiden"),
    ],
)
def test_bad_input_is_shown_on_the_form(client, handledare_a, team, data, message):
    client.force_login(handledare_a)
    response = client.post(reverse("case_meeting_create", args=[team.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not CaseMeeting.objects.exists()


def test_a_participant_twice_on_the_form_is_shown_as_an_error(client, handledare_a, team, two):
    client.force_login(handledare_a)
    response = client.post(
        reverse("case_meeting_create", args=[team.pk]),
        _post_data(rows=[(two[0].pk, ""), (two[0].pk, "")]),
    )
    assert response.status_code == 200
    assert "en gång per möte" in response.content.decode()


def test_a_note_without_a_participant_and_a_foreign_choice_are_refused(
    client, handledare_a, team, other_team
):
    client.force_login(handledare_a)
    url = reverse("case_meeting_create", args=[team.pk])
    response = client.post(url, _post_data(rows=[("", "Om vem?")]))
    assert "Välj vilken deltagare" in response.content.decode()
    elsewhere = EnrolmentFactory(team=other_team, start_date=D(2024, 1, 1))
    response = client.post(url, _post_data(rows=[(elsewhere.pk, "")]))
    assert response.status_code == 200 and not CaseMeeting.objects.exists()
    response = client.post(url, _post_data(rows=[("abc", "")]))
    assert response.status_code == 200 and not CaseMeeting.objects.exists()


def test_edit_and_delete_through_the_pages(client, handledare_a, meeting, two):
    client.force_login(handledare_a)
    url = reverse("case_meeting_update", args=[meeting.pk])
    form = client.get(url).content.decode()
    assert "Praktik på gång" in form
    data = _post_data(date="2024-03-07", agencies=["Kommun"], rows=[(two[1].pk, "Ändrad")])
    data["deltagare-TOTAL_FORMS"] = "4"
    client.post(url, data)
    meeting.refresh_from_db()
    assert meeting.date == D(2024, 3, 7)
    assert list(meeting.items.values_list("enrolment_id", "note")) == [(two[1].pk, "Ändrad")]
    confirm = client.get(reverse("case_meeting_delete", args=[meeting.pk]))
    assert "Det går inte att ångra" in confirm.content.decode()
    assert CaseMeeting.objects.exists()
    response = client.post(reverse("case_meeting_delete", args=[meeting.pk]))
    assert response["Location"] == reverse("case_meeting_list", args=[meeting.team_id])
    assert not CaseMeeting.objects.exists()


def test_the_meeting_page_logs_a_read_of_each_participant(client, handledare_a, meeting, two):
    from privacy.models import AccessLog

    client.force_login(handledare_a)
    client.get(reverse("case_meeting_detail", args=[meeting.pk]))
    logged = AccessLog.objects.filter(action="case_meeting_detail")
    assert set(logged.values_list("participant_id", flat=True)) == {e.participant_id for e in two}


def test_another_teams_attempt_is_logged_as_denied(client, handledare_b, meeting):
    from privacy.models import AccessLog

    client.force_login(handledare_b)
    assert client.get(reverse("case_meeting_detail", args=[meeting.pk])).status_code == 404
    denied = AccessLog.objects.get(kind=AccessLog.Kind.DENIED)
    assert (denied.object_type, denied.object_id) == ("casemeeting", str(meeting.pk))
