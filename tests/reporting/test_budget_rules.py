"""The rules of the budget follow-up (SPEC §10): forecast, share used, deviation, cost per
participant, as-of dates, exact decimals, Swedish money formatting and amount input."""

from datetime import date
from decimal import Decimal

import pytest

from common.cells import format_kronor, format_percent
from reporting.budget.followup import (
    AmountError,
    budget_followup,
    clamp_to_year,
    default_as_of,
    forecast,
    months_elapsed,
    parse_amount,
    per_unit,
    present,
    share_used,
)
from reporting.disclosure import HIDDEN, SMALL
from tests.reporting.budget_fixtures import make_budget
from tests.reporting.conftest import enrol

D = Decimal


# --- Pure rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "months"),
    [
        (date(2024, 1, 1), 1),
        (date(2024, 3, 10), 3),
        (date(2024, 6, 30), 6),
        (date(2024, 12, 31), 12),
    ],
)
def test_months_elapsed_are_the_months_the_date_is_in_or_after(as_of, months):
    assert months_elapsed(as_of) == months


def test_straight_line_forecast_is_actual_over_months_times_twelve():
    assert forecast(D("300000"), 3) == D("1200000.00")
    assert forecast(D("100"), 3) == D("400.00")  # multiplied first: exact, no 399.99
    assert forecast(D("100"), 7) == D("171.43")  # 171.428… to whole öre
    assert forecast(D("0.05"), 8) == D("0.08")  # 0.075 rounds half up
    assert forecast(D("0"), 5) == D("0.00")


def test_share_used_is_percent_with_one_decimal_and_empty_without_budget():
    assert share_used(D("750000"), D("1500000")) == D("50.0")
    assert share_used(D("1"), D("3")) == D("33.3")
    assert share_used(D("1"), D("8")) == D("12.5")
    assert share_used(D("1"), D("16")) == D("6.3")  # 6.25 → 6.3, halves away from zero
    assert share_used(D("1600000"), D("1500000")) == D("106.7")
    assert share_used(D("10"), D("0")) is None


def test_cost_per_person_is_empty_with_nobody_to_divide_by():
    assert per_unit(D("1000"), 0) is None
    assert per_unit(D("1000"), 3) == D("333.33")
    assert per_unit(D("1000"), 8) == D("125.00")


def test_default_as_of_is_today_this_year_and_year_end_for_past_years():
    today = date(2025, 5, 14)
    assert default_as_of(2025, today) == today
    assert default_as_of(2024, today) == date(2024, 12, 31)
    assert default_as_of(2026, today) == date(2026, 1, 1)
    assert clamp_to_year(date(2023, 7, 1), 2024) == date(2024, 1, 1)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D("1500000"), "1\u00a0500\u00a0000\u00a0kr"),
        (D("1500000.00"), "1\u00a0500\u00a0000\u00a0kr"),
        (D("1234.5"), "1\u00a0234,50\u00a0kr"),
        (D("0.05"), "0,05\u00a0kr"),
        (D("999"), "999\u00a0kr"),
        (D("0"), "0\u00a0kr"),
        (D("-12000"), "−12\u00a0000\u00a0kr"),
        (None, ""),
        ("–", "–"),
    ],
)
def test_money_is_formatted_the_swedish_way(value, text):
    assert format_kronor(value) == text


def test_percent_is_formatted_with_a_decimal_comma():
    assert format_percent(D("102.1")) == "102,1\u00a0%"
    assert format_percent(None) == ""


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 185 000", D("1185000.00")),
        ("1\u00a0185\u00a0000", D("1185000.00")),
        ("1185000,5", D("1185000.50")),
        ("1234.56", D("1234.56")),
        ("12 500 kr", D("12500.00")),
        ("0", D("0.00")),
    ],
)
def test_amounts_are_read_as_swedish_users_write_them(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-5", "negativt"),
        ("−5", "negativt"),
        ("12,345", "högst två decimaler"),
        ("tolv", "inget belopp"),
        ("1,185,000", "inget belopp"),
        ("1e5", "inget belopp"),
        ("²", "inget belopp"),
        ("", "saknas"),
        ("99999999999", "för stort"),
        # Found by Hypothesis: more digits than a Decimal can quantize to öre.
        ("1" * 30, "för stort"),
        ("1" * 27 + ",5", "för stort"),
    ],
)
def test_bad_amounts_get_a_clear_swedish_message(text, message):
    with pytest.raises(AmountError, match=message):
        parse_amount(text)


# --- The follow-up from the database ------------------------------------------------------


@pytest.mark.django_db
def test_followup_per_line_and_total(rehab_team):
    make_budget(
        rehab_team,
        lines=[("Lönekostnader", "1200000"), ("Lokalkostnader", "36000")],
        actuals={
            ("Lönekostnader", 1): "100000",
            ("Lönekostnader", 2): "100000",
            ("Lönekostnader", 3): "110000",
            ("Lokalkostnader", 1): "3000",
            ("Lokalkostnader", 2): "3000",
            ("Lokalkostnader", 3): "3000",
            ("Lönekostnader", 4): "999999",  # after the as-of month: not yet counted
        },
    )
    followup = budget_followup(rehab_team, 2024, date(2024, 3, 15))
    assert followup.months_elapsed == 3
    salaries, rent = followup.lines
    assert salaries.name == "Lönekostnader"
    assert salaries.actual == D("310000")
    assert salaries.forecast == D("1240000.00")
    assert salaries.deviation == D("-40000.00")
    assert salaries.share_used == D("25.8")
    assert rent.forecast == D("36000.00")
    assert rent.deviation == D("0.00")
    total = followup.total
    assert (total.budget, total.actual) == (D("1236000"), D("319000"))
    assert total.forecast == D("1276000.00")
    assert total.deviation == total.budget - total.forecast
    assert followup.monthly[2] == (3, D("113000"), D("319000"))
    assert followup.monthly[3] == (4, D("999999"), D("1318999"))
    assert len(followup.monthly) == 12


@pytest.mark.django_db
def test_decimals_stay_exact_on_every_database(rehab_team):
    # 0.1 + 0.2 is 0.30000000000000004 in floating point.
    make_budget(
        rehab_team,
        lines=[("Material", "0.30")],
        actuals={("Material", 1): "0.10", ("Material", 2): "0.20"},
    )
    followup = budget_followup(rehab_team, 2024, date(2024, 2, 29))
    assert followup.total.actual == D("0.30")
    assert isinstance(followup.total.actual, Decimal)
    assert followup.total.share_used == D("100.0")
    assert followup.total.forecast == D("1.80")
    assert followup.total.deviation == D("-1.50")


@pytest.mark.django_db
def test_no_budget_that_year_gives_none(rehab_team):
    make_budget(rehab_team, year=2023)
    assert budget_followup(rehab_team, 2024, date(2024, 5, 1)) is None


@pytest.mark.django_db
def test_a_zero_line_has_no_share_used(rehab_team):
    make_budget(rehab_team, lines=[("Tolk", "0")], actuals={("Tolk", 1): "500"})
    followup = budget_followup(rehab_team, 2024, date(2024, 1, 31))
    assert followup.lines[0].share_used is None
    assert followup.lines[0].deviation == D("-6000.00")


@pytest.mark.django_db
def test_cost_per_participant_uses_the_board_definition_of_active(rehab_team, other_team):
    make_budget(
        rehab_team, lines=[("Lön", "600000")], actuals={("Lön", m): "50000" for m in (1, 2, 3)}
    )
    # Active in Jan 1 – Mar 31: started before the end and not exited before the start.
    enrol(rehab_team, start=date(2023, 5, 1))
    enrol(rehab_team, start=date(2023, 5, 1), exit=date(2024, 1, 1), outcome="arbete")
    enrol(rehab_team, start=date(2024, 2, 1), exit=date(2024, 3, 31), outcome="studier")
    enrol(rehab_team, start=date(2024, 3, 1), exit=date(2024, 3, 20), outcome="annat")
    enrol(rehab_team, start=date(2024, 1, 5))
    # Not active: exited before the period, started after it, in error, another team.
    enrol(rehab_team, start=date(2022, 1, 1), exit=date(2023, 12, 31), outcome="arbete")
    enrol(rehab_team, start=date(2024, 4, 1))
    enrol(rehab_team, start=date(2024, 1, 1), registered_in_error=True)
    enrol(other_team, start=date(2024, 1, 1))
    # An exit to work after the as-of date is not counted as an exit.
    enrol(rehab_team, start=date(2024, 1, 1), exit=date(2024, 4, 2), outcome="arbete")

    followup = budget_followup(rehab_team, 2024, date(2024, 3, 31))
    assert followup.active_count == 6
    assert followup.work_or_study_exits == 2
    assert followup.cost_per_active == D("25000.00")
    assert followup.cost_per_work_or_study_exit == D("75000.00")


@pytest.mark.django_db
def test_with_nobody_active_the_per_participant_figures_are_empty(rehab_team):
    make_budget(rehab_team, actuals={("Lönekostnader", 1): "100000"})
    followup = budget_followup(rehab_team, 2024, date(2024, 1, 31))
    assert followup.active_count == 0
    assert followup.cost_per_active is None
    assert followup.cost_per_work_or_study_exit is None


@pytest.mark.django_db
def test_followup_runs_a_constant_number_of_queries(rehab_team, django_assert_num_queries):
    lines = [(f"Rad {i}", "10000") for i in range(20)]
    actuals = {(f"Rad {i}", m): "700" for i in range(20) for m in range(1, 13)}
    make_budget(rehab_team, lines=lines, actuals=actuals)
    for i in range(15):
        enrol(rehab_team, start=date(2024, 1, 1 + i))
    with django_assert_num_queries(4):
        followup = budget_followup(rehab_team, 2024, date(2024, 12, 31))
    assert followup.total.actual == D("168000")


@pytest.mark.django_db
@pytest.mark.parametrize(("n", "suppressed"), [(0, False), (1, True), (4, True), (5, False)])
def test_aggregate_users_do_not_see_a_cost_resting_on_one_to_four_people(
    rehab_team, n, suppressed
):
    make_budget(rehab_team, actuals={("Lönekostnader", 1): "100000"})
    for i in range(n):
        enrol(rehab_team, start=date(2024, 1, 1 + i), exit=date(2024, 1, 20), outcome="arbete")
    followup = budget_followup(rehab_team, 2024, date(2024, 1, 31))
    exact = present(followup, exact=True)
    assert [p.count for p in exact.per_person] == [n, n]
    aggregate = present(followup, exact=False)
    active, exits = aggregate.per_person
    if suppressed:
        assert (active.count, active.cost) == (SMALL, HIDDEN)
        assert (exits.count, exits.cost) == (SMALL, HIDDEN)
    else:
        assert active.count == n
        assert active.cost == followup.cost_per_active
