"""The columns and exit outcomes of the board's §9 table, shared by the direct computation
(tables.py) and the aggregate tables (aggregates.py)."""

from __future__ import annotations

from datetime import timedelta

from rehab.models import ExitOutcome, Gender

GENDERS = (Gender.K.value, Gender.M.value, Gender.X.value)
TOTAL = "total"
COLUMNS = (*GENDERS, TOTAL)
OUTCOME_KEYS = list(ExitOutcome.values)
WORK_OUTCOMES = (ExitOutcome.ARBETE.value, ExitOutcome.STUDIER.value)
AGE_BANDS = ["16–29", "30–49", "50–64", "övrigt"]
AGE_LIMITS = [(16, 29), (30, 49), (50, 64)]


def age_band_of(age: int | None) -> str:
    for band, (low, high) in zip(AGE_BANDS, AGE_LIMITS, strict=False):
        if age is not None and low <= age <= high:
            return band
    return AGE_BANDS[-1]


def days(total) -> int:
    """A summed duration as whole days (both backends return a timedelta for a DurationField
    sum; None when nothing was summed)."""
    if total is None:
        return 0
    if isinstance(total, timedelta):
        return total.days
    return int(total)
