"""The module breakdown's rectangles (reporting/board/held.py), without a database: for any
enrolment and every period of whole months, the two-dimensional prefix sum of its stored
corners counts it exactly where the direct rule (`held.cells`) does, and `held.read`'s
inclusion–exclusion over the rows after the period's months gives the same."""

from collections import defaultdict
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.board import held

ALL_TIME = date.min
FIRST = date(2020, 1, 1)
MONTHS = [date(2019 + (m // 12), m % 12 + 1, 1) for m in range(12, 12 + 48)]


def _last_day(month: date) -> date:
    following = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return following - timedelta(days=1)


@st.composite
def enrolments(draw):
    start = FIRST + timedelta(days=draw(st.integers(0, 900)))
    exit_date = None
    if draw(st.booleans()):
        exit_date = start + timedelta(days=draw(st.integers(0, 500)))
    placements = []
    for pk in range(draw(st.integers(0, 4))):
        first = start + timedelta(days=draw(st.integers(-40, 600)))
        last = None if draw(st.booleans()) else first + timedelta(days=draw(st.integers(0, 300)))
        placements.append((draw(st.integers(1, 3)), first, last, draw(st.integers(1, 50)) + pk))
    return {
        "registered_in_error": draw(st.booleans()) and draw(st.booleans()),
        "start_date": start,
        "exit_date": exit_date,
        "gender": draw(st.sampled_from(["K", "M", ""])),
        "placements": placements,
    }


def _prefix_counts(entries, a: date, b: date) -> dict:
    """Σ of the corners at or before (a, b), from the 'h:x'/'h:y'/'h:t'/'h:j' rows."""
    by_group: dict = defaultdict(int)
    for (_team, month, gender, measure), value in entries.items():
        kind, module, code, *both = measure[len(held.PREFIX) :].split(":")
        key = (int(module), code, gender)
        if kind == "t":
            by_group[key] += value
        elif (kind == "x" and month > a) or (kind == "y" and month > b):
            by_group[key] -= value
        elif kind == "j" and month > b and both[0] > f"{a:%Y-%m}":
            by_group[key] += value
    return {k: v for k, v in by_group.items() if v}


@settings(max_examples=300, deadline=None)
@given(enrolments(), st.integers(0, len(MONTHS) - 1), st.integers(0, len(MONTHS) - 1))
def test_the_rectangles_count_as_the_direct_rule_for_every_whole_month_period(row, i, j):
    a, b = MONTHS[min(i, j)], MONTHS[max(i, j)]
    entries = held.entries(row, 1, row["gender"], ALL_TIME)
    expected = defaultdict(int)
    for cell in held.cells(row, a, _last_day(b)):
        expected[cell] += 1
    assert _prefix_counts(entries, a, b) == dict(expected)


def test_a_later_placement_wins_and_one_ended_before_the_period_does_not_count():
    row = {
        "registered_in_error": False,
        "start_date": date(2021, 1, 10),
        "exit_date": None,
        "gender": "K",
        "placements": [
            (1, date(2021, 1, 10), date(2021, 3, 31), 5),
            (2, date(2021, 2, 1), None, 4),  # starts later: wins from February
        ],
    }
    assert held.cells(row, date(2021, 1, 1), date(2021, 1, 31)) == [(1, "a", "K"), (1, "n", "K")]
    assert held.cells(row, date(2021, 2, 1), date(2021, 2, 28)) == [(2, "a", "K")]
    row["placements"] = [(1, date(2021, 1, 10), date(2021, 1, 20), 5)]
    assert held.cells(row, date(2021, 2, 1), date(2021, 2, 28)) == [(held.NO_MODULE, "a", "K")]
    row["registered_in_error"] = True
    assert held.cells(row, date(2021, 1, 1), date(2021, 12, 31)) == []
    assert held.entries(row, 1, "K", ALL_TIME) == {}
