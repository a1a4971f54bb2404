"""What every case service shares: today, the outcomes that need no plan, text limits."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from rehab import policy
from rehab.models import (
    ExitOutcome,
)

# Outcomes after which no plan for what follows is needed (SPEC §8).
WORK_OR_STUDIES = {ExitOutcome.ARBETE, ExitOutcome.STUDIER}


def _today():
    return timezone.localdate()


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
