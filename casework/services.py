"""The cross-app cascades of a case, in one place that may call down into every app.

- Enrolling from a referral marks the referral enrolled (SPEC §5).
- An exit ends the open placement, leaves every waiting list and ends consent (SPEC §8).
- An enrolment registered in error ends its open placements.

Each runs in one transaction: the cascade happens entirely or not at all."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from modules.selectors import open_placement_starting_after
from modules.services import enrolment_modules_close, placements_end_on_error
from referrals.services import consent_end_all, referral_mark_enrolled
from rehab import audit
from rehab import services as rehab_services
from rehab.models import Enrolment
from rehab.services import ExitData


@transaction.atomic
def enrolment_create(*, participant, team, start_date, by, referral=None, **fields) -> Enrolment:
    """Enrol a participant (rehab's rules); from a referral, also mark it enrolled."""
    enrolment = rehab_services.enrolment_create(
        participant=participant, team=team, start_date=start_date, by=by, **fields
    )
    if referral is not None:
        referral_mark_enrolled(referral=referral, enrolment=enrolment, by=by)
    return enrolment


@transaction.atomic
def enrolment_exit(*, enrolment: Enrolment, data: ExitData, by) -> Enrolment:
    """SPEC §8: exit ends open placements and consent; an outcome other than work or studies
    needs a plan for what follows."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if not enrolment.is_active:
        raise ValidationError("Inskrivningen är redan avslutad.")
    errors = rehab_services.enrolment_exit_errors(enrolment, data)
    later = open_placement_starting_after(enrolment, data.exit_date)
    if later is not None and "exit_date" not in errors:
        errors["exit_date"] = (
            f"Den pågående placeringen i {later.module} börjar {later.start_date:%Y-%m-%d}, "
            "efter avslutsdatumet."
        )
    if errors:
        raise ValidationError(errors)
    rehab_services.enrolment_exit_apply(enrolment, data)
    enrolment.warnings = rehab_services.exit_warnings(enrolment)
    rehab_services.warnings_record(enrolment=enrolment, warnings=enrolment.warnings, by=by)
    ended = enrolment_modules_close(enrolment=enrolment, end_date=data.exit_date, by=by)
    consents = _end_consent(enrolment, data.exit_date, by)
    audit.record(
        user=by,
        action="enrolment_exit",
        obj=enrolment,
        participant_id=enrolment.participant_id,
        changes={
            "exit_date": data.exit_date,
            "exit_outcome": data.outcome,
            "placements_ended": ended,
            "consents_ended": consents,
            "exit_plan": data.exit_plan,
        },
    )
    return enrolment


def _end_consent(enrolment, day, by):
    """Consent applies only while the participant is enrolled in one of the förbund's teams
    (SPEC §5): end it unless another of the förbund's enrolments is still active."""
    still_enrolled = (
        Enrolment.objects.active()
        .filter(
            participant_id=enrolment.participant_id,
            team__forbund_id=enrolment.team.forbund_id,
        )
        .exists()
    )
    if still_enrolled:
        return 0
    return consent_end_all(participant=enrolment.participant, ended_date=day, by=by)


@transaction.atomic
def enrolment_mark_error(*, enrolment: Enrolment, reason: str, by) -> Enrolment:
    """Mark the enrolment as registered in error (rehab's rules) and end its open
    placements."""
    enrolment = rehab_services.enrolment_mark_error(enrolment=enrolment, reason=reason, by=by)
    placements_end_on_error(
        enrolment=enrolment, end_date=max(enrolment.start_date, timezone.localdate())
    )
    return enrolment
