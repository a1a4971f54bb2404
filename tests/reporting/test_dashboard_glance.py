"""The dashboard's key figures (reporting/dashboards/glance.py): each card's value and last
year's on small hand-made data, exact for the unit manager and as disclosure control shows
them to förbund and steering group, the last-year period, and the page's query count."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from modules.models import Module, WaitingListEntry
from rehab.freshness import forget_all
from rehab.models import Goal
from reporting.board import aggregates
from reporting.dashboards.dashboard import dashboard, same_period_last_year
from reporting.dashboards.glance import KeyFigure
from reporting.disclosure import HIDDEN, SMALL
from reporting.models import ActualCost, Budget, BudgetLine
from reporting.scopes import Scope
from tests.factories import TeamFactory
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db

D = datetime.date
PAGE = reverse("dashboard")


def scope_of(*teams):
    first = teams[0]
    if len(teams) == 1:
        return Scope(
            key=f"team-{first.pk}",
            label=first.name,
            forbund=first.forbund,
            team=first,
            teams=[first],
        )
    return Scope(key="all", label="Alla", forbund=first.forbund, team=None, teams=list(teams))


AFTER_2024 = D(2025, 1, 15)  # 2024 is a past year: its period is the whole year


def cards(*teams, exact=True, year=2024, today=AFTER_2024):
    result = dashboard(scope_of(*teams), year, exact=exact, today=today)
    return result, {kf.key: kf for kf in result.key_figures}


def rows(figure):
    return dict(figure.rows)


def achieved_subgoal(enrolment):
    goal = Goal.objects.create(enrolment=enrolment, text="Mål")
    Goal.objects.create(
        enrolment=enrolment, parent=goal, text="Delmål", status=Goal.Status.ACHIEVED
    )


@pytest.fixture
def two_years(rehab_team):
    """2023: 9 new (6 who stay, 2 M to work in September, 1 K to "annat" in October), so 3
    exits and 6 active on 2023-12-31. 2024: 6 new (4 K; 2 X who leave in November), and one
    of 2023's women leaves for studies in May: 3 exits, 9 active on 2024-12-31."""
    stayers = [enrol(rehab_team, start=D(2023, 2, 1), gender=g) for g in "KKKMMM"]
    stayers[0].exit_date, stayers[0].exit_outcome = D(2024, 5, 31), "studier"
    stayers[0].wellbeing_start, stayers[0].wellbeing_exit = 3, 6
    stayers[0].save()
    achieved_subgoal(stayers[0])
    for _ in range(2):
        worker = enrol(
            rehab_team,
            start=D(2023, 3, 1),
            exit=D(2023, 9, 30),
            outcome="arbete",
            gender="M",
            wellbeing_start=4,
            wellbeing_exit=7,
        )
        achieved_subgoal(worker)
    enrol(
        rehab_team,
        start=D(2023, 4, 1),
        exit=D(2023, 10, 15),
        outcome="annat",
        gender="K",
        wellbeing_start=5,
        wellbeing_exit=5,
    )
    enrol(rehab_team, start=D(2023, 5, 1), gender="K", registered_in_error=True)
    for _ in range(4):
        enrol(rehab_team, start=D(2024, 2, 1), gender="K")
    for _ in range(2):
        enrol(rehab_team, start=D(2024, 3, 1), exit=D(2024, 11, 30), outcome="annat", gender="X")
    return rehab_team


# --- The last-year period -------------------------------------------------------------------


def test_last_year_is_the_same_days_one_year_earlier():
    assert same_period_last_year(D(2024, 1, 1), D(2024, 12, 31)) == (
        D(2023, 1, 1),
        D(2023, 12, 31),
    )
    assert same_period_last_year(D(2025, 1, 1), D(2025, 3, 10)) == (D(2024, 1, 1), D(2024, 3, 10))
    assert same_period_last_year(D(2024, 1, 1), D(2024, 2, 29)) == (D(2023, 1, 1), D(2023, 2, 28))


# --- Exact (unit manager) -------------------------------------------------------------------


def test_cards_for_the_unit_manager_are_exact_with_last_years_figures(two_years):
    result, kf = cards(two_years)
    assert list(kf) == [
        "aktiva",
        "nya",
        "avslut",
        "arbete_eller_studier",
        "stegforflyttning",
        "okat_valmaende",
        "vantelista",
        "budget",
    ]
    assert (result.last_year_from, result.last_year_to) == (D(2023, 1, 1), D(2023, 12, 31))
    assert (kf["aktiva"].value, kf["aktiva"].last_year) == (9, 6)
    assert kf["aktiva"].title == "Aktiva 2024-12-31"
    assert (kf["nya"].value, kf["nya"].last_year) == (6, 9)
    assert (kf["avslut"].value, kf["avslut"].last_year) == (3, 3)
    # Work or studies: 1 of 3 exits this year, 2 of 3 last year.
    work = kf["arbete_eller_studier"]
    assert (work.value, work.last_year, work.target) == (Decimal("33.3"), Decimal("66.7"), 30)
    assert work.status == "Målet nått."
    # Step movement: 1 of 3 (the woman to studies); last year the two to work, of 3.
    step = kf["stegforflyttning"]
    assert (step.value, step.last_year, step.target) == (Decimal("33.3"), Decimal("66.7"), 80)
    assert step.status == "Under målet."
    # Wellbeing: of those with both scores: 1 of 1 this year, 2 of 3 last year.
    assert (kf["okat_valmaende"].value, kf["okat_valmaende"].last_year) == (
        Decimal("100.0"),
        Decimal("66.7"),
    )
    # The cards say what the figures below say.
    assert kf["aktiva"].value == rows(result.figure("aktiva"))["2024-12-31"][3]
    assert kf["aktiva"].last_year == rows(result.figure("aktiva"))["2023-12-31"][3]
    whole = rows(result.figure("inflode-och-avslut"))["Hela perioden"]
    assert (kf["nya"].value, kf["avslut"].value) == (whole[3], whole[7])
    assert (
        kf["arbete_eller_studier"].value == rows(result.figure("mal"))["Arbete eller studier"][0]
    )


def test_the_change_from_last_year_is_an_arrow_and_a_sentence(two_years):
    _result, kf = cards(two_years)
    assert (kf["aktiva"].change.arrow, kf["aktiva"].change.word) == ("↑", "Ökning")
    assert kf["aktiva"].comparison == "3 mot samma dag i fjol (6)"
    assert kf["nya"].change.arrow == "↓"
    assert kf["nya"].comparison == "3 mot samma period i fjol (9)"
    assert kf["avslut"].change.arrow == "→"
    assert kf["avslut"].comparison == "oförändrat mot samma period i fjol (3)"
    assert kf["arbete_eller_studier"].comparison == (
        "33,4 procentenheter mot samma period i fjol (66,7 %)"
    )


def test_the_active_sparkline_follows_the_month_ends(two_years):
    result, kf = cards(two_years)
    active = rows(result.figure("aktiva"))
    assert kf["aktiva"].spark == tuple(cells[3] for cells in active.values())
    path = kf["aktiva"].spark_path
    assert path.startswith("M0 ") and path.count("M") == 1 and path.count("L") == 23


def test_the_current_year_compares_with_the_same_days_last_year(two_years):
    """As of 2024-03-10, last year is January 1 to March 10, 2023: 8 had started (the 6
    stayers and the 2 to work), nobody had left."""
    result, kf = cards(two_years, today=D(2024, 3, 10))
    assert result.last_year_to == D(2023, 3, 10)
    assert kf["aktiva"].title == "Aktiva i dag"
    assert (kf["aktiva"].value, kf["aktiva"].last_year) == (12, 8)
    assert (kf["nya"].value, kf["nya"].last_year) == (6, 8)
    assert (kf["avslut"].value, kf["avslut"].last_year) == (0, 0)
    assert kf["arbete_eller_studier"].value is None
    assert kf["arbete_eller_studier"].value_text == "Inga avslut"


def test_waiting_list_is_the_modules_total_today_and_a_year_ago(rehab_team):
    portalen = Module.objects.get(team=rehab_team, name="Portalen")
    kompassen = Module.objects.get(team=rehab_team, name="Kompassen")
    for module, added in [(portalen, D(2023, 6, 1)), (portalen, D(2024, 6, 1))]:
        for _ in range(3):
            waiting = enrol(rehab_team, start=D(2023, 1, 1))
            WaitingListEntry.objects.create(module=module, enrolment=waiting, added_date=added)
    left = enrol(rehab_team, start=D(2023, 1, 1))
    WaitingListEntry.objects.create(
        module=kompassen, enrolment=left, added_date=D(2023, 1, 1), removed_date=D(2024, 1, 5)
    )
    result, kf = cards(rehab_team)
    assert (kf["vantelista"].value, kf["vantelista"].last_year) == (6, 4)
    assert rows(result.figure("vantelista"))["Totalt"] == [6]


# --- Budget ---------------------------------------------------------------------------------


def budget(team, year, amount, actuals):
    made = Budget.objects.create(team=team, year=year)
    line = BudgetLine.objects.create(budget=made, name="Lön", amount=amount)
    for month, value in actuals:
        ActualCost.objects.create(line=line, month=month, amount=value)


def test_budget_card_is_the_share_used_against_the_straight_line(rehab_team):
    budget(
        rehab_team, 2024, Decimal("1200000"), [(1, Decimal("100000.50")), (2, Decimal("95000"))]
    )
    budget(
        rehab_team,
        2023,
        Decimal("1000000"),
        [(1, Decimal("50000")), (3, Decimal("200000")), (4, Decimal("90000"))],
    )
    result, kf = cards(rehab_team, today=D(2024, 3, 15))
    card = kf["budget"]
    # 195 000,50 of 1 200 000 to date; the straight line for three months is 300 000 (25 %).
    assert card.value == Decimal("16.3")
    assert card.marker == Decimal("25.0")
    # Last year as of March 15: January to March, 250 000 of 1 000 000 (April not yet).
    assert card.last_year == Decimal("25.0")
    assert card.status == "105\u00a0000 kr under den raka linjen."
    assert card.detail == (
        "195\u00a0000 kr av 1\u00a0200\u00a0000 kr. Rak linje: 300\u00a0000 kr (25,0 %)."
    )
    assert card.comparison == "8,7 procentenheter mot samma dag i fjol (25,0 %)"
    # The same numbers as the budget figure's March.
    march = rows(result.figure("budget"))["mar 2024"]
    assert march[1:] == [Decimal("195000.50"), Decimal("300000")]


def test_budget_card_without_a_budget(rehab_team):
    _result, kf = cards(rehab_team)
    assert kf["budget"].value is None
    assert kf["budget"].value_text == "Ingen budget för 2024"
    assert kf["budget"].comparison == "Samma dag i fjol: ingen budget för 2023"
    assert not kf["budget"].has_meter


# --- Suppressed (förbund, steering group) ---------------------------------------------------


def test_suppressed_cards_show_exactly_what_the_page_shows(two_years):
    result, kf = cards(two_years, exact=False)
    assert result.exact is False
    active = rows(result.figure("aktiva"))
    whole = rows(result.figure("inflode-och-avslut"))["Hela perioden"]
    # Nothing here is computed again: every card holds the page's own cell.
    assert kf["aktiva"].value == result.active_now == active["2024-12-31"][3]
    assert kf["aktiva"].last_year == active["2023-12-31"][3]
    assert kf["nya"].value == whole[3]
    assert kf["avslut"].value == whole[7]
    # 3 exits this year and last: "<5", so no share rests on them, and no change is given.
    assert kf["avslut"].value == SMALL and kf["avslut"].last_year == SMALL
    assert kf["avslut"].change is None
    assert kf["avslut"].comparison == "Samma period i fjol: <5"
    for key in ("arbete_eller_studier", "stegforflyttning", "okat_valmaende"):
        assert kf[key].value == HIDDEN and kf[key].last_year == HIDDEN, key
        assert kf[key].change is None and kf[key].status == ""
        assert kf[key].meter_width == "0"
    targets = rows(result.figure("mal"))
    assert kf["arbete_eller_studier"].value == targets["Arbete eller studier"][0]
    # Active on 2024-12-31: 6 K, 3 M. The men are "<5"; the total (9) is shown or withheld
    # as the page's disclosure control decides, and the card says the same.
    assert active["2024-12-31"][1] == SMALL
    assert kf["aktiva"].value in (9, HIDDEN)
    if kf["aktiva"].value == HIDDEN:
        assert kf["aktiva"].change is None and kf["aktiva"].value_text == HIDDEN
        assert kf["aktiva"].value_note == "dolt"
    assert kf["avslut"].value_note == ""  # "<5" says itself


def test_suppressed_cards_show_counts_and_changes_where_they_may(rehab_team):
    for year in (2023, 2024):
        for _ in range(10 if year == 2023 else 15):
            enrol(rehab_team, start=D(year, 2, 1), gender="K")
        for _ in range(5):
            enrol(
                rehab_team, start=D(year, 2, 1), exit=D(year, 9, 1), outcome="arbete", gender="M"
            )
        for _ in range(5):
            enrol(rehab_team, start=D(year, 2, 1), exit=D(year, 9, 1), outcome="annat", gender="M")
    result, kf = cards(rehab_team, exact=False)
    assert (kf["nya"].value, kf["nya"].last_year) == (25, 20)
    assert kf["nya"].comparison == "5 mot samma period i fjol (20)"
    assert (kf["avslut"].value, kf["avslut"].last_year) == (10, 10)
    work = kf["arbete_eller_studier"]
    assert (work.value, work.last_year) == (Decimal("50.0"), Decimal("50.0"))
    assert kf["aktiva"].value == 25 and kf["aktiva"].last_year == 10
    assert kf["aktiva"].value == rows(result.figure("aktiva"))["2024-12-31"][3]


def test_last_years_counts_cannot_reveal_a_withheld_one(rehab_team):
    """As of 2024-03-10 the page shows active on 2022-12-31 (a month end of the chart), and
    the cards show last year's new, exits and active on 2023-03-10: these four balance, so
    when one is "<5" another must be withheld too."""
    for _ in range(12):
        enrol(rehab_team, start=D(2022, 6, 1), gender="K")
    for _ in range(8):
        enrol(rehab_team, start=D(2023, 2, 1), gender="K")
    for _ in range(2):
        enrol(rehab_team, start=D(2022, 6, 1), exit=D(2023, 2, 15), gender="K")
    result, kf = cards(rehab_team, exact=False, today=D(2024, 3, 10))
    start = rows(result.figure("aktiva"))["2022-12-31"][3]
    terms = [start, kf["nya"].last_year, kf["avslut"].last_year, kf["aktiva"].last_year]
    assert kf["avslut"].last_year == SMALL
    assert sum(1 for t in terms if isinstance(t, str)) >= 2, terms
    # Exact, the same four balance: 14 + 8 − 2 = 20.
    exact_result, exact = cards(rehab_team, today=D(2024, 3, 10))
    start = rows(exact_result.figure("aktiva"))["2022-12-31"][3]
    assert (start, exact["nya"].last_year, exact["avslut"].last_year) == (14, 8, 2)
    assert exact["aktiva"].last_year == 20


def test_the_waiting_total_cannot_reveal_a_withheld_module(rehab_team):
    portalen = Module.objects.get(team=rehab_team, name="Portalen")
    kompassen = Module.objects.get(team=rehab_team, name="Kompassen")
    for module, n in ((portalen, 2), (kompassen, 6)):
        for _ in range(n):
            waiting = enrol(rehab_team, start=D(2024, 1, 1))
            WaitingListEntry.objects.create(
                module=module, enrolment=waiting, added_date=D(2024, 2, 1)
            )
    result, kf = cards(rehab_team, exact=False)
    waiting = rows(result.figure("vantelista"))
    assert waiting["Portalen"] == [SMALL]
    # Another module's list (the cheapest: one of the empty ones) or the total is withheld.
    others = [v[0] for name, v in waiting.items() if name not in ("Portalen", "Totalt")]
    assert HIDDEN in others or waiting["Totalt"][0] in (SMALL, HIDDEN)
    assert kf["vantelista"].value == waiting["Totalt"][0]


def test_any_withheld_label_is_taken_as_withheld(rehab_team):
    """The disclosure control labels small counts with the förbund's threshold ("<7"): a
    card shows the label as it is and never takes it for a number."""
    rehab_team.forbund.disclosure_threshold = 7
    rehab_team.forbund.save()
    for _ in range(5):
        enrol(rehab_team, start=D(2024, 2, 1), gender="K")
    for _ in range(20):
        enrol(rehab_team, start=D(2023, 2, 1), gender="K")
    _result, kf = cards(rehab_team, exact=False)
    assert kf["nya"].value == "<7" and kf["nya"].value_text == "<7"
    assert kf["nya"].last_year == 20
    assert kf["nya"].change is None
    assert kf["nya"].comparison == "Samma period i fjol: 20"


def test_a_share_on_withheld_exits_is_withheld():
    from reporting.board.presentation import ViewTarget
    from reporting.dashboards.dashboard import targets_on_page

    target = ViewTarget(
        key="arbete_eller_studier",
        heading="Arbete eller studier",
        definition="",
        target_pct=30,
        cells={"K": Decimal("50.0"), "M": Decimal("40.0"), "X": None, "total": Decimal("45.0")},
        detail=None,
        reached=True,
    )
    shown = {"K": 10, "M": HIDDEN, "X": 0, "total": 20}
    [result] = targets_on_page([target], shown)
    assert result.cells == {"K": Decimal("50.0"), "M": HIDDEN, "X": None, "total": HIDDEN}
    wellbeing = ViewTarget("okat_valmaende", "Ökat välmående", "", 80, target.cells, None, True)
    assert targets_on_page([wellbeing], shown)[0].cells == target.cells


# --- Sparklines and meters ------------------------------------------------------------------


def test_a_sparkline_breaks_where_a_month_is_withheld():
    card = KeyFigure(
        key="nya",
        title="Nya",
        value=5,
        kind="count",
        last_year=4,
        figure="inflode-och-avslut",
        spark=(10, 5, SMALL, 5, 10, 0),
    )
    assert card.spark_path == "M0 2L20 12M60 12L80 2L100 22"
    assert KeyFigure("k", "t", 1, "count", 1, "f", spark=(1, HIDDEN, 2)).spark_path == ""


def test_the_meter_is_the_share_with_its_target_marked():
    card = KeyFigure("s", "t", Decimal("42.5"), "percent", None, "mal", target=80)
    assert (card.has_meter, card.meter_width, card.meter_mark) == (True, "42.5", "80")
    over = KeyFigure("b", "t", Decimal("120.0"), "percent", None, "budget", marker=Decimal(100))
    assert (over.meter_width, over.meter_mark) == ("100", "99")


# --- The page -------------------------------------------------------------------------------


def test_the_page_shows_the_cards_exact_for_the_unit_manager(client, admin_user, two_years):
    client.force_login(admin_user)
    response = client.get(PAGE, {"scope": f"team-{two_years.pk}", "ar": "2024"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nyckeltal jämförda med samma period i fjol, 2023-01-01 – 2023-12-31." in body
    card = body[body.index('id="nyckeltal-aktiva"') :]
    card = card[: card.index("</article>")]
    assert '<p class="kf-value">9</p>' in card
    assert "3 mot samma dag i fjol (6)" in card
    assert '<span class="visually-hidden">Ökning:</span>' in card
    assert "<summary>Visa tabell" in body
    assert body.index('id="nyckeltal"') < body.index('id="rubrik-aktiva"')


@pytest.mark.parametrize("persona", ["forbund", "styrgrupp"])
def test_the_page_shows_the_cards_suppressed_to_aggregate_users(
    client, personas, two_years, persona
):
    client.force_login(personas[persona])
    response = client.get(PAGE, {"scope": f"team-{two_years.pk}", "ar": "2024"})
    assert response.status_code == 200
    body = response.content.decode()
    card = body[body.index('id="nyckeltal-avslut"') :]
    card = card[: card.index("</article>")]
    assert '<p class="kf-value">&lt;5</p>' in card
    assert "Samma period i fjol: &lt;5" in card
    active = body[body.index('id="nyckeltal-aktiva"') :]
    shown = response.context["board"].active_now_text
    assert f'<p class="kf-value">{shown}' in active[: active.index("</article>")]
    if shown == HIDDEN:
        assert '<span class="kf-note"> dolt</span>' in active[: active.index("</article>")]
    # The true count of exits (3) appears in no card, nor any share resting on it.
    glance = body[body.index('id="nyckeltal"') : body.index('class="dash-notes"')]
    assert ">3<" not in glance and "33,3" not in glance


@pytest.mark.parametrize("persona", ["handledare_a", "handledare_b"])
def test_handledare_still_get_403(client, personas, two_years, persona):
    client.force_login(personas[persona])
    assert client.get(PAGE, {"ar": "2024"}).status_code == 403


def _both_years(team, n):
    for year in (2023, 2024):
        for i in range(n):
            enrol(
                team,
                start=D(year, 1 + i % 12, 1),
                exit=D(year, 1 + i % 12, 20) if i % 2 else None,
                outcome="arbete" if i % 4 == 1 else "",
                gender="KMX"[i % 3],
            )
        if not Budget.objects.filter(team=team, year=year).exists():
            budget(team, year, Decimal("100000"), [(1, Decimal("5000"))])
    for module in Module.objects.filter(team=team)[:1]:
        for i in range(n):
            waiting = enrol(team, start=D(2023, 1, 1))
            WaitingListEntry.objects.create(
                module=module, enrolment=waiting, added_date=D(2023 + i % 2, 3, 1)
            )


def _queries(client, django_assert_max_num_queries):
    forget_all()  # the cold page: computed, not read from the cache
    aggregates.rebuild()  # the factories wrote past the services (test_aggregates.py)
    with django_assert_max_num_queries(50) as captured:
        response = client.get(PAGE, {"ar": "2024"})
    assert response.status_code == 200
    assert 'id="nyckeltal-budget"' in response.content.decode()
    return len(captured.captured_queries)


@pytest.mark.parametrize("persona", ["styrgrupp", "forbund", "admin"])
def test_query_count_does_not_grow_with_teams_or_participants(
    client, personas, rehab_team, other_team, django_assert_max_num_queries, persona
):
    """Last year's figures are read for all the teams at once: a förbund of five teams with
    budgets both years and more participants costs as many queries as one of two."""
    client.force_login(personas[persona])
    _both_years(rehab_team, 3)
    small = _queries(client, django_assert_max_num_queries)
    _both_years(rehab_team, 30)
    _both_years(other_team, 20)
    if persona != "admin":
        for i in range(3):
            _both_years(TeamFactory(forbund=rehab_team.forbund, name=f"Nytt team {i}"), 10)
    assert _queries(client, django_assert_max_num_queries) == small
