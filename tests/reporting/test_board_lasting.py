"""Consultations per agency and month, follow-ups after exit (still in work or studies after
3, 6 and 12 months), and the gender split of every breakdown: exact values on a small
dataset, the period's edges, what aggregate users see, the files and the dashboard, and a
fixed number of queries."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from referrals.models import Consultation
from rehab.models import ExitFollowUp
from reporting.board import aggregates, exports
from reporting.board.presentation import linked_counts, present
from reporting.board.tables import COLUMNS, board_table
from reporting.dashboards.dashboard import dashboard
from reporting.disclosure import HIDDEN, SMALL
from reporting.scopes import Scope
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db

D = date
H1 = {"date_from": D(2024, 1, 1), "date_to": D(2024, 6, 30)}
MONTHS = ["jan 2024", "feb 2024", "mar 2024", "apr 2024", "maj 2024", "jun 2024"]
QUERIES = 7  # as tests/reporting/test_board_table.py counts: the follow-ups among them


def by_columns(*values):
    return dict(zip(COLUMNS, values, strict=True))


def table(team):
    return board_table(teams=[team], **H1)


def consult(team, day, agency):
    return Consultation.objects.create(team=team, date=day, agency=agency, topic="Fråga")


def follow(enrolment, months, occupation):
    return ExitFollowUp.objects.create(
        enrolment=enrolment,
        months_after=months,
        date=D(2025, 1, 1),
        occupation=occupation,
    )


@pytest.fixture
def consultations(rehab_team, other_team):
    consult(rehab_team, D(2024, 1, 1), "AF")  # the period's first day
    consult(rehab_team, D(2024, 1, 31), "AF")  # the last day of a month …
    consult(rehab_team, D(2024, 2, 1), "FK")  # … and the first of the next
    consult(rehab_team, D(2024, 3, 15), "Kommun")
    consult(rehab_team, D(2024, 6, 30), "FK")  # the period's last day
    consult(rehab_team, D(2023, 12, 31), "AF")  # before the period
    consult(rehab_team, D(2024, 7, 1), "AF")  # after it
    consult(other_team, D(2024, 1, 15), "AF")  # another team's
    return rehab_team


@pytest.fixture
def lasting(rehab_team, other_team):
    """Four exits in the period (2 K, 1 M, 1 X) with follow-ups, two new enrolments, and
    follow-ups that do not count: of an exit before the period, of an enrolment registered in
    error, of another team."""
    start = D(2023, 6, 1)
    e1 = enrol(
        rehab_team,
        start=start,
        exit=D(2024, 1, 31),
        gender="K",
        referrer="AF",
        occupation_start="arbetssokande",
        occupation_exit="forvarvsarbete",
    )
    e2 = enrol(
        rehab_team,
        start=start,
        exit=D(2024, 6, 30),
        gender="M",
        referrer="AF",
        occupation_start="arbetssokande",
        occupation_exit="ovrigt",
    )
    e3 = enrol(
        rehab_team,
        start=start,
        exit=D(2024, 3, 1),
        gender="K",
        referrer="FK",
        occupation_start="ovrigt",
        occupation_exit="studier",
    )
    e4 = enrol(
        rehab_team,
        start=start,
        exit=D(2024, 2, 10),
        gender="X",
        referrer="EVI",
        occupation_exit="arbetssokande",
    )
    enrol(rehab_team, start=D(2024, 1, 1), gender="K", referrer="FK")
    enrol(rehab_team, start=D(2024, 6, 30), gender="M", referrer="AF")
    enrol(rehab_team, start=D(2024, 7, 1), gender="X", referrer="AF")  # after the period
    follow(e1, 3, "forvarvsarbete")
    follow(e1, 6, "studier")
    follow(e1, 12, "arbetssokande")
    follow(e2, 3, "ovrigt")
    follow(e3, 3, "studier")
    follow(e4, 6, "arbetssokande")
    before = enrol(rehab_team, start=start, exit=D(2023, 12, 31), gender="K")
    follow(before, 3, "forvarvsarbete")
    in_error = enrol(
        rehab_team,
        start=start,
        exit=D(2024, 2, 1),
        gender="M",
        referrer="AF",
        registered_in_error=True,
    )
    follow(in_error, 3, "forvarvsarbete")
    elsewhere = enrol(other_team, start=start, exit=D(2024, 2, 1), gender="K")
    follow(elsewhere, 3, "forvarvsarbete")
    return rehab_team


# --- Consultations ----------------------------------------------------------------------------


def test_consultations_per_agency_and_month_of_the_team_and_period(consultations):
    result = table(consultations).consultations
    assert result.months == [(2024, m) for m in range(1, 7)]
    assert result.counts == {
        ("AF", (2024, 1)): 2,
        ("FK", (2024, 2)): 1,
        ("Kommun", (2024, 3)): 1,
        ("FK", (2024, 6)): 1,
    }
    view = present(table(consultations), exact=True).consultations
    assert view.headings == [*MONTHS, "Totalt"]
    assert dict(view.rows) == {
        "En väg in": [0, 0, 0, 0, 0, 0, 0],
        "Arbetsförmedlingen": [2, 0, 0, 0, 0, 0, 2],
        "Försäkringskassan": [0, 1, 0, 0, 0, 1, 2],
        "Regionen (hälso- och sjukvård)": [0, 0, 0, 0, 0, 0, 0],
        "Kommunen (IFO/AME)": [0, 0, 1, 0, 0, 0, 1],
        "Egen anmälan": [0, 0, 0, 0, 0, 0, 0],
        "Verksamhet finansierad av förbundet": [0, 0, 0, 0, 0, 0, 0],
    }
    assert view.total == ("Totalt", [2, 1, 1, 0, 0, 1, 5])


def test_a_period_within_a_month_has_that_month_only(consultations):
    result = board_table(teams=[consultations], date_from=D(2024, 1, 15), date_to=D(2024, 2, 1))
    assert result.consultations.months == [(2024, 1), (2024, 2)]
    assert result.consultations.count("AF", (2024, 1)) == 1  # January 31st, not the 1st
    assert result.consultations.count("FK", (2024, 2)) == 1
    assert result.consultations.total == 2


def test_a_forbund_wide_report_counts_every_teams_consultations(consultations, other_team):
    result = board_table(teams=[consultations, other_team], **H1).consultations
    assert result.count("AF", (2024, 1)) == 3


# --- Follow-ups after exit ------------------------------------------------------------------


def test_followups_of_the_periods_exits_in_work_or_studies(lasting):
    followups = {f.months: f for f in table(lasting).followups}
    assert list(followups) == [3, 6, 12]
    assert followups[3].followed == by_columns(2, 1, 0, 3)
    assert followups[3].work == by_columns(2, 0, 0, 2)
    assert followups[6].followed == by_columns(1, 0, 1, 2)
    assert followups[6].work == by_columns(1, 0, 0, 1)
    assert followups[12].followed == by_columns(1, 0, 0, 1)
    assert followups[12].work == by_columns(0, 0, 0, 0)
    view = {f.months: f for f in present(table(lasting), exact=True).followups}
    assert view[3].share == by_columns(Decimal("100.0"), Decimal("0.0"), None, Decimal("66.7"))
    assert view[6].share == by_columns(Decimal("100.0"), None, Decimal("0.0"), Decimal("50.0"))
    assert view[12].share == by_columns(Decimal("0.0"), None, None, Decimal("0.0"))
    assert view[3].label == "3 månader"


def test_a_period_without_its_exits_has_no_followups(lasting):
    """The follow-ups belong to the period of their exit, whenever they were made: the exit
    of 2023-12-31 and its follow-up (registered in 2025) count in 2023, not in 2024."""
    result = board_table(teams=[lasting], date_from=D(2023, 7, 1), date_to=D(2023, 12, 31))
    followups = {f.months: f for f in result.followups}
    assert followups[3].followed == by_columns(1, 0, 0, 1)
    assert followups[3].work == by_columns(1, 0, 0, 1)
    assert followups[6].followed["total"] == 0


# --- The gender split of every breakdown ----------------------------------------------------


def test_new_and_exits_in_the_breakdowns_are_split_by_gender(lasting):
    result = table(lasting)
    referrers = {r.key: r for r in next(b for b in result.breakdowns if b.key == "remittent").rows}
    assert referrers["AF"].new == by_columns(0, 1, 0, 1)
    assert referrers["AF"].exits == by_columns(1, 1, 0, 2)  # not the one registered in error
    assert referrers["FK"].new == by_columns(1, 0, 0, 1)
    assert referrers["FK"].exits == by_columns(1, 0, 0, 1)
    assert referrers["EVI"].exits == by_columns(0, 0, 1, 1)
    view = present(result, exact=True)
    rows = dict(next(b for b in view.breakdowns if b.key == "remittent").rows)
    # Active K, M, X, total; new K, M, X, total; exits K, M, X, total.
    assert rows["Arbetsförmedlingen"] == [1, 2, 0, 3, 0, 1, 0, 1, 1, 1, 0, 2]


def test_the_matrices_margins_are_split_by_gender(lasting):
    result = table(lasting)
    matrix = next(m for m in result.matrices if m.key == "sysselsattning")
    index = {key: i for i, key in enumerate(matrix.keys)}
    assert matrix.row_totals_by_gender["K"][index["arbetssokande"]] == 1
    assert matrix.row_totals_by_gender["M"][index["arbetssokande"]] == 1
    assert matrix.row_totals_by_gender["X"][index["saknas"]] == 1
    assert matrix.col_totals_by_gender["K"][index["studier"]] == 1
    assert matrix.col_totals_by_gender["X"][index["arbetssokande"]] == 1
    for g in "KMX":
        assert sum(matrix.row_totals_by_gender[g]) == table(lasting).row("avslut_totalt").values[g]
    margins = dict(
        next(m for m in present(result, exact=True).matrices if m.key == "sysselsattning").margins
    )
    # At start K, M, X, total; at exit K, M, X, total.
    assert margins["Arbetssökande"] == [1, 1, 0, 2, 0, 0, 1, 1]
    assert margins["Förvärvsarbete"] == [0, 0, 0, 0, 1, 0, 0, 1]


# --- Disclosure control ---------------------------------------------------------------------


def _counts_of(view):
    for breakdown in view.breakdowns:
        for _label, cells in breakdown.rows:
            yield from cells
    for matrix in view.matrices:
        for row in matrix.cells:
            yield from row
        yield from matrix.row_totals
        yield from matrix.col_totals
        for _label, cells in matrix.margins:
            yield from cells
    for _label, cells in [*view.consultations.rows, view.consultations.total]:
        yield from cells
    for followup in view.followups:
        yield from followup.followed.values()
        yield from followup.work.values()


def test_forbund_sees_no_count_from_one_to_four(lasting, consultations):
    view = present(table(lasting), exact=False)
    cells = list(_counts_of(view))
    assert SMALL in cells
    assert not any(isinstance(c, int) and 1 <= c <= 4 for c in cells)
    # Every share rests on fewer than five: none is shown.
    assert {s for f in view.followups for s in f.share.values()} <= {HIDDEN, None}
    assert dict(view.consultations.rows)["Arbetsförmedlingen"][0] == SMALL


def test_every_new_count_is_in_the_linked_system(lasting, consultations):
    counts, equations = linked_counts(table(lasting))
    keys = set(counts)
    assert ("c", "AF", "2024-01") in keys and ("c", "AF", "total") in keys
    assert ("c", "total", "2024-06") in keys and ("c", "total", "total") in keys
    assert ("f", 3, "followed", "K") in keys and ("f", 12, "work", "total") in keys
    assert ("b", "remittent", "AF", "new_K") in keys
    assert ("b", "remittent", "AF", "exits_total") in keys
    assert ("m", "sysselsattning", "row", 0, "K") in keys
    totals = {total for total, _parts, _mode in equations}
    assert ("t", "nya_under_perioden", "K") in totals
    assert ("b", "remittent", "AF", "new_total") in totals
    for total, parts, _mode in equations:
        assert all(p in counts for p in parts)
        assert total is None or total in counts


def _followed(team, n, work, gender="K"):
    for i in range(n):
        e = enrol(team, start=D(2023, 6, 1), exit=D(2024, 2, 1 + i), gender=gender)
        follow(e, 3, "forvarvsarbete" if i < work else "arbetssokande")


def test_forbund_sees_a_share_on_five_or_more_and_no_small_rest(rehab_team):
    _followed(rehab_team, 5, 5, "K")
    _followed(rehab_team, 5, 0, "M")
    view = present(table(rehab_team), exact=False)
    three = view.followups[0]
    assert three.followed == by_columns(5, 5, 0, 10)
    assert three.work == by_columns(5, 0, 0, 5)
    assert three.share == by_columns(Decimal("100.0"), Decimal("0.0"), None, Decimal("50.0"))


def test_the_followed_up_not_in_work_are_protected_too(rehab_team):
    """Ten followed up, seven in work: the three not in work are not on the page, but the two
    shown counts would tell them, so one of them is withheld, and the share with it."""
    _followed(rehab_team, 10, 7, "K")
    three = present(table(rehab_team), exact=False).followups[0]
    assert three.followed["K"] == 10
    assert three.work["K"] == HIDDEN
    assert three.share["K"] == HIDDEN
    assert three.share["total"] == HIDDEN
    exact = present(table(rehab_team), exact=True).followups[0]
    assert exact.work["K"] == 7
    assert exact.share["K"] == Decimal("70.0")


# --- Files ----------------------------------------------------------------------------------


def test_the_files_hold_the_new_tables(lasting, consultations):
    view = present(table(lasting), exact=True)
    rows = exports.table_rows(view)
    title = rows.index(["Uppföljning efter avslut"])
    assert rows[title + 1][:5] == [
        "Efter avslut",
        "Uppföljda, kvinnor",
        "Uppföljda, män",
        "Uppföljda, annat / ej angivet",
        "Uppföljda, totalt",
    ]
    assert rows[title + 2] == [
        "3 månader",
        *("2", "1", "0", "3"),
        *("2", "0", "0", "2"),
        *("100.0", "0.0", "", "66.7"),
    ]
    title = rows.index(["Konsultationer per myndighet och månad"])
    assert rows[title + 1] == ["Myndighet", *MONTHS, "Totalt"]
    assert rows[title + 3] == ["Arbetsförmedlingen", "2", "0", "0", "0", "0", "0", "2"]
    assert rows[title + 9] == ["Totalt", "2", "1", "1", "0", "0", "1", "5"]
    heading = exports.ReportHeading(
        scope_label=lasting.name, team_names=[lasting.name], made=D(2024, 7, 2), **H1
    )
    book = openpyxl.load_workbook(io.BytesIO(exports.board_xlsx(view, heading)))
    assert ("Arbetsförmedlingen", 2, 0, 0, 0, 0, 0, 2) in list(
        book["Konsultationer"].iter_rows(values_only=True)
    )
    followups = list(book["Uppföljning"].iter_rows(values_only=True))
    assert ("3 månader", 2, 1, 0, 3, 2, 0, 0, 2, 100.0, 0.0, None, 66.7) in followups
    breakdown = list(book["Per remittent"].iter_rows(values_only=True))
    assert ("Arbetsförmedlingen", 1, 2, 0, 3, 0, 1, 0, 1, 1, 1, 0, 2) in breakdown


def test_the_key_csv_has_none_of_the_new_tables(lasting, consultations):
    text = exports.board_csv(present(table(lasting), exact=True))
    assert len(list(csv.reader(io.StringIO(text)))) == 14


# --- Pages: who sees what -------------------------------------------------------------------


def _h1(team):
    return {"scope": f"team-{team.pk}", "fran": "2024-01-01", "till": "2024-06-30"}


@pytest.mark.parametrize("persona", ["forbund_user", "styrgrupp_user"])
def test_aggregate_users_see_the_new_tables_suppressed(
    client, request, lasting, consultations, persona
):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("board_report"), _h1(lasting))
    assert response.status_code == 200
    view = response.context["view"]
    assert not view.exact
    assert not any(isinstance(c, int) and 1 <= c <= 4 for c in _counts_of(view))
    body = response.content.decode()
    assert "Uppföljning efter avslut" in body
    assert "Konsultationer per myndighet och månad" in body


def test_the_unit_manager_sees_the_new_tables_exact(client, admin_user, lasting, consultations):
    client.force_login(admin_user)
    view = client.get(reverse("board_report"), _h1(lasting)).context["view"]
    assert view.exact
    assert view.consultations.total == ("Totalt", [2, 1, 1, 0, 0, 1, 5])
    assert view.followups[0].followed == by_columns(2, 1, 0, 3)


@pytest.mark.parametrize("persona", ["handledare_a", "handledare_b"])
def test_handledare_still_may_not_open_the_report(client, personas, lasting, persona):
    client.force_login(personas[persona])
    assert client.get(reverse("board_report"), _h1(lasting)).status_code == 403
    assert client.get(reverse("dashboard"), {"ar": "2024"}).status_code == 403


# --- Dashboard ------------------------------------------------------------------------------


def _dashboard(team, *, exact):
    scope = Scope(
        key=f"team-{team.pk}", label=team.name, forbund=team.forbund, team=team, teams=[team]
    )
    return dashboard(scope, 2024, exact=exact, today=D(2024, 6, 30))


def test_the_dashboard_has_consultations_per_month_and_agency(consultations):
    figure = _dashboard(consultations, exact=True).figure("konsultationer")
    rows = dict(figure.rows)
    assert list(rows) == [*MONTHS, "Hela perioden"]
    headings = [c.heading for c in figure.columns]
    assert headings[-1] == "Totalt" and headings[1] == "Arbetsförmedlingen"
    assert rows["jan 2024"][1] == 2 and rows["jan 2024"][-1] == 2
    assert rows["feb 2024"][2] == 1
    assert rows["Hela perioden"][-1] == 5
    chart = figure.chart_data()
    assert chart["stacked"] and len(chart["datasets"]) == 7  # the agencies, not the total


def test_the_dashboard_has_the_followups(lasting):
    figure = _dashboard(lasting, exact=True).figure("uppfoljning-efter-avslut")
    rows = dict(figure.rows)
    assert rows["3 månader"] == [3, 2, Decimal("66.7"), Decimal("100.0"), Decimal("0.0"), None]
    assert rows["12 månader"][:3] == [1, 0, Decimal("0.0")]


def test_the_dashboard_for_aggregate_users_shows_no_small_count(lasting, consultations):
    board = _dashboard(lasting, exact=False)
    for key in ("konsultationer", "uppfoljning-efter-avslut"):
        figure = board.figure(key)
        for _label, cells in figure.rows:
            assert not any(isinstance(c, int) and 1 <= c <= 4 for c in cells), key
        for dataset in figure.chart_data()["datasets"]:
            assert not any(v is not None and 1 <= v <= 4 for v in dataset["data"]), key
    assert dict(board.figure("uppfoljning-efter-avslut").rows)["3 månader"][2] == HIDDEN


# --- Queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 20])
def test_the_new_tables_keep_the_query_count_fixed(rehab_team, django_assert_num_queries, n):
    for i in range(n):
        e = enrol(
            rehab_team,
            start=D(2023, 6, 1),
            exit=D(2024, 1 + i % 6, 1 + i % 28),
            gender="KMX"[i % 3],
            referrer=["AF", "FK", "EVI"][i % 3],
        )
        for months in (3, 6, 12):
            follow(e, months, ["forvarvsarbete", "studier", "ovrigt"][i % 3])
        consult(rehab_team, D(2024, 1 + i % 6, 1 + i % 28), ["AF", "FK", "Region"][i % 3])
    # The factories write past the services: the aggregates are filled first, as the read
    # after such a write does once (tests/reporting/test_aggregates.py counts that).
    aggregates.rebuild()
    with django_assert_num_queries(QUERIES):
        result = table(rehab_team)
    assert result.consultations.total == n
    assert result.followups[0].followed["total"] == n
