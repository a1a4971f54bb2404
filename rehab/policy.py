"""The one input policy: plausible dates and text lengths per kind of field.

Services call these checks, so the web, the import and the command line refuse the same
input with the same Swedish message; forms use the same bounds (`max_length`, the date
validators below) so that a user sees the error on the field before anything is saved.
README "Inmatningsregler" has the table.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

# A birth date (personnummer, anonymous participant's birth year) is not before this day.
EARLIEST_BIRTH = datetime.date(1900, 1, 1)
# Nothing the teams record happened before this day (Finsam started in 2004).
EARLIEST_EVENT = datetime.date(2000, 1, 1)
# How far ahead a planned date (a booked review, a first follow-up, an activity) may lie.
PLANNED_AHEAD = 2 * 365 + 1
# How far ahead a placement may be registered to start.
PLACEMENT_AHEAD = 60

# Text lengths, in characters.
NAME = 100  # first and last names, case officers, module and activity titles
SHORT = 200  # addresses, languages, e-mail, phone, one-line answers
REASON = 2_000  # a reason, a decline, a need, a plan after exit
DESCRIPTION = 5_000  # a deviation, a review's notes, a referral's need
NOTE = 20_000  # a journal note


def today() -> datetime.date:
    return timezone.localdate()


def _format(day: datetime.date) -> str:
    return day.isoformat()


def check_event_date(value, *, field: str, label: str, earliest=EARLIEST_EVENT) -> None:
    """A date on which something happened: from `earliest` (2000-01-01) up to today."""
    if value is None:
        return
    if value < earliest:
        raise ValidationError({field: f"{label} kan inte ligga före {_format(earliest)}."})
    if value > today():
        raise ValidationError({field: f"{label} kan inte ligga i framtiden."})


def check_planned_date(value, *, field: str, label: str, ahead_days=PLANNED_AHEAD) -> None:
    """A date planned ahead: from 2000-01-01 up to `ahead_days` days from today."""
    if value is None:
        return
    if value < EARLIEST_EVENT:
        raise ValidationError({field: f"{label} kan inte ligga före {_format(EARLIEST_EVENT)}."})
    latest = today() + datetime.timedelta(days=ahead_days)
    if value > latest:
        raise ValidationError(
            {field: f"{label} kan ligga högst {_ahead_words(ahead_days)} fram i tiden."}
        )


def _ahead_words(days: int) -> str:
    return "två år" if days == PLANNED_AHEAD else f"{days} dagar"


def check_text(value, *, field: str, label: str, max_length: int) -> None:
    """A text of at most `max_length` characters."""
    if value and len(value) > max_length:
        raise ValidationError(
            {field: f"{label} får vara högst {max_length:,} tecken.".replace(",", " ")}
        )


def _form_validator(check, field_label, **kwargs):
    """A form field validator that runs one of the checks above with the field's label."""

    def validate(value):
        try:
            check(value, field="value", label=field_label, **kwargs)
        except ValidationError as e:
            raise ValidationError(e.message_dict["value"]) from None

    return validate


def event_date_validator(label: str, earliest=EARLIEST_EVENT):
    return _form_validator(check_event_date, label, earliest=earliest)


def planned_date_validator(label: str, ahead_days=PLANNED_AHEAD):
    return _form_validator(check_planned_date, label, ahead_days=ahead_days)
