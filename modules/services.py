"""Writes for module placements, 3-party reviews, extensions, management approvals,
follow-up meetings, waiting lists and calendar links (SPEC §7).

Every service runs in one transaction, locks the enrolment it changes (so that two case
workers cannot, say, place the same participant twice at once), asks modules.rules whether
the change is allowed, writes one audit record and raises ValidationError with a Swedish
message when it is not."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from modules import rules
from modules.models import (
    CalendarFeed,
    FollowUp,
    ManagementApproval,
    Module,
    Placement,
    Review,
    TriageContact,
    WaitingListEntry,
)
from modules.selectors import (
    approved_until,
    hash_token,
    occupied_places,
    reserved_free,
    team_rule,
)
from rehab import audit
from rehab.access import get_access
from rehab.models import Enrolment, valid_q
from rehab.policy import PLACEMENT_AHEAD, check_planned_date
from rehab.services import referral_path_warning, warnings_record

MODULE_FULL = "module_full"


def _d(value: date) -> str:
    return value.isoformat()


def _lock_active_enrolment(enrolment) -> Enrolment:
    """The enrolment, re-read under a row lock, if it may still be changed."""
    locked = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("team", "participant")
        .get(pk=enrolment.pk)
    )
    if locked.registered_in_error:
        raise ValidationError("Inskrivningen är markerad som felregistrerad och kan inte ändras.")
    if locked.exit_date is not None:
        raise ValidationError(
            f"Deltagaren skrevs ut {_d(locked.exit_date)}. Moduler, utvärderingar och "
            "beslut kan inte ändras efter avslutet."
        )
    return locked


def _open_placement(placement, enrolment) -> Placement:
    """The placement re-read after the enrolment lock; it must still be open."""
    fresh = Placement.objects.select_related("module").get(pk=placement.pk)
    if fresh.enrolment_id != enrolment.pk:
        raise ValidationError("Placeringen hör inte till inskrivningen.")
    if fresh.end_date is not None:
        raise ValidationError(
            f"Placeringen i {fresh.module} avslutades {_d(fresh.end_date)} och kan inte ändras."
        )
    return fresh


def _not_in_future(value: date, label: str) -> None:
    if value > timezone.localdate():
        raise ValidationError(f"{label} kan inte ligga i framtiden.")


def _place(*, enrolment, module, start_date, by) -> Placement:
    """Create a placement once the caller holds the enrolment lock: one open placement per
    participant within a team (across teams unless one is complementary, SPEC §13 rule 6), no
    overlap with earlier placements, capacity, reserved places and frame per SPEC §7 and §13.

    The placement carries `warnings`, the soft rules it broke (§13 rule 2), also recorded."""
    if module.team_id != enrolment.team_id:
        raise ValidationError(f"Modulen {module} hör inte till teamet {enrolment.team}.")
    current = Placement.objects.filter(
        valid_q("enrolment__"),
        enrolment__participant_id=enrolment.participant_id,
        end_date__isnull=True,
    ).select_related("module", "enrolment__team")
    for other in current:
        same_team = other.enrolment.team_id == enrolment.team_id
        if not same_team and (
            enrolment.team.is_complementary or other.enrolment.team.is_complementary
        ):
            continue
        where = "" if same_team else f" hos {other.enrolment.team}"
        raise ValidationError(
            f"Deltagaren har redan en pågående placering i {other.module}{where} "
            f"(från {_d(other.start_date)}). Byt modul genom att registrera en utvärdering "
            "med beslutet ”Byt modul”, eller avsluta placeringen först."
        )
    last_end = Placement.objects.filter(enrolment=enrolment).aggregate(last=Max("end_date"))[
        "last"
    ]
    if last_end is not None and start_date < last_end:
        raise ValidationError(
            f"Placeringen kan inte börja före {_d(last_end)}, då den förra placeringen slutade."
        )
    # Lock the module row so that two simultaneous placements cannot both take the last place.
    module = Module.objects.select_for_update().get(pk=module.pk)
    occupied = occupied_places(module)
    decision = rules.placement_decision(
        placement_start=start_date,
        module=module.as_rule(),
        enrolment_start=enrolment.start_date,
        team=team_rule(enrolment.team),
        occupied=occupied,
        approved_until=approved_until(enrolment),
        enrolment_exit=enrolment.exit_date,
    )
    if not decision:
        full = module.capacity is not None and occupied >= module.capacity
        raise ValidationError(decision.reason, code=MODULE_FULL if full else "refused")
    _check_reserved(module, enrolment=enrolment, occupied=occupied)
    rereferral = module.triage_contact and (
        Placement.objects.filter(
            valid_q("enrolment__"),
            module=module,
            enrolment__participant_id=enrolment.participant_id,
        ).exists()
    )
    placement = Placement.objects.create(
        enrolment=enrolment,
        module=module,
        start_date=start_date,
        next_review_due=decision.due,
        created_by=by,
    )
    if rereferral:
        _triage_contact_create(
            placement, reason=TriageContact.Reason.REREFERRAL, on=start_date, by=by
        )
    warning = referral_path_warning(
        expected=module.expected_referrer, referrer=enrolment.referrer, where=module
    )
    placement.warnings = [warning] if warning else []
    warnings_record(enrolment=enrolment, warnings=placement.warnings, by=by)
    # A place in the module ends the wait for it.
    WaitingListEntry.objects.filter(
        module=module, enrolment=enrolment, removed_date__isnull=True
    ).update(removed_date=timezone.localdate())
    return placement


def _check_reserved(module, *, enrolment, occupied) -> None:
    """SPEC §13 rule 1 (hard): the places a module reserves for a kommun stay free for its
    residents until the module is otherwise full."""
    if module.capacity is None:
        return
    kept = reserved_free(module, kommun_id=enrolment.participant.kommun_id)
    if occupied + sum(free for _, free in kept) >= module.capacity:
        names = ", ".join(f"{free} för {r.kommun}" for r, free in kept)
        raise ValidationError(
            f"{module} har {module.capacity - occupied} lediga platser, men de är reserverade "
            f"({names}). Deltagaren från {enrolment.participant.kommun} kan sättas på "
            "väntelistan.",
            code=MODULE_FULL,
        )


def _triage_contact_create(placement, *, reason, on: date, by) -> TriageContact:
    """SPEC §13 rule 3: the deadline to contact the triage team, 14 days after `on`."""
    return TriageContact.objects.create(
        placement=placement,
        reason=reason,
        due_date=on + timedelta(days=TriageContact.DUE_DAYS),
        created_by=by,
    )


def _extend(*, enrolment, placement, on: date, by) -> date:
    """Move the placement's next review one extension on, if the rules allow; a module that
    asks for it gets the deadline to contact the triage team (SPEC §13 rule 3)."""
    decision = rules.extension_decision(
        current_due=placement.next_review_due,
        extensions_so_far=placement.extensions,
        module=placement.module.as_rule(),
        enrolment_start=enrolment.start_date,
        team=team_rule(enrolment.team),
        approved_until=approved_until(enrolment),
    )
    if not decision:
        raise ValidationError(decision.reason, code="extension_refused")
    placement.next_review_due = decision.due
    placement.extensions += 1
    placement.save(update_fields=["next_review_due", "extensions"])
    if placement.module.triage_contact:
        _triage_contact_create(placement, reason=TriageContact.Reason.EXTENSION, on=on, by=by)
    return decision.due


# --- Placements ------------------------------------------------------------------------------


def placement_create(*, enrolment: Enrolment, module: Module, start_date: date, by) -> Placement:
    """Place a participant in a module; the first review is due start + first period."""
    check_planned_date(
        start_date, field="start_date", label="Startdatum", ahead_days=PLACEMENT_AHEAD
    )
    with transaction.atomic():
        enrolment = _lock_active_enrolment(enrolment)
        placement = _place(enrolment=enrolment, module=module, start_date=start_date, by=by)
        audit.record(
            user=by,
            action="placement_create",
            obj=placement,
            participant_id=enrolment.participant_id,
            changes={
                "module": module.name,
                "start_date": start_date,
                "next_review_due": placement.next_review_due,
            },
        )
    return placement


def placement_extend(*, placement: Placement, by) -> Placement:
    """Extend a placement: the next review moves from the previous due date by the module's
    extension length (SPEC §7.2), within the frame or a management approval (§7.3)."""
    with transaction.atomic():
        enrolment = _lock_active_enrolment(placement.enrolment)
        placement = _open_placement(placement, enrolment)
        previous = placement.next_review_due
        _extend(enrolment=enrolment, placement=placement, on=timezone.localdate(), by=by)
        audit.record(
            user=by,
            action="placement_extend",
            obj=placement,
            participant_id=enrolment.participant_id,
            changes={
                "previous_due": previous,
                "next_review_due": placement.next_review_due,
                "extensions": placement.extensions,
            },
        )
    return placement


def placement_end(*, placement: Placement, end_date: date, by) -> Placement:
    """End an open placement without a review (e.g. the participant stopped coming)."""
    with transaction.atomic():
        enrolment = _lock_active_enrolment(placement.enrolment)
        placement = _open_placement(placement, enrolment)
        if end_date < placement.start_date:
            raise ValidationError(
                f"Slutdatum kan inte ligga före placeringens start ({_d(placement.start_date)})."
            )
        _not_in_future(end_date, "Slutdatum")
        placement.end_date = end_date
        placement.save(update_fields=["end_date"])
        cancelled = _cancel_bookings(Placement.objects.filter(pk=placement.pk))
        audit.record(
            user=by,
            action="placement_end",
            obj=placement,
            participant_id=enrolment.participant_id,
            changes={"end_date": end_date, "bookings_cancelled": cancelled},
        )
    return placement


def _cancel_bookings(placements) -> int:
    """Booked meetings of ended placements will never be held: they are removed, so that no
    list shows them as "Bokat". Returns how many."""
    deleted, _ = Review.objects.filter(placement__in=placements, held_date__isnull=True).delete()
    return deleted


def enrolment_modules_close(*, enrolment: Enrolment, end_date: date, by) -> int:
    """At exit (SPEC §8): end the open placement and leave every waiting list.

    Meant to be called by the exit service inside its own transaction, before or after it
    sets the exit date. A placement planned to start after `end_date` ends on its start day.
    Returns the number of placements ended."""
    with transaction.atomic():
        ended = 0
        for placement in Placement.objects.select_for_update().filter(
            enrolment=enrolment, end_date__isnull=True
        ):
            placement.end_date = max(end_date, placement.start_date)
            placement.save(update_fields=["end_date"])
            ended += 1
        left = WaitingListEntry.objects.filter(
            enrolment=enrolment, removed_date__isnull=True
        ).update(removed_date=end_date)
        cancelled = _cancel_bookings(Placement.objects.filter(enrolment=enrolment))
        audit.record(
            user=by,
            action="enrolment_modules_close",
            obj=enrolment,
            participant_id=enrolment.participant_id,
            changes={
                "end_date": end_date,
                "placements_ended": ended,
                "waiting_left": left,
                "bookings_cancelled": cancelled,
            },
        )
    return ended


def placements_end_on_error(*, enrolment: Enrolment, end_date: date) -> int:
    """An enrolment marked as registered in error ends its open placements on `end_date`, so
    that they stop taking places. The error marking is the audited change; this follows it
    in the same transaction. Returns the number of placements ended."""
    ended = Placement.objects.filter(enrolment=enrolment, end_date__isnull=True).update(
        end_date=end_date
    )
    _cancel_bookings(Placement.objects.filter(enrolment=enrolment))
    return ended


# --- Reviews (trepartsmöten) -----------------------------------------------------------------


def review_book(*, placement: Placement, planned_date: date, by) -> Review:
    """Book the 3-party meeting of an open placement."""
    check_planned_date(planned_date, field="planned_date", label="Datum för trepartsmötet")
    with transaction.atomic():
        enrolment = _lock_active_enrolment(placement.enrolment)
        placement = _open_placement(placement, enrolment)
        if planned_date < placement.start_date:
            raise ValidationError(
                f"Mötet kan inte bokas före placeringens start ({_d(placement.start_date)})."
            )
        booked = placement.reviews.filter(held_date__isnull=True).first()
        if booked is not None:
            raise ValidationError(
                f"Ett trepartsmöte är redan bokat {_d(booked.planned_date)}. "
                "Registrera eller avboka det först."
            )
        review = Review.objects.create(
            placement=placement, planned_date=planned_date, created_by=by
        )
        audit.record(
            user=by,
            action="review_book",
            obj=review,
            participant_id=enrolment.participant_id,
            changes={"planned_date": planned_date, "placement": placement.pk},
        )
    return review


def review_cancel(*, review: Review, by) -> None:
    """Cancel a booked meeting that has not been held."""
    with transaction.atomic():
        enrolment = _lock_active_enrolment(review.placement.enrolment)
        review = Review.objects.get(pk=review.pk)
        if review.held_date is not None:
            raise ValidationError("Mötet har redan hållits och kan inte avbokas.")
        audit.record(
            user=by,
            action="review_cancel",
            obj=review,
            participant_id=enrolment.participant_id,
            changes={"planned_date": review.planned_date, "placement": review.placement_id},
        )
        review.delete()


def review_record(
    *,
    placement: Placement,
    held_date: date,
    decision: str,
    attended_participant: bool,
    attended_case_officer: bool,
    attended_staff: bool,
    goals_evaluated: str = "",
    target_module: Module | None = None,
    review: Review | None = None,
    by,
) -> Review:
    """Record a held 3-party meeting and carry out its decision (SPEC §7.1):

    - extend: the next review moves one extension on (max extensions and frame apply);
    - move: the placement ends on the meeting day and one in `target_module` starts then;
    - exit: the placement ends on the meeting day (the enrolment's own exit is recorded
      separately, with its outcome).

    `review` is the booked meeting being recorded; without it a new one is written. Nothing
    is saved when the decision cannot be carried out."""
    if decision not in Review.Decision.values:
        raise ValidationError("Välj ett beslut: förläng, byt modul eller avsluta.")
    with transaction.atomic():
        enrolment = _lock_active_enrolment(placement.enrolment)
        placement = _open_placement(placement, enrolment)
        if held_date < placement.start_date:
            raise ValidationError(
                f"Mötet kan inte ha hållits före placeringens start ({_d(placement.start_date)})."
            )
        _not_in_future(held_date, "Mötesdatum")
        if review is not None:
            review = Review.objects.get(pk=review.pk)
            if review.placement_id != placement.pk:
                raise ValidationError("Mötet hör inte till placeringen.")
            if review.held_date is not None:
                raise ValidationError("Mötet är redan registrerat.")
        else:
            # The meeting that was booked is the one held: recording it closes the booking.
            review = placement.reviews.filter(held_date__isnull=True).first() or Review(
                placement=placement, planned_date=held_date, created_by=by
            )
        changes = {"decision": decision, "held_date": held_date, "placement": placement.pk}
        if decision == Review.Decision.EXTEND:
            changes["next_review_due"] = _extend(
                enrolment=enrolment, placement=placement, on=held_date, by=by
            )
        elif decision == Review.Decision.MOVE:
            if target_module is None:
                raise ValidationError("Välj vilken modul deltagaren ska byta till.")
            if target_module.pk == placement.module_id:
                raise ValidationError(
                    f"Deltagaren är redan i {placement.module}. Välj en annan modul, "
                    "eller beslutet ”Förläng”."
                )
            placement.end_date = held_date
            placement.save(update_fields=["end_date"])
            new = _place(enrolment=enrolment, module=target_module, start_date=held_date, by=by)
            review.new_placement = new
            changes.update({"new_placement": new.pk, "module": target_module.name})
        else:
            placement.end_date = held_date
            placement.save(update_fields=["end_date"])
        review.held_date = held_date
        review.decision = decision
        review.attended_participant = attended_participant
        review.attended_case_officer = attended_case_officer
        review.attended_staff = attended_staff
        review.goals_evaluated = goals_evaluated
        review.save()
        audit.record(
            user=by,
            action="review_record",
            obj=review,
            participant_id=enrolment.participant_id,
            changes=changes,
        )
    return review


# --- Management approvals (ledningsgruppsbeslut) ---------------------------------------------


def approval_request(*, enrolment: Enrolment, requested_date: date, by) -> ManagementApproval:
    """Send the approval case to the management group (SPEC §7.4)."""
    with transaction.atomic():
        enrolment = _lock_active_enrolment(enrolment)
        if requested_date < enrolment.start_date:
            raise ValidationError(
                f"Beslutet kan inte begäras före inskrivningen ({_d(enrolment.start_date)})."
            )
        _not_in_future(requested_date, "Datum för begäran")
        pending = enrolment.approvals.filter(status=ManagementApproval.Status.PENDING).first()
        if pending is not None:
            raise ValidationError(
                f"Ett ledningsgruppsbeslut begärdes {_d(pending.requested_date)} och väntar "
                "redan på beslut."
            )
        approval = ManagementApproval.objects.create(
            enrolment=enrolment, requested_date=requested_date
        )
        audit.record(
            user=by,
            action="approval_request",
            obj=approval,
            participant_id=enrolment.participant_id,
            changes={"requested_date": requested_date},
        )
    return approval


def approval_decide(
    *,
    approval: ManagementApproval,
    approve: bool,
    decided_date: date,
    approved_until: date | None = None,
    by,
) -> ManagementApproval:
    """Record the management group's decision. Only the team's unit manager (admin) may."""
    if not get_access(by).is_admin_of(approval.enrolment.team_id):
        raise PermissionDenied("Bara enhetschefen kan registrera ledningsgruppens beslut.")
    with transaction.atomic():
        enrolment = _lock_active_enrolment(approval.enrolment)
        approval = ManagementApproval.objects.get(pk=approval.pk)
        if approval.status != ManagementApproval.Status.PENDING:
            raise ValidationError(
                f"Begäran är redan beslutad ({approval.get_status_display().lower()})."
            )
        if decided_date < approval.requested_date:
            raise ValidationError(
                f"Beslutsdatum kan inte ligga före begäran ({_d(approval.requested_date)})."
            )
        _not_in_future(decided_date, "Beslutsdatum")
        if approve:
            end = rules.frame_end(enrolment.start_date, team_rule(enrolment.team))
            if approved_until is None:
                raise ValidationError("Ange till och med vilket datum beslutet gäller.")
            if approved_until <= end:
                raise ValidationError(
                    f"”Godkänt till och med” måste ligga efter ramtidens slut ({_d(end)}); "
                    "inom ramtiden behövs inget ledningsgruppsbeslut."
                )
            approval.status = ManagementApproval.Status.APPROVED
            approval.approved_until = approved_until
        else:
            approval.status = ManagementApproval.Status.DECLINED
            approval.approved_until = None
        approval.decided_date = decided_date
        approval.decided_by = by
        approval.save(update_fields=["status", "approved_until", "decided_date", "decided_by"])
        audit.record(
            user=by,
            action="approval_decide",
            obj=approval,
            participant_id=enrolment.participant_id,
            changes={
                "status": approval.status,
                "decided_date": decided_date,
                "approved_until": approval.approved_until,
            },
        )
    return approval


# --- Follow-up meetings ----------------------------------------------------------------------


def followup_record(
    *,
    enrolment: Enrolment,
    held_date: date,
    note: str = "",
    with_participant: bool = True,
    with_case_officer: bool = False,
    with_staff: bool = True,
    steps_discussed: str = "",
    by,
) -> FollowUp:
    """Record a held follow-up meeting, who took part and the step movement discussed (SPEC
    §13 rule 8); the next one falls due one interval later (the enrolment's own, if any)."""
    with transaction.atomic():
        enrolment = _lock_active_enrolment(enrolment)
        if held_date < enrolment.start_date:
            raise ValidationError(
                f"Mötet kan inte ha hållits före inskrivningen ({_d(enrolment.start_date)})."
            )
        _not_in_future(held_date, "Mötesdatum")
        if not (with_participant or with_case_officer or with_staff):
            raise ValidationError("Ange vem som var med på mötet.")
        followup = FollowUp.objects.create(
            enrolment=enrolment,
            held_date=held_date,
            note=note,
            with_participant=with_participant,
            with_case_officer=with_case_officer,
            with_staff=with_staff,
            steps_discussed=steps_discussed,
            created_by=by,
        )
        audit.record(
            user=by,
            action="followup_record",
            obj=followup,
            participant_id=enrolment.participant_id,
            changes={"held_date": held_date},
        )
    return followup


# --- Contacts with the triage team (SPEC §13 rule 3) -----------------------------------------


def triage_contact_record(
    *, contact: TriageContact, contacted_date: date, channel: str, note: str = "", by
) -> TriageContact:
    """Record that the triage team was contacted: the deadline "Kontakta EVI" is met."""
    if channel not in TriageContact.Channel.values:
        raise ValidationError({"channel": "Välj hur kontakten togs."})
    with transaction.atomic():
        enrolment = _lock_active_enrolment(contact.placement.enrolment)
        contact = TriageContact.objects.select_related("placement").get(pk=contact.pk)
        if contact.contacted_date is not None:
            raise ValidationError(
                f"Kontakten är redan registrerad ({_d(contact.contacted_date)})."
            )
        if contacted_date < contact.placement.start_date:
            raise ValidationError(
                {
                    "contacted_date": "Kontakten kan inte ha tagits före placeringens start "
                    f"({_d(contact.placement.start_date)})."
                }
            )
        if contacted_date > timezone.localdate():
            raise ValidationError({"contacted_date": "Datumet kan inte ligga i framtiden."})
        contact.contacted_date = contacted_date
        contact.channel = channel
        contact.note = note
        contact.save(update_fields=["contacted_date", "channel", "note"])
        audit.record(
            user=by,
            action="triage_contact_record",
            obj=contact,
            participant_id=enrolment.participant_id,
            changes={"contacted_date": contacted_date, "channel": channel},
        )
    return contact


# --- Waiting lists ---------------------------------------------------------------------------


def waiting_list_add(*, enrolment: Enrolment, module: Module, by) -> WaitingListEntry:
    """Put a participant in the queue for a (full) module (SPEC §7.6)."""
    with transaction.atomic():
        enrolment = _lock_active_enrolment(enrolment)
        if module.team_id != enrolment.team_id:
            raise ValidationError(f"Modulen {module} hör inte till teamet {enrolment.team}.")
        if Placement.objects.filter(
            enrolment=enrolment, module=module, end_date__isnull=True
        ).exists():
            raise ValidationError(f"Deltagaren har redan en plats i {module}.")
        if WaitingListEntry.objects.filter(
            enrolment=enrolment, module=module, removed_date__isnull=True
        ).exists():
            raise ValidationError(f"Deltagaren står redan på väntelistan till {module}.")
        entry = WaitingListEntry.objects.create(
            module=module, enrolment=enrolment, added_date=timezone.localdate()
        )
        audit.record(
            user=by,
            action="waiting_list_add",
            obj=entry,
            participant_id=enrolment.participant_id,
            changes={"module": module.name},
        )
    return entry


def waiting_list_remove(*, entry: WaitingListEntry, by) -> WaitingListEntry:
    """Take a participant off a module's waiting list."""
    with transaction.atomic():
        entry = (
            WaitingListEntry.objects.select_for_update().select_related("module").get(pk=entry.pk)
        )
        if entry.removed_date is not None:
            raise ValidationError("Deltagaren står inte längre på väntelistan.")
        entry.removed_date = timezone.localdate()
        entry.save(update_fields=["removed_date"])
        audit.record(
            user=by,
            action="waiting_list_remove",
            obj=entry,
            participant_id=entry.enrolment.participant_id,
            changes={"module": entry.module.name},
        )
    return entry


# --- Calendar links --------------------------------------------------------------------------


def calendar_feed_create(*, by) -> str:
    """A new secret calendar link for the user; any earlier link stops working. Returns the
    token, which is shown once and never stored."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        feed, _ = CalendarFeed.objects.update_or_create(
            user=by, defaults={"token_hash": hash_token(token), "created_at": timezone.now()}
        )
        audit.record(user=by, action="calendar_feed_create", obj=feed)
    return token


def calendar_feed_revoke(*, by) -> bool:
    """Stop the user's calendar link. Returns whether there was one."""
    with transaction.atomic():
        feed = CalendarFeed.objects.filter(user=by).first()
        if feed is None:
            return False
        audit.record(user=by, action="calendar_feed_revoke", obj=feed)
        feed.delete()
    return True
