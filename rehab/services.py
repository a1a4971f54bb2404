"""Every write of the case: participant, enrolment, action plan, journal, deviations, exit.

Each service runs in one transaction, checks the rules of SPEC §4–§8, writes one audit record
with the acting user, and raises ValidationError with a message a case worker understands."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from rehab import audit, personnummer, policy
from rehab.models import (
    Attendance,
    Deviation,
    Enrolment,
    ExitFollowUp,
    ExitOutcome,
    Goal,
    GroupActivity,
    JournalNote,
    Participant,
    income_to_bits,
)

# Outcomes after which no plan for what follows is needed (SPEC §8).
WORK_OR_STUDIES = {ExitOutcome.ARBETE, ExitOutcome.STUDIER}


def _today():
    return timezone.localdate()


# --- Participants ---------------------------------------------------------------------------


class DuplicatePersonnummer(ValidationError):
    """The personnummer is already registered; `participant` is the existing record."""

    def __init__(self, participant):
        self.participant = participant
        super().__init__(
            {"personnummer": "Personnumret finns redan registrerat."}, code="duplicate"
        )


PARTICIPANT_FIELDS = [
    "first_name",
    "last_name",
    "gender",
    "kommun",
    "phone",
    "email",
    "address",
    "interpreter_needed",
    "interpreter_language",
    "protected_identity",
]


PARTICIPANT_TEXT_LIMITS = {
    "first_name": ("Förnamnet", policy.NAME),
    "last_name": ("Efternamnet", policy.NAME),
    "phone": ("Telefonnumret", policy.SHORT),
    "email": ("E-postadressen", policy.SHORT),
    "address": ("Adressen", policy.SHORT),
    "interpreter_language": ("Tolkspråket", policy.SHORT),
}
ENROLMENT_TEXT_LIMITS = {
    "case_officer_name": ("Handläggarens namn", policy.NAME),
    "case_officer_agency": ("Myndigheten", policy.SHORT),
    "case_officer_phone": ("Handläggarens telefon", policy.SHORT),
    "case_officer_email": ("Handläggarens e-post", policy.SHORT),
}


def _check_texts(fields: dict, limits: dict) -> None:
    """The policy's text lengths for the fields given; every error at once."""
    errors = {}
    for name, (label, max_length) in limits.items():
        try:
            policy.check_text(fields.get(name), field=name, label=label, max_length=max_length)
        except ValidationError as e:
            errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def participant_create(*, personnummer_raw: str, by, **fields) -> Participant:
    """Register a named participant. A second registration of the same personnummer is
    refused with DuplicatePersonnummer, which names the existing record."""
    try:
        pnr = personnummer.normalise(personnummer_raw, today=_today())
    except personnummer.PersonnummerError as e:
        raise ValidationError({"personnummer": str(e)}, code=e.code) from e
    birth = personnummer.birth_date(pnr)
    if birth < policy.EARLIEST_BIRTH:
        raise ValidationError(
            {"personnummer": f"Födelsedatumet kan inte ligga före {policy.EARLIEST_BIRTH}."}
        )
    _check_texts(fields, PARTICIPANT_TEXT_LIMITS)
    existing = Participant.objects.filter(personnummer=pnr).first()
    if existing is not None:
        raise DuplicatePersonnummer(existing)
    participant = Participant(
        personnummer=pnr,
        birth_date=birth,
        birth_year=birth.year,
        created_by=by,
        **{k: v for k, v in fields.items() if k in PARTICIPANT_FIELDS},
    )
    if not participant.first_name.strip() or not participant.last_name.strip():
        raise ValidationError("För- och efternamn krävs (eller välj anonym inskrivning).")
    try:
        with transaction.atomic():
            participant.save()
    except IntegrityError as e:  # a concurrent registration of the same number
        raise DuplicatePersonnummer(Participant.objects.get(personnummer=pnr)) from e
    audit.record(
        user=by,
        action="participant_create",
        obj=participant,
        participant_id=participant.pk,
        changes={"personnummer": pnr},
    )
    return participant


@transaction.atomic
def participant_create_anonymous(*, birth_year: int, gender: str, kommun, by) -> Participant:
    """SPEC §4: no personnummer or name; birth year, gender and kommun only."""
    this_year = _today().year
    if not this_year - 110 <= birth_year <= this_year - 14:
        raise ValidationError(
            {"birth_year": f"Ange ett födelseår mellan {this_year - 110} och {this_year - 14}."}
        )
    participant = Participant.objects.create(
        is_anonymous=True, birth_year=birth_year, gender=gender, kommun=kommun, created_by=by
    )
    audit.record(
        user=by,
        action="participant_create_anonymous",
        obj=participant,
        participant_id=participant.pk,
    )
    return participant


@transaction.atomic
def participant_update(*, participant: Participant, by, **fields) -> Participant:
    allowed = PARTICIPANT_FIELDS
    if participant.is_anonymous:
        allowed = ["gender", "kommun"]
    _check_texts(fields, PARTICIPANT_TEXT_LIMITS)
    changes = audit.diff(participant, {k: v for k, v in fields.items() if k in allowed})
    for key, value in changes.items():
        setattr(participant, key, value)
    if not participant.is_anonymous and (
        not participant.first_name.strip() or not participant.last_name.strip()
    ):
        raise ValidationError("För- och efternamn krävs.")
    participant.save()
    audit.record(
        user=by,
        action="participant_update",
        obj=participant,
        participant_id=participant.pk,
        changes=changes,
    )
    return participant


# --- Enrolment ------------------------------------------------------------------------------


def age_at(participant: Participant, day: datetime.date) -> int:
    if participant.birth_date:
        b = participant.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))
    # Anonymous participants carry the birth year only: the age reached during that year.
    return day.year - participant.birth_year


def enrolment_warnings(*, participant, team, start_date, agencies) -> list[str]:
    """SPEC §6 eligibility warnings: shown, never blocking."""
    warnings = []
    age = age_at(participant, start_date)
    if not team.min_age <= age <= team.max_age:
        warnings.append(
            f"Deltagaren är {age} år vid start – utanför teamets åldersgräns "
            f"{team.min_age}–{team.max_age} år."
        )
    if len(set(agencies or [])) < 2:
        warnings.append("Färre än två myndigheter är involverade.")
    if not team.kommuner.filter(pk=participant.kommun_id).exists():
        warnings.append(f"{participant.kommun} är inte en kommun som {team} tjänar.")
    return warnings


ENROLMENT_FIELDS = [
    "referrer",
    "responsible",
    "case_officer_name",
    "case_officer_agency",
    "case_officer_phone",
    "case_officer_email",
    "first_followup_date",
    "agencies",
    "occupation_start",
    "occupation_start_share",
    "education",
    "months_without_work",
    "wellbeing_start",
    "phase",
]


def _check_enrolment_fields(fields: dict, *, start_date, creating: bool) -> None:
    """The input policy for an enrolment's fields (SPEC §6, README "Inmatningsregler")."""
    if (creating or "responsible" in fields) and not fields.get("responsible"):
        raise ValidationError({"responsible": "Välj ansvarig handledare."})
    first_followup = fields.get("first_followup_date")
    policy.check_planned_date(
        first_followup, field="first_followup_date", label="Första uppföljningen"
    )
    if first_followup and first_followup < start_date:
        raise ValidationError(
            {"first_followup_date": "Första uppföljningen kan inte ligga före startdatum."}
        )
    _check_texts(fields, ENROLMENT_TEXT_LIMITS)


@transaction.atomic
def enrolment_create(*, participant, team, start_date, by, income_start=(), **fields) -> Enrolment:
    """Enrol a participant in a team. One active enrolment per participant and team. An
    enrolment from a referral goes through `casework.services.enrolment_create`."""
    if team.is_triage:
        raise ValidationError(
            "Ett En väg in-team skriver inte in deltagare; fördela remissen "
            "till en metod i stället."
        )
    if Enrolment.objects.active().filter(participant=participant, team=team).exists():
        raise ValidationError("Deltagaren har redan en pågående inskrivning i teamet.")
    policy.check_event_date(start_date, field="start_date", label="Startdatum")
    _check_enrolment_fields(fields, start_date=start_date, creating=True)
    enrolment = Enrolment(
        participant=participant,
        team=team,
        start_date=start_date,
        income_start=income_to_bits(income_start),
        **{k: v for k, v in fields.items() if k in ENROLMENT_FIELDS},
    )
    try:
        with transaction.atomic():
            enrolment.save()
    except IntegrityError as e:
        raise ValidationError(
            "Deltagaren har redan en inskrivning i teamet med samma "
            "startdatum eller en pågående inskrivning."
        ) from e
    audit.record(
        user=by,
        action="enrolment_create",
        obj=enrolment,
        participant_id=participant.pk,
        changes={"team": team.pk, "start_date": start_date},
    )
    return enrolment


@transaction.atomic
def enrolment_update(*, enrolment: Enrolment, by, income_start=None, **fields) -> Enrolment:
    data = {k: v for k, v in fields.items() if k in ENROLMENT_FIELDS}
    _check_enrolment_fields(data, start_date=enrolment.start_date, creating=False)
    if income_start is not None:
        data["income_start"] = income_to_bits(income_start)
    changes = audit.diff(enrolment, data)
    for key, value in changes.items():
        setattr(enrolment, key, value)
    enrolment.save()
    audit.record(
        user=by,
        action="enrolment_update",
        obj=enrolment,
        participant_id=enrolment.participant_id,
        changes=changes,
    )
    return enrolment


@dataclass(frozen=True)
class ExitData:
    exit_date: datetime.date
    outcome: str
    income_exit: tuple = ()
    occupation_exit: str = ""
    occupation_exit_share: int | None = None
    wellbeing_exit: int | None = None
    exit_conversation_held: bool | None = None
    exit_plan: str = ""


def enrolment_exit_errors(enrolment: Enrolment, data: ExitData) -> dict:
    """SPEC §8: what is wrong with this exit, field by field (empty when it may be saved)."""
    errors = {}
    if data.exit_date < enrolment.start_date:
        errors["exit_date"] = (
            f"Avslutsdatum kan inte ligga före startdatum ({enrolment.start_date:%Y-%m-%d})."
        )
    elif data.exit_date > _today():
        errors["exit_date"] = "Avslutsdatum kan inte ligga i framtiden."
    if data.outcome not in ExitOutcome.values:
        errors["outcome"] = "Välj en avslutsorsak."
    elif len(data.exit_plan) > policy.REASON:
        errors["exit_plan"] = f"Handlingsplanen får vara högst {policy.REASON} tecken."
    elif data.outcome not in WORK_OR_STUDIES and not data.exit_plan.strip():
        errors["exit_plan"] = (
            "När avslutet inte leder till arbete eller studier krävs en handlingsplan för "
            "vad som händer sedan."
        )
    return errors


def enrolment_exit_apply(enrolment: Enrolment, data: ExitData) -> None:
    """Write the exit onto a locked, checked enrolment. Only `casework.services.
    enrolment_exit` calls it: that service ends placements and consent in the same
    transaction and writes the audit record of the whole exit."""
    enrolment.exit_date = data.exit_date
    enrolment.exit_outcome = data.outcome
    enrolment.income_exit = income_to_bits(data.income_exit)
    enrolment.occupation_exit = data.occupation_exit
    enrolment.occupation_exit_share = data.occupation_exit_share
    enrolment.wellbeing_exit = data.wellbeing_exit
    enrolment.exit_conversation_held = data.exit_conversation_held
    enrolment.exit_plan = data.exit_plan
    enrolment.phase = Enrolment.Phase.AVSLUT
    enrolment.save()


def _require_reason(reason):
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Ange ett skäl – det sparas i loggen."})
    policy.check_text(reason, field="reason", label="Skälet", max_length=policy.REASON)


@transaction.atomic
def enrolment_undo_exit(*, enrolment: Enrolment, reason: str, by) -> Enrolment:
    """An admin undoes a mistaken exit. Placements and consent are not reopened: the
    handledare re-registers what should continue."""
    _require_reason(reason)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.exit_date is None:
        raise ValidationError("Inskrivningen är inte avslutad.")
    if (
        Enrolment.objects.active()
        .filter(participant_id=enrolment.participant_id, team_id=enrolment.team_id)
        .exists()
    ):
        raise ValidationError(
            "Deltagaren har en annan pågående inskrivning i teamet; avslutet kan inte ångras."
        )
    before = {"exit_date": enrolment.exit_date, "exit_outcome": enrolment.exit_outcome}
    enrolment.exit_date = None
    enrolment.exit_outcome = ""
    enrolment.income_exit = None
    enrolment.occupation_exit = ""
    enrolment.occupation_exit_share = None
    enrolment.wellbeing_exit = None
    enrolment.exit_conversation_held = None
    enrolment.exit_plan = ""
    enrolment.phase = Enrolment.Phase.AKTIVITET
    enrolment.save()
    audit.record(
        user=by,
        action="enrolment_undo_exit",
        obj=enrolment,
        participant_id=enrolment.participant_id,
        changes={**before, "reason": reason.strip()},
    )
    return enrolment


@transaction.atomic
def enrolment_mark_error(*, enrolment: Enrolment, reason: str, by) -> Enrolment:
    """An enrolment registered in error leaves every statistic (SPEC §8). Its open placements
    are ended by `casework.services.enrolment_mark_error`, which calls this."""
    _require_reason(reason)
    if enrolment.registered_in_error:
        raise ValidationError("Inskrivningen är redan markerad som felregistrerad.")
    enrolment.registered_in_error = True
    enrolment.error_reason = reason.strip()
    enrolment.save(update_fields=["registered_in_error", "error_reason"])
    audit.record(
        user=by,
        action="enrolment_mark_error",
        obj=enrolment,
        participant_id=enrolment.participant_id,
        changes={"reason": reason.strip()},
    )
    return enrolment


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
    audit.record(
        user=by,
        action="note_create",
        obj=note,
        participant_id=enrolment.participant_id,
        changes={"kind": kind, "text": text},
    )
    return note


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
def attendance_record(*, activity: GroupActivity, present_ids, by) -> int:
    """Record who attended; everyone else active that day is recorded as absent."""
    if activity.date > _today():
        raise ValidationError("Närvaro kan registreras först på aktivitetens dag.")
    present_ids = {int(i) for i in present_ids}
    enrolments = list(activity_participants(activity).values_list("pk", flat=True))
    unknown = present_ids - set(enrolments)
    if unknown:
        raise ValidationError("Någon av de markerade deltagarna var inte inskriven den dagen.")
    Attendance.objects.filter(activity=activity).delete()
    Attendance.objects.bulk_create(
        Attendance(activity=activity, enrolment_id=pk, present=pk in present_ids)
        for pk in enrolments
    )
    audit.record(
        user=by,
        action="attendance_record",
        obj=activity,
        changes={"present": len(present_ids), "absent": len(enrolments) - len(present_ids)},
    )
    return len(present_ids)
