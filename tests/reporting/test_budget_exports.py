"""The budget follow-up in the board report's files (Excel sheet "Budget", PDF section), and
the demo budget of SPEC §10."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command

from demo import organisation
from demo.budget import LINES, seed_budget
from reporting.board import exports
from reporting.budget.followup import budget_followup
from reporting.models import ActualCost, Budget, BudgetLine
from tests.reporting.budget_fixtures import make_budget
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db

D = Decimal
H1 = {"fran": "2024-01-01", "till": "2024-06-30"}


def query(team):
    return {"scope": f"team-{team.pk}", **H1}


@pytest.fixture
def budget(rehab_team):
    return make_budget(
        rehab_team,
        actuals={("Lönekostnader", m): "100000" for m in range(1, 7)}
        | {("Lokalkostnader", 1): "3000.50"},
    )


def test_excel_export_has_a_budget_sheet_as_of_the_periods_end(
    client, admin_user, budget, board_file
):
    for i in range(3):
        enrol(budget.team, start=date(2024, 1, 1 + i))
    client.force_login(admin_user)
    response = board_file(client, "xlsx", query(budget.team))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert "Budget" in book.sheetnames
    sheet = book["Budget"]
    rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert [r[0] for r in rows if r[0] and "per 20" in r[0]] == ["Rehabteamet, per 2024-06-30"]
    salaries = next(r for r in rows if r[0] == "Lönekostnader")
    assert salaries[1:6] == (1200000, 600000, 50, 1200000, 0)
    total = next(r for r in rows if r[0] == "Totalt")
    assert D(str(total[2])) == D("603000.50")
    per_active = next(r for r in rows if r[0] == "Aktiva deltagare under perioden")
    assert per_active[1] == 3  # exact for the admin
    assert D(str(per_active[2])) == D("201000.17")
    assert sheet["B" + str(rows.index(salaries) + 1)].number_format == '#,##0.00 "kr"'


def test_forbund_export_suppresses_the_small_counts(client, forbund_user, budget, board_file):
    for i in range(3):
        enrol(budget.team, start=date(2024, 1, 1 + i))
    client.force_login(forbund_user)
    response = board_file(client, "xlsx", query(budget.team))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Budget"]
    rows = list(sheet.iter_rows(values_only=True))
    per_active = next(r for r in rows if r[0] == "Aktiva deltagare under perioden")
    assert per_active[1:3] == ("<5", "–")


def test_pdf_export_has_a_budget_section(client, admin_user, budget, monkeypatch, board_file):
    rendered = []
    original = exports.render_to_string

    def capture(template, context=None, *args, **kwargs):
        html = original(template, context, *args, **kwargs)
        rendered.append(html)
        return html

    monkeypatch.setattr(exports, "render_to_string", capture)
    client.force_login(admin_user)
    response = board_file(client, "pdf", query(budget.team))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    html = rendered[0]
    assert "Budgetuppföljning Rehabteamet 2024" in html
    assert "1\u00a0200\u00a0000\u00a0kr" in html
    assert "603\u00a0000,50\u00a0kr" in html
    assert "Per 2024-06-30" in html


def test_no_budget_sheet_without_a_budget_or_for_all_teams(
    client, admin_user, rehab_team, board_file
):
    client.force_login(admin_user)
    response = board_file(client, "xlsx", query(rehab_team))
    assert "Budget" not in openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames
    make_budget(rehab_team)
    response = board_file(client, "xlsx", {"scope": f"forbund-{rehab_team.forbund_id}", **H1})
    assert "Budget" not in openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames


def test_board_report_command_includes_the_budget_sheet(budget, tmp_path):
    target = tmp_path / "rapport.xlsx"
    call_command(
        "board_report",
        "--team",
        "Rehabteamet",
        "--from",
        "2024-01-01",
        "--to",
        "2024-06-30",
        "--format",
        "xlsx",
        "--output",
        str(target),
    )
    assert "Budget" in openpyxl.load_workbook(target).sheetnames


# --- The demo budget ----------------------------------------------------------------------


def test_demo_budget_is_the_spec_budget_and_the_followup_adds_up(db):
    org = organisation.seed_organisation()
    budget = seed_budget(org, seed=1)
    lines = list(budget.lines.order_by("order"))
    assert [(line.name, line.amount) for line in lines] == LINES
    assert len(lines) == 8
    assert sum(line.amount for line in lines) == D("1500000")
    actuals = list(ActualCost.objects.filter(line__budget=budget))
    assert {a.month for a in actuals} == set(range(1, 13))
    seeded_total = sum(a.amount for a in actuals)
    followup = budget_followup(org["Rehabteamet"], 2024)
    assert followup.as_of == date(2024, 12, 31)
    assert followup.total.budget == D("1500000")
    assert followup.total.actual == seeded_total
    assert sum(row.actual for row in followup.lines) == seeded_total
    assert followup.monthly[-1][2] == seeded_total
    # Plausible: within 10 % of the budget over the year.
    assert D("1350000") < seeded_total < D("1650000")


def test_seed_demo_creates_the_budget_once_and_deterministically(db):
    call_command("seed_demo", "--participants", "0", "--password", "x", stdout=io.StringIO())
    first = sorted(ActualCost.objects.values_list("line__name", "month", "amount"))
    call_command("seed_demo", "--participants", "0", stdout=io.StringIO())
    # Rehabteamet's budget of SPEC §10 (the other förbund's teams have theirs, SPEC §13).
    assert Budget.objects.filter(team__name="Rehabteamet").count() == 1
    assert BudgetLine.objects.filter(budget__team__name="Rehabteamet").count() == 8
    assert sorted(ActualCost.objects.values_list("line__name", "month", "amount")) == first
