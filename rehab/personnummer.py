"""Validation and normalisation of Swedish personnummer.

A pure module with no dependencies outside the standard library (no Django import), so
that it can be used from forms, models, management commands and tests.

Storage format: 12 digits ``ÅÅÅÅMMDDNNNN``.

Accepted input formats (surrounding whitespace is ignored):

* ``ÅÅÅÅMMDD-NNNN`` and ``ÅÅÅÅMMDDNNNN``
* ``ÅÅMMDD-NNNN`` and ``ÅÅMMDDNNNN``
* ``ÅÅMMDD+NNNN`` (the person has turned 100)

For the 10-digit forms the latest century that does not put the date of birth in the
future is chosen; with ``+`` another 100 years are subtracted.
Samordningsnummer (day + 60, i.e. days 61–91) are accepted.

Refused, in this order: the format, a date that does not exist, a birth date after
``today``, the birth number 000 (never issued) and a wrong check digit (Luhn over the
10-digit form).
"""

from __future__ import annotations

import random
import re
from datetime import date

__all__ = [
    "PersonnummerError",
    "birth_date",
    "format_display",
    "gender_digit_is_female",
    "generate",
    "is_samordningsnummer",
    "luhn_check_digit",
    "mask",
    "normalise",
]

FORMAT = "format"
DATE = "date"
FUTURE = "future"
BIRTH_NUMBER = "birth_number"
CHECKSUM = "checksum"

FORMAT_MESSAGE = (
    "Ange personnumret som ÅÅÅÅMMDD-NNNN, ÅÅÅÅMMDDNNNN, ÅÅMMDD-NNNN eller ÅÅMMDD+NNNN."
)
BIRTH_NUMBER_MESSAGE = "Födelsenumret (siffrorna efter födelsedatumet) kan inte vara 000."
CHECKSUM_MESSAGE = "Kontrollsiffran stämmer inte – kontrollera att personnumret är rätt skrivet."

SAMORDNING_OFFSET = 60

# Only ASCII digits: ``\d`` would also match e.g. Arabic-Indic digits.
_LONG_RE = re.compile(r"(?P<date>[0-9]{8})-?(?P<tail>[0-9]{4})")
_SHORT_RE = re.compile(r"(?P<date>[0-9]{6})(?P<sep>[-+]?)(?P<tail>[0-9]{4})")
_NORMALISED_RE = re.compile(r"[0-9]{12}")
_NINE_DIGITS_RE = re.compile(r"[0-9]{9}")


class PersonnummerError(ValueError):
    """An invalid personnummer.

    ``code`` is one of ``'format'``, ``'date'``, ``'future'``, ``'birth_number'`` and
    ``'checksum'``;
    ``str(error)`` is a Swedish error message that can be shown in a form.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


def luhn_check_digit(nine_digits: str) -> int:
    """The check digit (Luhn) for ``ÅÅMMDDNNN``, i.e. the first nine digits
    of the 10-digit form. The weights are 2, 1, 2, 1, … from the left."""
    if not isinstance(nine_digits, str) or not _NINE_DIGITS_RE.fullmatch(nine_digits):
        raise ValueError("luhn_check_digit kräver exakt nio siffror.")
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def normalise(value: str, *, today: date | None = None) -> str:
    """Validate ``value`` and return it as 12 digits ``ÅÅÅÅMMDDNNNN``.

    Raises :class:`PersonnummerError` if the number is invalid. ``today`` governs
    the century rule and the future check (default: ``date.today()``, i.e. the
    server's local date – Django code should pass ``today=timezone.localdate()``).
    """
    if today is None:
        today = date.today()  # noqa: DTZ011 - pure module; callers may pass a tz-aware date
    if not isinstance(value, str):
        raise PersonnummerError(FORMAT, FORMAT_MESSAGE)
    text = value.strip()

    long_match = _LONG_RE.fullmatch(text)
    if long_match:
        date_part = long_match["date"]
        year = int(date_part[:4])
        tail = long_match["tail"]
    else:
        short_match = _SHORT_RE.fullmatch(text)
        if not short_match:
            raise PersonnummerError(FORMAT, FORMAT_MESSAGE)
        date_part = short_match["date"]
        tail = short_match["tail"]
        year = _resolve_century(
            int(date_part[:2]),
            int(date_part[2:4]),
            _real_day(int(date_part[4:6])),
            centenarian=short_match["sep"] == "+",
            today=today,
        )

    month = int(date_part[-4:-2])
    day = int(date_part[-2:])
    born = _birth_date_or_error(year, month, day)
    if born > today:
        raise PersonnummerError(FUTURE, f"Födelsedatumet {born.isoformat()} ligger i framtiden.")

    # The three-digit birth number runs from 001 to 999; 000 is never issued (SKV 704).
    if tail[:3] == "000":
        raise PersonnummerError(BIRTH_NUMBER, BIRTH_NUMBER_MESSAGE)

    ten = date_part[-6:] + tail
    if luhn_check_digit(ten[:9]) != int(ten[9]):
        raise PersonnummerError(CHECKSUM, CHECKSUM_MESSAGE)

    return f"{year:04d}{date_part[-4:]}{tail}"


def birth_date(pnr12: str) -> date:
    """The date of birth of a normalised number (day − 60 for a
    samordningsnummer)."""
    _require_normalised(pnr12)
    return _birth_date_or_error(int(pnr12[:4]), int(pnr12[4:6]), int(pnr12[6:8]))


def is_samordningsnummer(pnr12: str) -> bool:
    """True if the day part is 61–91 (samordningsnummer, day + 60)."""
    _require_normalised(pnr12)
    return int(pnr12[6:8]) > SAMORDNING_OFFSET


def mask(pnr12: str) -> str:
    """``'198503124128'`` → ``'19850312-****'``."""
    _require_normalised(pnr12)
    return f"{pnr12[:8]}-****"


def format_display(pnr12: str) -> str:
    """``'198503124128'`` → ``'19850312-4128'``."""
    _require_normalised(pnr12)
    return f"{pnr12[:8]}-{pnr12[8:]}"


def gender_digit_is_female(pnr12: str) -> bool:
    """An even second-to-last digit = female. Used only to generate
    demo data."""
    _require_normalised(pnr12)
    return int(pnr12[10]) % 2 == 0


def generate(
    rng: random.Random,
    birth: date,
    *,
    female: bool,
    samordningsnummer: bool = False,
) -> str:
    """A valid normalised 12-digit number for ``birth`` (demo data and
    tests). The birth number ``NNN`` is 001–999 with an even/odd last digit for
    female/male. With ``samordningsnummer=True``, 60 is added to the day."""
    # Female: 002, 004, …, 998; male: 001, 003, …, 999 (never 000).
    serial = rng.randrange(2 if female else 1, 1000, 2)
    day = birth.day + (SAMORDNING_OFFSET if samordningsnummer else 0)
    nine = f"{birth.year % 100:02d}{birth.month:02d}{day:02d}{serial:03d}"
    return f"{birth.year:04d}{nine[2:]}{luhn_check_digit(nine)}"


def _real_day(day: int) -> int:
    return day - SAMORDNING_OFFSET if day > SAMORDNING_OFFSET else day


def _resolve_century(yy: int, month: int, day: int, *, centenarian: bool, today: date) -> int:
    """The latest year ending in ``yy`` that does not put (month, day) in the
    future; 100 years earlier for ``+``. The date's validity is not checked
    here (the comparison is made on tuples)."""
    year = today.year - (today.year - yy) % 100
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    if centenarian:
        year -= 100
    return year


def _birth_date_or_error(year: int, month: int, day: int) -> date:
    samordning = day > SAMORDNING_OFFSET
    real_day = _real_day(day)
    try:
        return date(year, month, real_day)
    except ValueError:
        suffix = " (samordningsnummer: dag + 60)" if samordning else ""
        shown_year = f"{year:04d}" if year >= 0 else str(year)
        raise PersonnummerError(
            DATE, f"Datumet {shown_year}-{month:02d}-{real_day:02d} finns inte{suffix}."
        ) from None


def _require_normalised(pnr12: str) -> None:
    if not isinstance(pnr12, str) or not _NORMALISED_RE.fullmatch(pnr12):
        raise PersonnummerError(FORMAT, FORMAT_MESSAGE)
