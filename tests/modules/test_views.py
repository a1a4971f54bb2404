"""Pages of the modules app: who may use them, who may not, and the case worker's flows."""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from modules import selectors, services
from modules.models import (
    CalendarFeed,
    FollowUp,
    ManagementApproval,
    Module,
    Placement,
    Review,
    WaitingListEntry,
)
from rehab.models import AuditEvent, Membership
from tests.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = timezone.localdate


@pytest.fixture
def case(make_enrolment, portalen, kompassen, make_placement, handledare_a):
    """An active Rehabteamet enrolment in Portalen with a booked review, a pending approval
    case and a place on Kompassen's waiting list."""
    enrolment = make_enrolment(
        start=D(2024, 1, 15),
        responsible=handledare_a,
        participant=ParticipantFactory(first_name="Anna", last_name="Zyberg"),
    )
    placement = make_placement(enrolment, portalen, D(2024, 2, 1))
    return SimpleNamespace(
        enrolment=enrolment,
        placement=placement,
        review=Review.objects.create(placement=placement, planned_date=D(2024, 4, 25)),
        approval=ManagementApproval.objects.create(
            enrolment=enrolment, requested_date=D(2024, 2, 1)
        ),
        waiting=WaitingListEntry.objects.create(
            module=kompassen, enrolment=enrolment, added_date=D(2024, 2, 1)
        ),
        portalen=portalen,
        kompassen=kompassen,
    )


CASE_PAGES = [
    ("modules:enrolment", "enrolment"),
    ("modules:placement_create", "enrolment"),
    ("modules:approval_request", "enrolment"),
    ("modules:followup_record", "enrolment"),
    ("modules:waiting_add", "enrolment"),
    ("modules:placement_extend", "placement"),
    ("modules:placement_end", "placement"),
    ("modules:review_book", "placement"),
    ("modules:review_record", "placement"),
    ("modules:review_record_booked", "review"),
    ("modules:review_cancel", "review"),
    ("modules:waiting_remove", "waiting"),
    ("modules:module_detail", "portalen"),
]
LIST_PAGES = [
    "modules:module_list",
    "modules:deadline_list",
    "modules:approval_list",
    "modules:calendar_feed",
]


def _get(client, user, url):
    if user is not None:
        client.force_login(user)
    return client.get(url)


def _message(response):
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def _assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "obj"), CASE_PAGES)
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("handledare_a", 200),
        ("admin", 200),
        ("handledare_b", 404),
        ("forbund", 403),
        ("styrgrupp", 403),
        ("anonymous", 302),
    ],
)
def test_case_pages_are_for_the_teams_case_workers_only(
    client, personas, case, name, obj, persona, status
):
    url = reverse(name, args=[getattr(case, obj).pk])
    response = _get(client, personas[persona], url)
    if persona == "anonymous":
        _assert_login_redirect(response)
    else:
        assert response.status_code == status
    if status != 200:
        assert "Zyberg" not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("handledare_a", 403),
        ("admin", 200),
        ("handledare_b", 403),
        ("forbund", 403),
        ("styrgrupp", 403),
        ("anonymous", 302),
    ],
)
def test_only_the_unit_manager_opens_the_approval_decision(
    client, personas, case, persona, status
):
    response = _get(
        client, personas[persona], reverse("modules:approval_decide", args=[case.approval.pk])
    )
    if persona == "anonymous":
        _assert_login_redirect(response)
    else:
        assert response.status_code == status


def test_unit_manager_of_another_team_gets_404_for_the_decision(client, case, other_team):
    boss = UserFactory(username="bertil")
    Membership.objects.create(user=boss, team=other_team, role="admin")
    client.force_login(boss)
    response = client.get(reverse("modules:approval_decide", args=[case.approval.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", LIST_PAGES)
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("handledare_a", 200),
        ("admin", 200),
        ("handledare_b", 200),
        ("forbund", 403),
        ("styrgrupp", 403),
        ("anonymous", 302),
    ],
)
def test_list_pages_are_for_case_workers(client, personas, case, name, persona, status):
    response = _get(client, personas[persona], reverse(name))
    if persona == "anonymous":
        _assert_login_redirect(response)
        return
    assert response.status_code == status


@pytest.mark.parametrize("name", LIST_PAGES)
def test_other_teams_case_worker_sees_nothing_of_team_a(client, handledare_b, case, name):
    body = _get(client, handledare_b, reverse(name)).content.decode()
    assert "Zyberg" not in body
    assert "Portalen" not in body
    assert case.enrolment.participant.masked_personnummer not in body


@pytest.mark.parametrize(
    ("name", "obj", "data"),
    [
        (
            "modules:placement_create",
            "enrolment",
            {"module": "kompassen", "start_date": "2024-05-01"},
        ),
        ("modules:placement_extend", "placement", {}),
        ("modules:placement_end", "placement", {"end_date": "2024-03-01"}),
        ("modules:review_book", "placement", {"planned_date": "2024-04-26"}),
        ("modules:review_cancel", "review", {}),
        ("modules:approval_request", "enrolment", {"requested_date": "2024-03-01"}),
        ("modules:followup_record", "enrolment", {"held_date": "2024-03-01"}),
        ("modules:waiting_remove", "waiting", {}),
    ],
)
@pytest.mark.parametrize(("persona", "status"), [("handledare_b", 404), ("forbund", 403)])
def test_writes_by_outsiders_change_nothing(
    client, personas, case, name, obj, data, persona, status
):
    data = {k: (getattr(case, v).pk if v in ("kompassen",) else v) for k, v in data.items()}
    client.force_login(personas[persona])
    response = client.post(reverse(name, args=[getattr(case, obj).pk]), data)
    assert response.status_code == status
    assert not AuditEvent.objects.exists()
    case.placement.refresh_from_db()
    assert case.placement.end_date is None
    assert case.placement.extensions == 0
    assert Review.objects.count() == 1
    assert FollowUp.objects.count() == 0
    assert ManagementApproval.objects.count() == 1
    assert WaitingListEntry.objects.filter(removed_date__isnull=True).count() == 1


def test_approval_decision_by_a_handledare_changes_nothing(client, handledare_a, case):
    client.force_login(handledare_a)
    response = client.post(
        reverse("modules:approval_decide", args=[case.approval.pk]),
        {"decision": "approve", "decided_date": "2024-03-01", "approved_until": "2026-06-30"},
    )
    assert response.status_code == 403
    case.approval.refresh_from_db()
    assert case.approval.status == "pending"


# --- The enrolment page ----------------------------------------------------------------------


def test_enrolment_page_shows_placement_deadlines_and_logs_the_read(client, handledare_a, case):
    client.force_login(handledare_a)
    response = client.get(reverse("modules:enrolment", args=[case.enrolment.pk]))
    body = response.content.decode()
    assert "Moduler och frister – Anna Zyberg" in body
    assert "Portalen" in body
    assert "2024-05-01" in body  # next review
    assert "Försenad" in body
    assert "Trepartsmöte bokat 2024-04-25" in body
    assert "Begärt 2024-02-01, väntar på beslut" in body
    assert "Kompassen, sedan 2024-02-01" in body
    assert "2026-01-15" in body  # frame end
    assert case.enrolment.participant.personnummer not in body
    from privacy.models import AccessLog

    event = AccessLog.objects.get(action="modules:enrolment")
    assert (event.user, event.kind) == (handledare_a, "read")
    assert event.participant_id == case.enrolment.participant_id


def test_exited_enrolment_page_offers_no_actions_and_forms_redirect(client, handledare_a, case):
    Placement.objects.filter(pk=case.placement.pk).update(end_date=D(2024, 4, 1))
    case.enrolment.exit_date = D(2024, 4, 1)
    case.enrolment.exit_outcome = "annat"
    case.enrolment.save()
    client.force_login(handledare_a)
    body = client.get(reverse("modules:enrolment", args=[case.enrolment.pk])).content.decode()
    assert "Avslutad 2024-04-01" in body
    assert "Placera i modul" not in body
    assert "Begär ledningsgruppsbeslut" not in body
    response = client.post(
        reverse("modules:placement_create", args=[case.enrolment.pk]),
        {"module": case.kompassen.pk, "start_date": "2024-05-01"},
    )
    assert response.status_code == 302
    assert "kan inte längre ändras" in _message(response)
    assert Placement.objects.count() == 1


# --- Placing ---------------------------------------------------------------------------------


def test_handledare_places_a_participant(client, handledare_a, make_enrolment, kompassen):
    enrolment = make_enrolment(start=D(2024, 1, 15))
    client.force_login(handledare_a)
    url = reverse("modules:placement_create", args=[enrolment.pk])
    assert "Portalen (0 av 30 platser upptagna)" in client.get(url).content.decode()
    response = client.post(url, {"module": kompassen.pk, "start_date": "2024-02-29"})
    assert response.status_code == 302
    assert response["Location"] == reverse("modules:enrolment", args=[enrolment.pk])
    placement = Placement.objects.get(enrolment=enrolment)
    assert placement.next_review_due == D(2024, 8, 29)
    message = _message(response)
    assert message == (
        "Deltagaren är placerad i Kompassen från 2024-02-29. "
        "Första utvärderingen ska hållas senast 2024-08-29."
    )


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"start_date": "2024-02-01"}, "Välj en modul."),
        ({"module": "x", "start_date": "2024-02-01"}, "Välj en av teamets moduler."),
        ({"module": "kompassen", "start_date": "2024-02-30"}, "Ange ett giltigt datum"),
        ({"module": "kompassen", "start_date": ""}, "Detta fält måste fyllas i."),
        ({"module": "kompassen", "start_date": "2024-01-01"}, "före inskrivningen"),
    ],
)
def test_bad_placement_input_redisplays_the_form_in_swedish(
    client, handledare_a, make_enrolment, kompassen, data, error
):
    enrolment = make_enrolment(start=D(2024, 1, 15))
    data = {k: (kompassen.pk if v == "kompassen" else v) for k, v in data.items()}
    client.force_login(handledare_a)
    response = client.post(reverse("modules:placement_create", args=[enrolment.pk]), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Placement.objects.exists()


def test_module_of_another_team_cannot_be_chosen(client, handledare_a, make_enrolment, other_team):
    balder = Module.objects.create(
        team=other_team, name="Balder", first_period=6, extension_period=6
    )
    enrolment = make_enrolment(start=D(2024, 1, 15))
    client.force_login(handledare_a)
    response = client.post(
        reverse("modules:placement_create", args=[enrolment.pk]),
        {"module": balder.pk, "start_date": "2024-02-01"},
    )
    assert response.status_code == 200
    assert "Välj en av teamets moduler." in response.content.decode()


def test_full_portalen_offers_the_waiting_list(
    client, handledare_a, make_enrolment, portalen, fill_module
):
    fill_module(portalen)
    enrolment = make_enrolment(start=D(2024, 1, 15), participant=ParticipantFactory())
    client.force_login(handledare_a)
    response = client.post(
        reverse("modules:placement_create", args=[enrolment.pk]),
        {"module": portalen.pk, "start_date": "2024-02-01"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Portalen är fullt (30 av 30 platser)" in body
    assert "Sätt på väntelistan till Portalen" in body
    response = client.post(
        reverse("modules:waiting_add", args=[enrolment.pk]), {"module": portalen.pk}
    )
    assert response.status_code == 302
    assert WaitingListEntry.objects.get(enrolment=enrolment).module == portalen
    detail = client.get(reverse("modules:module_detail", args=[portalen.pk])).content.decode()
    assert str(enrolment.participant) in detail
    assert "30 av 30 platser" in detail


# --- Extending -------------------------------------------------------------------------------


def test_extension_is_confirmed_then_done(client, handledare_a, case):
    client.force_login(handledare_a)
    url = reverse("modules:placement_extend", args=[case.placement.pk])
    page = client.get(url).content.decode()
    assert "Nästa utvärdering flyttas till 2024-08-01." in page
    assert case.placement.next_review_due == D(2024, 5, 1)
    response = client.post(url)
    assert response.status_code == 302
    case.placement.refresh_from_db()
    assert case.placement.next_review_due == D(2024, 8, 1)


def test_second_portalen_extension_is_refused_with_a_clear_message(client, handledare_a, case):
    Placement.objects.filter(pk=case.placement.pk).update(extensions=1)
    client.force_login(handledare_a)
    url = reverse("modules:placement_extend", args=[case.placement.pk])
    page = client.get(url).content.decode()
    assert "Portalen kan bara förlängas 1 gång." in page
    assert 'type="submit"' not in page.split("<main")[1]
    response = client.post(url)
    assert response.status_code == 302
    assert "Portalen kan bara förlängas 1 gång." in _message(response)
    case.placement.refresh_from_db()
    assert case.placement.extensions == 1


def test_extension_past_the_frame_says_an_approval_is_needed(
    client, handledare_a, make_enrolment, kompassen, make_placement
):
    enrolment = make_enrolment(start=D(2022, 1, 10))
    placement = make_placement(enrolment, kompassen, D(2022, 1, 10), extensions=3)
    client.force_login(handledare_a)
    page = client.get(reverse("modules:placement_extend", args=[placement.pk])).content.decode()
    assert "går utöver ramtiden (2024-01-10)" in page
    assert "ledningsgruppsbeslut som täcker datumet krävs" in page


# --- Reviews ---------------------------------------------------------------------------------


def test_recording_the_booked_review_with_a_move(client, handledare_a, case):
    client.force_login(handledare_a)
    url = reverse("modules:review_record_booked", args=[case.review.pk])
    assert 'value="2024-04-25"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "held_date": "2024-04-25",
            "attended_participant": "on",
            "attended_case_officer": "on",
            "goals_evaluated": "Redo för praktik.",
            "decision": "move",
            "target_module": case.kompassen.pk,
        },
    )
    assert response.status_code == 302
    case.review.refresh_from_db()
    assert case.review.held_date == D(2024, 4, 25)
    assert (case.review.attended_participant, case.review.attended_staff) == (True, False)
    new = Placement.objects.get(enrolment=case.enrolment, end_date__isnull=True)
    assert new.module == case.kompassen
    assert "bytt till Kompassen från 2024-04-25" in _message(response)
    # The move also took the participant off Kompassen's waiting list.
    case.waiting.refresh_from_db()
    assert case.waiting.removed_date is not None


def test_review_form_errors_are_swedish_and_nothing_is_saved(client, handledare_a, case):
    client.force_login(handledare_a)
    url = reverse("modules:review_record", args=[case.placement.pk])
    response = client.post(url, {"held_date": "2024-04-25", "decision": "move"})
    assert response.status_code == 200
    assert "Välj vilken modul deltagaren ska byta till." in response.content.decode()
    response = client.post(url, {"held_date": "i morgon", "decision": ""})
    body = response.content.decode()
    assert "Ange ett giltigt datum (ÅÅÅÅ-MM-DD)." in body
    assert "Välj ett beslut." in body
    assert Review.objects.filter(held_date__isnull=False).count() == 0


def test_review_decision_refused_by_the_rules_is_shown_on_the_form(client, handledare_a, case):
    Placement.objects.filter(pk=case.placement.pk).update(extensions=1)
    client.force_login(handledare_a)
    response = client.post(
        reverse("modules:review_record", args=[case.placement.pk]),
        {"held_date": "2024-07-30", "decision": "extend"},
    )
    assert response.status_code == 200
    assert "Portalen kan bara förlängas 1 gång." in response.content.decode()
    assert not Review.objects.filter(held_date__isnull=False).exists()


def test_booking_and_cancelling_a_review(client, handledare_a, case):
    client.force_login(handledare_a)
    response = client.post(
        reverse("modules:review_book", args=[case.placement.pk]), {"planned_date": "2024-04-28"}
    )
    assert "redan bokat 2024-04-25" in response.content.decode()
    assert client.post(reverse("modules:review_cancel", args=[case.review.pk])).status_code == 302
    assert not Review.objects.exists()
    response = client.post(
        reverse("modules:review_book", args=[case.placement.pk]), {"planned_date": "2024-04-28"}
    )
    assert response.status_code == 302
    assert Review.objects.get().planned_date == D(2024, 4, 28)


def test_ending_a_placement(client, handledare_a, case):
    client.force_login(handledare_a)
    url = reverse("modules:placement_end", args=[case.placement.pk])
    assert "Avsluta placeringen i Portalen" in client.get(url).content.decode()
    response = client.post(url, {"end_date": "2024-01-01"})
    assert "före placeringens start (2024-02-01)" in response.content.decode()
    response = client.post(url, {"end_date": "2024-03-15"})
    assert response.status_code == 302
    case.placement.refresh_from_db()
    assert case.placement.end_date == D(2024, 3, 15)


# --- Approvals, follow-ups, waiting lists ----------------------------------------------------


def test_unit_manager_decides_an_approval(client, admin_user, case):
    client.force_login(admin_user)
    listing = client.get(reverse("modules:approval_list")).content.decode()
    assert "Anna Zyberg" in listing
    assert reverse("modules:approval_decide", args=[case.approval.pk]) in listing
    url = reverse("modules:approval_decide", args=[case.approval.pk])
    response = client.post(url, {"decision": "approve", "decided_date": "2024-03-01"})
    assert "Ange till och med vilket datum beslutet gäller." in response.content.decode()
    response = client.post(
        url, {"decision": "approve", "decided_date": "2024-03-01", "approved_until": "2025-06-30"}
    )
    assert "efter ramtidens slut (2026-01-15)" in response.content.decode()
    response = client.post(
        url, {"decision": "approve", "decided_date": "2024-03-01", "approved_until": "2026-07-15"}
    )
    assert response.status_code == 302
    case.approval.refresh_from_db()
    assert case.approval.status == "approved"
    assert case.approval.approved_until == D(2026, 7, 15)
    assert client.get(url).status_code == 302  # already decided


def test_handledare_sees_pending_approvals_without_a_decide_button(client, handledare_a, case):
    client.force_login(handledare_a)
    listing = client.get(reverse("modules:approval_list")).content.decode()
    assert "Anna Zyberg" in listing
    assert reverse("modules:approval_decide", args=[case.approval.pk]) not in listing


def test_requesting_an_approval(client, handledare_a, make_enrolment):
    enrolment = make_enrolment(start=D(2022, 3, 1))
    client.force_login(handledare_a)
    url = reverse("modules:approval_request", args=[enrolment.pk])
    page = client.get(url).content.decode()
    assert "2024-01-01" in page  # due 22 months after start
    assert "2024-03-01" in page  # frame end
    response = client.post(url, {"requested_date": "2023-12-15"})
    assert response.status_code == 302
    assert ManagementApproval.objects.get(enrolment=enrolment).status == "pending"


def test_recording_a_followup(client, handledare_a, case):
    client.force_login(handledare_a)
    url = reverse("modules:followup_record", args=[case.enrolment.pk])
    future = (TODAY() + datetime.timedelta(days=3)).isoformat()
    page = client.post(url, {"held_date": future, "with_participant": "on"}).content.decode()
    assert "framtiden" in page
    # Nobody ticked as present: refused, nothing saved (SPEC §13 rule 8).
    page = client.post(url, {"held_date": "2024-03-01", "note": "Bra samtal."}).content.decode()
    assert "Ange vem som var med på mötet." in page
    assert not FollowUp.objects.exists()
    response = client.post(
        url,
        {
            "held_date": "2024-03-01",
            "note": "Bra samtal.",
            "with_participant": "on",
            "with_case_officer": "on",
            "steps_discussed": "Från kartläggning till arbetsträning.",
        },
    )
    assert response.status_code == 302
    followup = FollowUp.objects.get()
    assert followup.note == "Bra samtal."
    assert (followup.with_participant, followup.with_case_officer, followup.with_staff) == (
        True,
        True,
        False,
    )
    page = client.get(reverse("modules:enrolment", args=[case.enrolment.pk])).content.decode()
    assert "Från kartläggning till arbetsträning." in page
    assert "Deltagaren, handläggare" in page


def test_removing_from_the_waiting_list_is_confirmed(client, handledare_a, case):
    client.force_login(handledare_a)
    url = reverse("modules:waiting_remove", args=[case.waiting.pk])
    assert "Vill du ta bort deltagaren från väntelistan till Kompassen?" in (
        client.get(url).content.decode()
    )
    assert client.post(url).status_code == 302
    case.waiting.refresh_from_db()
    assert case.waiting.removed_date == TODAY()


# --- Deadline list and calendar --------------------------------------------------------------


def test_deadline_list_filters_searches_and_paginates(client, handledare_a, case, make_enrolment):
    for i in range(55):
        make_enrolment(
            start=TODAY().replace(day=1) - datetime.timedelta(days=700 + i),
            participant=ParticipantFactory(last_name=f"Qvistrupsson{i}"),
        )
    client.force_login(handledare_a)
    url = reverse("modules:deadline_list")
    body = client.get(url).content.decode()
    assert "Anna Zyberg" in body  # overdue Portalen review
    assert "Sida 1 av 2" in body
    body = client.get(url, {"q": "zyberg"}).content.decode()
    assert "Anna Zyberg" in body
    assert "Qvistrupsson" not in body
    body = client.get(url, {"kind": "approval"}).content.decode()
    assert "Anna Zyberg" not in body  # her approval case is sent
    assert "Qvistrupsson1" in body
    body = client.get(url, {"status": "overdue", "q": "Anna"}).content.decode()
    assert "Anna Zyberg" in body
    response = client.get(url, {"within": "tusen", "kind": "semester", "team": "999"})
    assert response.status_code == 200
    assert "Ange ett heltal." in response.content.decode()
    body = client.get(url, {"page": 2}).content.decode()
    assert "Sida 2 av 2" in body


def test_calendar_link_is_shown_once_and_feeds_deadlines_without_names(client, handledare_a, case):
    client.force_login(handledare_a)
    url = reverse("modules:calendar_feed")
    response = client.post(url, {"action": "create"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Din nya kalenderlänk" in page
    feed_url = page.split('id="feed-url" type="text" readonly value="')[1].split('"')[0]
    assert "Din nya kalenderlänk" not in client.get(url).content.decode()
    client.logout()
    feed = client.get(feed_url)
    assert feed.status_code == 200
    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in feed["Cache-Control"]
    text = feed.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20240501" in text
    assert "Försenad: Utvärdering (trepartsmöte) – Portalen" in text
    assert "Zyberg" not in text
    assert "Anna" not in text
    assert case.enrolment.participant.personnummer not in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_calendar_link_says_an_earlier_link_stopped_only_when_there_was_one(client, handledare_a):
    client.force_login(handledare_a)
    url = reverse("modules:calendar_feed")
    first = client.post(url, {"action": "create"}, follow=True).content.decode()
    assert "En ny kalenderlänk är skapad." in first
    assert "tidigare länk" not in first
    second = client.post(url, {"action": "create"}, follow=True).content.decode()
    assert "En ny kalenderlänk är skapad. Den tidigare länken gäller inte längre." in second
    client.post(url, {"action": "revoke"})
    third = client.post(url, {"action": "create"}, follow=True).content.decode()
    assert "tidigare länk" not in third


def test_calendar_feed_refuses_unknown_revoked_and_former_members(client, handledare_a, case):
    assert client.get(reverse("modules:calendar_ics", args=["fel"])).status_code == 404
    token = services.calendar_feed_create(by=handledare_a)
    url = reverse("modules:calendar_ics", args=[token])
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=handledare_a).delete()
    handledare_a._rehab_access = None
    assert client.get(url).status_code == 404
    client.force_login(handledare_a)
    services.calendar_feed_revoke(by=handledare_a)
    assert not CalendarFeed.objects.exists()
    client.logout()
    assert client.get(url).status_code == 404


def test_module_list_shows_occupancy_and_waiting(client, handledare_a, case):
    client.force_login(handledare_a)
    body = client.get(reverse("modules:module_list")).content.decode()
    assert "1 av 30" in body
    assert "Rehabteamet" in body


# --- Pieces for other pages ------------------------------------------------------------------


def test_deadline_panel_lists_the_users_deadlines(handledare_a, case):
    request = RequestFactory().get("/")
    request.user = handledare_a
    html = Template("{% load module_tags %}{% deadline_panel %}").render(
        Context({"request": request})
    )
    assert "Mina frister" in html
    assert "Anna Zyberg" in html
    assert "Försenad" in html
    assert reverse("modules:enrolment", args=[case.enrolment.pk]) in html


def test_deadline_panel_for_a_user_without_deadlines(handledare_b, case):
    request = RequestFactory().get("/")
    request.user = handledare_b
    html = Template("{% load module_tags %}{% deadline_panel %}").render(
        Context({"request": request})
    )
    assert "Du har inga försenade frister och inga inom 30 dagar." in html
    assert "Anna" not in html


def test_enrolment_partial_for_the_participant_page(handledare_a, case):
    ctx = selectors.enrolment_module_context(case.enrolment, handledare_a)
    html = Template('{% include "modules/partials/enrolment_modules.html" with ctx=ctx %}').render(
        Context({"ctx": ctx})
    )
    assert "Portalen från 2024-02-01, nästa utvärdering senast 2024-05-01" in html
    assert reverse("modules:enrolment", args=[case.enrolment.pk]) in html
    assert "Ramtiden slutar" in html


def test_participant_page_shows_the_modules_partial(client, handledare_a, case):
    client.force_login(handledare_a)
    body = client.get(reverse("participant_detail", args=[case.enrolment.participant_id]))
    html = body.content.decode()
    assert "Moduler och frister" in html
    assert "Portalen från 2024-02-01, nästa utvärdering senast 2024-05-01" in html
    assert reverse("modules:enrolment", args=[case.enrolment.pk]) in html


def test_enrolment_page_queries_do_not_grow_with_history(
    client, handledare_a, case, kompassen, passagen, make_placement, django_assert_max_num_queries
):
    client.force_login(handledare_a)
    url = reverse("modules:enrolment", args=[case.enrolment.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as short:
        client.get(url)
    Placement.objects.filter(pk=case.placement.pk).update(end_date=D(2024, 3, 1))
    for i, module in enumerate([kompassen, passagen, kompassen, passagen]):
        placement = make_placement(
            case.enrolment, module, D(2024, 3 + i, 1), end=D(2024, 3 + i, 28)
        )
        Review.objects.create(
            placement=placement,
            planned_date=D(2024, 3 + i, 20),
            held_date=D(2024, 3 + i, 20),
            decision="move",
        )
    make_placement(case.enrolment, kompassen, D(2024, 8, 1))
    with django_assert_max_num_queries(len(short)):
        client.get(url)
