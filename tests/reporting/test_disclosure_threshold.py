"""The förbund's disclosure threshold T (SPEC §11) on every page that suppresses for aggregate
users: counts from 1 to T − 1 shown as "<T", the legends saying T, and the strictest
threshold where a page shows teams of several förbund."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from rehab.models import ForbundMembership
from reporting.board.national import national_cells, national_followup
from reporting.board.presentation import present
from reporting.board.tables import board_table
from reporting.dashboards.dashboard import dashboard
from reporting.disclosure import ratio_disclosed
from reporting.scopes import Scope, threshold_for
from tests.factories import ForbundFactory, TeamFactory
from tests.reporting.budget_fixtures import make_budget
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db

D = datetime.date
FEBRUARY = D(2024, 2, 1)
BOARD = reverse("board_report")
DASHBOARD = reverse("dashboard")


def set_threshold(team, threshold):
    team.forbund.disclosure_threshold = threshold
    team.forbund.save()


def h1(team):
    return {"scope": f"team-{team.pk}", "fran": "2024-01-01", "till": "2024-06-30"}


def enrol_many(team, n, gender, start=FEBRUARY):
    return [enrol(team, start=start, gender=gender) for _ in range(n)]


def board_rows(response):
    return {r.key: r.cells for r in response.context["view"].rows}


@pytest.fixture
def six_women(rehab_team):
    """Active during 2024's first half: 6 women and 9 men."""
    enrol_many(rehab_team, 6, "K")
    enrol_many(rehab_team, 9, "M")
    return rehab_team


# --- Which threshold ----------------------------------------------------------------------


def test_the_strictest_threshold_of_the_teams_forbund_applies():
    lenient = TeamFactory(forbund=ForbundFactory(disclosure_threshold=3))
    strict = TeamFactory(forbund=ForbundFactory(disclosure_threshold=7))
    default = TeamFactory()
    assert threshold_for([lenient]) == 3
    assert threshold_for([lenient, strict, default]) == 7
    assert threshold_for([lenient, default]) == 5
    assert threshold_for([]) == 5
    scope = Scope(key="all", label="Alla", forbund=lenient.forbund, team=None, teams=[lenient])
    assert scope.threshold == 3


# --- Board report -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["forbund_user", "styrgrupp_user"])
def test_a_threshold_of_7_hides_a_count_of_6_on_the_board_report(
    client, request, six_women, persona
):
    set_threshold(six_women, 7)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(BOARD, h1(six_women))
    row = board_rows(response)["aktiva_under_perioden"]
    assert row["K"] == "<7"
    assert row["M"] == 9
    legend = response.context["view"].legend
    assert "Antal från 1 till 6 visas som ”<7”" in legend
    assert "minst 7 inskrivningar" in legend
    content = response.content.decode()
    assert "&lt;7" in content and "&lt;5" not in content


def test_the_default_threshold_shows_a_count_of_6(client, forbund_user, six_women):
    client.force_login(forbund_user)
    row = board_rows(client.get(BOARD, h1(six_women)))["aktiva_under_perioden"]
    assert row["K"] == 6


def test_a_threshold_of_3_shows_a_count_of_3(client, forbund_user, rehab_team):
    set_threshold(rehab_team, 3)
    enrol_many(rehab_team, 3, "K")
    enrol_many(rehab_team, 2, "M")
    client.force_login(forbund_user)
    response = client.get(BOARD, h1(rehab_team))
    row = board_rows(response)["aktiva_under_perioden"]
    assert (row["K"], row["M"]) == (3, "<3")
    assert "Antal från 1 till 2 visas som ”<3”" in response.context["view"].legend


def test_the_board_files_use_the_threshold(client, styrgrupp_user, six_women, board_file):
    set_threshold(six_women, 7)
    client.force_login(styrgrupp_user)
    export = reverse("board_report_export", args=["nycklar"])
    assert "aktiva_under_perioden,<7,9,–,15" in client.get(export, h1(six_women)).content.decode()
    table = reverse("board_report_export", args=["csv"])
    text = client.get(table, h1(six_women)).content.decode("utf-8-sig")
    assert "Antal aktiva under perioden,<7,9,–,15" in text
    assert "Antal från 1 till 6 visas som ”<7”" in text
    national = reverse("board_report_export", args=["nationell"])
    text = client.get(national, h1(six_women)).content.decode()
    assert "deltagare,aktiva,Aktiva deltagare under perioden,<7,9,–,15" in text
    book = openpyxl.load_workbook(io.BytesIO(board_file(client, "xlsx", h1(six_women)).content))
    values = [c.value for row in book["Tabell"].iter_rows() for c in row]
    assert "<7" in values and 6 not in values


def test_a_share_needs_each_of_its_counts_at_the_threshold():
    assert ratio_disclosed(6, 20, threshold=5)
    assert not ratio_disclosed(6, 20, threshold=7)
    assert ratio_disclosed(3, 6, threshold=3)
    assert not ratio_disclosed(14, 20, threshold=7)


def test_means_need_as_many_enrolments_as_the_threshold(rehab_team):
    for _ in range(6):
        enrol(rehab_team, start=D(2024, 2, 1), months_without_work=12)
    table = board_table(teams=[rehab_team], date_from=D(2024, 1, 1), date_to=D(2024, 6, 30))
    key = "tid_utan_arbete_manader_snitt"

    def mean_of_women(threshold):
        view = present(table, exact=False, threshold=threshold)
        return next(r for r in view.rows if r.key == key).cells["K"]

    assert mean_of_women(5) == Decimal("12.0")
    assert mean_of_women(7) == "–"


def test_the_national_follow_up_of_two_forbund_uses_the_higher_threshold():
    lenient = TeamFactory(forbund=ForbundFactory(disclosure_threshold=3))
    strict = TeamFactory(forbund=ForbundFactory(disclosure_threshold=7))
    enrol_many(lenient, 4, "K")
    enrol_many(strict, 2, "K")
    teams = [lenient, strict]
    report = national_followup(teams=teams, date_from=D(2024, 1, 1), date_to=D(2024, 6, 30))
    rows = national_cells(report, exact=False, threshold=threshold_for(teams))
    active = next(r for r in rows if r[1] == "aktiva")
    assert active[3] == "<7"
    alone = national_followup(teams=[lenient], date_from=D(2024, 1, 1), date_to=D(2024, 6, 30))
    rows = national_cells(alone, exact=False, threshold=threshold_for([lenient]))
    assert next(r for r in rows if r[1] == "aktiva")[3] == 4


# --- Dashboard ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["forbund_user", "styrgrupp_user"])
def test_a_threshold_of_7_hides_a_count_of_6_on_the_dashboard(client, request, six_women, persona):
    set_threshold(six_women, 7)
    client.force_login(request.getfixturevalue(persona))
    response = client.get(DASHBOARD, {"scope": f"team-{six_women.pk}", "ar": "2024"})
    board = response.context["board"]
    _label, last_month_end = board.figure("aktiva").rows[-1]
    assert last_month_end[:2] == ["<7", 9]
    assert "Antal från 1 till 6 visas som ”<7”" in board.legend
    assert "minst 7 personer" in board.legend
    content = response.content.decode()
    assert "Små antal är dolda (”&lt;7”, ”–”)" in content


def test_a_dashboard_of_teams_of_two_forbund_uses_the_higher_threshold():
    lenient = TeamFactory(forbund=ForbundFactory(disclosure_threshold=3))
    strict = TeamFactory(forbund=ForbundFactory(disclosure_threshold=7))
    enrol_many(lenient, 3, "K")
    enrol_many(strict, 2, "K")
    enrol_many(strict, 9, "M")

    def last_month_end(*teams):
        scope = Scope(key="x", label="x", forbund=teams[0].forbund, team=None, teams=list(teams))
        board = dashboard(scope, 2024, exact=False, today=D(2025, 1, 15))
        return board, board.figure("aktiva").rows[-1][1]

    board, cells = last_month_end(lenient)
    assert cells[0] == 3
    board, cells = last_month_end(lenient, strict)
    assert board.threshold == 7
    assert cells[:2] == ["<7", 9]
    assert "”<7”" in board.legend


# --- Overview and budget follow-up ----------------------------------------------------------


def test_the_overview_uses_each_forbunds_own_threshold(client, forbund_user, rehab_team):
    set_threshold(rehab_team, 7)
    enrol_many(rehab_team, 6, "K")
    lenient = ForbundFactory(name="Milda förbundet", disclosure_threshold=3)
    elsewhere = TeamFactory(forbund=lenient, name="Milda teamet")
    enrol_many(elsewhere, 3, "K")
    ForbundMembership.objects.create(user=forbund_user, forbund=lenient, role="forbund")
    client.force_login(forbund_user)
    response = client.get(reverse("overview"))
    sections = {s["forbund"].name: s for s in response.context["sections"]}
    strict_rows = dict(sections[rehab_team.forbund.name]["rows"])
    assert strict_rows[rehab_team] == "<7"
    assert dict(sections["Milda förbundet"]["rows"]) == {elsewhere: "3"}
    content = response.content.decode()
    assert "Antal från 1 till 6 visas som ”&lt;7”" in content
    assert "Antal från 1 till 2 visas som ”&lt;3”" in content


def test_the_budget_follow_up_uses_the_threshold(client, styrgrupp_user, rehab_team):
    set_threshold(rehab_team, 7)
    make_budget(rehab_team, actuals={("Lönekostnader", 1): "60000"})
    enrol_many(rehab_team, 6, "K", start=D(2023, 6, 1))
    client.force_login(styrgrupp_user)
    url = reverse("budget_followup", args=[rehab_team.pk, 2024])
    response = client.get(url, {"per": "2024-01-31"})
    view = response.context["view"]
    assert (view.per_person[0].count, view.per_person[0].cost) == ("<7", "–")
    content = response.content.decode()
    assert "bygger på 1–6 personer" in content
    assert "visas som ”&lt;7”" in content


def test_the_budget_follow_up_shows_a_count_of_3_at_threshold_3(
    client, styrgrupp_user, rehab_team
):
    set_threshold(rehab_team, 3)
    make_budget(rehab_team, actuals={("Lönekostnader", 1): "60000"})
    enrol_many(rehab_team, 3, "K", start=D(2023, 6, 1))
    client.force_login(styrgrupp_user)
    url = reverse("budget_followup", args=[rehab_team.pk, 2024])
    view = client.get(url, {"per": "2024-01-31"}).context["view"]
    assert view.per_person[0].count == 3
    assert view.per_person[0].cost == Decimal("20000.00")
