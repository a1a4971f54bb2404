"""The board report's files in the board's language: the table as CSV with Swedish headings,
the half-year table in the board's format (CSV and Excel), and the key CSV of SPEC §12 beside
them, unchanged. Each says what the page says to the same user."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from common.cells import cell_text
from reporting.board import exports
from reporting.board.presentation import present
from reporting.board.tables import ROWS, board_table
from tests.data import EXPECTED_BOARD
from tests.reporting.conftest import enrol

pytestmark = pytest.mark.django_db

BOARD = reverse("board_report")
BOM = "\ufeff".encode()
H1 = {"date_from": date(2024, 1, 1), "date_to": date(2024, 6, 30)}
HALF_YEAR_HEADINGS = [
    "Antal aktiva under 2024-01-01–2024-06-30",
    "Antal aktiva vid ingången 2024-01-01",
    "Antal nya under 2024-01-01–2024-06-30",
    "Antal avslut totalt under 2024-01-01–2024-06-30",
    "Varav tidiga avhopp under 2024-01-01–2024-06-30",
    "Antal i arbete under 2024-01-01–2024-06-30",
    "Antal i studier under 2024-01-01–2024-06-30",
    "Antal till annan arbetslivsinriktad rehab under 2024-01-01–2024-06-30",
    "Antal till medicinsk rehab under 2024-01-01–2024-06-30",
    "Antal till aktivitets- eller sjukersättning under 2024-01-01–2024-06-30",
    "Antal till annat, t.ex. social praktik, under 2024-01-01–2024-06-30",
    "Genomströmningstid i snitt (dagar) under 2024-01-01–2024-06-30",
]
# The worked example's totals (tests/data/examples/board_2024H1_expected.csv) in that order.
EXAMPLE_TOTALS = ["10", "6", "4", "6", "1", "1", "1", "0", "1", "1", "1", "252.5"]


def export_url(fmt):
    return reverse("board_report_export", args=[fmt])


def h1(team, **extra):
    return {"scope": f"team-{team.pk}", "fran": "2024-01-01", "till": "2024-06-30", **extra}


def wide(team):
    return h1(team, scope=f"forbund-{team.forbund_id}")


def csv_rows(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(BOM)
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def page_totals(client, params):
    """The total column of the page's table, as text the way the CSV files write it."""
    view = client.get(BOARD, params).context["view"]
    totals = {row.key: row.cells["total"] for row in view.rows}
    keys = [key for key, _text in exports.HALF_YEAR_COLUMNS]
    return [cell_text(totals[k], for_csv=True) for k in keys]


def xlsx_rows(response, sheet="Halvårstabell"):
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(book[sheet].iter_rows(values_only=True))


# --- The table as CSV with Swedish headings ---------------------------------------------------


def test_the_table_csv_has_swedish_headings_and_a_byte_order_mark(client, admin_user, example):
    client.force_login(admin_user)
    rows = csv_rows(client.get(export_url("csv"), h1(example)))
    assert rows[0] == ["Mått", "Kvinnor", "Män", "Annat / ej angivet", "Totalt"]
    assert [row[0] for row in rows[1 : len(ROWS) + 1]] == [
        heading if unit == "antal" else f"{heading} ({unit})" for _key, heading, unit in ROWS
    ]
    # Then the follow-ups after exit and the consultations, each after a blank row.
    assert rows[len(ROWS) + 1 : len(ROWS) + 3] == [[], ["Uppföljning efter avslut"]]
    assert [row[0] for row in rows if len(row) == 1] == [
        "Uppföljning efter avslut",
        "Konsultationer per myndighet och månad",
    ]
    assert rows[1] == ["Antal aktiva under perioden", "5", "4", "1", "10"]
    assert rows[12] == ["Genomströmningstid i snitt (dagar)", "342.3", "229.5", "29.0", "252.5"]
    assert not any("_" in row[0] for row in rows if row)


def test_the_table_csv_holds_the_pages_numbers(client, admin_user, forbund_user, example):
    for user in (admin_user, forbund_user):
        client.force_login(user)
        view = client.get(BOARD, h1(example)).context["view"]
        rows = csv_rows(client.get(export_url("csv"), h1(example)))
        for row, line in zip(view.rows, rows[1:], strict=False):
            assert line[1:] == [cell_text(row.cells[c], for_csv=True) for c in "KMX"] + [
                cell_text(row.cells["total"], for_csv=True)
            ]


def test_aggregate_users_table_csv_says_what_the_signs_mean(client, styrgrupp_user, example):
    client.force_login(styrgrupp_user)
    rows = csv_rows(client.get(export_url("csv"), h1(example)))
    assert rows[1] == ["Antal aktiva under perioden", "5", "<5", "<5", "10"]
    assert rows[-1][0].startswith("Antal från 1 till 4 visas som")


# --- The key CSV of SPEC §12, unchanged ----------------------------------------------------------


def test_the_key_csv_is_what_the_command_prints(client, admin_user, example):
    out = io.StringIO()
    call_command(
        "board_report",
        "--team",
        example.name,
        "--from",
        "2024-01-01",
        "--to",
        "2024-06-30",
        stdout=out,
    )
    client.force_login(admin_user)
    body = client.get(export_url("nycklar"), h1(example)).content
    assert body == EXPECTED_BOARD.read_bytes()
    assert body.decode("utf-8") == out.getvalue()
    assert not body.startswith(BOM)


def test_the_page_offers_every_file_by_its_swedish_name(client, styrgrupp_user, example):
    client.force_login(styrgrupp_user)
    content = client.get(BOARD, h1(example)).content.decode()
    for label, fmt in [
        ("Tabellen som CSV", "csv"),
        ("CSV med nycklar (§12-format)", "nycklar"),
        ("Halvårstabell (styrelsens format), CSV", "halvarstabell-csv"),
        ("Halvårstabell (styrelsens format), Excel", "halvarstabell-xlsx"),
    ]:
        assert f"{export_url(fmt)}?scope=team-{example.pk}&amp;fran=2024-01-01" in content
        assert f">{label}</a>" in content


# --- The half-year table in the board's format -----------------------------------------------


def test_half_year_headings_carry_the_period():
    assert exports.half_year_headings(**H1) == HALF_YEAR_HEADINGS
    assert len(exports.HALF_YEAR_COLUMNS) == 12


def test_half_year_csv_for_the_unit_manager_is_exact(client, admin_user, example):
    client.force_login(admin_user)
    response = client.get(export_url("halvarstabell-csv"), h1(example))
    assert (
        'filename="halvarstabell_rehabteamet_2024-01-01_2024-06-30.csv"'
        in response["Content-Disposition"]
    )
    rows = csv_rows(response)
    assert rows == [["Team", *HALF_YEAR_HEADINGS], ["Rehabteamet", *EXAMPLE_TOTALS]]
    assert rows[1][1:] == page_totals(client, h1(example))


def test_half_year_xlsx_for_the_unit_manager_is_exact(client, admin_user, example):
    client.force_login(admin_user)
    response = client.get(export_url("halvarstabell-xlsx"), h1(example))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert (
        'filename="halvarstabell_rehabteamet_2024-01-01_2024-06-30.xlsx"'
        in response["Content-Disposition"]
    )
    rows = xlsx_rows(response)
    assert rows[0][0] == "Halvårstabell (styrelsens format)"
    header = rows.index(("Team", *HALF_YEAR_HEADINGS))
    team_row = rows[header + 1]
    assert team_row[:12] == ("Rehabteamet", 10, 6, 4, 6, 1, 1, 1, 0, 1, 1, 1)
    assert str(team_row[12]) == "252.5"


@pytest.mark.parametrize("persona", ["forbund", "styrgrupp"])
def test_half_year_files_for_aggregate_users_are_suppressed_like_the_page(
    client, personas, example, persona
):
    client.force_login(personas[persona])
    shown = page_totals(client, h1(example))
    assert "<5" in shown and "–" in shown
    rows = csv_rows(client.get(export_url("halvarstabell-csv"), h1(example)))
    assert rows[1] == ["Rehabteamet", *shown]
    assert rows[-1][0].startswith("Antal från 1 till 4 visas som")
    sheet = xlsx_rows(client.get(export_url("halvarstabell-xlsx"), h1(example)))
    header = sheet.index(("Team", *HALF_YEAR_HEADINGS))
    as_text = [
        cell_text(v, for_csv=True) if not isinstance(v, float) else f"{v:.1f}"
        for v in sheet[header + 1][1:13]
    ]
    assert as_text == shown
    # The mean duration over the six exits is no small base: it is shown (SPEC §11.4).
    assert rows[1][12] == "252.5"


def test_half_year_table_of_the_forbund_has_one_row_per_team(
    client, admin_user, styrgrupp_user, example, other_team
):
    enrol(other_team, start=date(2024, 3, 1))
    for user in (admin_user, styrgrupp_user):
        client.force_login(user)
        rows = csv_rows(client.get(export_url("halvarstabell-csv"), wide(example)))
        assert [row[0] for row in rows[1:3]] == ["EVI", "Rehabteamet"]
        assert rows[1][1:] == page_totals(client, h1(other_team))
        assert rows[2][1:] == page_totals(client, h1(example))
        # No row of sums over the teams.
        assert not any(row and row[0].startswith("Alla") for row in rows)
        sheet = xlsx_rows(client.get(export_url("halvarstabell-xlsx"), wide(example)))
        header = sheet.index(("Team", *HALF_YEAR_HEADINGS))
        assert [sheet[header + 1][0], sheet[header + 2][0]] == ["EVI", "Rehabteamet"]


def test_a_team_without_enrolments_has_zeros_and_no_mean(other_team):
    table = board_table(teams=[other_team], **H1)
    rows = exports.half_year_rows([("EVI", present(table, exact=True))], **H1)
    assert rows[1] == ["EVI", *["0"] * 11, ""]


@pytest.mark.parametrize("fmt", ["halvarstabell-csv", "halvarstabell-xlsx", "csv", "nycklar"])
def test_the_new_files_are_refused_to_handledare_and_strangers(client, handledare_a, example, fmt):
    response = client.get(export_url(fmt), h1(example))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.force_login(handledare_a)
    assert client.get(export_url(fmt), h1(example)).status_code == 403
