"""Importing actual costs from a spreadsheet: CSV (comma/semicolon, with or without BOM) and
XLSX, all rows or none, every bad line listed, preview then confirm."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reporting.budget import importing as budget_import
from reporting.imports import ImportFileError
from reporting.models import ActualCost
from tests.reporting.budget_fixtures import make_budget

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = date(2025, 3, 1)


@pytest.fixture
def budget(rehab_team):
    return make_budget(rehab_team, actuals={("Lokalkostnader", 1): "3000"})


def plan_for(budget, text, name="utfall.csv", today=TODAY):
    rows = budget_import.parse(text.encode("utf-8") if isinstance(text, str) else text, name)
    return budget_import.validate(rows, budget=budget, today=today)


@pytest.mark.parametrize(
    "text",
    [
        "manad,rad,belopp\n1,Lönekostnader,98750\n2024-02,lokalkostnader,3000\n",
        "\ufeffmanad;rad;belopp\r\n1;Lönekostnader;98 750\r\n2024-02;LOKALKOSTNADER;3000,00\r\n",
        'Manad,Rad,Belopp\n01,"Lönekostnader",98750.00\n2024-02-01,Lokalkostnader,3000\n',
    ],
)
def test_csv_variants_give_the_same_plan(budget, text):
    plan = plan_for(budget, text)
    assert plan.ok, plan.errors
    assert [(r.line_name, r.month, r.amount) for r in plan.rows] == [
        ("Lönekostnader", 1, D("98750.00")),
        ("Lokalkostnader", 2, D("3000.00")),
    ]


def test_xlsx_is_read_too(budget):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["manad", "rad", "belopp"])
    sheet.append([1, "Lönekostnader", 98750.5])
    sheet.append(["2024-03", "Lokalkostnader", 3000])
    out = io.BytesIO()
    book.save(out)
    plan = plan_for(budget, out.getvalue(), "utfall.xlsx")
    assert plan.ok, plan.errors
    assert [(r.month, r.amount) for r in plan.rows] == [(1, D("98750.50")), (3, D("3000.00"))]


def test_every_bad_line_is_listed_and_nothing_is_saved(budget):
    text = (
        "manad,rad,belopp\n"
        "1,Lönekostnader,-5\n"  # 2 negative
        "2,Lönekostnader,tusen\n"  # 3 text
        "3,Hyra,100\n"  # 4 unknown line
        "13,Lönekostnader,100\n"  # 5 bad month
        "2023-05,Lönekostnader,100\n"  # 6 another year
        "4,Lönekostnader,100\n"  # 7 fine
        "4,lönekostnader,200\n"  # 8 duplicate of 7
        "5,Lönekostnader,1,005\n"  # 9 extra cell
        ",Lönekostnader,\n"  # 10 month and amount missing
        "6,Lönekostnader,10.001\n"  # 11 three decimals
    )
    plan = plan_for(budget, text)
    assert not plan.ok
    by_line = {}
    for error in plan.errors:
        by_line.setdefault(error.line, []).append(error.message)
    assert sorted(by_line) == [2, 3, 4, 5, 6, 8, 9, 10, 11]
    assert "negativt" in by_line[2][0]
    assert "inget belopp" in by_line[3][0]
    assert "raden ”Hyra” finns inte i budgeten 2024" in by_line[4][0]
    assert "Lönekostnader, Lokalkostnader" in by_line[4][0]
    assert "månaden ”13” finns inte" in by_line[5][0]
    assert "hör inte till budgetåret 2024" in by_line[6][0]
    assert "april för Lönekostnader finns redan på rad 7" in by_line[8][0]
    assert "utanför kolumnerna" in " ".join(by_line[9])
    assert "månad saknas" in by_line[10][0]
    assert "belopp: beloppet saknas" in by_line[10][1]
    assert "högst två decimaler" in by_line[11][0]
    with pytest.raises(ValueError):
        budget_import.apply(plan, by=None, today=TODAY)
    assert ActualCost.objects.count() == 1


def test_a_month_that_has_not_begun_is_refused(rehab_team):
    budget = make_budget(rehab_team, year=2025)
    plan = plan_for(budget, "manad,rad,belopp\n4,Lönekostnader,1\n", today=date(2025, 3, 31))
    assert [e.message for e in plan.errors] == ["april 2025 har inte börjat"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("manad,belopp\n1,2\n", "saknade kolumner: rad"),
        ("", "Filen är tom."),
        ("manad,rad,belopp\n", "bara en rubrikrad"),
    ],
)
def test_a_file_that_cannot_be_read_is_one_clear_error(text, message):
    with pytest.raises(ImportFileError, match=message):
        budget_import.parse(text.encode(), "utfall.csv")


# --- In the browser: upload → preview → confirm ------------------------------------------


def upload(client, budget, text, name="utfall.csv"):
    return client.post(
        reverse("budget_import", args=[budget.team.pk, budget.year]),
        {"file": SimpleUploadedFile(name, text.encode("utf-8"))},
    )


def test_admin_previews_then_confirms(client, admin_user, budget):
    client.force_login(admin_user)
    response = upload(
        client, budget, "manad;rad;belopp\n1;Lokalkostnader;3500\n1;Lönekostnader;98750\n"
    )
    preview = reverse("budget_import_preview", args=[budget.team.pk, 2024])
    assert response.url == preview
    page = client.get(preview)
    content = page.content.decode()
    assert "1 nya, 1 ersätter ett tidigare värde, 0 oförändrade" in content
    assert ActualCost.objects.get(month=1, line__name="Lokalkostnader").amount == D("3000")
    sha = page.context["confirm_form"].initial["sha256"]
    response = client.post(
        reverse("budget_import_confirm", args=[budget.team.pk, 2024]), {"sha256": sha}
    )
    assert response.url == reverse("budget_followup", args=[budget.team.pk, 2024])
    assert ActualCost.objects.get(month=1, line__name="Lokalkostnader").amount == D("3500")
    assert ActualCost.objects.get(month=1, line__name="Lönekostnader").amount == D("98750")


def test_a_file_with_errors_cannot_be_confirmed(client, admin_user, budget):
    client.force_login(admin_user)
    upload(client, budget, "manad,rad,belopp\n1,Hyra,100\n2,Lönekostnader,-1\n")
    page = client.get(reverse("budget_import_preview", args=[budget.team.pk, 2024]))
    content = page.content.decode()
    assert "2 rader har fel, så ingenting kan importeras." in content
    assert "Bekräfta och spara" not in content
    sha = page.context["confirm_form"].initial["sha256"]
    response = client.post(
        reverse("budget_import_confirm", args=[budget.team.pk, 2024]), {"sha256": sha}
    )
    assert response.status_code == 302
    assert ActualCost.objects.count() == 1


def test_a_swapped_file_is_not_confirmed(client, admin_user, budget):
    client.force_login(admin_user)
    upload(client, budget, "manad,rad,belopp\n1,Lönekostnader,1\n")
    response = client.post(
        reverse("budget_import_confirm", args=[budget.team.pk, 2024]), {"sha256": "0" * 64}
    )
    assert response.url == reverse("budget_import_preview", args=[budget.team.pk, 2024])
    assert ActualCost.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("utfall.pdf", "x", "Filtypen stöds inte"),
        ("utfall.csv", "a,b\n1,2\n", "Rubrikraden stämmer inte"),
    ],
)
def test_a_bad_upload_is_a_form_error(client, admin_user, budget, name, text, message):
    client.force_login(admin_user)
    response = upload(client, budget, text, name)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_no_file_is_a_form_error(client, admin_user, budget):
    client.force_login(admin_user)
    response = client.post(reverse("budget_import", args=[budget.team.pk, 2024]), {})
    assert response.status_code == 400
    assert "Välj en fil att importera." in response.content.decode()


def test_the_budget_upload_shares_the_import_forms_file_checks(client, admin_user, budget):
    """One upload form base (reporting.uploads): the budget upload explains an .xls file and
    a file over its limit in the same words as the enrolment import."""
    client.force_login(admin_user)
    url = reverse("budget_import", args=[budget.team.pk, 2024])
    xls = client.post(url, {"file": SimpleUploadedFile("utfall.xls", b"\xd0\xcf\x11\xe0")})
    assert xls.context["form"].errors["file"] == [
        "Excel 97–2003 (.xls) stöds inte: spara filen som .xlsx eller CSV UTF-8."
    ]
    big = b"manad,rad,belopp\n" + b"#" * budget_import.MAX_UPLOAD_BYTES
    response = client.post(url, {"file": SimpleUploadedFile("utfall.csv", big)})
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "Filen är för stor. Högst 1 MB kan importeras åt gången – dela upp den i flera filer."
    ]
