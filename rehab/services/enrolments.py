"""Writes of enrolments: create, change, exit (applied by casework), undo exit, in error."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from rehab import audit, policy
from rehab.models import (
    Enrolment,
    ExitOutcome,
    RuleWarning,
    income_to_bits,
)
from rehab.services.common import ENROLMENT_TEXT_LIMITS, WORK_OR_STUDIES, _check_texts, _today
from rehab.services.soft_rules import enrolment_warnings, warnings_record

# --- Enrolment ------------------------------------------------------------------------------


ENROLMENT_FIELDS = [
    "referrer",
    "responsible",
    "case_officer_name",
    "case_officer_agency",
    "case_officer_phone",
    "case_officer_email",
    "first_followup_date",
    "followup_interval_months",
    "agencies",
    "occupation_start",
    "occupation_start_share",
    "education",
    "months_without_work",
    "wellbeing_start",
    "phase",
]


def _check_enrolment_fields(fields: dict, *, team, start_date, creating: bool) -> None:
    """The input policy for an enrolment's fields (SPEC §6, README "Inmatningsregler")."""
    own = fields.get("followup_interval_months")
    if own is not None:
        if own < 1:
            raise ValidationError(
                {"followup_interval_months": "Intervallet ska vara minst en månad."}
            )
        if team.followup_interval_months is not None and own >= team.followup_interval_months:
            raise ValidationError(
                {
                    "followup_interval_months": (
                        f"Ett eget intervall ska vara tätare än teamets "
                        f"{team.followup_interval_months} månader; lämna tomt för teamets."
                    )
                }
            )
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
    _check_enrolment_fields(fields, team=team, start_date=start_date, creating=True)
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
    enrolment.warnings = enrolment_warnings(
        participant=participant,
        team=team,
        start_date=start_date,
        agencies=enrolment.agencies,
        referrer=enrolment.referrer,
        income_start=income_start,
        exclude=enrolment,
    )
    warnings_record(enrolment=enrolment, warnings=enrolment.warnings, by=by)
    return enrolment


@transaction.atomic
def enrolment_update(*, enrolment: Enrolment, by, income_start=None, **fields) -> Enrolment:
    data = {k: v for k, v in fields.items() if k in ENROLMENT_FIELDS}
    _check_enrolment_fields(
        data, team=enrolment.team, start_date=enrolment.start_date, creating=False
    )
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
    # The exit's own warning goes with it (SPEC §13 rule 9).
    enrolment.rule_warnings.filter(code=RuleWarning.Code.EXIT_WITHOUT_EVALUATION).delete()
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
