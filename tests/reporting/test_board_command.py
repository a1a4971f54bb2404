"""manage.py board_report exactly as SPEC §12 says, and its refusals."""

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reporting.models import BoardNote
from tests.data import EXPECTED_BOARD
from tests.reporting.conftest import pdf_objects

pytestmark = pytest.mark.django_db

H1 = ["--team", "Rehabteamet", "--from", "2024-01-01", "--to", "2024-06-30"]
PROJECT = Path(__file__).resolve().parents[2]


def run(*args):
    out = io.StringIO()
    call_command("board_report", *args, stdout=out)
    return out.getvalue()


def test_csv_is_the_default_and_goes_to_standard_output(example):
    expected = EXPECTED_BOARD.read_bytes().decode("utf-8")
    assert run(*H1) == expected
    assert run(*H1, "--format", "csv") == expected


def test_csv_to_a_file_is_byte_for_byte_the_example(example, tmp_path):
    # RFC 4180 line ends (CRLF), exactly as the example file is stored.
    target = tmp_path / "board.csv"
    assert run(*H1, "--output", str(target)) == ""
    assert target.read_bytes() == EXPECTED_BOARD.read_bytes()


def test_empty_period_prints_zeros_and_empty_means(rehab_team):
    lines = run("--team", "Rehabteamet", "--from", "2030-01-01", "--to", "2030-12-31")
    lines = lines.splitlines()
    assert lines[0] == "key,K,M,X,total"
    assert lines[1] == "aktiva_under_perioden,0,0,0,0"
    assert lines[-2] == "genomstromningstid_dagar_snitt,,,,"
    assert lines[-1] == "tid_utan_arbete_manader_snitt,,,,"
    assert len(lines) == 14


def test_team_name_matches_without_regard_to_case(example):
    assert run("--team", "rehabteamet", *H1[2:]) == EXPECTED_BOARD.read_bytes().decode("utf-8")


def test_xlsx_opens_in_openpyxl_with_one_sheet_per_breakdown(example, tmp_path):
    target = tmp_path / "board.xlsx"
    run(*H1, "--format", "xlsx", "--output", str(target))
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == [
        "Tabell",
        "Mål",
        "Per kommun",
        "Per remittent",
        "Per modul",
        "Per åldersgrupp",
        "Försörjning",
        "Sysselsättning",
        "Uppföljning",
        "Konsultationer",
    ]
    rows = list(book["Tabell"].iter_rows(values_only=True))
    assert ("Mått", "Enhet", "K", "M", "X", "Totalt") in rows
    assert ("Antal aktiva under perioden", "antal", 5, 4, 1, 10) in rows
    assert ("Genomströmningstid i snitt", "dagar", 342.3, 229.5, 29.0, 252.5) in rows


def test_pdf_is_written_with_the_board_note(example, tmp_path):
    BoardNote.objects.create(
        forbund=example.forbund,
        team=example,
        date_from="2024-01-01",
        date_to="2024-06-30",
        text="Text till styrelsen.",
    )
    target = tmp_path / "board.pdf"
    run(*H1, "--format", "pdf", "--output", str(target))
    body = target.read_bytes()
    assert body.startswith(b"%PDF-")
    objects = pdf_objects(body)
    assert b"pdfuaid:part" in objects  # PDF/UA-1
    assert b"/StructTreeRoot" in objects  # tagged
    assert b"/Lang (sv)" in objects


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--team", "Finns inte", "--from", "2024-01-01", "--to", "2024-06-30"], "Okänt team"),
        (["--team", "Rehabteamet", "--from", "2024-13-01", "--to", "2024-06-30"], "finns inte"),
        (["--team", "Rehabteamet", "--from", "2023-02-29", "--to", "2024-06-30"], "finns inte"),
        (["--team", "Rehabteamet", "--from", "20240101", "--to", "2024-06-30"], "ÅÅÅÅ-MM-DD"),
        (["--team", "Rehabteamet", "--from", "2024-07-01", "--to", "2024-06-30"], "efter"),
        (["--team", "Rehabteamet", "--to", "2024-06-30"], "--from saknas"),
        (["--from", "2024-01-01", "--to", "2024-06-30"], "--team saknas"),
        ([*H1, "--format", "doc"], "Okänt format"),
        ([*H1, "--format", "xlsx"], "kräver --output"),
        ([*H1, "--format", "pdf"], "kräver --output"),
        ([*H1, "--output", "/finns/inte/board.csv"], "Mappen"),
    ],
)
def test_bad_input_is_refused_with_one_line_and_writes_nothing(example, tmp_path, args, message):
    before = set(tmp_path.iterdir())
    with pytest.raises(CommandError) as error:
        run(*args)
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert set(tmp_path.iterdir()) == before


def test_a_refused_run_leaves_an_existing_output_file_alone(example, tmp_path):
    target = tmp_path / "board.csv"
    target.write_text("tidigare", encoding="utf-8")
    with pytest.raises(CommandError):
        run(
            "--team",
            "Finns inte",
            "--from",
            "2024-01-01",
            "--to",
            "2024-06-30",
            "--output",
            str(target),
        )
    assert target.read_text(encoding="utf-8") == "tidigare"
    assert [p.name for p in tmp_path.iterdir()] == ["board.csv"]


def test_from_the_command_line_bad_input_exits_non_zero_with_one_line():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "board_report", *H1, "--format", "docx"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "CommandError: Okänt format: docx (välj csv, xlsx eller pdf)."
    ]
