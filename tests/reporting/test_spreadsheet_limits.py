"""Spreadsheets are safe by construction (issue #14): a zip bomb, an endless sheet, an enormous
cell or an XML entity bomb is refused with one Swedish line naming the limit, in bounded
memory, by the one reader the web and the command line share (`reporting.spreadsheet`)."""

import io
import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl.xml
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook

from reporting import imports as importing
from reporting import spreadsheet
from reporting.spreadsheet import ImportFileError, read_rows

PROJECT = Path(__file__).resolve().parents[2]
MiB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
)
SHEET_TAIL = b"</sheetData></worksheet>"
MEMORY_BOUND_MB = 256


STRINGS = "xl/sharedStrings.xml"
STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
STRINGS_REL = (
    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)


def xlsx_with_sheet(chunks, *, level=9, shared_strings=None) -> bytes:
    """A real workbook (made by openpyxl) whose first sheet's XML is replaced by `chunks`,
    written (and compressed) piece by piece, so that no test holds a bomb's XML in memory;
    with `shared_strings` (chunks too) it gets a shared-strings part."""
    template = io.BytesIO()
    Workbook().save(template)
    out = io.BytesIO()
    parts = {SHEET: chunks}
    if shared_strings is not None:
        parts[STRINGS] = shared_strings
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target,
    ):
        for info in source.infolist():
            if info.filename == SHEET:
                continue
            content = source.read(info.filename)
            if shared_strings is not None and info.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", STRINGS_TYPE + b"</Types>")
            if shared_strings is not None and info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(b"</Relationships>", STRINGS_REL + b"</Relationships>")
            target.writestr(info.filename, content)
        for name, part in parts.items():
            with target.open(name, "w", force_zip64=True) as member:
                for chunk in part:
                    member.write(chunk)
    return out.getvalue()


def huge_string_sheet(size: int):
    """One inline string of `size` bytes in cell A1."""
    yield SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    block = b"A" * MiB
    for _ in range(size // MiB):
        yield block
    yield b"</t></is></c></row>" + SHEET_TAIL


def nearly_random(size: int):
    """`size` bytes of letters that pack about 35 times: under the zip limits, within the
    upload limit, the most text a file the reader opens can hold."""
    noise = random.Random(14)
    for _ in range(size // MiB):
        block = bytearray(b"A" * MiB)
        for i in range(0, MiB, 48):
            block[i] = noise.randrange(65, 91)
        yield bytes(block)


def long_inline_string_sheet(size: int):
    yield SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
    yield from nearly_random(size)
    yield b"</t></is></c></row>" + SHEET_TAIL


def long_shared_string():
    """A sheet whose cell A1 is shared string 0, and the shared strings holding it."""
    sheet = [SHEET_HEAD + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + SHEET_TAIL]
    strings = [
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://'
        b'schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>',
        *nearly_random(31 * MiB),
        b"</t></si></sst>",
    ]
    return xlsx_with_sheet(sheet, shared_strings=strings)


def empty_rows_sheet(count: int):
    """A header row, then `count` empty rows."""
    yield SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>manad</t></is></c></row>'
    block = b"<row/>" * 1_000_000
    for _ in range(count // 1_000_000):
        yield block
    yield b"<row/>" * (count % 1_000_000) + SHEET_TAIL


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    made = {
        "string": xlsx_with_sheet(huge_string_sheet(1024 * MiB)),
        "rows": xlsx_with_sheet(empty_rows_sheet(110_000_000)),
        "inline": xlsx_with_sheet(long_inline_string_sheet(31 * MiB)),
        "shared": long_shared_string(),
    }
    paths = {}
    for name, data in made.items():
        paths[name] = folder / f"{name}.xlsx"
        paths[name].write_bytes(data)
    return paths


CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))
from reporting.spreadsheet import ImportFileError, read_rows
try:
    read_rows(sys.argv[1], None, ("manad", "rad", "belopp"))
    message = None
except ImportFileError as e:
    message = str(e)
except MemoryError:
    message = "MemoryError"
# VmHWM is this process's own high-water mark; ru_maxrss would include the parent's size at
# fork (Linux keeps it across exec).
try:
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmHWM:"))
    peak = int(line.split()[1]) // 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps({"message": message, "peak_mb": peak}))
"""


def parse_in_child(path: Path) -> dict:
    """Read `path` in a fresh interpreter (address space capped at 1.5 GiB, so a bomb that
    gets through fails fast instead of taking the machine) and report its peak memory."""
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", CHILD, str(path)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("bomb", "message"),
    [
        (
            "string",
            "Excel-filen packas upp till för mycket data: högst 32 MB per del och 64 MB "
            "totalt. Spara den som CSV UTF-8 eller dela upp den.",
        ),
        (
            "rows",
            "Excel-filen packas upp till för mycket data: högst 32 MB per del och 64 MB "
            "totalt. Spara den som CSV UTF-8 eller dela upp den.",
        ),
        # Just under the zip limits: openpyxl opens them, the cell limit refuses them.
        ("inline", "Filen har en för lång cell (rad 1, kolumn 1): högst 1 000 tecken per cell."),
        ("shared", "Filen har en för lång cell (rad 1, kolumn 1): högst 1 000 tecken per cell."),
    ],
)
def test_a_bomb_the_upload_limit_admits_is_refused_in_bounded_memory(bombs, bomb, message):
    path = bombs[bomb]
    assert path.stat().st_size <= importing.MAX_UPLOAD_BYTES  # the web would take it
    result = parse_in_child(path)
    print(f"{bomb} bomb: {path.stat().st_size} bytes, peak {result['peak_mb']} MB")
    assert result["message"] == message
    assert result["peak_mb"] < MEMORY_BOUND_MB


def test_a_bomb_is_refused_by_the_command_with_status_1(bombs, rehab_team, db):
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "import_enrolments",
            str(bombs["rows"]),
            "--team",
            "Rehabteamet",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert excinfo.value.returncode == 1
    assert str(excinfo.value).startswith("Excel-filen packas upp till för mycket data")


def test_the_command_refuses_a_file_over_the_size_limit_before_reading_it(
    tmp_path, rehab_team, db, monkeypatch
):
    path = tmp_path / "stor.csv"
    with path.open("wb") as f:
        f.truncate(spreadsheet.MAX_FILE_BYTES + 1)

    def never(self):
        raise AssertionError("the whole file was read")

    monkeypatch.setattr(Path, "read_bytes", never)
    with pytest.raises(CommandError) as excinfo:
        call_command("import_enrolments", str(path), "--team", "Rehabteamet", stdout=io.StringIO())
    assert str(excinfo.value) == "Filen är för stor: högst 16 MB."


# --- Each limit on its own (small files, in process) -----------------------------------------


def rows_xlsx(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_blank_rows_count_towards_the_row_limit():
    rows = "".join(["a\n", "\n" * spreadsheet.MAX_ROWS, "x\n"]).encode()
    with pytest.raises(ImportFileError) as excinfo:
        read_rows(rows, "fil.csv", ("a",))
    assert str(excinfo.value) == (
        "Filen har för många rader: högst 20 000 under rubrikraden (tomma rader räknas också). "
        "Dela upp den i flera filer."
    )


def test_blank_xlsx_rows_count_towards_the_row_limit_while_streaming():
    data = xlsx_with_sheet(empty_rows_sheet(spreadsheet.MAX_ROWS + 1))
    with pytest.raises(ImportFileError) as excinfo:
        read_rows(data, "fil.xlsx", ("manad",))
    assert str(excinfo.value).startswith("Filen har för många rader: högst 20 000")


def test_rows_up_to_the_limit_are_read():
    data = ("a\n" + "x\n" * spreadsheet.MAX_ROWS).encode()
    assert len(read_rows(data, "fil.csv", ("a",))) == spreadsheet.MAX_ROWS


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_over_the_length_limit_is_refused(kind):
    long = "x" * (spreadsheet.MAX_CELL_CHARS + 1)
    if kind == "csv":
        data, name = f"a,b\n1,2\n3,{long}\n".encode(), "fil.csv"
    else:
        data, name = rows_xlsx([["a", "b"], ["1", "2"], ["3", long]]), "fil.xlsx"
    with pytest.raises(ImportFileError) as excinfo:
        read_rows(data, name, ("a", "b"))
    assert str(excinfo.value) == (
        "Filen har en för lång cell (rad 3, kolumn 2): högst 1 000 tecken per cell."
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_row_over_the_column_limit_is_refused(kind):
    wide = ["1"] * (spreadsheet.MAX_COLUMNS + 1)
    if kind == "csv":
        data, name = ("a\n" + ",".join(wide) + "\n").encode(), "fil.csv"
    else:
        data, name = rows_xlsx([["a"], wide]), "fil.xlsx"
    with pytest.raises(ImportFileError) as excinfo:
        read_rows(data, name, ("a",))
    assert str(excinfo.value) == "Filen har för många kolumner (rad 2): högst 50."


def test_a_far_away_xlsx_cell_is_refused_without_building_wide_rows():
    sheet = [
        SHEET_HEAD
        + b'<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
        + b'<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
        + SHEET_TAIL
    ]
    with pytest.raises(ImportFileError) as excinfo:
        read_rows(xlsx_with_sheet(sheet), "fil.xlsx", ("a",))
    assert str(excinfo.value) == "Filen har för många kolumner (rad 2): högst 50."


def test_a_csv_line_over_the_length_limit_is_refused():
    data = ("a\n" + "x" * (spreadsheet.MAX_LINE_CHARS + 1) + "\n").encode()
    with pytest.raises(ImportFileError) as excinfo:
        read_rows(data, "fil.csv", ("a",))
    assert str(excinfo.value) == (
        "Filen har en för lång rad (textrad 2): högst 100 000 tecken per rad."
    )


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "stor.csv"
    with path.open("wb") as f:
        f.truncate(spreadsheet.MAX_FILE_BYTES + 1)
    with pytest.raises(ImportFileError) as excinfo:
        read_rows(path, None, ("a",))
    assert str(excinfo.value) == "Filen är för stor: högst 16 MB."


def test_a_sheet_compressed_too_hard_is_refused():
    data = xlsx_with_sheet(huge_string_sheet(4 * MiB))  # under the size limits, ratio ~1000
    with pytest.raises(ImportFileError) as excinfo:
        read_rows(data, "fil.xlsx", ("a",))
    assert str(excinfo.value) == (
        "Excel-filen är ovanligt hårt packad (mer än 200 gånger) och läses inte. Spara den "
        "på nytt i Excel eller som CSV UTF-8."
    )


def test_too_many_zip_members_are_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(spreadsheet.MAX_ZIP_MEMBERS + 1):
            archive.writestr(f"x/{i}.xml", b"")
    with pytest.raises(ImportFileError) as excinfo:
        read_rows(out.getvalue(), "fil.xlsx", ("a",))
    assert str(excinfo.value) == "Excel-filen har för många delar: högst 500."


def test_a_member_that_lies_about_its_size_is_refused_cleanly():
    """zipfile stops at the declared size and the CRC check fails: a clean error."""
    data = bytearray(xlsx_with_sheet(empty_rows_sheet(1000)))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(SHEET)
    # Declare the sheet 100 bytes long, in the central directory and in the local header.
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(SHEET.encode()) + 1)
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    local = info.header_offset
    data[local + 22 : local + 26] = (100).to_bytes(4, "little")
    with pytest.raises(ImportFileError) as excinfo:
        read_rows(bytes(data), "fil.xlsx", ("manad",))
    assert "kunde inte läsas som en Excel-fil" in str(excinfo.value)


def test_xml_is_parsed_without_entity_expansion():
    assert openpyxl.xml.DEFUSEDXML is True
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    with pytest.raises(ImportFileError) as excinfo:
        read_rows(xlsx_with_sheet([laughs]), "fil.xlsx", ("a",))
    assert "kunde inte läsas som en Excel-fil" in str(excinfo.value)


# --- In the browser -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_upload_page_refuses_a_bomb_with_a_form_error(client, admin_user, rehab_team):
    bomb = xlsx_with_sheet(huge_string_sheet(40 * MiB))
    client.force_login(admin_user)
    response = client.post(
        reverse("import_upload"),
        {"team": rehab_team.pk, "file": SimpleUploadedFile("bomb.xlsx", bomb)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "Excel-filen packas upp till för mycket data: högst 32 MB per del och 64 MB totalt. "
        "Spara den som CSV UTF-8 eller dela upp den."
    ]
