"""The board table's module breakdown in the aggregate rows (issue #18): for a period, each
active enrolment counts under the module of its latest placement held during the period
(started by its last day, not ended before its first), or under "no module".

That module depends on both ends of the period, so it is no flow of months as the other
measures are. For periods of whole months it is a count over a plane instead: a period is a
pair (a, b), its first and its last month, and each enrolment is counted under one module
and column (active, new, exit) in a few rectangles of that plane, where the months of its
start and exit and of its placements' first and last days leave the answer the same
(`rectangles`). A rectangle is kept as its corners (+1, −1, −1, +1), so that the count of a
pair is the sum of the corners at or before it in both directions (a two-dimensional prefix
sum). That sum is read as the all-time total less the corners after the period's first
month, less those after its last month, plus those after both: only the months since the
period's start are read, however long the history (`read`).

The corners are stored in `reporting.MonthlyCount` (measures prefixed `h:`, per team and
gender): the all-time total `h:t:<module>:<column>` in the all-time row, the sums by first
coordinate (`h:x:<module>:<column>` in its month) and by second (`h:y:…`), and each corner
with both coordinates (`h:j:<module>:<column>:<first>:<second>`, in the second's month; a
rectangle open to the past has no first month, and is never after a period's first). Module
0 is "no module". They are part of an enrolment's
contribution (reporting/board/aggregates.py) and so kept current by the same deltas.

A period that starts or ends inside a month reads the nearest whole months and corrects the
enrolments with an event on the days between (`cells`, the direct rule for one enrolment).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db.models import Sum

PREFIX = "h:"
NO_MODULE = 0
# The breakdown's columns, as `tables.BREAKDOWN_MEASURES` names them.
CODES = {"a": "active", "n": "new", "x": "exits"}


def _index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _lower(*values):
    """The greatest of lower bounds, None being minus infinity."""
    found = [v for v in values if v is not None]
    return max(found) if found else None


def _upper(*values):
    """The least of upper bounds, None being plus infinity."""
    found = [v for v in values if v is not None]
    return min(found) if found else None


def _in_order(row) -> list[tuple]:
    """The enrolment's placements as (module, first day, last day or None, pk), in the order
    that decides between them: the latest start, then the greatest pk, wins."""
    return sorted(row.get("placements", ()), key=lambda p: (p[1], p[3]))


def rectangles(row) -> list[tuple]:
    """(module, column code, a1, a2, b1, b2): the rectangles of periods (first month a, last
    month b, as month indices) in which the enrolment counts under the module in the column;
    a1 and a2 None for no bound (the past, the future), b2 None for the future. Nothing for
    an enrolment registered in error."""
    if row["registered_in_error"]:
        return []
    start = _index(row["start_date"])
    exit_month = None if row["exit_date"] is None else _index(row["exit_date"])
    placements = _in_order(row)
    firsts = [_index(p[1]) for p in placements]
    lasts = [None if p[2] is None else _index(p[2]) for p in placements]
    # The first months a at which the placements still held shrink: between two of their
    # last months the same placements are held at a, and a bound on b picks the latest.
    bounds, low = [], None
    for last in sorted({v for v in lasts if v is not None}):
        bounds.append((low, last))
        low = last + 1
    bounds.append((low, None))
    pieces = []  # (module, a1, a2, b1, b2)
    for a1, a2 in bounds:
        held = [
            j
            for j in range(len(placements))
            if lasts[j] is None or (a2 is not None and lasts[j] >= a2)
        ]
        if not held:
            pieces.append((NO_MODULE, a1, a2, None, None))
            continue
        pieces.append((NO_MODULE, a1, a2, None, firsts[held[0]] - 1))
        for q, j in enumerate(held):
            b2 = firsts[held[q + 1]] - 1 if q + 1 < len(held) else None
            if b2 is not None and b2 < firsts[j]:
                continue  # one starting the same month after it wins from its first month
            pieces.append((placements[j][0], a1, a2, firsts[j], b2))
    # Active: started by b, not exited before a; new: started in [a, b]; exit: exited by b.
    columns = [("a", None, exit_month, start, None), ("n", None, start, start, None)]
    if exit_month is not None:
        columns.append(("x", None, exit_month, exit_month, None))
    result = []
    for code, ca1, ca2, cb1, cb2 in columns:
        for module, a1, a2, b1, b2 in pieces:
            lo_a, hi_a = _lower(a1, ca1), _upper(a2, ca2)
            lo_b, hi_b = _lower(b1, cb1), _upper(b2, cb2)
            if lo_a is not None and hi_a is not None and lo_a > hi_a:
                continue
            if lo_b is not None and hi_b is not None and lo_b > hi_b:
                continue
            result.append((module, code, lo_a, hi_a, lo_b, hi_b))
    return result


def entries(row, team: int, gender: str, all_time: date) -> dict[tuple, int]:
    """The enrolment's rectangles as stored (team, month, gender, measure) → value: each
    corner in the all-time total, in the sums by its first and by its second coordinate
    (in the month of that coordinate), and, where its first coordinate is a month, once
    more with both (in the month of the second)."""
    values: dict[tuple, int] = defaultdict(int)
    for module, code, a1, a2, b1, b2 in rectangles(row):
        corners = [(a1, b1, 1)]
        if a2 is not None:
            corners.append((a2 + 1, b1, -1))
        if b2 is not None:
            corners.append((a1, b2 + 1, -1))
        if a2 is not None and b2 is not None:
            corners.append((a2 + 1, b2 + 1, 1))
        group = f"{module}:{code}"
        for x, y, weight in corners:
            values[(team, all_time, gender, f"{PREFIX}t:{group}")] += weight
            values[(team, _month(y), gender, f"{PREFIX}y:{group}")] += weight
            if x is not None:
                values[(team, _month(x), gender, f"{PREFIX}x:{group}")] += weight
                both = f"{PREFIX}j:{group}:{_text(x)}:{_text(y)}"
                values[(team, _month(y), gender, both)] += weight
    return {key: value for key, value in values.items() if value}


def read(
    rows, first_month: date, last_month: date, all_time: date, modules: list[int]
) -> dict[tuple, int]:
    """The counts {(module, code, gender): n} of the whole months from `first_month` to
    `last_month` (both month starts) of `modules` (and of no module; the corners of other
    modules are left out), from `rows` (the teams' MonthlyCount rows): one query of four
    index ranges, the all-time totals, the sums by first coordinate after the first
    month, by second after the last month, and the corners after both (their second after
    the last month)."""
    # The sums' measures by name, each a range of the (measure, month) index; the corners
    # with both coordinates by their months (the unique index's range after the last).
    groups = [f"{module}:{code}" for module in (NO_MODULE, *modules) for code in CODES]

    def named(kind):
        return [f"{PREFIX}{kind}:{group}" for group in groups]

    parts = [
        rows.filter(month=all_time, measure__in=named("t")),
        rows.filter(month__gt=first_month, measure__in=named("x")),
        rows.filter(month__gt=last_month, measure__in=named("y")),
        rows.filter(month__gt=last_month, measure__startswith=f"{PREFIX}j:"),
    ]
    grouped = [
        part.order_by().values_list("gender", "measure").annotate(n=Sum("value")) for part in parts
    ]
    first, last = _text(_index(first_month)), _text(_index(last_month))
    wanted = set(modules)
    result: dict[tuple, int] = defaultdict(int)
    for gender, measure, n in grouped[0].union(*grouped[1:], all=True):
        kind, module, code, *both = measure[len(PREFIX) :].split(":")
        key = (int(module), code, gender)
        if key[0] != NO_MODULE and key[0] not in wanted:
            continue
        if kind == "t":
            result[key] += n
        elif kind in ("x", "y"):
            result[key] -= n  # a corner after the first month, or after the last
        elif both[0] > first and both[1] > last:
            result[key] += n  # after both: taken away twice
    return result


def cells(row, date_from: date, date_to: date) -> list[tuple]:
    """(module, code, gender) under which the enrolment counts in the period, by the direct
    rule (`tables._module_breakdown`): active during it, the latest placement held in it."""
    if row["registered_in_error"]:
        return []
    start, exit_date = row["start_date"], row["exit_date"]
    if start > date_to or (exit_date is not None and exit_date < date_from):
        return []
    held = [p for p in _in_order(row) if p[1] <= date_to and (p[2] is None or p[2] >= date_from)]
    module = held[-1][0] if held else NO_MODULE
    gender = row["gender"] or ""
    codes = ["a"]
    if start >= date_from:
        codes.append("n")
    if exit_date is not None and exit_date <= date_to:
        codes.append("x")
    return [(module, code, gender) for code in codes]
