"""Arbitrary files and cell text into the spreadsheet import: a clean error, never a crash.

The parsers (CSV and XLSX), the row validation, the upload page and the `import_enrolments`
command all get Hypothesis-made input. A bad file is refused with `ImportFileError` (one Swedish
line), a bad row with a line-numbered error, the command with status 1 and a message."""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from openpyxl import Workbook

from reporting import imports as importing

pytestmark = pytest.mark.django_db

FAST = hsettings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "19850312-1234",
            "198503121234",
            "850312+1234",
            "2024-02-30",
            "2024-13-01",
            "31/12/2024",
            "K",
            "Ludvika",
            "Portalen",
            "-5",
            "1e9",
            "=1+1",
            "\u202e",
            "x" * 5000,
        ]
    ),
)
ROW = st.fixed_dictionaries(dict.fromkeys(importing.COLUMNS, CELL))


def _csv(rows, delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(importing.COLUMNS)
    for row in rows:
        writer.writerow([row[c] for c in importing.COLUMNS])
    return out.getvalue().encode("utf-8")


def _xlsx(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(importing.COLUMNS))
    for row in rows:
        # openpyxl refuses control characters in cells, as Excel does.
        sheet.append([_printable(row[c]) for c in importing.COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _parse_or_clean_error(data, name):
    """The rows, or None when the file as a whole is refused (say, only blank rows)."""
    try:
        return importing.parse_file(data, name)
    except importing.ImportFileError as error:
        assert str(error)
        return None


def _printable(text):
    return "".join(ch for ch in text if ch.isprintable())


@FAST
@given(data=st.binary(max_size=2000), name=st.sampled_from(["f.csv", "f.xlsx", "f.txt", "f"]))
def test_arbitrary_bytes_are_refused_cleanly_or_parsed(data, name):
    try:
        rows = importing.parse_file(data, name)
    except importing.ImportFileError as error:
        assert str(error)
    else:
        assert all(isinstance(r, importing.RawRow) for r in rows)


@FAST
@given(text=st.text(max_size=500), delimiter=st.sampled_from([",", ";"]))
def test_arbitrary_text_after_a_valid_header_is_refused_cleanly_or_parsed(text, delimiter):
    header = delimiter.join(importing.COLUMNS)
    data = f"\ufeff{header}\n{text}".encode()
    try:
        importing.parse_file(data, "f.csv")
    except importing.ImportFileError as error:
        assert str(error)


@FAST
@given(rows=st.lists(ROW, min_size=1, max_size=4), delimiter=st.sampled_from([",", ";"]))
def test_arbitrary_cells_give_line_numbered_errors(rehab_team, rows, delimiter):
    parsed = _parse_or_clean_error(_csv(rows, delimiter), "f.csv")
    if parsed is None:
        return
    plan = importing.validate_rows(parsed, team=rehab_team, today=datetime.date(2025, 1, 1))
    for error in plan.errors:
        assert str(error).startswith("rad ")


@FAST
@given(rows=st.lists(ROW, min_size=1, max_size=3))
def test_arbitrary_xlsx_cells_give_errors_not_crashes(rehab_team, rows):
    parsed = _parse_or_clean_error(_xlsx(rows), "f.xlsx")
    if parsed is None:
        return
    importing.validate_rows(parsed, team=rehab_team, today=datetime.date(2025, 1, 1))


@FAST
@given(data=st.one_of(st.binary(max_size=1500), ROW.map(lambda r: _csv([r]))))
def test_import_command_exits_with_a_message(rehab_team, tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "fil.csv"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(
            "import_enrolments",
            str(path),
            "--team",
            rehab_team.name,
            "--dry-run",
            stdout=out,
            stderr=err,
        )
    except CommandError as error:
        assert str(error)


def test_upload_page_survives_arbitrary_files(client, admin_user, rehab_team):
    client.force_login(admin_user)

    @FAST
    @given(
        data=st.one_of(st.binary(max_size=1500), st.lists(ROW, min_size=1, max_size=2).map(_csv)),
        name=st.sampled_from(["fil.csv", "fil.xlsx", "fil.xls", "fil\x00.csv", "ü" * 300]),
    )
    def upload(data, name):
        response = client.post(
            reverse("import_upload"),
            {"team": rehab_team.pk, "file": SimpleUploadedFile(name, data)},
        )
        assert response.status_code in (200, 302)
        # Start over for the next example.
        client.post(reverse("import_cancel"))

    upload()
