"""The dashboards' figures (reporting/dashboards/): each one right on small hand-made data,
and disclosure control on crafted small counts in the tables, the chart data and the CSV."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from modules.models import Module, Placement, WaitingListEntry
from referrals.models import Referral
from rehab.models import Referrer
from reporting.board.tables import TOTAL, board_table, mean
from reporting.dashboards import dashboard as dashboard_module
from reporting.dashboards.dashboard import dashboard
from reporting.dashboards.figures import cell_text
from reporting.disclosure import BALANCE, HIDDEN, SMALL, suppress_linked
from reporting.models import ActualCost, Budget, BudgetLine
from reporting.scopes import DASHBOARD, Scope, report_scopes
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db

D = datetime.date
END_2024 = D(2024, 12, 31)


def scope_of(team):
    return Scope(
        key=f"team-{team.pk}", label=team.name, forbund=team.forbund, team=team, teams=[team]
    )


def board(team, *, exact=True, year=2024, today=END_2024):
    return dashboard(scope_of(team), year, exact=exact, today=today)


def rows(figure):
    return dict(figure.rows)


def place(enrolment, module, start, end=None):
    return Placement.objects.create(
        enrolment=enrolment, module=module, start_date=start, next_review_due=start, end_date=end
    )


def referral(team, source, received, *, decided=None, enrolment=None):
    status = Referral.Status.RECEIVED
    if decided:
        status = Referral.Status.ACCEPTED
    if enrolment is not None:
        status = Referral.Status.ENROLLED
    return Referral.objects.create(
        team=team,
        source=source,
        need="Behov",
        received_date=received,
        decided_date=decided,
        status=status,
        enrolment=enrolment,
        participant=enrolment.participant if enrolment else None,
    )


# --- Active participants ---------------------------------------------------------------------


def test_active_counts_at_month_ends_follow_the_board_tables_definition(rehab_team):
    enrol(
        rehab_team, start=D(2024, 1, 31), exit=D(2024, 2, 29), gender="K"
    )  # leaves on Feb's last day
    enrol(rehab_team, start=D(2024, 2, 29), gender="M")  # starts on Feb's last day
    enrol(rehab_team, start=D(2023, 6, 1), exit=D(2024, 3, 1), gender="X")
    enrol(rehab_team, start=D(2024, 1, 10), registered_in_error=True)
    active = rows(board(rehab_team).figure("aktiva"))
    # Columns: K, M, X, total.
    assert active["2024-01-31"] == [1, 0, 1, 2]
    assert active["2024-02-29"] == [0, 1, 1, 2]
    assert active["2024-03-31"] == [0, 1, 0, 1]
    assert active["2023-05-31"] == [0, 0, 0, 0]
    assert active["2023-06-30"] == [0, 0, 1, 1]
    assert len(active) == 24
    assert next(iter(active)) == "2023-01-31"
    # The same as "aktiva vid periodens ingång" of the following month.
    table = board_table(teams=[rehab_team], date_from=D(2024, 3, 1), date_to=D(2024, 3, 31))
    start = table.row("aktiva_vid_periodens_start").values
    assert active["2024-02-29"] == [start[c] for c in ("K", "M", "X", TOTAL)]


def test_the_current_year_ends_today(rehab_team):
    enrol(rehab_team, start=D(2025, 3, 1), gender="K")
    result = board(rehab_team, year=2025, today=D(2025, 3, 10))
    assert result.as_of == D(2025, 3, 10)
    active = rows(result.figure("aktiva"))
    assert list(active)[-1] == "2025-03-10 (i dag)"
    assert next(iter(active)) == "2023-04-30"
    assert result.active_now == 1
    flows = rows(result.figure("inflode-och-avslut"))
    assert list(flows) == ["jan 2025", "feb 2025", "mar 2025", "Hela perioden"]


# --- Inflow and exits ------------------------------------------------------------------------


def test_inflow_and_exits_per_month_split_by_gender_sum_to_the_totals(rehab_team):
    enrol(rehab_team, start=D(2024, 1, 1), exit=D(2024, 1, 31), gender="K")
    enrol(rehab_team, start=D(2023, 12, 31), exit=D(2024, 2, 1), gender="M")
    enrol(rehab_team, start=D(2024, 2, 29), gender="X")
    enrol(rehab_team, start=D(2024, 12, 31), gender="K")
    enrol(rehab_team, start=D(2024, 5, 5), registered_in_error=True)
    flows = rows(board(rehab_team).figure("inflode-och-avslut"))
    # New K, M, X, total, then exits K, M, X, total.
    assert flows["jan 2024"] == [1, 0, 0, 1, 1, 0, 0, 1]
    assert flows["feb 2024"] == [0, 0, 1, 1, 0, 1, 0, 1]
    assert flows["dec 2024"] == [1, 0, 0, 1, 0, 0, 0, 0]
    assert flows["maj 2024"] == [0] * 8
    assert flows["Hela perioden"] == [2, 0, 1, 3, 1, 1, 0, 2]
    months = [cells for label, cells in flows.items() if label != "Hela perioden"]
    for i in range(8):
        assert sum(cells[i] for cells in months) == flows["Hela perioden"][i]
    for cells in months:
        assert cells[0] + cells[1] + cells[2] == cells[3]
        assert cells[4] + cells[5] + cells[6] == cells[7]


# --- Modules ---------------------------------------------------------------------------------


def test_occupancy_and_waiting_list_per_module(rehab_team):
    portalen = Module.objects.get(team=rehab_team, name="Portalen")
    kompassen = Module.objects.get(team=rehab_team, name="Kompassen")
    for _i in range(6):
        place(enrol(rehab_team, start=D(2024, 1, 1)), portalen, D(2024, 1, 2))
    place(enrol(rehab_team, start=D(2024, 1, 1)), portalen, D(2024, 1, 2), end=D(2024, 6, 1))
    place(
        enrol(rehab_team, start=D(2024, 1, 1), registered_in_error=True), portalen, D(2024, 2, 1)
    )
    place(enrol(rehab_team, start=D(2024, 1, 1)), kompassen, D(2024, 3, 1))
    waiting = enrol(rehab_team, start=D(2024, 1, 1))
    WaitingListEntry.objects.create(module=portalen, enrolment=waiting, added_date=D(2024, 3, 1))
    removed = enrol(rehab_team, start=D(2024, 1, 1))
    WaitingListEntry.objects.create(
        module=portalen, enrolment=removed, added_date=D(2024, 3, 1), removed_date=D(2024, 4, 1)
    )
    result = board(rehab_team)
    load = rows(result.figure("belaggning"))
    assert load["Portalen"] == [30, 6, 24, Decimal("20.0")]
    assert load["Kompassen"] == [None, 1, None, None]
    assert rows(result.figure("vantelista")) == {
        "Portalen": [1],
        "Kompassen": [0],
        "Passagen": [0],
        "Totalt": [1],
    }
    # On an earlier day the closed placement still held its place and both were waiting.
    earlier = board(rehab_team, today=D(2024, 3, 15), year=2024)
    assert rows(earlier.figure("belaggning"))["Portalen"][1] == 7
    assert rows(earlier.figure("vantelista"))["Portalen"] == [2]


# --- Outcomes and targets (the board table's) --------------------------------------------------


def test_outcomes_and_targets_are_the_board_tables(rehab_team):
    enrol(rehab_team, start=D(2024, 1, 1), exit=D(2024, 3, 31), outcome="arbete", gender="K")
    enrol(rehab_team, start=D(2024, 1, 1), exit=D(2024, 4, 1), outcome="studier", gender="M")
    enrol(rehab_team, start=D(2024, 1, 1), exit=D(2024, 5, 1), outcome="tidigt_avhopp")
    enrol(rehab_team, start=D(2024, 1, 1), exit=D(2024, 5, 1), outcome="annat", gender="X")
    result = board(rehab_team)
    outcomes = rows(result.figure("avslutsorsaker"))
    assert outcomes["Arbete (med eller utan stöd)"] == [1, 0, 0, 1]
    assert outcomes["Studier"] == [0, 1, 0, 1]
    assert outcomes["Avslut totalt"] == [2, 1, 1, 4]
    targets = rows(result.figure("mal"))
    # Work or studies: 2 of 4 exits; the teams' target 30 %.
    assert targets["Arbete eller studier"][:2] == [Decimal("50.0"), Decimal("30")]


# --- Referrals and waiting times ---------------------------------------------------------------


def test_referrals_per_source_with_mean_and_median_waiting_days(rehab_team):
    for days in (2, 4, 10, 30, 1):
        referral(
            rehab_team,
            Referrer.AF,
            D(2024, 3, 1),
            decided=D(2024, 3, 1) + datetime.timedelta(days),
        )
    referral(rehab_team, Referrer.AF, D(2024, 3, 1))  # not decided yet
    started = enrol(rehab_team, start=D(2024, 4, 11))
    referral(rehab_team, Referrer.FK, D(2024, 4, 1), decided=D(2024, 4, 5), enrolment=started)
    referral(rehab_team, Referrer.FK, D(2023, 12, 31), decided=D(2024, 1, 2))  # last year
    figure = board(rehab_team).figure("remisser")
    got = rows(figure)
    # Received, decided, started, mean and median to decision, mean and median to start.
    assert got["Arbetsförmedlingen"] == [6, 5, 0, Decimal("9.4"), Decimal("4.0"), None, None]
    assert got["Försäkringskassan"] == [
        1,
        1,
        1,
        Decimal("4.0"),
        Decimal("4.0"),
        Decimal("10.0"),
        Decimal("10.0"),
    ]
    # Decision days over all: 1, 2, 4, 4, 10, 30 → median 4, mean 8.5.
    assert got["Totalt"] == [
        7,
        6,
        1,
        Decimal("8.5"),
        Decimal("4.0"),
        Decimal("10.0"),
        Decimal("10.0"),
    ]


def test_median_of_an_even_number_is_the_mean_of_the_middle_two(rehab_team):
    for days in (3, 1, 8, 6):
        referral(
            rehab_team,
            Referrer.EGEN,
            D(2024, 5, 1),
            decided=D(2024, 5, 1) + datetime.timedelta(days),
        )
    got = rows(board(rehab_team).figure("remisser"))
    assert got["Egen anmälan"][4] == Decimal("4.5")


def _intro_referral(team, source, received, days):
    made = referral(team, source, received)
    made.intro_date = received + datetime.timedelta(days)
    made.intro_with_participant = True
    made.save()
    return made


def test_en_vag_in_reports_the_introductory_conversations_and_the_days_to_them(other_team):
    for days in (2, 4, 9):
        _intro_referral(other_team, Referrer.AF, D(2024, 3, 1), days)
    referral(other_team, Referrer.FK, D(2024, 3, 1))  # no conversation yet
    figure = board(other_team).figure("remisser")
    headings = [c.heading for c in figure.columns]
    assert headings[-2:] == ["Introduktionssamtal", "Dagar till introduktionssamtal, medel"]
    got = rows(figure)
    assert got["Arbetsförmedlingen"][0] == 3
    assert got["Arbetsförmedlingen"][-2:] == [3, Decimal("5.0")]
    assert got["Försäkringskassan"][-2:] == [0, None]
    assert got["Totalt"][-2:] == [3, Decimal("5.0")]
    assert "introduktionssamtal" in figure.intro


def test_a_team_without_en_vag_in_has_no_introductory_columns(rehab_team):
    figure = board(rehab_team).figure("remisser")
    assert len(figure.columns) == 7
    assert "Introduktionssamtal" not in [c.heading for c in figure.columns]


def test_introductory_conversations_pass_the_disclosure_control(other_team):
    for days in (1, 2, 3):
        _intro_referral(other_team, Referrer.AF, D(2024, 3, 1), days)
    for days in (2, 2, 4, 4, 8):
        _intro_referral(other_team, Referrer.FK, D(2024, 3, 1), days)
    for days in (1, 3, 5, 7, 9):
        _intro_referral(other_team, Referrer.EGEN, D(2024, 3, 1), days)
    got = rows(board(other_team, exact=False).figure("remisser"))
    # AF's 3 is a small count, and its mean is withheld; a second cell hides it in its column.
    assert got["Arbetsförmedlingen"][-2:] == [SMALL, HIDDEN]
    assert got["Försäkringskassan"][-2:] == [5, Decimal("4.0")]
    assert got["Egen anmälan"][-2:] == [5, Decimal("5.0")]
    assert sum(1 for cells in got.values() if cells[-2] in (SMALL, HIDDEN)) >= 2
    # The total count is shown, but its mean would give AF's away.
    assert got["Totalt"][-2:] == [13, HIDDEN]
    exact = rows(board(other_team).figure("remisser"))
    assert exact["Arbetsförmedlingen"][-2:] == [3, Decimal("2.0")]
    assert exact["Totalt"][-2] == 13


# --- Budget burn -------------------------------------------------------------------------------


def _budget(team, year, lines, actuals):
    budget = Budget.objects.create(team=team, year=year)
    made = {}
    for i, (name, amount) in enumerate(lines):
        made[name] = BudgetLine.objects.create(budget=budget, name=name, amount=amount, order=i)
    for name, month, amount in actuals:
        ActualCost.objects.create(line=made[name], month=month, amount=amount)
    return budget


def test_budget_burn_is_cumulative_actual_against_a_straight_line(rehab_team, other_team):
    _budget(
        rehab_team,
        2024,
        [("Lön", Decimal("1200000")), ("Lokal", Decimal("0"))],
        [
            ("Lön", 1, Decimal("100000.50")),
            ("Lön", 2, Decimal("90000")),
            ("Lokal", 2, Decimal("5000")),
        ],
    )
    result = board(rehab_team, today=D(2024, 3, 15))
    burn = rows(result.figure("budget"))
    assert burn["jan 2024"] == [Decimal("100000.50"), Decimal("100000.50"), Decimal("100000")]
    assert burn["feb 2024"] == [Decimal("95000"), Decimal("195000.50"), Decimal("200000")]
    assert burn["mar 2024"] == [Decimal("0"), Decimal("195000.50"), Decimal("300000")]
    assert burn["apr 2024"][:2] == [None, None]
    assert cell_text(Decimal("1500000"), "money") == "1\u00a0500\u00a0000 kr"
    # All teams: the teams' figures summed; a team without a budget is named.
    _budget(other_team, 2024, [("Lön", Decimal("120000"))], [("Lön", 1, Decimal("10000"))])
    scopes = {s.key: s for s in dashboard_scopes_for_all(rehab_team)}
    both = dashboard(scopes["all"], 2024, exact=True, today=D(2024, 3, 15))
    assert rows(both.figure("budget"))["jan 2024"][:2] == [Decimal("110000.50")] * 2
    assert rows(both.figure("budget"))["jan 2024"][2] == Decimal("110000")


def dashboard_scopes_for_all(team):
    from rehab.models import Team

    teams = list(Team.objects.filter(forbund=team.forbund).order_by("name"))
    return [Scope(key="all", label="Alla", forbund=team.forbund, team=None, teams=teams)]


def test_no_budget_figure_without_a_budget(rehab_team):
    result = board(rehab_team)
    assert result.figure("budget") is None
    assert result.notes == ["Rehabteamet har ingen budget för 2024."]


# --- Scopes ------------------------------------------------------------------------------------


def test_scopes_follow_the_users_roles(
    org, forbund_user, styrgrupp_user, admin_user, handledare_a
):
    from tests.factories import TeamFactory

    TeamFactory(name="Annat förbunds team")
    expected = ["Alla team i Västerbergslagens samordningsförbund", "EVI", "Rehabteamet"]
    assert [s.label for s in report_scopes(forbund_user, DASHBOARD)] == expected
    assert [s.label for s in report_scopes(styrgrupp_user, DASHBOARD)] == expected
    assert [s.label for s in report_scopes(admin_user, DASHBOARD)] == [
        "Alla dina team i Västerbergslagens samordningsförbund",
        "EVI",
        "Rehabteamet",
    ]
    assert report_scopes(handledare_a, DASHBOARD) == []


# --- Disclosure control ------------------------------------------------------------------------


def test_balance_hides_a_second_term():
    counts = {"a1": 12, "x": 0, "a0": 10, "n": 2}
    shown = suppress_linked(counts, [(None, ["a1", "x", "a0", "n"], BALANCE)])
    assert shown["n"] == SMALL
    # The cheapest second term is the smallest: the month's 0 exits (it may then be 1,
    # and the new ones 3), while the month ends stay.
    assert shown == {"a1": "12", "x": HIDDEN, "a0": "10", "n": SMALL}


def test_small_counts_are_suppressed_in_table_chart_and_csv(rehab_team):
    # March: 1 K, 4 M, 5 X, 0 ... new enrolments.
    enrol(rehab_team, start=D(2024, 3, 5), gender="K")
    for _ in range(4):
        enrol(rehab_team, start=D(2024, 3, 5), gender="M")
    for _ in range(5):
        enrol(rehab_team, start=D(2024, 3, 5), gender="X")
    shown = board(rehab_team, exact=False)
    flows = shown.figure("inflode-och-avslut")
    march = rows(flows)["mar 2024"]
    # 1 K and 4 M protect each other (2 and 3 would do as well): the total stays.
    assert march[:4] == [SMALL, SMALL, 5, 10]
    assert rows(flows)["apr 2024"][:4] == [0, 0, 0, 0]
    chart = flows.chart_data()
    labels = chart["labels"]
    k = next(d for d in chart["datasets"] if d["label"] == "Nya: Kvinnor")
    m = next(d for d in chart["datasets"] if d["label"] == "Nya: Män")
    x = next(d for d in chart["datasets"] if d["label"] == "Nya: Annat / ej angivet")
    i = labels.index("mar 2024")
    assert (k["data"][i], k["text"][i]) == (None, SMALL)
    assert (m["data"][i], m["text"][i]) == (None, SMALL)
    assert (x["data"][i], x["text"][i]) == (5, "5")
    # The totals are not charted at all, and the table's hidden total is "–".
    assert all("Totalt" not in d["label"] for d in chart["datasets"])
    csv = flows.csv_rows()
    march_csv = next(r for r in csv if r[0] == "mar 2024")
    assert march_csv[1:5] == [SMALL, SMALL, "5", "10"]
    # The exact view of the same data (unit manager).
    exact = rows(board(rehab_team).figure("inflode-och-avslut"))["mar 2024"]
    assert exact[:4] == [1, 4, 5, 10]


def test_a_month_cannot_be_derived_from_the_periods_total(rehab_team):
    for _ in range(6):
        enrol(rehab_team, start=D(2024, 1, 10), gender="K")
    for _ in range(2):
        enrol(rehab_team, start=D(2024, 3, 10), gender="K")
    flows = rows(board(rehab_team, exact=False).figure("inflode-och-avslut"))
    jan, mar, whole = flows["jan 2024"][0], flows["mar 2024"][0], flows["Hela perioden"][0]
    assert mar == SMALL
    # Jan is hidden as the complement, or the period total is: never both shown.
    assert jan == HIDDEN or whole in (SMALL, HIDDEN)


def test_a_months_inflow_cannot_be_derived_from_the_active_counts(rehab_team):
    for _ in range(10):
        enrol(rehab_team, start=D(2023, 1, 10), gender="K")
    for _ in range(2):
        enrol(rehab_team, start=D(2024, 3, 10), gender="K")
    result = board(rehab_team, exact=False)
    active = rows(result.figure("aktiva"))
    flows = rows(result.figure("inflode-och-avslut"))
    terms = [
        active["2024-03-31"][0],
        flows["mar 2024"][4],
        active["2024-02-29"][0],
        flows["mar 2024"][0],
    ]
    assert flows["mar 2024"][0] == SMALL
    assert sum(1 for t in terms if t in (SMALL, HIDDEN)) >= 2


def test_derived_figures_over_fewer_than_five_are_withheld(rehab_team):
    portalen = Module.objects.get(team=rehab_team, name="Portalen")
    for _ in range(3):
        place(enrol(rehab_team, start=D(2024, 1, 1)), portalen, D(2024, 1, 2))
    for days in (2, 4, 9):
        referral(
            rehab_team,
            Referrer.AF,
            D(2024, 3, 1),
            decided=D(2024, 3, 1) + datetime.timedelta(days),
        )
    for days in range(6):
        referral(rehab_team, Referrer.FK, D(2024, 3, 1), decided=D(2024, 3, 1 + days))
    # AF's withheld count needs a second withheld one in its column: the smallest, a 0 (the
    # last of the zeros, Verksamhet finansierad av förbundet).
    for days in range(5):
        referral(rehab_team, Referrer.EGEN, D(2024, 3, 1), decided=D(2024, 3, 1 + days))
    result = board(rehab_team, exact=False)
    assert rows(result.figure("belaggning"))["Portalen"] == [30, SMALL, HIDDEN, HIDDEN]
    got = rows(result.figure("remisser"))
    assert got["Arbetsförmedlingen"][:2] == [SMALL, SMALL]
    assert got["Arbetsförmedlingen"][3:5] == [HIDDEN, HIDDEN]
    assert got["Verksamhet finansierad av förbundet"][:2] == [HIDDEN, HIDDEN]
    assert got["Egen anmälan"][:2] == [5, 5]
    assert got["Egen anmälan"][3:5] == [Decimal("2.0"), Decimal("2.0")]
    assert got["Försäkringskassan"][1:5] == [6, 0, Decimal("2.5"), Decimal("2.5")]
    # The total's mean would give AF's away through FK's.
    assert got["Totalt"][3:5] == [HIDDEN, HIDDEN]
    chart = result.figure("belaggning").chart_data()
    taken = next(d for d in chart["datasets"] if d["label"] == "Upptagna platser")
    assert taken["data"] == [None, 0, 0] and taken["text"][0] == SMALL


def test_the_same_numbers_exact_for_the_unit_manager(rehab_team):
    portalen = Module.objects.get(team=rehab_team, name="Portalen")
    for _ in range(3):
        place(enrol(rehab_team, start=D(2024, 1, 1)), portalen, D(2024, 1, 2))
    assert rows(board(rehab_team).figure("belaggning"))["Portalen"] == [30, 3, 27, Decimal("10.0")]


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=60))
def test_the_median_from_counted_days_is_the_middle_of_the_sorted_days(days):
    """The medians of waiting days are read from days counted per value (a histogram): the
    same as the middle row, or the mean of the two middle rows, of the days sorted."""
    ordered = sorted(days)
    n = len(ordered)
    middle = ordered[(n - 1) // 2 : n // 2 + 1]
    assert dashboard_module._median(Counter(days)) == mean(sum(middle), len(middle))


def _naive_referral_stats(team, date_from, as_of):
    """`referral_stats` computed referral by referral in Python (the one-query version's
    reference): counts, summed days and medians per source and in total."""
    rows, days = {}, {"decided": {}, "started": {}}
    for r in Referral.objects.filter(team=team, received_date__range=(date_from, as_of)):
        waits = {"decided": None, "started": None, "intro": None}
        if r.decided_date is not None:
            waits["decided"] = (r.decided_date - r.received_date).days
        e = r.enrolment
        if r.status == Referral.Status.ENROLLED and e is not None and not e.registered_in_error:
            waits["started"] = (e.start_date - r.received_date).days
        if r.intro_date is not None and r.intro_date <= as_of:
            waits["intro"] = (r.intro_date - r.received_date).days
        row = rows.setdefault(
            r.source, dict.fromkeys(("n", *waits, *(f"{w}_days" for w in waits)), 0)
        )
        row["n"] += 1
        for w, value in waits.items():
            if value is not None:
                row[w] += 1
                row[f"{w}_days"] += value
                for group in (r.source, TOTAL):
                    if w in days:
                        days[w].setdefault(group, []).append(value)
    medians = {
        w: {g: dashboard_module._median(Counter(values)) for g, values in by_group.items()}
        for w, by_group in days.items()
    }
    return rows, medians


@pytest.mark.parametrize("seed", range(3))
def test_referral_stats_in_one_query_agree_with_counting_each_referral(other_team, seed):
    """Random referrals (decided or not, started in a valid enrolment, in one marked in error,
    or not at all, with an introductory conversation before or after the as-of date, received
    before, in or after the period) give the same counts, sums and medians as counting them
    one by one."""
    import random

    rng = random.Random(seed)
    date_from, as_of = D(2024, 1, 1), D(2024, 9, 15)
    for _ in range(40):
        received = D(2023, 12, 1) + datetime.timedelta(rng.randrange(320))
        decided = received + datetime.timedelta(rng.randrange(60)) if rng.random() < 0.7 else None
        enrolment = None
        if decided and rng.random() < 0.6:
            enrolment = enrol(
                other_team,
                start=decided + datetime.timedelta(rng.randrange(30)),
                registered_in_error=rng.random() < 0.2,
            )
        made = referral(
            other_team, rng.choice(Referrer.values), received, decided=decided, enrolment=enrolment
        )
        if rng.random() < 0.5:
            made.intro_date = received + datetime.timedelta(rng.randrange(40))
            made.intro_with_participant = True
            made.save()
    stats = dashboard_module.referral_stats([other_team], date_from, as_of)
    rows, medians = _naive_referral_stats(other_team, date_from, as_of)
    assert stats["intro"] is True
    assert stats["rows"] == rows
    assert stats["medians"] == medians
    assert sum(row["started"] for row in rows.values()) > 0


def test_days_between_counts_whole_days_in_the_database(rehab_team):
    """Across a leap day and a year's end, zero days, and none where a date is missing."""
    from common.queries import DaysBetween

    cases = [
        (D(2024, 2, 28), D(2024, 3, 1), 2),
        (D(2023, 12, 31), D(2024, 1, 1), 1),
        (D(2024, 5, 1), D(2024, 5, 1), 0),
        (D(2020, 1, 1), D(2024, 1, 1), 1461),
        (D(2024, 5, 1), None, None),
    ]
    for received, decided, _days in cases:
        referral(rehab_team, Referrer.AF, received, decided=decided)
    got = sorted(
        Referral.objects.annotate(days=DaysBetween("received_date", "decided_date")).values_list(
            "received_date", "decided_date", "days"
        ),
        key=lambda row: (row[0], row[1] or D.max),
    )
    assert got == sorted(cases, key=lambda row: (row[0], row[1] or D.max))
