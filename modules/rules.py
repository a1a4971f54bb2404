"""Pure date and decision rules for module placements (no Django).

Everything that decides *when* something is due, or *whether* a placement or
extension is allowed, lives here so that it can be tested without a database
and reused by views, forms and reports alike.  Month arithmetic follows the
spec: the same day N calendar months later, clamped to the month's last day.
There are no 30-day months anywhere.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "Decision",
    "ModuleRule",
    "TeamRule",
    "add_months",
    "add_period",
    "approval_due",
    "covered_by_approval",
    "deadline_status",
    "extension_decision",
    "first_review_due",
    "frame_end",
    "next_followup_due",
    "placement_decision",
    "review_due",
]

OVERDUE = "overdue"
UPCOMING = "upcoming"


def add_months(d: date, months: int) -> date:
    """Return the same day ``months`` calendar months later (or earlier).

    The day is clamped to the last day of the target month, so
    2024-08-31 + 6 months is 2025-02-28.  ``months`` may be zero or negative
    (e.g. "two months before the frame ends").

    A result past the calendar's ends clamps to ``date.max`` or ``date.min`` the same way,
    so that no caller fails on an out-of-range year (issue #14). The dates people enter are
    bounded by rehab/policy.py long before that; the clamp only keeps the rules total.
    """
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    month = month0 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


MONTHS = "months"
WEEKS = "weeks"


def add_period(d: date, n: int, unit: str = MONTHS) -> date:
    """``n`` periods after ``d``: calendar months per `add_months`, or weeks of exactly 7·n
    days (SPEC §13 rule 7: AKTIV's 12 weeks), clamped to the calendar like months."""
    if unit == WEEKS:
        try:
            return d + timedelta(days=7 * n)
        except OverflowError:
            return date.max if n > 0 else date.min
    return add_months(d, n)


@dataclass(frozen=True)
class ModuleRule:
    """The timing rules of one module (e.g. Portalen, Kompassen, REBUS).

    ``first_period`` and ``extension_period`` count ``period_unit``s (months or weeks).
    ``max_extensions`` of ``None`` means unlimited extensions; ``capacity`` of
    ``None`` means the module has no limit on simultaneous placements.
    """

    name: str
    first_period: int
    extension_period: int
    max_extensions: int | None = None
    capacity: int | None = None
    period_unit: str = MONTHS


@dataclass(frozen=True)
class TeamRule:
    """The timing rules of a team: total frame, approval lead and follow-ups.

    ``followup_interval_months`` of ``None`` means the team holds no
    recurring follow-up meetings.
    """

    frame_months: int = 24
    approval_lead_months: int = 2
    followup_interval_months: int | None = None


@dataclass(frozen=True)
class Decision:
    """Outcome of a rule check; truthy when allowed.

    ``due`` is the resulting due date when allowed, ``reason`` a Swedish
    explanation (shown to staff) when refused.
    """

    allowed: bool
    due: date | None = None
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def first_review_due(placement_start: date, module: ModuleRule) -> date:
    """First review of a placement: start + the module's first period."""
    return add_period(placement_start, module.first_period, module.period_unit)


def review_due(placement_start: date, module: ModuleRule, extensions: int) -> date:
    """Review due date after ``extensions`` extensions.

    Extensions chain from the previous due date, and clamping is applied at
    every step (2024-08-31 +6 → 2025-02-28, +6 → 2025-08-28), so this is not
    the same as adding all months at once.
    """
    if extensions < 0:
        raise ValueError("extensions must not be negative")
    due = first_review_due(placement_start, module)
    for _ in range(extensions):
        due = add_period(due, module.extension_period, module.period_unit)
    return due


def frame_end(enrolment_start: date, team: TeamRule) -> date:
    """End of the total frame: enrolment start + the team's frame months."""
    return add_months(enrolment_start, team.frame_months)


def approval_due(enrolment_start: date, team: TeamRule) -> date:
    """When the management approval case is due: the lead time before the frame ends.

    Computed from the enrolment start (start + 22 months by default), not by
    subtracting from the clamped frame end.
    """
    return add_months(enrolment_start, team.frame_months - team.approval_lead_months)


def covered_by_approval(d: date, *, frame_end: date, approved_until: date | None) -> bool:
    """Whether ``d`` may be planned: inside the frame, or covered by an approval."""
    if d <= frame_end:
        return True
    return approved_until is not None and d <= approved_until


def _frame_refusal(label: str, new_due: date, end: date, approved_until: date | None) -> str:
    """Swedish reason for a date past the frame that no approval covers."""
    reason = (
        f"{label} till {new_due.isoformat()} går utöver ramtiden ({end.isoformat()}). "
        "Ett godkänt ledningsgruppsbeslut som täcker datumet krävs."
    )
    if approved_until is not None:
        reason += f" Det godkända beslutet gäller bara till {approved_until.isoformat()}."
    return reason


def placement_decision(
    *,
    placement_start: date,
    module: ModuleRule,
    enrolment_start: date,
    team: TeamRule,
    occupied: int,
    approved_until: date | None = None,
    enrolment_exit: date | None = None,
) -> Decision:
    """Decide whether a participant may be placed in ``module`` on ``placement_start``.

    Refused when the start lies outside the enrolment, when the module is
    full (offering the waiting list) or when the first review would fall
    past the frame end without a covering management approval.  When
    allowed, ``due`` is the first review date.
    """
    if placement_start < enrolment_start:
        return Decision(
            False,
            reason=(
                f"Placeringen kan inte börja före inskrivningen ({enrolment_start.isoformat()})."
            ),
        )
    if enrolment_exit is not None and placement_start > enrolment_exit:
        return Decision(
            False,
            reason=(
                f"Placeringen kan inte börja efter utskrivningen ({enrolment_exit.isoformat()})."
            ),
        )
    if module.capacity is not None and occupied >= module.capacity:
        return Decision(
            False,
            reason=(
                f"{module.name} är fullt ({occupied} av {module.capacity} platser). "
                "Sätt deltagaren på väntelistan."
            ),
        )
    due = first_review_due(placement_start, module)
    end = frame_end(enrolment_start, team)
    if not covered_by_approval(due, frame_end=end, approved_until=approved_until):
        return Decision(
            False,
            reason=_frame_refusal("Placeringen", due, end, approved_until),
        )
    return Decision(True, due=due)


def extension_decision(
    *,
    current_due: date,
    extensions_so_far: int,
    module: ModuleRule,
    enrolment_start: date,
    team: TeamRule,
    approved_until: date | None = None,
) -> Decision:
    """Decide whether a placement may be extended once more.

    The new due date chains from the current (previous) due date.  Refused
    when the module's maximum number of extensions is reached or when the
    new date would fall past the frame end without a covering approval.
    """
    if module.max_extensions is not None and extensions_so_far >= module.max_extensions:
        limit = module.max_extensions
        if limit == 0:
            reason = f"{module.name} kan inte förlängas."
        else:
            times = "gång" if limit == 1 else "gånger"
            reason = f"{module.name} kan bara förlängas {limit} {times}."
        return Decision(False, reason=reason)
    due = add_period(current_due, module.extension_period, module.period_unit)
    end = frame_end(enrolment_start, team)
    if not covered_by_approval(due, frame_end=end, approved_until=approved_until):
        return Decision(
            False,
            reason=_frame_refusal("Förlängningen", due, end, approved_until),
        )
    return Decision(True, due=due)


def next_followup_due(
    *,
    enrolment_start: date,
    last_held: date | None,
    team: TeamRule,
    own_interval_months: int | None = None,
) -> date | None:
    """Next follow-up meeting: one interval after the last held one (or the start).

    The interval is the enrolment's own when it has one (SPEC §13 rule 8: "or a closer agreed
    interval"), else the team's; ``None`` when neither has one.
    """
    interval = own_interval_months or team.followup_interval_months
    if interval is None:
        return None
    base = last_held if last_held is not None else enrolment_start
    return add_months(base, interval)


def deadline_status(due: date, *, as_of: date, within_days: int = 30) -> str | None:
    """Classify a deadline for lists: 'overdue', 'upcoming' or ``None``.

    Overdue when the due date has passed (before ``as_of``); upcoming when it
    falls within ``within_days`` days from ``as_of`` inclusive; otherwise it
    is not listed.
    """
    if due < as_of:
        return OVERDUE
    if due <= as_of + timedelta(days=within_days):
        return UPCOMING
    return None
