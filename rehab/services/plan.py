"""Writes of the action plan, journal, deviations, follow-ups after exit, group activities."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rehab import audit, policy
from rehab.models import (
    Attendance,
    Deviation,
    Enrolment,
    ExitEvaluation,
    ExitFollowUp,
    Goal,
    GroupActivity,
    JournalNote,
    JournalNoteDraft,
    income_to_bits,
)
from rehab.services.common import _today

# --- Action plan, journal, deviations -------------------------------------------------------


def _require_active(enrolment):
    if not enrolment.is_active:
        raise ValidationError("Inskrivningen är avslutad; den kan inte ändras.")


@transaction.atomic
def goal_create(*, enrolment: Enrolment, text: str, by, parent: Goal | None = None) -> Goal:
    _require_active(enrolment)
    if parent is not None and (parent.enrolment_id != enrolment.pk or parent.parent_id):
        raise ValidationError("Delmål kan bara läggas under ett mål i samma handlingsplan.")
    policy.check_text(text, field="text", label="Målet", max_length=policy.REASON)
    goal = Goal.objects.create(enrolment=enrolment, parent=parent, text=text.strip())
    audit.record(
        user=by,
        action="goal_create",
        obj=goal,
        participant_id=enrolment.participant_id,
        changes={"parent": parent.pk if parent else None},
    )
    return goal


@transaction.atomic
def goal_set_status(*, goal: Goal, status: str, by) -> Goal:
    if status not in Goal.Status.values:
        raise ValidationError("Okänd status.")
    _require_active(goal.enrolment)
    before = goal.status
    goal.status = status
    goal.save(update_fields=["status", "updated_at"])
    audit.record(
        user=by,
        action="goal_set_status",
        obj=goal,
        participant_id=goal.enrolment.participant_id,
        changes={"from": before, "to": status},
    )
    return goal


def exit_evaluation_record(
    *,
    enrolment: Enrolment,
    held_date,
    outcomes: dict,
    with_participant: bool = True,
    with_case_officer: bool = True,
    with_handledare: bool = True,
    note: str = "",
    by,
) -> ExitEvaluation:
    """SPEC §13 rule 9: record the evaluation meeting before the exit and each goal's outcome
    (`outcomes`: goal pk → achieved, partly or not achieved). Every goal of the action plan
    that is not dropped gets one. Recording again replaces the meeting and the outcomes."""
    errors = {}
    if held_date < enrolment.start_date:
        errors["held_date"] = (
            f"Mötet kan inte ha hållits före inskrivningen ({enrolment.start_date:%Y-%m-%d})."
        )
    elif held_date > _today():
        errors["held_date"] = "Mötesdatum kan inte ligga i framtiden."
    if not (with_participant or with_case_officer or with_handledare):
        errors["with_participant"] = "Ange vem som var med på mötet."
    policy.check_text(note, field="note", label="Anteckningen", max_length=policy.NOTE)
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        _require_active(enrolment)
        goals = list(enrolment.goals.exclude(status=Goal.Status.DROPPED))
        missing = [g for g in goals if outcomes.get(g.pk) not in Goal.OUTCOMES]
        if missing:
            errors["__all__"] = "Ange hur det gick för varje mål: " + ", ".join(
                f"”{g.text}”" for g in missing
            )
        if errors:
            raise ValidationError(errors)
        evaluation, _ = ExitEvaluation.objects.update_or_create(
            enrolment=enrolment,
            defaults={
                "held_date": held_date,
                "with_participant": with_participant,
                "with_case_officer": with_case_officer,
                "with_handledare": with_handledare,
                "note": note.strip(),
                "created_by": by,
            },
        )
        for goal in goals:
            goal.status = outcomes[goal.pk]
        Goal.objects.bulk_update(goals, ["status"])
        audit.record(
            user=by,
            action="exit_evaluation_record",
            obj=evaluation,
            participant_id=enrolment.participant_id,
            changes={"held_date": held_date, "goals": {g.pk: g.status for g in goals}},
        )
    return evaluation


@transaction.atomic
@transaction.atomic
def note_create(*, enrolment: Enrolment, date, kind: str, text: str, by) -> JournalNote:
    policy.check_event_date(date, field="date", label="Datumet")
    policy.check_text(text, field="text", label="Anteckningen", max_length=policy.NOTE)
    if date < enrolment.start_date:
        raise ValidationError(
            {
                "date": "Anteckningen kan inte gälla tiden före inskrivningen "
                f"({enrolment.start_date:%Y-%m-%d})."
            }
        )
    if not text.strip():
        raise ValidationError({"text": "Skriv en anteckning."})
    note = JournalNote.objects.create(
        enrolment=enrolment, date=date, kind=kind, text=text.strip(), author=by
    )
    # The note is written: its draft has done its work.
    JournalNoteDraft.objects.filter(enrolment=enrolment, author=by).delete()
    audit.record(
        user=by,
        action="note_create",
        obj=note,
        participant_id=enrolment.participant_id,
        changes={"kind": kind, "text": text},
    )
    return note


def note_draft_save(*, enrolment: Enrolment, by, date=None, kind: str = "", text: str = ""):
    """Keep a journal note half written (SPEC-free: a draft is not part of the record). Only the
    size is checked, since a draft may be unfinished; a draft without text is deleted. Returns
    the draft, or None when there is nothing to keep."""
    policy.check_text(text, field="text", label="Anteckningen", max_length=policy.NOTE)
    if kind not in JournalNote.Kind.values:
        kind = ""
    if not text.strip():
        note_draft_discard(enrolment=enrolment, by=by)
        return None
    draft, _ = JournalNoteDraft.objects.update_or_create(
        enrolment=enrolment, author=by, defaults={"date": date, "kind": kind, "text": text}
    )
    return draft


def note_draft_discard(*, enrolment: Enrolment, by) -> None:
    JournalNoteDraft.objects.filter(enrolment=enrolment, author=by).delete()


def deviation_is_late(deviation: Deviation) -> bool:
    """Deviations are reported at once: later than the same (local) day is late."""
    if deviation.reported_at is None:
        return True
    occurred = timezone.localtime(deviation.occurred_at).date()
    return timezone.localtime(deviation.reported_at).date() > occurred


@transaction.atomic
def deviation_create(
    *, enrolment: Enrolment, occurred_at, description, reported_at, reported_to, by
) -> Deviation:
    now = timezone.now()
    errors = {}
    if occurred_at > now:
        errors["occurred_at"] = "Tidpunkten kan inte ligga i framtiden."
    elif timezone.localtime(occurred_at).date() < policy.EARLIEST_EVENT:
        errors["occurred_at"] = f"Tidpunkten kan inte ligga före {policy.EARLIEST_EVENT}."
    if len(description or "") > policy.DESCRIPTION:
        errors["description"] = f"Beskrivningen får vara högst {policy.DESCRIPTION} tecken."
    if len(reported_to or "") > policy.SHORT:
        errors["reported_to"] = f"Mottagaren får vara högst {policy.SHORT} tecken."
    if reported_at is not None:
        if reported_at > now:
            errors["reported_at"] = "Tidpunkten kan inte ligga i framtiden."
        elif reported_at < occurred_at:
            errors["reported_at"] = "Rapporteringen kan inte ske innan avvikelsen inträffade."
        if not reported_to.strip():
            errors["reported_to"] = "Ange vem avvikelsen rapporterades till."
    if errors:
        raise ValidationError(errors)
    deviation = Deviation.objects.create(
        enrolment=enrolment,
        occurred_at=occurred_at,
        description=description.strip(),
        reported_at=reported_at,
        reported_to=reported_to.strip(),
        created_by=by,
    )
    audit.record(
        user=by,
        action="deviation_create",
        obj=deviation,
        participant_id=enrolment.participant_id,
        changes={"description": description, "late": deviation_is_late(deviation)},
    )
    return deviation


@transaction.atomic
def exit_followup_record(
    *, enrolment: Enrolment, months_after: int, date, occupation: str, income=(), by
) -> ExitFollowUp:
    """SPEC §8: optional follow-ups 3, 6 and 12 months after exit show whether results
    last."""
    if enrolment.exit_date is None or enrolment.registered_in_error:
        raise ValidationError(
            "Uppföljning efter avslut kan bara göras för en avslutad inskrivning."
        )
    if months_after not in ExitFollowUp.After.values:
        raise ValidationError({"months_after": "Välj 3, 6 eller 12 månader."})
    if date < enrolment.exit_date:
        raise ValidationError(
            {
                "date": "Uppföljningen kan inte ligga före avslutet "
                f"({enrolment.exit_date:%Y-%m-%d})."
            }
        )
    policy.check_event_date(date, field="date", label="Datumet")
    if ExitFollowUp.objects.filter(enrolment=enrolment, months_after=months_after).exists():
        raise ValidationError(
            {"months_after": f"Uppföljningen efter {months_after} månader är redan registrerad."}
        )
    followup = ExitFollowUp.objects.create(
        enrolment=enrolment,
        months_after=months_after,
        date=date,
        occupation=occupation,
        income=income_to_bits(income),
    )
    audit.record(
        user=by,
        action="exit_followup_record",
        obj=followup,
        participant_id=enrolment.participant_id,
        changes={"months_after": months_after, "date": date},
    )
    return followup


# --- Group activities and attendance --------------------------------------------------------


@transaction.atomic
def activity_create(*, team, date, title: str, kind: str, by) -> GroupActivity:
    if team.is_triage:
        raise ValidationError("Ett En väg in-team har inga gruppaktiviteter.")
    if not title.strip():
        raise ValidationError({"title": "Ange vad aktiviteten heter."})
    policy.check_text(title, field="title", label="Namnet", max_length=policy.NAME)
    policy.check_planned_date(date, field="date", label="Datumet")
    activity = GroupActivity.objects.create(
        team=team, date=date, title=title.strip(), kind=kind, created_by=by
    )
    audit.record(
        user=by, action="activity_create", obj=activity, changes={"team": team.pk, "date": date}
    )
    return activity


def activity_participants(activity: GroupActivity):
    """The enrolments active on the activity's day: those whose attendance is recorded."""
    return (
        Enrolment.objects.in_period(activity.date, activity.date)
        .filter(team_id=activity.team_id)
        .select_related("participant")
        .order_by("participant__last_name", "participant__first_name", "pk")
    )


@transaction.atomic
def attendance_record(*, activity: GroupActivity, present_ids, notified_ids=(), by) -> int:
    """Record who attended (`present_ids`) and who had notified their absence in advance
    (`notified_ids`, "anmält förhinder"); everyone else active that day is recorded as
    absent. Returns the number present."""
    if activity.date > _today():
        raise ValidationError("Närvaro kan registreras först på aktivitetens dag.")
    present_ids = {int(i) for i in present_ids}
    notified_ids = {int(i) for i in notified_ids}
    if present_ids & notified_ids:
        raise ValidationError(
            "En deltagare kan inte både vara närvarande och ha anmält förhinder."
        )
    enrolments = list(activity_participants(activity).values_list("pk", flat=True))
    unknown = (present_ids | notified_ids) - set(enrolments)
    if unknown:
        raise ValidationError("Någon av de markerade deltagarna var inte inskriven den dagen.")
    Status = Attendance.Status

    def status(pk):
        if pk in present_ids:
            return Status.PRESENT
        return Status.NOTIFIED if pk in notified_ids else Status.ABSENT

    Attendance.objects.filter(activity=activity).delete()
    Attendance.objects.bulk_create(
        Attendance(activity=activity, enrolment_id=pk, status=status(pk)) for pk in enrolments
    )
    audit.record(
        user=by,
        action="attendance_record",
        obj=activity,
        changes={
            "present": len(present_ids),
            "notified": len(notified_ids),
            "absent": len(enrolments) - len(present_ids) - len(notified_ids),
        },
    )
    return len(present_ids)
