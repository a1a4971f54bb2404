"""board_table against SPEC §9: every measure, its edges, the targets, breakdowns and
matrices, and a fixed number of queries."""

from datetime import date
from decimal import Decimal

import pytest

from modules.models import Module, Placement
from rehab.models import INCOME_BITS, ExitOutcome, Goal, income_to_bits
from reporting.board import aggregates
from reporting.board.tables import COLUMNS, OUTCOME_KEYS, board_table, mean, percent
from tests.factories import TeamFactory
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db

H1_FROM, H1_TO = date(2024, 1, 1), date(2024, 6, 30)


def table(team, date_from=H1_FROM, date_to=H1_TO):
    return board_table(teams=[team], date_from=date_from, date_to=date_to)


def values(result, key):
    return result.row(key).values


# --- The worked example -----------------------------------------------------------------


def test_example_rows_match_the_expected_file(example):
    result = table(example)
    expected = {
        "aktiva_under_perioden": (5, 4, 1, 10),
        "aktiva_vid_periodens_start": (3, 3, 0, 6),
        "nya_under_perioden": (2, 1, 1, 4),
        "avslut_totalt": (3, 2, 1, 6),
        "tidigt_avhopp": (0, 0, 1, 1),
        "arbete": (0, 1, 0, 1),
        "studier": (0, 1, 0, 1),
        "annan_arbetslivsinriktad_rehab": (0, 0, 0, 0),
        "medicinsk_rehab": (1, 0, 0, 1),
        "aktivitets_eller_sjukersattning": (1, 0, 0, 1),
        "annat": (1, 0, 0, 1),
        "genomstromningstid_dagar_snitt": tuple(
            Decimal(v) for v in ("342.3", "229.5", "29.0", "252.5")
        ),
        "tid_utan_arbete_manader_snitt": tuple(
            Decimal(v) for v in ("21.2", "15.3", "3.0", "17.2")
        ),
    }
    assert [r.key for r in result.rows] == list(expected)
    for key, numbers in expected.items():
        assert tuple(values(result, key)[c] for c in COLUMNS) == numbers, key


def test_example_breakdowns(example):
    result = table(example)
    by_key = {b.key: {r.label: r for r in b.rows} for b in result.breakdowns}
    assert by_key["kommun"]["Ludvika"].active["total"] == 7
    assert by_key["kommun"]["Smedjebacken"].active == {"K": 2, "M": 1, "X": 0, "total": 3}
    assert by_key["remittent"]["En väg in"].active["total"] == 3
    assert by_key["remittent"]["Egen anmälan"].exits == {"K": 0, "M": 1, "X": 0, "total": 1}
    modules = {label: r.active["total"] for label, r in by_key["modul"].items()}
    assert modules == {"Portalen": 3, "Kompassen": 2, "Passagen": 3, "Ingen modul": 2}
    bands = {label: r.active["total"] for label, r in by_key["aldersgrupp"].items()}
    assert bands == {"16–29": 3, "30–49": 6, "50–64": 1, "övrigt": 0}
    for breakdown in result.breakdowns:
        assert sum(r.active["total"] for r in breakdown.rows) == 10, breakdown.key
        for c, new, exits in zip(COLUMNS, (2, 1, 1, 4), (3, 2, 1, 6), strict=True):
            assert sum(r.new[c] for r in breakdown.rows) == new, (breakdown.key, c)
            assert sum(r.exits[c] for r in breakdown.rows) == exits, (breakdown.key, c)
            for r in breakdown.rows:
                assert r.new["total"] == sum(r.new[g] for g in "KMX")
                assert r.exits["total"] == sum(r.exits[g] for g in "KMX")


# --- Period edges -----------------------------------------------------------------------


def test_enrolment_starting_on_the_last_day_is_active_and_new(rehab_team):
    enrol(rehab_team, start=H1_TO)
    enrol(rehab_team, start=date(2024, 7, 1))
    result = table(rehab_team)
    assert values(result, "aktiva_under_perioden")["total"] == 1
    assert values(result, "nya_under_perioden")["total"] == 1
    assert values(result, "aktiva_vid_periodens_start")["total"] == 0


def test_enrolment_starting_on_the_first_day_is_new_not_active_at_start(rehab_team):
    enrol(rehab_team, start=H1_FROM)
    result = table(rehab_team)
    assert values(result, "nya_under_perioden")["total"] == 1
    assert values(result, "aktiva_vid_periodens_start")["total"] == 0


def test_exit_on_the_first_day_counts_as_active_at_start_and_as_exit(rehab_team):
    enrol(rehab_team, start=date(2023, 5, 2), exit=H1_FROM, outcome=ExitOutcome.ARBETE)
    result = table(rehab_team)
    assert values(result, "aktiva_under_perioden")["total"] == 1
    assert values(result, "aktiva_vid_periodens_start")["total"] == 1
    assert values(result, "avslut_totalt")["total"] == 1
    assert values(result, "arbete")["total"] == 1


def test_exit_the_day_before_the_period_counts_nowhere(rehab_team):
    enrol(rehab_team, start=date(2023, 5, 2), exit=date(2023, 12, 31))
    result = table(rehab_team)
    for row in result.rows:
        if not row.is_mean:
            assert row.values["total"] == 0, row.key
    assert all(v is None for v in values(result, "genomstromningstid_dagar_snitt").values())


def test_exit_on_the_last_day_counts_exit_after_it_does_not(rehab_team):
    enrol(rehab_team, start=date(2024, 2, 1), exit=H1_TO)
    enrol(rehab_team, start=date(2024, 2, 1), exit=date(2024, 7, 1))
    result = table(rehab_team)
    assert values(result, "aktiva_under_perioden")["total"] == 2
    assert values(result, "avslut_totalt")["total"] == 1


def test_a_one_day_period_on_the_leap_day(rehab_team):
    leap = date(2024, 2, 29)
    enrol(rehab_team, start=leap, exit=leap, outcome=ExitOutcome.TIDIGT_AVHOPP)
    enrol(rehab_team, start=date(2024, 2, 28), exit=date(2024, 3, 1))
    enrol(rehab_team, start=date(2024, 3, 1))
    result = table(rehab_team, leap, leap)
    assert values(result, "aktiva_under_perioden")["total"] == 2
    assert values(result, "nya_under_perioden")["total"] == 1
    assert values(result, "aktiva_vid_periodens_start")["total"] == 1
    assert values(result, "avslut_totalt")["total"] == 1
    assert values(result, "genomstromningstid_dagar_snitt")["total"] == Decimal("0.0")


def test_durations_across_the_leap_day(rehab_team):
    enrol(rehab_team, start=date(2024, 2, 28), exit=date(2024, 3, 1))  # 2 days
    enrol(rehab_team, start=date(2023, 2, 28), exit=date(2024, 2, 29))  # 366 days
    result = table(rehab_team, date(2024, 2, 29), date(2024, 3, 31))
    assert values(result, "genomstromningstid_dagar_snitt")["total"] == Decimal("184.0")


def test_leap_year_half_year_period_ends_on_june_30(rehab_team):
    enrol(rehab_team, start=date(2024, 2, 29), gender="M")
    result = table(rehab_team)
    assert values(result, "nya_under_perioden") == {"K": 0, "M": 1, "X": 0, "total": 1}


# --- Means --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "n", "expected"),
    [
        (9, 4, "2.3"),  # 2.25: Python's round() would give 2.2
        (1, 20, "0.1"),  # 0.05
        (3, 20, "0.2"),  # 0.15: binary floats would give 0.1
        (47, 20, "2.4"),  # 2.35
        (29, 1, "29.0"),
        (2, 3, "0.7"),
        (0, 2, "0.0"),
    ],
)
def test_means_round_half_away_from_zero_to_one_decimal(total, n, expected):
    assert str(mean(total, n)) == expected


def test_mean_of_nothing_is_empty():
    assert mean(0, 0) is None
    assert mean(None, 0) is None


def test_percent_rounds_half_away_from_zero():
    assert str(percent(1, 8)) == "12.5"
    assert str(percent(1, 16)) == "6.3"  # 6.25
    assert percent(0, 0) is None


def test_duration_mean_of_2_25_days_is_2_3(rehab_team):
    for days in (1, 2, 3, 3):
        enrol(rehab_team, start=date(2024, 3, 1), exit=date(2024, 3, 1 + days))
    result = table(rehab_team)
    assert values(result, "genomstromningstid_dagar_snitt")["total"] == Decimal("2.3")


def test_months_mean_of_0_05_is_0_1_and_counts_only_enrolments_with_a_value(rehab_team):
    for i in range(20):
        enrol(rehab_team, start=date(2024, 1, 10), months_without_work=1 if i == 0 else 0)
    enrol(rehab_team, start=date(2024, 1, 10), months_without_work=None)
    result = table(rehab_team)
    months = values(result, "tid_utan_arbete_manader_snitt")
    assert months["total"] == Decimal("0.1")
    assert months["M"] is None
    assert result.row("tid_utan_arbete_manader_snitt").bases["total"] == 20


def test_months_mean_includes_everyone_active_not_only_new(rehab_team):
    enrol(rehab_team, start=date(2022, 1, 10), months_without_work=10)
    enrol(rehab_team, start=date(2024, 1, 10), months_without_work=5)
    enrol(rehab_team, start=date(2021, 1, 10), exit=date(2023, 1, 1), months_without_work=100)
    result = table(rehab_team)
    assert values(result, "tid_utan_arbete_manader_snitt")["total"] == Decimal("7.5")


# --- Exclusions, sums, empty --------------------------------------------------------------


def test_enrolments_registered_in_error_leave_every_statistic(rehab_team):
    enrol(
        rehab_team,
        start=date(2024, 2, 1),
        exit=date(2024, 3, 1),
        outcome=ExitOutcome.ARBETE,
        months_without_work=50,
        registered_in_error=True,
        income_start=income_to_bits(["akassa"]),
        income_exit=income_to_bits(["ingen"]),
        occupation_start="arbetssokande",
        occupation_exit="forvarvsarbete",
    )
    kept = enrol(rehab_team, start=date(2024, 2, 1), months_without_work=2)
    result = table(rehab_team)
    assert values(result, "aktiva_under_perioden")["total"] == 1
    assert values(result, "avslut_totalt")["total"] == 0
    assert values(result, "tid_utan_arbete_manader_snitt")["total"] == Decimal("2.0")
    for breakdown in result.breakdowns:
        assert sum(r.active["total"] for r in breakdown.rows) == 1
        assert sum(r.exits["total"] for r in breakdown.rows) == 0
    for matrix in result.matrices:
        assert matrix.total == 0
        assert sum(map(sum, matrix.cells)) == 0
    assert kept.participant.gender == "K"


def test_outcome_counts_sum_to_exits_in_every_column(rehab_team):
    genders = ["K", "M", "X"]
    for i, outcome in enumerate(OUTCOME_KEYS * 2):
        enrol(
            rehab_team,
            start=date(2023, 6, 1),
            exit=date(2024, 1, 1 + i),
            outcome=outcome,
            gender=genders[i % 3],
        )
    result = table(rehab_team)
    for column in COLUMNS:
        outcomes = sum(values(result, key)[column] for key in OUTCOME_KEYS)
        assert outcomes == values(result, "avslut_totalt")[column]
    assert values(result, "avslut_totalt")["total"] == 14


def test_active_is_active_at_start_plus_new(example):
    result = table(example)
    for column in COLUMNS:
        assert (
            values(result, "aktiva_under_perioden")[column]
            == values(result, "aktiva_vid_periodens_start")[column]
            + values(result, "nya_under_perioden")[column]
        )


def test_empty_period_gives_zeros_and_empty_means(rehab_team):
    result = table(rehab_team)
    for row in result.rows:
        expected = None if row.is_mean else 0
        assert all(row.values[c] == expected for c in COLUMNS), row.key
    assert all(t.pct() is None for t in result.targets)
    assert all(sum(map(sum, m.cells)) == 0 for m in result.matrices)


def test_gender_x_and_participant_gender_decide_the_column(rehab_team):
    enrol(rehab_team, start=date(2024, 3, 1), gender="X")
    enrol(rehab_team, start=date(2024, 3, 1), gender="M")
    result = table(rehab_team)
    assert values(result, "nya_under_perioden") == {"K": 0, "M": 1, "X": 1, "total": 2}


def test_other_teams_do_not_count_but_a_forbund_wide_table_adds_them(rehab_team, other_team):
    enrol(rehab_team, start=date(2024, 3, 1))
    enrol(other_team, start=date(2024, 3, 1))
    enrol(TeamFactory(), start=date(2024, 3, 1))
    assert values(table(rehab_team), "aktiva_under_perioden")["total"] == 1
    both = board_table(teams=[rehab_team, other_team], date_from=H1_FROM, date_to=H1_TO)
    assert values(both, "aktiva_under_perioden")["total"] == 2
    labels = [r.label for r in next(b for b in both.breakdowns if b.key == "modul").rows]
    assert "Portalen (Rehabteamet)" in labels


# --- Targets ------------------------------------------------------------------------------


def _target(result, key):
    return next(t for t in result.targets if t.key == key)


def test_step_movement_counts_exits_with_an_achieved_sub_goal(rehab_team):
    with_step = enrol(rehab_team, start=date(2023, 9, 1), exit=date(2024, 4, 1))
    goal = Goal.objects.create(enrolment=with_step, text="Arbete", status=Goal.Status.PLANNED)
    Goal.objects.create(enrolment=with_step, parent=goal, text="Delmål", status="achieved")
    Goal.objects.create(enrolment=with_step, parent=goal, text="Delmål 2", status="achieved")

    top_goal_only = enrol(rehab_team, start=date(2023, 9, 1), exit=date(2024, 4, 1))
    Goal.objects.create(enrolment=top_goal_only, text="Mål", status=Goal.Status.ACHIEVED)

    sub_goal_in_progress = enrol(rehab_team, start=date(2023, 9, 1), exit=date(2024, 4, 1))
    parent = Goal.objects.create(enrolment=sub_goal_in_progress, text="Mål")
    Goal.objects.create(
        enrolment=sub_goal_in_progress, parent=parent, text="D", status="in_progress"
    )

    still_active = enrol(rehab_team, start=date(2023, 9, 1))
    parent = Goal.objects.create(enrolment=still_active, text="Mål")
    Goal.objects.create(enrolment=still_active, parent=parent, text="D", status="achieved")

    step = _target(table(rehab_team), "stegforflyttning")
    assert step.numerators["total"] == 1
    assert step.denominators["total"] == 3
    assert step.pct() == Decimal("33.3")
    assert step.target_pct == 80
    assert step.reached is False


def test_work_or_studies_target(rehab_team):
    enrol(rehab_team, start=date(2023, 9, 1), exit=date(2024, 4, 1), outcome="arbete")
    enrol(rehab_team, start=date(2023, 9, 1), exit=date(2024, 4, 1), outcome="studier")
    enrol(rehab_team, start=date(2023, 9, 1), exit=date(2024, 4, 1), outcome="medicinsk_rehab")
    work = _target(table(rehab_team), "arbete_eller_studier")
    assert (work.numerators["total"], work.denominators["total"]) == (2, 3)
    assert work.pct() == Decimal("66.7")
    assert work.reached is True


def test_wellbeing_target_uses_exits_with_both_scores(rehab_team):
    exit_kwargs = {"start": date(2023, 9, 1), "exit": date(2024, 4, 1)}
    enrol(rehab_team, wellbeing_start=4, wellbeing_exit=7, **exit_kwargs)
    enrol(rehab_team, wellbeing_start=6, wellbeing_exit=6, **exit_kwargs)
    enrol(rehab_team, wellbeing_start=5, wellbeing_exit=None, **exit_kwargs)
    enrol(rehab_team, wellbeing_start=None, wellbeing_exit=9, **exit_kwargs)
    enrol(rehab_team, start=date(2023, 9, 1), wellbeing_start=2, wellbeing_exit=None)
    wellbeing = _target(table(rehab_team), "okat_valmaende")
    assert (wellbeing.numerators["total"], wellbeing.denominators["total"]) == (1, 2)
    assert wellbeing.pct() == Decimal("50.0")


def test_targets_come_from_the_team_and_differ_across_teams(rehab_team, other_team):
    rehab_team.target_work_pct = 40
    rehab_team.save()
    result = table(rehab_team)
    assert [t.target_pct for t in result.targets] == [80, 40, 80]
    both = board_table(teams=[rehab_team, other_team], date_from=H1_FROM, date_to=H1_TO)
    assert [t.target_pct for t in both.targets] == [80, None, 80]


# --- Breakdowns ---------------------------------------------------------------------------


def _breakdown(result, key):
    return {r.label: r for r in next(b for b in result.breakdowns if b.key == key).rows}


@pytest.mark.parametrize(
    ("birth", "start", "band"),
    [
        (date(1994, 3, 12), date(2024, 3, 12), "30–49"),  # 30 on the start day
        (date(1994, 3, 13), date(2024, 3, 12), "16–29"),  # 30 the day after
        (date(2008, 2, 29), date(2024, 2, 28), "övrigt"),  # 15, leap-day birthday
        (date(2008, 2, 29), date(2024, 2, 29), "16–29"),  # 16 on the leap day
        (date(1959, 6, 30), date(2024, 6, 30), "övrigt"),  # 65
        (date(1959, 7, 1), date(2024, 6, 30), "50–64"),  # still 64
    ],
)
def test_age_band_by_age_at_enrolment_start(rehab_team, birth, start, band):
    enrol(rehab_team, start=start, birth=birth)
    counts = {
        label: r.active["total"]
        for label, r in _breakdown(table(rehab_team), "aldersgrupp").items()
    }
    assert counts[band] == 1
    assert sum(counts.values()) == 1


def test_age_band_from_birth_year_only_for_anonymous_participants(rehab_team):
    enrol(
        rehab_team,
        start=date(2024, 1, 5),
        participant__is_anonymous=True,
        participant__personnummer=None,
        participant__first_name="",
        participant__last_name="",
        participant__birth_date=None,
        participant__birth_year=1994,
    )
    bands = _breakdown(table(rehab_team), "aldersgrupp")
    assert bands["30–49"].active["total"] == 1


def test_module_breakdown_takes_the_latest_placement_held_in_the_period(rehab_team):
    modules = {m.name: m for m in Module.objects.filter(team=rehab_team)}

    def place(enrolment, name, start, end=None):
        Placement.objects.create(
            enrolment=enrolment,
            module=modules[name],
            start_date=start,
            next_review_due=date(2030, 1, 1),
            end_date=end,
        )

    moved = enrol(rehab_team, start=date(2023, 10, 1))
    place(moved, "Portalen", date(2023, 10, 1), date(2024, 2, 29))
    place(moved, "Kompassen", date(2024, 3, 1))
    ended_before = enrol(rehab_team, start=date(2023, 1, 1))
    place(ended_before, "Passagen", date(2023, 1, 1), date(2023, 12, 31))
    starts_after = enrol(rehab_team, start=date(2024, 5, 1))
    place(starts_after, "Portalen", date(2024, 7, 1))
    left = enrol(rehab_team, start=date(2023, 10, 1), exit=date(2024, 4, 1))
    place(left, "Passagen", date(2023, 11, 1), date(2024, 4, 1))

    counts = {k: r.active["total"] for k, r in _breakdown(table(rehab_team), "modul").items()}
    assert counts == {"Portalen": 0, "Kompassen": 1, "Passagen": 1, "Ingen modul": 2}


def test_referrer_breakdown_lists_every_referrer(rehab_team):
    enrol(rehab_team, start=date(2024, 1, 5), referrer="FK")
    rows = _breakdown(table(rehab_team), "remittent")
    assert list(rows) == [
        "En väg in",
        "Arbetsförmedlingen",
        "Försäkringskassan",
        "Regionen (hälso- och sjukvård)",
        "Kommunen (IFO/AME)",
        "Egen anmälan",
        "Verksamhet finansierad av förbundet",
    ]
    assert rows["Försäkringskassan"].new == {"K": 1, "M": 0, "X": 0, "total": 1}


# --- Matrices -----------------------------------------------------------------------------


def test_income_matrix_counts_each_pair_of_sources_before_and_after(rehab_team):
    enrol(
        rehab_team,
        start=date(2023, 6, 1),
        exit=date(2024, 3, 1),
        income_start=income_to_bits(["sjukpenning", "forsorjningsstod"]),
        income_exit=income_to_bits(["ingen"]),
    )
    enrol(
        rehab_team,
        start=date(2023, 6, 1),
        exit=date(2024, 3, 1),
        income_start=INCOME_BITS["forsorjningsstod"],
        income_exit=None,
    )
    enrol(rehab_team, start=date(2023, 6, 1), income_start=INCOME_BITS["akassa"])  # no exit
    matrix = next(m for m in table(rehab_team).matrices if m.key == "forsorjning")
    index = {key: i for i, key in enumerate(matrix.keys)}
    cell = lambda a, b: matrix.cells[index[a]][index[b]]  # noqa: E731
    assert cell("sjukpenning", "ingen") == 1
    assert cell("forsorjningsstod", "ingen") == 1
    assert cell("forsorjningsstod", "saknas") == 1
    assert cell("akassa", "saknas") == 0
    assert matrix.row_totals[index["forsorjningsstod"]] == 2
    assert matrix.col_totals[index["ingen"]] == 1
    assert matrix.col_totals[index["saknas"]] == 1
    assert matrix.total == 2
    assert sum(map(sum, matrix.cells)) == 3


def test_occupation_matrix_adds_up_to_the_exits(rehab_team):
    kwargs = {"start": date(2023, 6, 1), "exit": date(2024, 3, 1)}
    enrol(rehab_team, occupation_start="arbetssokande", occupation_exit="forvarvsarbete", **kwargs)
    enrol(rehab_team, occupation_start="arbetssokande", occupation_exit="studier", **kwargs)
    enrol(rehab_team, occupation_start="ovrigt", occupation_exit="", **kwargs)
    matrix = next(m for m in table(rehab_team).matrices if m.key == "sysselsattning")
    index = {key: i for i, key in enumerate(matrix.keys)}
    assert matrix.cells[index["arbetssokande"]][index["forvarvsarbete"]] == 1
    assert matrix.cells[index["ovrigt"]][index["saknas"]] == 1
    assert matrix.row_totals[index["arbetssokande"]] == 2
    assert sum(matrix.row_totals) == sum(matrix.col_totals) == matrix.total == 3


# --- Queries ------------------------------------------------------------------------------

# table + targets, the kommun, referrer and age-band breakdowns and the matrices (the
# aggregates' guard and one read), the kommun names, the module breakdown, module names,
# consultations, follow-ups.
QUERIES = 7


def _many(team, n):
    kommuner = ["Ludvika", "Smedjebacken"]
    from rehab.models import Kommun

    kommun = {k.name: k for k in Kommun.objects.filter(name__in=kommuner)}
    modules = list(Module.objects.filter(team=team))
    for i in range(n):
        enrolment = enrol(
            team,
            start=date(2023, 1 + i % 12, 1 + i % 28),
            exit=date(2024, 1 + i % 6, 1 + i % 28) if i % 2 else None,
            outcome=OUTCOME_KEYS[i % len(OUTCOME_KEYS)] if i % 2 else "",
            gender="KMX"[i % 3],
            months_without_work=i,
            participant__kommun=kommun[kommuner[i % 2]],
        )
        Placement.objects.create(
            enrolment=enrolment,
            module=modules[i % 3],
            start_date=enrolment.start_date,
            next_review_due=date(2030, 1, 1),
            end_date=enrolment.exit_date,
        )


@pytest.mark.parametrize("n", [3, 30])
def test_board_table_runs_a_fixed_number_of_queries(rehab_team, django_assert_num_queries, n):
    _many(rehab_team, n)
    # The factories write past the services: the aggregates are filled first, as the read
    # after such a write does once (tests/reporting/test_aggregates.py counts that).
    aggregates.rebuild()
    with django_assert_num_queries(QUERIES):
        result = board_table(teams=[rehab_team], date_from=H1_FROM, date_to=H1_TO)
    assert values(result, "aktiva_under_perioden")["total"] == n
