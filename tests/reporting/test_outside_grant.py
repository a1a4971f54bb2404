"""Budget lines carried by the huvudman outside the förbund's grant (SPEC §13 rule 14): the
follow-up shows the grant's lines and total apart from the lines outside and the activity's
total cost; the budget grid keeps the flag; the board report's files carry the split."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from common.cells import format_kronor
from reporting.budget.followup import budget_followup
from reporting.budget.services import LineInput, budget_save
from reporting.models import BudgetLine
from tests.reporting.budget_fixtures import make_budget
from tests.reporting.conftest import enrol, pdf_objects
from tests.reporting.test_budget_views import formset_data

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def budget(rehab_team):
    budget = make_budget(
        rehab_team,
        lines=[("Lönekostnader", "1200000"), ("Lokalkostnader", "36000"), ("Overhead", "240000")],
        actuals={("Lönekostnader", m): "100000" for m in range(1, 7)}
        | {("Lokalkostnader", 1): "3000"}
        | {("Overhead", m): "20000" for m in range(1, 4)},
    )
    BudgetLine.objects.filter(budget=budget, name="Overhead").update(outside_grant=True)
    return budget


def test_followup_totals_split_the_grant_from_the_rest(budget):
    for i in range(3):
        enrol(budget.team, start=date(2024, 1, 1 + i))
    f = budget_followup(budget.team, 2024, date(2024, 6, 30))
    assert [r.name for r in f.lines] == ["Lönekostnader", "Lokalkostnader"]
    assert (f.total.name, f.total.budget, f.total.actual) == (
        "Totalt förbundets medel",
        D("1236000"),
        D("603000"),
    )
    assert [r.name for r in f.outside_lines] == ["Overhead"]
    assert (f.outside_total.budget, f.outside_total.actual) == (D("240000"), D("60000"))
    assert f.outside_total.forecast == D("120000")  # 60 000 over 6 months × 12
    assert (f.activity_total.name, f.activity_total.budget, f.activity_total.actual) == (
        "Verksamhetens totala kostnad",
        D("1476000"),
        D("663000"),
    )
    # The monthly actuals and the cost per participant are the grant's.
    assert f.monthly[0][1] == D("103000")
    assert f.cost_per_active == D("201000")


def test_without_lines_outside_nothing_changes(rehab_team):
    make_budget(rehab_team, actuals={("Lönekostnader", 1): "100"})
    f = budget_followup(rehab_team, 2024, date(2024, 1, 31))
    assert f.total.name == "Totalt"
    assert (f.outside_lines, f.outside_total, f.activity_total) == ([], None, None)


def test_all_lines_outside_the_grant(rehab_team):
    budget = make_budget(rehab_team, lines=[("Overhead", "100")], actuals={("Overhead", 1): "50"})
    budget.lines.update(outside_grant=True)
    f = budget_followup(rehab_team, 2024, date(2024, 1, 31))
    assert f.lines == [] and f.total.budget == 0 and f.total.share_used is None
    assert f.activity_total.actual == D("50")


def test_followup_page_shows_the_split(client, admin_user, styrgrupp_user, budget):
    for user in (admin_user, styrgrupp_user):
        client.force_login(user)
        response = client.get(
            reverse("budget_followup", args=[budget.team.pk, 2024]), {"per": "2024-06-30"}
        )
        content = response.content.decode()
        assert response.status_code == 200
        assert "Kostnader utanför förbundets medel (bärs av huvudmannen)" in content
        assert "Totalt förbundets medel" in content
        assert "Verksamhetens totala kostnad" in content
        assert format_kronor(D("1476000")) in content


def _grid(budget, **flags):
    lines = list(budget.lines.order_by("order"))
    rows = [
        {"id": str(line.pk), "name": line.name, "amount": str(line.amount), "present": "1"}
        | ({"outside_grant": "on"} if flags.get(line.name, line.outside_grant) else {})
        for line in lines
    ]
    return formset_data(rows, initial=len(rows))


def test_budget_grid_shows_and_keeps_the_flag(client, admin_user, budget):
    client.force_login(admin_user)
    url = reverse("budget_edit", args=[budget.team.pk, 2024])
    page = client.get(url)
    form = next(f for f in page.context["formset"].forms if f.initial.get("name") == "Overhead")
    assert form.initial["outside_grant"] is True
    assert "Utanför förbundets medel" in page.content.decode()
    version = page.context["loaded_version"]
    # Saving the grid as shown keeps the flag.
    response = client.post(url, _grid(budget) | {"loaded_version": version})
    assert response.status_code == 302
    assert BudgetLine.objects.get(name="Overhead").outside_grant is True
    # Unticking it on the grid clears it; ticking another sets it.
    page = client.get(url)
    data = _grid(budget, Overhead=False, Lokalkostnader=True)
    response = client.post(url, data | {"loaded_version": page.context["loaded_version"]})
    assert response.status_code == 302
    assert set(BudgetLine.objects.filter(outside_grant=True).values_list("name", flat=True)) == {
        "Lokalkostnader"
    }


def test_a_form_without_the_field_keeps_the_flag(client, admin_user, budget):
    """The data-trust rule: a form never deletes what it leaves out (an older page, a
    script)."""
    client.force_login(admin_user)
    url = reverse("budget_edit", args=[budget.team.pk, 2024])
    page = client.get(url)
    lines = list(budget.lines.order_by("order"))
    rows = [{"id": str(x.pk), "name": x.name, "amount": str(x.amount)} for x in lines]
    data = formset_data(rows, initial=len(rows)) | {
        "loaded_version": page.context["loaded_version"]
    }
    assert client.post(url, data).status_code == 302
    assert BudgetLine.objects.get(name="Overhead").outside_grant is True


def test_service_keeps_the_flag_unless_told(admin_user, budget):
    lines = list(budget.lines.order_by("order"))
    kept = [LineInput(id=x.pk, name=x.name, amount=x.amount) for x in lines]
    budget_save(team=budget.team, year=2024, lines=kept, by=admin_user)
    assert BudgetLine.objects.get(name="Overhead").outside_grant is True
    new = LineInput(id=None, name="Tolk", amount=D("10"))
    budget_save(team=budget.team, year=2024, lines=[*kept, new], by=admin_user)
    assert BudgetLine.objects.get(name="Tolk").outside_grant is False
    cleared = [
        LineInput(id=x.pk, name=x.name, amount=x.amount, outside_grant=False) for x in lines
    ]
    budget_save(team=budget.team, year=2024, lines=cleared, by=admin_user)
    assert not BudgetLine.objects.filter(outside_grant=True).exists()


def test_blank_row_with_only_the_flag_is_skipped(client, admin_user, budget):
    client.force_login(admin_user)
    url = reverse("budget_edit", args=[budget.team.pk, 2024])
    page = client.get(url)
    data = _grid(budget)
    n = int(data["rader-TOTAL_FORMS"])
    data |= {"rader-TOTAL_FORMS": str(n + 1), f"rader-{n}-outside_grant": "on"}
    data |= {f"rader-{n}-name": "", f"rader-{n}-amount": "", f"rader-{n}-present": "1"}
    response = client.post(url, data | {"loaded_version": page.context["loaded_version"]})
    assert response.status_code == 302
    assert budget.lines.count() == 3


H1 = {"fran": "2024-01-01", "till": "2024-06-30"}


def test_board_excel_and_pdf_carry_the_split(client, admin_user, budget, board_file):
    client.force_login(admin_user)
    query = {"scope": f"team-{budget.team.pk}", **H1}
    response = board_file(client, "xlsx", query)
    rows = list(
        openpyxl.load_workbook(io.BytesIO(response.content))["Budget"].iter_rows(values_only=True)
    )
    names = [r[0] for r in rows]
    assert names.index("Totalt förbundets medel") < names.index("Overhead")
    assert "Utanför förbundets medel (bärs av huvudmannen)" in names
    activity = next(r for r in rows if r[0] == "Verksamhetens totala kostnad")
    assert D(str(activity[1])) == D("1476000")
    assert D(str(activity[2])) == D("663000")
    pdf = board_file(client, "pdf", query)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    pdf_objects(pdf.content)  # inflates without error


def test_budget_index_shows_the_grant_and_the_rest_apart(client, admin_user, budget):
    client.force_login(admin_user)
    response = client.get(reverse("budget_index"))
    listed = response.context["budgets"][0]
    assert (listed.total, listed.outside_total) == (D("1236000"), D("240000"))
    assert "utanför förbundets medel" in response.content.decode()
