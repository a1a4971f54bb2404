"""The files: CSV (§12), Excel, PDF and the national follow-up. They open, carry the same
numbers, escape formula-like text and never carry a name or personnummer."""

import csv
import io
import re
from datetime import date

import openpyxl
import pytest
from django.template.loader import render_to_string

from modules.models import Module
from rehab.models import income_to_bits
from reporting.board import exports
from reporting.board.national import HEADER, national_cells, national_followup
from reporting.board.presentation import present
from reporting.board.tables import board_table
from tests.data import EXPECTED_BOARD
from tests.reporting.conftest import enrol, pdf_objects

pytestmark = pytest.mark.django_db

H1 = {"date_from": date(2024, 1, 1), "date_to": date(2024, 6, 30)}


def heading(team, note=""):
    return exports.ReportHeading(
        scope_label=team.name,
        team_names=[team.name],
        made=date(2024, 7, 2),
        note=note,
        **H1,
    )


def view_for(team, exact=True):
    return present(board_table(teams=[team], **H1), exact=exact)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+46", "'+46"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("Portalen", "Portalen"),
        ("–", "–"),
        ("<5", "<5"),
    ],
)
def test_formula_like_text_is_escaped(text, escaped):
    assert exports.escape_text(text) == escaped


def test_board_csv_is_the_section_12_format(example):
    text = exports.board_csv(view_for(example))
    assert text == EXPECTED_BOARD.read_bytes().decode("utf-8")


def test_suppressed_csv_for_forbund_keeps_the_format(example):
    rows = list(csv.reader(io.StringIO(exports.board_csv(view_for(example, exact=False)))))
    assert rows[0] == ["key", "K", "M", "X", "total"]
    assert rows[1] == ["aktiva_under_perioden", "5", "<5", "<5", "10"]
    assert len(rows) == 14
    for row in rows[1:]:
        assert not any(cell in {"1", "2", "3", "4"} for cell in row[1:]), row


def test_excel_has_swedish_headings_numbers_and_escaped_text(example):
    portalen = Module.objects.get(team=example, name="Portalen")
    portalen.name = '=HYPERLINK("http://example.invalid")'
    portalen.save()
    body = exports.board_xlsx(view_for(example), heading(example, note="@Viktigt: fler remisser"))
    book = openpyxl.load_workbook(io.BytesIO(body))
    table = book["Tabell"]
    values = [c.value for row in table.iter_rows() for c in row]
    assert "Rehabteamet" in values
    assert "Period: 2024-01-01 – 2024-06-30 (första halvåret 2024)" in values
    assert "Framtagen: 2024-07-02" in values
    assert "'@Viktigt: fler remisser" in values
    headings = [row[0].value for row in table.iter_rows(min_row=1) if row[0].value]
    assert "Varav tidiga avhopp" in headings
    assert "Antal till annat, t.ex. social praktik" in headings
    modules = book["Per modul"]
    cells = {c.value: c for row in modules.iter_rows() for c in row if c.value is not None}
    escaped = '\'=HYPERLINK("http://example.invalid")'
    assert escaped in cells
    assert cells[escaped].data_type == "s"
    assert not any(c.data_type == "f" for ws in book for row in ws.iter_rows() for c in row)
    matrix = [row[:7] for row in book["Sysselsättning"].iter_rows(values_only=True)]
    assert ("Uppgift saknas", 0, 0, 0, 0, 6, 6) in matrix
    # The margins per gender under the matrix: at start K, M, X, total, then at exit.
    margins = list(book["Sysselsättning"].iter_rows(values_only=True))
    assert ("Uppgift saknas", 3, 2, 1, 6, 3, 2, 1, 6) in margins


def test_excel_for_forbund_shows_the_suppressed_cells_as_text(example):
    body = exports.board_xlsx(view_for(example, exact=False), heading(example))
    rows = list(openpyxl.load_workbook(io.BytesIO(body))["Tabell"].iter_rows(values_only=True))
    assert ("Antal aktiva under perioden", "antal", 5, "<5", "<5", 10) in rows


def test_pdf_is_a_tagged_pdf_with_the_report_heading(example):
    body = exports.board_pdf(view_for(example), heading(example, note="Bra halvår."))
    assert body.startswith(b"%PDF-")
    assert b"pdfuaid:part" in pdf_objects(body)
    html = render_to_string(
        "reporting/board_pdf.html",
        {"view": view_for(example), "heading": heading(example, note="Bra halvår.")},
    )
    assert "Styrelserapport – Rehabteamet" in html
    assert "2024-01-01 – 2024-06-30 (första halvåret 2024)" in html
    assert "Framtagen:</strong> 2024-07-02" in html
    assert "Bra halvår." in html
    assert "342,3" in html


def test_no_name_or_personnummer_in_any_file(example):
    from rehab.models import Participant

    enrol(
        example,
        start=date(2024, 2, 1),
        participant__first_name="Zebulonia",
        participant__last_name="Qwertyström",
    )
    people = list(Participant.objects.values_list("first_name", "last_name", "personnummer"))
    exact, suppressed = view_for(example), view_for(example, exact=False)
    texts = [
        exports.board_csv(exact),
        exports.board_csv(suppressed),
        render_to_string("reporting/board_pdf.html", {"view": exact, "heading": heading(example)}),
        exports.national_csv(national_cells(national_followup(teams=[example], **H1), exact=True)),
    ]
    book = openpyxl.load_workbook(io.BytesIO(exports.board_xlsx(exact, heading(example))))
    texts.append(" ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row))
    for text in texts:
        assert "Zebulonia" not in text
        assert "Qwertyström" not in text
        for first, last, pnr in people:
            # Single first names are common words ("Per kommun"); the full name is not.
            assert f"{first} {last}" not in text
            assert not re.search(rf"\b{last}\b", text)
            assert pnr not in text
            assert pnr[2:8] not in text


def test_period_names():
    assert exports.period_name(date(2024, 1, 1), date(2024, 6, 30)) == "Första halvåret 2024"
    assert exports.period_name(date(2024, 1, 1), date(2024, 12, 31)) == "Helåret 2024"
    assert exports.period_name(date(2024, 1, 1), date(2024, 3, 31)) == ""


def test_filenames_are_plain_ascii():
    name = exports.filename(
        "Alla team i Västerbergslagens", date(2024, 1, 1), date(2024, 6, 30), "xlsx"
    )
    assert name == "styrelserapport_alla-team-i-vasterbergslagens_2024-01-01_2024-06-30.xlsx"


# --- National follow-up -------------------------------------------------------------------


def test_national_followup_counts_started_ended_and_before_after(rehab_team):
    enrol(
        rehab_team,
        start=date(2024, 2, 1),
        gender="M",
        income_start=income_to_bits(["akassa", "forsorjningsstod"]),
        occupation_start="arbetssokande",
    )
    enrol(
        rehab_team,
        start=date(2023, 2, 1),
        exit=date(2024, 5, 1),
        outcome="arbete",
        income_start=income_to_bits(["sjukpenning"]),
        income_exit=income_to_bits(["ingen"]),
        occupation_start="ovrigt",
        occupation_exit="forvarvsarbete",
    )
    enrol(rehab_team, start=date(2023, 2, 1), exit=date(2023, 5, 1))  # before the period
    report = national_followup(teams=[rehab_team], **H1)
    rows = {(r.section, r.code): r.values for r in report.rows}
    assert rows[("deltagare", "aktiva")]["total"] == 2
    assert rows[("deltagare", "startade")] == {"K": 0, "M": 1, "X": 0, "total": 1}
    assert rows[("deltagare", "avslutade")] == {"K": 1, "M": 0, "X": 0, "total": 1}
    assert rows[("startade_forsorjning_vid_start", "akassa")]["M"] == 1
    assert rows[("startade_forsorjning_vid_start", "forsorjningsstod")]["M"] == 1
    assert rows[("startade_sysselsattning_vid_start", "arbetssokande")]["total"] == 1
    assert rows[("avslutade_forsorjning_fore", "sjukpenning")]["K"] == 1
    assert rows[("avslutade_forsorjning_efter", "ingen")]["K"] == 1
    assert rows[("avslutade_forsorjning_efter", "saknas")]["total"] == 0
    assert rows[("avslutade_sysselsattning_fore", "ovrigt")]["total"] == 1
    assert rows[("avslutade_sysselsattning_efter", "forvarvsarbete")]["total"] == 1


def test_national_csv_has_its_header_and_suppresses_for_forbund(example):
    report = national_followup(teams=[example], **H1)
    exact = list(csv.reader(io.StringIO(exports.national_csv(national_cells(report, exact=True)))))
    assert exact[0] == HEADER
    assert exact[1] == [
        "deltagare",
        "aktiva",
        "Aktiva deltagare under perioden",
        "5",
        "4",
        "1",
        "10",
    ]
    suppressed = national_cells(report, exact=False)
    assert suppressed[0][3:] == [5, "<5", "<5", 10]
    assert all(not (isinstance(v, int) and 1 <= v <= 4) for row in suppressed for v in row[3:])
