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
DIARY_NUMBER = 50  # a referral's diary number


def today() -> datetime.date:
    return timezone.localdate()


def _format(day: datetime.date) -> str:
    return day.isoformat()


def event_date_error(value, label: str, earliest=EARLIEST_EVENT) -> str | None:
    """What is wrong with a date on which something happened (from `earliest`, 2000-01-01,
    up to today), or None."""
    if value is None:
        return None
    if value < earliest:
        return f"{label} kan inte ligga före {_format(earliest)}."
    if value > today():
        return f"{label} kan inte ligga i framtiden."
    return None


def planned_date_error(value, label: str, ahead_days=PLANNED_AHEAD) -> str | None:
    """What is wrong with a date planned ahead (from 2000-01-01 up to `ahead_days` days from
    today), or None."""
    if value is None:
        return None
    if value < EARLIEST_EVENT:
        return f"{label} kan inte ligga före {_format(EARLIEST_EVENT)}."
    if value > today() + datetime.timedelta(days=ahead_days):
        words = "två år" if ahead_days == PLANNED_AHEAD else f"{ahead_days} dagar"
        return f"{label} kan ligga högst {words} fram i tiden."
    return None


def text_error(value, label: str, max_length: int) -> str | None:
    """What is wrong with a text longer than `max_length` characters, or None."""
    if value and len(value) > max_length:
        return f"{label} får vara högst {max_length:,} tecken.".replace(",", " ")
    return None


def _raise(field: str, message: str | None) -> None:
    if message:
        raise ValidationError({field: message})


def check_event_date(value, *, field: str, label: str, earliest=EARLIEST_EVENT) -> None:
    _raise(field, event_date_error(value, label, earliest))


def check_planned_date(value, *, field: str, label: str, ahead_days=PLANNED_AHEAD) -> None:
    _raise(field, planned_date_error(value, label, ahead_days))


def check_text(value, *, field: str, label: str, max_length: int) -> None:
    _raise(field, text_error(value, label, max_length))


def _form_validator(error_of, *args):
    """A form field validator that refuses what `error_of` finds wrong."""

    def validate(value):
        message = error_of(value, *args)
        if message:
            raise ValidationError(message)

    return validate


def event_date_validator(label: str, earliest=EARLIEST_EVENT):
    return _form_validator(event_date_error, label, earliest)


def planned_date_validator(label: str, ahead_days=PLANNED_AHEAD):
    return _form_validator(planned_date_error, label, ahead_days)
