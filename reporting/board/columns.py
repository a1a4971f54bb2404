"""The columns and exit outcomes of the board's §9 table, its age bands and what an exit adds
to the before → after matrices: shared by the direct computation (tables.py) and the
aggregate tables (aggregates.py)."""

from __future__ import annotations

import functools
from datetime import timedelta

from rehab.models import INCOME_BITS, ExitOutcome, Gender, IncomeSource, Occupation

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


# Memoised: a whole förbund's exits hold thousands of combinations of a few dozen values, and
# each lookup of the choices' values builds them anew.
@functools.cache
def income_members(bits: int | None) -> tuple[int, ...]:
    """Indexes of income_categories() a bit set belongs to (as income_has/income_missing)."""
    if not bits:
        return (len(IncomeSource.values),)
    return tuple(i for i, code in enumerate(IncomeSource.values) if bits & INCOME_BITS[code])


@functools.cache
def occupation_members(code: str | None) -> tuple[int, ...]:
    """Index of occupation_categories() a code belongs to (as occupation_is/_missing)."""
    codes = list(Occupation.values)
    if code in codes:
        return (codes.index(code),)
    return (len(codes),) if not code else ()


MATRICES = [
    ("forsorjning", "Försörjning före → efter", "income", False),
    ("sysselsattning", "Sysselsättning före → efter", "occupation", True),
]


def matrix_flows(row: dict, gender: str) -> dict[tuple, int]:
    """What one exit (with its income and occupation at start and exit, and gender) adds to
    the matrices: {(matrix, "c", i, j): 1} for each cell, {(matrix, "r", i, gender): 1} and
    {(matrix, "k", j, gender): 1} for the margins. The one definition: the direct computation
    and the aggregate tables both sum it."""
    values: dict[tuple, int] = {}
    for key, _heading, kind, _additive in MATRICES:
        member_of = income_members if kind == "income" else occupation_members
        rows, cols = member_of(row[f"{kind}_start"]), member_of(row[f"{kind}_exit"])
        for i in rows:
            values[(key, "r", i, gender)] = 1
            for j in cols:
                values[(key, "c", i, j)] = 1
        for j in cols:
            values[(key, "k", j, gender)] = 1
    return values
