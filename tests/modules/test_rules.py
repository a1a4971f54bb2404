"""Tests for the pure placement/date rules in ``modules.rules`` (no Django needed)."""

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modules.rules import (
    Decision,
    ModuleRule,
    TeamRule,
    add_months,
    approval_due,
    covered_by_approval,
    deadline_status,
    extension_decision,
    first_review_due,
    frame_end,
    next_followup_due,
    placement_decision,
    review_due,
)

PORTALEN = ModuleRule(
    name="Portalen",
    first_period=3,
    extension_period=3,
    max_extensions=1,
    capacity=30,
)
KOMPASSEN = ModuleRule(name="Kompassen", first_period=6, extension_period=6)
DEFAULT_TEAM = TeamRule()
REBUS_TEAM = TeamRule(followup_interval_months=2)

ENROLMENT_START = date(2024, 2, 1)
FRAME_END = date(2026, 2, 1)  # ENROLMENT_START + 24 months


# --- add_months: table-driven edge dates -----------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # Plain cases.
        (date(2024, 1, 15), 1, date(2024, 2, 15)),
        (date(2024, 1, 15), 12, date(2025, 1, 15)),
        (date(2024, 11, 15), 2, date(2025, 1, 15)),
        # 31st into 30-day months.
        (date(2024, 1, 31), 3, date(2024, 4, 30)),
        (date(2024, 5, 31), 1, date(2024, 6, 30)),
        (date(2024, 8, 31), 1, date(2024, 9, 30)),
        (date(2024, 10, 31), 1, date(2024, 11, 30)),
        # Into February, leap and non-leap.
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 29), 1, date(2024, 2, 29)),
        (date(2023, 1, 29), 1, date(2023, 2, 28)),
        # Leap day itself.
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2023, 2, 28), 12, date(2024, 2, 28)),
        # Century rules: 2100 is not a leap year, 2000 was.
        (date(2099, 12, 31), 2, date(2100, 2, 28)),
        (date(1999, 12, 31), 2, date(2000, 2, 29)),
        # Zero and negative months.
        (date(2024, 3, 31), 0, date(2024, 3, 31)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2026, 2, 1), -2, date(2025, 12, 1)),
        (date(2024, 1, 15), -1, date(2023, 12, 15)),
        (date(2024, 1, 15), -13, date(2022, 12, 15)),
        (date(2024, 7, 31), -1, date(2024, 6, 30)),
    ],
)
def test_add_months_moves_to_same_day_clamped_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_add_months_has_no_thirty_day_months():
    # 2024-01-31 + 1 month is end of February, not 2024-03-01 (31 + 30 days).
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 1), 1) == date(2024, 2, 1)


# --- add_months: properties -------------------------------------------------

# Keep the result inside date's valid range (years 1..9999).
safe_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2300, 12, 31))
month_counts = st.integers(min_value=-1200, max_value=1200)


@given(d=safe_dates, months=month_counts)
def test_add_months_never_increases_the_day_and_keeps_it_when_month_is_long_enough(d, months):
    result = add_months(d, months)
    days_in_target = calendar.monthrange(result.year, result.month)[1]
    assert result.day <= d.day
    if d.day <= days_in_target:
        assert result.day == d.day


@given(d=safe_dates, months=month_counts)
def test_add_months_clamps_to_last_day_of_month_when_day_does_not_exist(d, months):
    result = add_months(d, months)
    days_in_target = calendar.monthrange(result.year, result.month)[1]
    if d.day > days_in_target:
        assert result.day == days_in_target


@given(d=safe_dates, months=month_counts)
def test_add_months_lands_in_the_right_year_and_month(d, months):
    result = add_months(d, months)
    months_moved = (result.year - d.year) * 12 + (result.month - d.month)
    assert months_moved == months
    assert 1 <= result.month <= 12


@given(d=safe_dates, m1=month_counts, m2=month_counts)
def test_add_months_is_monotone_in_months(d, m1, m2):
    low, high = sorted((m1, m2))
    assert add_months(d, low) <= add_months(d, high)


@given(d=safe_dates)
def test_adding_zero_months_returns_the_same_date(d):
    assert add_months(d, 0) == d


@given(d=safe_dates, months=month_counts)
def test_add_months_round_trip_never_overshoots_the_original(d, months):
    # Going forward then back loses at most the clamped days, never gains.
    assert add_months(add_months(d, months), -months) <= d


# --- review dates -----------------------------------------------------------


def test_first_review_is_start_plus_first_period():
    assert first_review_due(date(2024, 3, 15), PORTALEN) == date(2024, 6, 15)


def test_first_review_clamps_at_month_end():
    assert first_review_due(date(2024, 8, 31), KOMPASSEN) == date(2025, 2, 28)


@pytest.mark.parametrize(
    ("extensions", "expected"),
    [
        (0, date(2025, 2, 28)),
        (1, date(2025, 8, 28)),  # chained from 2025-02-28, not from 08-31
        (2, date(2026, 2, 28)),
        (3, date(2026, 8, 28)),
    ],
)
def test_review_due_chains_from_previous_due_with_clamping_each_step(extensions, expected):
    assert review_due(date(2024, 8, 31), KOMPASSEN, extensions) == expected


def test_review_due_rejects_negative_extension_count():
    with pytest.raises(ValueError):
        review_due(date(2024, 1, 1), KOMPASSEN, -1)


# --- frame and approval -----------------------------------------------------


@pytest.mark.parametrize(
    ("start", "team", "expected"),
    [
        (date(2024, 2, 1), DEFAULT_TEAM, date(2026, 2, 1)),
        (date(2024, 2, 29), DEFAULT_TEAM, date(2026, 2, 28)),
        (date(2023, 3, 31), TeamRule(frame_months=11), date(2024, 2, 29)),
        (date(2024, 1, 1), TeamRule(frame_months=12), date(2025, 1, 1)),
    ],
)
def test_frame_end_is_enrolment_start_plus_frame_months(start, team, expected):
    assert frame_end(start, team) == expected


@pytest.mark.parametrize(
    ("start", "team", "expected"),
    [
        (date(2024, 2, 1), DEFAULT_TEAM, date(2025, 12, 1)),
        (date(2023, 4, 30), DEFAULT_TEAM, date(2025, 2, 28)),
        (date(2024, 4, 30), DEFAULT_TEAM, date(2026, 2, 28)),
        (date(2022, 4, 30), DEFAULT_TEAM, date(2024, 2, 29)),
        (date(2024, 1, 31), DEFAULT_TEAM, date(2025, 11, 30)),
        (
            date(2024, 1, 15),
            TeamRule(frame_months=12, approval_lead_months=3),
            date(2024, 10, 15),
        ),
    ],
)
def test_approval_is_due_lead_months_before_frame_end(start, team, expected):
    assert approval_due(start, team) == expected


def test_default_approval_due_is_start_plus_22_months():
    start = date(2024, 5, 17)
    assert approval_due(start, TeamRule()) == add_months(start, 22)


@pytest.mark.parametrize(
    ("d", "approved_until", "expected"),
    [
        (FRAME_END - timedelta(days=1), None, True),
        (FRAME_END, None, True),
        (FRAME_END + timedelta(days=1), None, False),
        (date(2026, 3, 1), date(2026, 2, 28), False),
        (date(2026, 3, 1), date(2026, 3, 1), True),
        (date(2026, 3, 1), date(2026, 12, 31), True),
        # An approval ending before the frame end never shrinks the frame.
        (FRAME_END, date(2025, 1, 1), True),
    ],
)
def test_covered_by_approval_inside_frame_or_up_to_approved_until(d, approved_until, expected):
    assert covered_by_approval(d, frame_end=FRAME_END, approved_until=approved_until) is expected


# --- Decision ---------------------------------------------------------------


def test_decision_is_truthy_exactly_when_allowed():
    assert Decision(True)
    assert not Decision(False, reason="Nej.")


def test_decision_is_frozen():
    decision = Decision(True)
    with pytest.raises(AttributeError):
        decision.allowed = False  # type: ignore[misc]


# --- extensions -------------------------------------------------------------


def _extend(module, current_due, extensions_so_far, approved_until=None):
    return extension_decision(
        current_due=current_due,
        extensions_so_far=extensions_so_far,
        module=module,
        enrolment_start=ENROLMENT_START,
        team=DEFAULT_TEAM,
        approved_until=approved_until,
    )


def test_first_portalen_extension_is_allowed_and_chains_from_previous_due():
    decision = _extend(PORTALEN, date(2024, 8, 1), 0)
    assert decision
    assert decision.due == date(2024, 11, 1)
    assert decision.reason == ""


def test_second_portalen_extension_is_refused():
    decision = _extend(PORTALEN, date(2025, 2, 1), 1)
    assert not decision
    assert decision.due is None
    assert decision.reason == "Portalen kan bara förlängas 1 gång."


def test_extension_limit_message_uses_plural_for_several_extensions():
    module = ModuleRule(name="Bryggan", first_period=3, extension_period=3, max_extensions=2)
    decision = _extend(module, date(2024, 8, 1), 2)
    assert not decision
    assert decision.reason == "Bryggan kan bara förlängas 2 gånger."


def test_module_without_extensions_is_never_extended():
    module = ModuleRule(name="Starten", first_period=3, extension_period=3, max_extensions=0)
    decision = _extend(module, date(2024, 5, 1), 0)
    assert not decision
    assert "Starten" in decision.reason


def test_kompassen_can_be_extended_any_number_of_times_within_frame():
    due = date(2024, 3, 1)
    for extensions_so_far in range(3):
        decision = _extend(KOMPASSEN, due, extensions_so_far)
        assert decision, decision.reason
        due = decision.due
    assert due == date(2025, 9, 1)


def test_kompassen_extension_chains_with_clamping_each_step():
    first = _extend(KOMPASSEN, date(2024, 8, 31), 0)
    second = _extend(KOMPASSEN, first.due, 1)
    assert (first.due, second.due) == (date(2025, 2, 28), date(2025, 8, 28))


def test_extension_ending_exactly_on_frame_end_is_allowed_without_approval():
    decision = _extend(KOMPASSEN, date(2025, 8, 1), 5)
    assert decision
    assert decision.due == FRAME_END


def test_extension_one_day_past_frame_end_is_refused_without_approval():
    decision = _extend(KOMPASSEN, date(2025, 8, 2), 5)
    assert not decision
    assert decision.reason == (
        "Förlängningen till 2026-02-02 går utöver ramtiden (2026-02-01). "
        "Ett godkänt ledningsgruppsbeslut som täcker datumet krävs."
    )


def test_extension_past_frame_is_refused_when_approval_ends_too_early():
    decision = _extend(KOMPASSEN, date(2025, 9, 1), 5, approved_until=date(2026, 2, 28))
    assert not decision
    assert "Förlängningen till 2026-03-01 går utöver ramtiden (2026-02-01)." in decision.reason
    assert "ledningsgruppsbeslut" in decision.reason
    assert "gäller bara till 2026-02-28" in decision.reason


@pytest.mark.parametrize("approved_until", [date(2026, 3, 1), date(2026, 12, 31)])
def test_extension_past_frame_is_allowed_with_covering_approval(approved_until):
    decision = _extend(KOMPASSEN, date(2025, 9, 1), 5, approved_until=approved_until)
    assert decision
    assert decision.due == date(2026, 3, 1)


def test_extension_limit_is_checked_before_frame():
    decision = _extend(PORTALEN, date(2025, 12, 1), 1)
    assert decision.reason == "Portalen kan bara förlängas 1 gång."


# --- placements -------------------------------------------------------------


def _place(module, placement_start, occupied=0, approved_until=None, enrolment_exit=None):
    return placement_decision(
        placement_start=placement_start,
        module=module,
        enrolment_start=ENROLMENT_START,
        team=DEFAULT_TEAM,
        occupied=occupied,
        approved_until=approved_until,
        enrolment_exit=enrolment_exit,
    )


def test_placement_is_allowed_with_first_review_due():
    decision = _place(PORTALEN, date(2024, 8, 31))
    assert decision
    assert decision.due == date(2024, 11, 30)


def test_placement_on_enrolment_start_is_allowed():
    assert _place(KOMPASSEN, ENROLMENT_START)


def test_placement_before_enrolment_start_is_refused():
    decision = _place(KOMPASSEN, date(2024, 1, 31))
    assert not decision
    assert decision.reason == "Placeringen kan inte börja före inskrivningen (2024-02-01)."


def test_placement_after_enrolment_exit_is_refused():
    decision = _place(KOMPASSEN, date(2024, 6, 2), enrolment_exit=date(2024, 6, 1))
    assert not decision
    assert decision.reason == "Placeringen kan inte börja efter utskrivningen (2024-06-01)."


def test_placement_on_enrolment_exit_day_is_allowed():
    assert _place(KOMPASSEN, date(2024, 6, 1), enrolment_exit=date(2024, 6, 1))


@pytest.mark.parametrize(
    ("occupied", "allowed"), [(0, True), (29, True), (30, False), (31, False)]
)
def test_portalen_capacity_refuses_when_full(occupied, allowed):
    assert bool(_place(PORTALEN, date(2024, 3, 1), occupied=occupied)) is allowed


def test_full_module_offers_waiting_list():
    decision = _place(PORTALEN, date(2024, 3, 1), occupied=30)
    assert (
        decision.reason == "Portalen är fullt (30 av 30 platser). Sätt deltagaren på väntelistan."
    )


def test_module_without_capacity_is_never_full():
    assert _place(KOMPASSEN, date(2024, 3, 1), occupied=1000)


def test_placement_with_first_review_exactly_on_frame_end_is_allowed():
    decision = _place(KOMPASSEN, date(2025, 8, 1))
    assert decision
    assert decision.due == FRAME_END


def test_placement_with_first_review_past_frame_end_is_refused_without_approval():
    decision = _place(KOMPASSEN, date(2025, 8, 2))
    assert not decision
    assert decision.reason == (
        "Placeringen till 2026-02-02 går utöver ramtiden (2026-02-01). "
        "Ett godkänt ledningsgruppsbeslut som täcker datumet krävs."
    )


def test_placement_past_frame_is_refused_when_approval_ends_too_early():
    decision = _place(KOMPASSEN, date(2025, 9, 1), approved_until=date(2026, 2, 28))
    assert not decision
    assert "gäller bara till 2026-02-28" in decision.reason


def test_placement_past_frame_is_allowed_with_covering_approval():
    decision = _place(KOMPASSEN, date(2025, 9, 1), approved_until=date(2026, 3, 1))
    assert decision
    assert decision.due == date(2026, 3, 1)


# --- follow-ups -------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_held", "expected"),
    [
        (None, date(2024, 4, 1)),
        (date(2024, 4, 3), date(2024, 6, 3)),
        (date(2024, 12, 31), date(2025, 2, 28)),
        (date(2023, 12, 31), date(2024, 2, 29)),
    ],
)
def test_rebus_followup_is_due_two_months_after_start_or_last_held(last_held, expected):
    assert (
        next_followup_due(enrolment_start=ENROLMENT_START, last_held=last_held, team=REBUS_TEAM)
        == expected
    )


def test_team_without_followup_interval_has_no_followups():
    assert (
        next_followup_due(enrolment_start=ENROLMENT_START, last_held=None, team=DEFAULT_TEAM)
        is None
    )
    assert (
        next_followup_due(
            enrolment_start=ENROLMENT_START,
            last_held=date(2024, 4, 1),
            team=DEFAULT_TEAM,
        )
        is None
    )


# --- deadline status --------------------------------------------------------

AS_OF = date(2024, 6, 15)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (AS_OF - timedelta(days=30), "overdue"),
        (AS_OF - timedelta(days=1), "overdue"),
        (AS_OF, "upcoming"),
        (AS_OF + timedelta(days=1), "upcoming"),
        (AS_OF + timedelta(days=30), "upcoming"),
        (AS_OF + timedelta(days=31), None),
        (AS_OF + timedelta(days=365), None),
    ],
)
def test_deadline_status_around_as_of_and_30_day_window(due, expected):
    assert deadline_status(due, as_of=AS_OF) == expected


@pytest.mark.parametrize(
    ("within_days", "expected"),
    [(6, None), (7, "upcoming"), (0, None)],
)
def test_deadline_status_respects_custom_window(within_days, expected):
    assert (
        deadline_status(AS_OF + timedelta(days=7), as_of=AS_OF, within_days=within_days)
        == expected
    )


def test_deadline_due_today_is_upcoming_even_with_zero_window():
    assert deadline_status(AS_OF, as_of=AS_OF, within_days=0) == "upcoming"


@given(due=safe_dates, as_of=safe_dates)
def test_deadline_status_overdue_exactly_when_due_has_passed(due, as_of):
    assert (deadline_status(due, as_of=as_of) == "overdue") is (due < as_of)
