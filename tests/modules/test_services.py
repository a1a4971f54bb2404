"""Services of the modules app: placements, extensions, reviews, approvals, follow-ups,
waiting lists and calendar links, each checked against SPEC §7 and for its audit record."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
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
from rehab.models import AuditEvent

pytestmark = pytest.mark.django_db

D = datetime.date


def _messages(excinfo):
    return " ".join(excinfo.value.messages)


def _approve(enrolment, until, by):
    approval = services.approval_request(
        enrolment=enrolment, requested_date=enrolment.start_date, by=by
    )
    return services.approval_decide(
        approval=approval,
        approve=True,
        decided_date=enrolment.start_date,
        approved_until=until,
        by=by,
    )


# --- Placements ------------------------------------------------------------------------------


def test_placement_first_review_is_start_plus_first_period(enrolment, portalen, handledare_a):
    placement = services.placement_create(
        enrolment=enrolment, module=portalen, start_date=D(2024, 1, 31), by=handledare_a
    )
    assert placement.next_review_due == D(2024, 4, 30)
    assert placement.extensions == 0
    assert placement.created_by == handledare_a
    event = AuditEvent.objects.get(action="placement_create")
    assert event.user == handledare_a
    assert event.participant_id == enrolment.participant_id
    assert event.changes["next_review_due"] == "2024-04-30"


def test_participant_may_hold_one_placement_at_a_time(
    enrolment, portalen, kompassen, handledare_a
):
    services.placement_create(
        enrolment=enrolment, module=portalen, start_date=D(2024, 2, 1), by=handledare_a
    )
    with pytest.raises(ValidationError) as excinfo:
        services.placement_create(
            enrolment=enrolment, module=kompassen, start_date=D(2024, 3, 1), by=handledare_a
        )
    assert "redan en pågående placering i Portalen" in _messages(excinfo)
    assert Placement.objects.filter(enrolment=enrolment).count() == 1


def test_open_placement_in_another_team_also_blocks(
    make_enrolment, enrolment, portalen, other_team, handledare_a
):
    evi_module = Module.objects.create(
        team=other_team, name="Balder", first_period=6, extension_period=6
    )
    elsewhere = make_enrolment(team=other_team, participant=enrolment.participant)
    services.placement_create(
        enrolment=elsewhere, module=evi_module, start_date=D(2024, 2, 1), by=handledare_a
    )
    with pytest.raises(ValidationError, match="redan en pågående placering i Balder"):
        services.placement_create(
            enrolment=enrolment, module=portalen, start_date=D(2024, 2, 1), by=handledare_a
        )


def test_module_of_another_team_is_refused(enrolment, other_team, handledare_a):
    evi_module = Module.objects.create(
        team=other_team, name="Balder", first_period=6, extension_period=6
    )
    with pytest.raises(ValidationError, match="hör inte till teamet Rehabteamet"):
        services.placement_create(
            enrolment=enrolment, module=evi_module, start_date=D(2024, 2, 1), by=handledare_a
        )


def test_full_portalen_refuses_and_offers_the_waiting_list(
    enrolment, portalen, fill_module, handledare_a
):
    fill_module(portalen)
    with pytest.raises(ValidationError) as excinfo:
        services.placement_create(
            enrolment=enrolment, module=portalen, start_date=D(2024, 2, 1), by=handledare_a
        )
    assert excinfo.value.code == services.MODULE_FULL
    assert "Portalen är fullt (30 av 30 platser)" in _messages(excinfo)
    assert "väntelistan" in _messages(excinfo)
    assert not Placement.objects.filter(enrolment=enrolment).exists()
    assert not AuditEvent.objects.filter(action="placement_create").exists()


def test_ended_placements_free_their_place(enrolment, portalen, fill_module, handledare_a):
    fill_module(portalen)
    first = Placement.objects.filter(module=portalen).order_by("pk").first()
    Placement.objects.filter(pk=first.pk).update(end_date=D(2024, 1, 31))
    placement = services.placement_create(
        enrolment=enrolment, module=portalen, start_date=D(2024, 2, 1), by=handledare_a
    )
    assert placement.pk is not None
    assert selectors.occupied_places(portalen) == 30


def test_placement_removes_the_participant_from_that_modules_waiting_list(
    enrolment, portalen, kompassen, handledare_a
):
    services.waiting_list_add(enrolment=enrolment, module=portalen, by=handledare_a)
    services.waiting_list_add(enrolment=enrolment, module=kompassen, by=handledare_a)
    services.placement_create(
        enrolment=enrolment, module=portalen, start_date=D(2024, 2, 1), by=handledare_a
    )
    waiting = WaitingListEntry.objects.filter(enrolment=enrolment, removed_date__isnull=True)
    assert [w.module for w in waiting] == [kompassen]


def test_placement_whose_first_review_passes_the_frame_needs_an_approval(
    make_enrolment, kompassen, admin_user
):
    enrolment = make_enrolment(start=D(2022, 3, 1))  # frame ends 2024-03-01
    with pytest.raises(ValidationError) as excinfo:
        services.placement_create(
            enrolment=enrolment, module=kompassen, start_date=D(2023, 10, 1), by=admin_user
        )
    message = _messages(excinfo)
    assert "2024-04-01 går utöver ramtiden (2024-03-01)" in message
    assert "ledningsgruppsbeslut" in message
    _approve(enrolment, D(2024, 6, 30), admin_user)
    placement = services.placement_create(
        enrolment=enrolment, module=kompassen, start_date=D(2023, 10, 1), by=admin_user
    )
    assert placement.next_review_due == D(2024, 4, 1)


def test_placement_before_enrolment_start_is_refused(enrolment, portalen, handledare_a):
    with pytest.raises(ValidationError, match="före inskrivningen"):
        services.placement_create(
            enrolment=enrolment, module=portalen, start_date=D(2024, 1, 14), by=handledare_a
        )


def test_placement_cannot_start_before_the_previous_one_ended(
    enrolment, portalen, kompassen, make_placement, handledare_a
):
    make_placement(enrolment, portalen, D(2024, 1, 15), end=D(2024, 3, 1))
    with pytest.raises(ValidationError, match="före 2024-03-01"):
        services.placement_create(
            enrolment=enrolment, module=kompassen, start_date=D(2024, 2, 1), by=handledare_a
        )
    placement = services.placement_create(
        enrolment=enrolment, module=kompassen, start_date=D(2024, 3, 1), by=handledare_a
    )
    assert placement.next_review_due == D(2024, 9, 1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"exit_date": D(2024, 5, 1), "exit_outcome": "arbete"}, "skrevs ut 2024-05-01"),
        ({"registered_in_error": True}, "felregistrerad"),
    ],
)
def test_closed_enrolment_cannot_be_placed(enrolment, portalen, handledare_a, changes, message):
    for field, value in changes.items():
        setattr(enrolment, field, value)
    enrolment.save()
    with pytest.raises(ValidationError, match=message):
        services.placement_create(
            enrolment=enrolment, module=portalen, start_date=D(2024, 2, 1), by=handledare_a
        )


def test_placement_end_closes_it_and_checks_dates(
    enrolment, portalen, make_placement, handledare_a
):
    placement = make_placement(enrolment, portalen, D(2024, 2, 1))
    with pytest.raises(ValidationError, match="före placeringens start"):
        services.placement_end(placement=placement, end_date=D(2024, 1, 31), by=handledare_a)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="framtiden"):
        services.placement_end(placement=placement, end_date=tomorrow, by=handledare_a)
    services.placement_end(placement=placement, end_date=D(2024, 3, 10), by=handledare_a)
    placement.refresh_from_db()
    assert placement.end_date == D(2024, 3, 10)
    with pytest.raises(ValidationError, match="avslutades 2024-03-10"):
        services.placement_end(placement=placement, end_date=D(2024, 3, 11), by=handledare_a)
    assert AuditEvent.objects.filter(action="placement_end").count() == 1


def test_enrolment_modules_close_ends_placement_and_waiting(
    enrolment, portalen, kompassen, make_placement, handledare_a
):
    make_placement(enrolment, kompassen, D(2024, 2, 1))
    services.waiting_list_add(enrolment=enrolment, module=portalen, by=handledare_a)
    ended = services.enrolment_modules_close(
        enrolment=enrolment, end_date=D(2024, 6, 1), by=handledare_a
    )
    assert ended == 1
    assert Placement.objects.get(enrolment=enrolment).end_date == D(2024, 6, 1)
    assert WaitingListEntry.objects.get(enrolment=enrolment).removed_date == D(2024, 6, 1)


# --- Extensions ------------------------------------------------------------------------------


def test_first_portalen_extension_chains_from_the_previous_due_date(
    make_enrolment, portalen, make_placement, handledare_a
):
    enrolment = make_enrolment(start=D(2023, 11, 1))
    placement = make_placement(enrolment, portalen, D(2023, 11, 30))
    assert placement.next_review_due == D(2024, 2, 29)
    services.placement_extend(placement=placement, by=handledare_a)
    placement.refresh_from_db()
    assert placement.next_review_due == D(2024, 5, 29)
    assert placement.extensions == 1
    event = AuditEvent.objects.get(action="placement_extend")
    assert event.changes == {
        "previous_due": "2024-02-29",
        "next_review_due": "2024-05-29",
        "extensions": 1,
    }


def test_second_portalen_extension_is_refused(enrolment, portalen, make_placement, handledare_a):
    placement = make_placement(enrolment, portalen, D(2024, 2, 1), extensions=1)
    with pytest.raises(ValidationError, match="Portalen kan bara förlängas 1 gång"):
        services.placement_extend(placement=placement, by=handledare_a)
    placement.refresh_from_db()
    assert placement.extensions == 1
    assert placement.next_review_due == D(2024, 8, 1)


def test_kompassen_extensions_clamp_at_each_step(
    make_enrolment, kompassen, make_placement, handledare_a
):
    enrolment = make_enrolment(start=D(2024, 8, 1))
    placement = make_placement(enrolment, kompassen, D(2024, 8, 31))
    assert placement.next_review_due == D(2025, 2, 28)
    services.placement_extend(placement=placement, by=handledare_a)
    services.placement_extend(placement=placement, by=handledare_a)
    placement.refresh_from_db()
    assert placement.next_review_due == D(2026, 2, 28)
    assert placement.extensions == 2


def test_extension_past_the_frame_needs_a_covering_approved_approval(
    make_enrolment, kompassen, make_placement, admin_user
):
    enrolment = make_enrolment(start=D(2022, 1, 10))  # frame ends 2024-01-10
    placement = make_placement(enrolment, kompassen, D(2022, 1, 10), extensions=2)
    assert placement.next_review_due == D(2023, 7, 10)
    services.placement_extend(placement=placement, by=admin_user)  # to 2024-01-10: inside
    with pytest.raises(ValidationError) as excinfo:
        services.placement_extend(placement=placement, by=admin_user)
    assert "Förlängningen till 2024-07-10 går utöver ramtiden (2024-01-10)" in _messages(excinfo)
    # A pending request is not an approval.
    pending = services.approval_request(
        enrolment=enrolment, requested_date=D(2023, 11, 1), by=admin_user
    )
    with pytest.raises(ValidationError, match="ramtiden"):
        services.placement_extend(placement=placement, by=admin_user)
    # An approval ending too early does not cover the date.
    services.approval_decide(
        approval=pending,
        approve=True,
        decided_date=D(2023, 11, 15),
        approved_until=D(2024, 6, 30),
        by=admin_user,
    )
    with pytest.raises(ValidationError, match="gäller bara till 2024-06-30"):
        services.placement_extend(placement=placement, by=admin_user)
    _approve(enrolment, D(2024, 7, 10), admin_user)
    services.placement_extend(placement=placement, by=admin_user)
    placement.refresh_from_db()
    assert placement.next_review_due == D(2024, 7, 10)


def test_ended_placement_cannot_be_extended(enrolment, kompassen, make_placement, handledare_a):
    placement = make_placement(enrolment, kompassen, D(2024, 2, 1), end=D(2024, 3, 1))
    with pytest.raises(ValidationError, match="avslutades"):
        services.placement_extend(placement=placement, by=handledare_a)


# --- Reviews ---------------------------------------------------------------------------------


def test_review_booking_and_cancelling(enrolment, portalen, make_placement, handledare_a):
    placement = make_placement(enrolment, portalen, D(2024, 2, 1))
    with pytest.raises(ValidationError, match="före placeringens start"):
        services.review_book(placement=placement, planned_date=D(2024, 1, 31), by=handledare_a)
    review = services.review_book(
        placement=placement, planned_date=D(2024, 4, 25), by=handledare_a
    )
    assert review.held_date is None
    with pytest.raises(ValidationError, match="redan bokat 2024-04-25"):
        services.review_book(placement=placement, planned_date=D(2024, 4, 26), by=handledare_a)
    services.review_cancel(review=review, by=handledare_a)
    assert not Review.objects.exists()
    assert [e.action for e in AuditEvent.objects.order_by("pk")] == [
        "review_book",
        "review_cancel",
    ]


def test_held_review_cannot_be_cancelled(enrolment, portalen, make_placement, handledare_a):
    placement = make_placement(enrolment, portalen, D(2024, 2, 1))
    review = services.review_record(
        placement=placement,
        held_date=D(2024, 4, 20),
        decision="extend",
        attended_participant=True,
        attended_case_officer=True,
        attended_staff=True,
        by=handledare_a,
    )
    with pytest.raises(ValidationError, match="redan hållits"):
        services.review_cancel(review=review, by=handledare_a)


def test_review_with_extend_decision_extends_the_placement(
    enrolment, portalen, make_placement, handledare_a
):
    placement = make_placement(enrolment, portalen, D(2024, 2, 1))
    booked = services.review_book(
        placement=placement, planned_date=D(2024, 4, 25), by=handledare_a
    )
    review = services.review_record(
        placement=placement,
        review=booked,
        held_date=D(2024, 4, 26),
        decision="extend",
        attended_participant=True,
        attended_case_officer=False,
        attended_staff=True,
        goals_evaluated="Deltar i fikagruppen varje vecka.",
        by=handledare_a,
    )
    assert review.pk == booked.pk
    assert review.held_date == D(2024, 4, 26)
    assert review.planned_date == D(2024, 4, 25)
    assert review.decision == "extend"
    assert (review.attended_participant, review.attended_case_officer) == (True, False)
    placement.refresh_from_db()
    assert placement.next_review_due == D(2024, 8, 1)
    assert placement.extensions == 1
    event = AuditEvent.objects.get(action="review_record")
    assert event.changes["next_review_due"] == "2024-08-01"
    assert "goals_evaluated" not in event.changes


def test_refused_extension_in_a_review_saves_nothing(
    enrolment, portalen, make_placement, handledare_a
):
    placement = make_placement(enrolment, portalen, D(2024, 2, 1), extensions=1)
    with pytest.raises(ValidationError, match="bara förlängas 1 gång"):
        services.review_record(
            placement=placement,
            held_date=D(2024, 7, 30),
            decision="extend",
            attended_participant=True,
            attended_case_officer=True,
            attended_staff=True,
            by=handledare_a,
        )
    assert not Review.objects.exists()
    assert not AuditEvent.objects.exists()


def test_review_with_move_decision_ends_and_starts_placements_the_same_day(
    enrolment, portalen, kompassen, make_placement, handledare_a
):
    placement = make_placement(enrolment, portalen, D(2024, 2, 1))
    review = services.review_record(
        placement=placement,
        held_date=D(2024, 4, 30),
        decision="move",
        attended_participant=True,
        attended_case_officer=True,
        attended_staff=True,
        target_module=kompassen,
        by=handledare_a,
    )
    placement.refresh_from_db()
    assert placement.end_date == D(2024, 4, 30)
    new = Placement.objects.get(enrolment=enrolment, end_date__isnull=True)
    assert new.module == kompassen
    assert new.start_date == D(2024, 4, 30)
    assert new.next_review_due == D(2024, 10, 30)
    assert review.placement == placement
    assert AuditEvent.objects.get().changes["new_placement"] == new.pk


def test_move_to_a_full_module_is_refused_and_keeps_the_placement(
    enrolment, portalen, kompassen, make_placement, fill_module, handledare_a
):
    fill_module(portalen)
    placement = make_placement(enrolment, kompassen, D(2024, 2, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.review_record(
            placement=placement,
            held_date=D(2024, 5, 2),
            decision="move",
            attended_participant=True,
            attended_case_officer=True,
            attended_staff=True,
            target_module=portalen,
            by=handledare_a,
        )
    assert excinfo.value.code == services.MODULE_FULL
    placement.refresh_from_db()
    assert placement.end_date is None
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("target", "message"),
    [(None, "Välj vilken modul"), ("portalen", "redan i Portalen")],
)
def test_move_needs_another_module(
    enrolment, portalen, make_placement, handledare_a, target, message
):
    placement = make_placement(enrolment, portalen, D(2024, 2, 1))
    with pytest.raises(ValidationError, match=message):
        services.review_record(
            placement=placement,
            held_date=D(2024, 4, 30),
            decision="move",
            attended_participant=True,
            attended_case_officer=True,
            attended_staff=True,
            target_module=portalen if target else None,
            by=handledare_a,
        )


def test_review_with_exit_decision_ends_the_placement_only(
    enrolment, portalen, make_placement, handledare_a
):
    placement = make_placement(enrolment, portalen, D(2024, 2, 1))
    services.review_record(
        placement=placement,
        held_date=D(2024, 4, 30),
        decision="exit",
        attended_participant=False,
        attended_case_officer=True,
        attended_staff=True,
        by=handledare_a,
    )
    placement.refresh_from_db()
    enrolment.refresh_from_db()
    assert placement.end_date == D(2024, 4, 30)
    assert enrolment.is_active


def test_review_dates_and_decision_are_checked(enrolment, portalen, make_placement, handledare_a):
    placement = make_placement(enrolment, portalen, D(2024, 2, 1))
    common = {
        "placement": placement,
        "attended_participant": True,
        "attended_case_officer": True,
        "attended_staff": True,
        "by": handledare_a,
    }
    with pytest.raises(ValidationError, match="före placeringens start"):
        services.review_record(held_date=D(2024, 1, 31), decision="exit", **common)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="framtiden"):
        services.review_record(held_date=tomorrow, decision="exit", **common)
    with pytest.raises(ValidationError, match="Välj ett beslut"):
        services.review_record(held_date=D(2024, 3, 1), decision="paus", **common)


# --- Management approvals --------------------------------------------------------------------


def test_approval_request_and_approve(make_enrolment, admin_user):
    enrolment = make_enrolment(start=D(2022, 3, 1))
    approval = services.approval_request(
        enrolment=enrolment, requested_date=D(2023, 12, 20), by=admin_user
    )
    assert approval.status == ManagementApproval.Status.PENDING
    with pytest.raises(ValidationError, match="väntar redan på beslut"):
        services.approval_request(
            enrolment=enrolment, requested_date=D(2023, 12, 21), by=admin_user
        )
    with pytest.raises(ValidationError, match="efter ramtidens slut \\(2024-03-01\\)"):
        services.approval_decide(
            approval=approval,
            approve=True,
            decided_date=D(2024, 1, 10),
            approved_until=D(2024, 3, 1),
            by=admin_user,
        )
    with pytest.raises(ValidationError, match="Ange till och med"):
        services.approval_decide(
            approval=approval, approve=True, decided_date=D(2024, 1, 10), by=admin_user
        )
    with pytest.raises(ValidationError, match="före begäran"):
        services.approval_decide(
            approval=approval,
            approve=True,
            decided_date=D(2023, 12, 19),
            approved_until=D(2024, 9, 1),
            by=admin_user,
        )
    services.approval_decide(
        approval=approval,
        approve=True,
        decided_date=D(2024, 1, 10),
        approved_until=D(2024, 9, 1),
        by=admin_user,
    )
    approval.refresh_from_db()
    assert approval.status == ManagementApproval.Status.APPROVED
    assert approval.approved_until == D(2024, 9, 1)
    assert approval.decided_by == admin_user
    assert selectors.approved_until(enrolment) == D(2024, 9, 1)
    with pytest.raises(ValidationError, match="redan beslutad"):
        services.approval_decide(
            approval=approval, approve=False, decided_date=D(2024, 1, 11), by=admin_user
        )
    assert [e.action for e in AuditEvent.objects.order_by("pk")] == [
        "approval_request",
        "approval_decide",
    ]


def test_declined_approval_covers_nothing(make_enrolment, admin_user):
    enrolment = make_enrolment(start=D(2022, 3, 1))
    approval = services.approval_request(
        enrolment=enrolment, requested_date=D(2023, 12, 20), by=admin_user
    )
    services.approval_decide(
        approval=approval,
        approve=False,
        decided_date=D(2024, 1, 10),
        approved_until=D(2024, 9, 1),
        by=admin_user,
    )
    approval.refresh_from_db()
    assert approval.status == ManagementApproval.Status.DECLINED
    assert approval.approved_until is None
    assert selectors.approved_until(enrolment) is None
    # A new case may be sent after a declined one.
    services.approval_request(enrolment=enrolment, requested_date=D(2024, 1, 20), by=admin_user)


def test_only_the_unit_manager_decides_approvals(make_enrolment, handledare_a):
    enrolment = make_enrolment(start=D(2022, 3, 1))
    approval = services.approval_request(
        enrolment=enrolment, requested_date=D(2023, 12, 20), by=handledare_a
    )
    with pytest.raises(PermissionDenied):
        services.approval_decide(
            approval=approval,
            approve=True,
            decided_date=D(2024, 1, 10),
            approved_until=D(2024, 9, 1),
            by=handledare_a,
        )
    approval.refresh_from_db()
    assert approval.status == ManagementApproval.Status.PENDING


def test_approval_request_dates_are_checked(enrolment, handledare_a):
    with pytest.raises(ValidationError, match="före inskrivningen"):
        services.approval_request(
            enrolment=enrolment, requested_date=D(2024, 1, 14), by=handledare_a
        )
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="framtiden"):
        services.approval_request(enrolment=enrolment, requested_date=tomorrow, by=handledare_a)
    assert not ManagementApproval.objects.exists()


# --- Follow-ups and waiting lists ------------------------------------------------------------


def test_followup_record_checks_dates(enrolment, handledare_a):
    with pytest.raises(ValidationError, match="före inskrivningen"):
        services.followup_record(enrolment=enrolment, held_date=D(2024, 1, 1), by=handledare_a)
    followup = services.followup_record(
        enrolment=enrolment, held_date=D(2024, 3, 15), note="Gick bra.", by=handledare_a
    )
    assert followup.created_by == handledare_a
    assert FollowUp.objects.count() == 1
    event = AuditEvent.objects.get(action="followup_record")
    assert event.changes == {"held_date": "2024-03-15"}


def test_waiting_list_add_and_remove(enrolment, portalen, make_placement, handledare_a):
    entry = services.waiting_list_add(enrolment=enrolment, module=portalen, by=handledare_a)
    assert entry.added_date == timezone.localdate()
    with pytest.raises(ValidationError, match="redan på väntelistan till Portalen"):
        services.waiting_list_add(enrolment=enrolment, module=portalen, by=handledare_a)
    services.waiting_list_remove(entry=entry, by=handledare_a)
    entry.refresh_from_db()
    assert entry.removed_date == timezone.localdate()
    with pytest.raises(ValidationError, match="inte längre"):
        services.waiting_list_remove(entry=entry, by=handledare_a)
    # Back on the list later is fine.
    services.waiting_list_add(enrolment=enrolment, module=portalen, by=handledare_a)


def test_participant_placed_in_a_module_cannot_queue_for_it(
    enrolment, portalen, make_placement, handledare_a
):
    make_placement(enrolment, portalen, D(2024, 2, 1))
    with pytest.raises(ValidationError, match="redan en plats i Portalen"):
        services.waiting_list_add(enrolment=enrolment, module=portalen, by=handledare_a)


# --- Calendar links --------------------------------------------------------------------------


def test_calendar_link_is_stored_only_as_a_hash_and_can_be_replaced(handledare_a):
    first = services.calendar_feed_create(by=handledare_a)
    feed = CalendarFeed.objects.get(user=handledare_a)
    assert first not in feed.token_hash
    assert selectors.calendar_feed_owner(first) == handledare_a
    second = services.calendar_feed_create(by=handledare_a)
    assert selectors.calendar_feed_owner(first) is None
    assert selectors.calendar_feed_owner(second) == handledare_a
    assert services.calendar_feed_revoke(by=handledare_a) is True
    assert selectors.calendar_feed_owner(second) is None
    assert services.calendar_feed_revoke(by=handledare_a) is False


def test_inactive_users_calendar_link_stops_working(handledare_a):
    token = services.calendar_feed_create(by=handledare_a)
    handledare_a.is_active = False
    handledare_a.save()
    assert selectors.calendar_feed_owner(token) is None


def test_error_marked_enrolment_neither_blocks_nor_occupies(
    enrolment, portalen, make_placement, make_enrolment, handledare_a
):
    wrong = make_enrolment(
        participant=enrolment.participant, start=D(2024, 1, 10), registered_in_error=True
    )
    make_placement(wrong, portalen, D(2024, 1, 10))
    assert selectors.occupied_places(portalen) == 0
    services.placement_create(
        enrolment=enrolment, module=portalen, start_date=D(2024, 2, 1), by=handledare_a
    )
    assert selectors.occupied_places(portalen) == 1
