"""Reading spreadsheets: the one reader of the enrolment import and the budget import.

CSV (comma or semicolon, UTF-8 with or without BOM) or XLSX (the first sheet) becomes a list of
`RawRow`s: each data row's cells as stripped text keyed by column name, with the line number a
spreadsheet user sees (the header is line 1). A file that cannot be read at all raises
`ImportFileError`, whose text is one Swedish line. Blank rows are skipped; the header must name
exactly the importer's columns.

Every file is read within fixed limits, whoever sends it (the upload pages, the command line),
so that a small file cannot make a worker grow without bound (issue #14):

- any file: at most `MAX_FILE_BYTES`, checked before a path is read;
- XLSX: the zip is inspected before openpyxl opens it: at most `MAX_ZIP_MEMBERS` members,
  each declaring at most `MAX_MEMBER_BYTES` uncompressed and all together `MAX_UNPACKED_BYTES`,
  and no member over 1 MiB packed harder than `MAX_RATIO` times (zipfile stops reading a member
  at its declared size, and its CRC check then fails, so a member cannot lie its way past);
  the XML is parsed by defusedxml (no entity expansion) and the sheet is streamed
  (read_only);
- CSV: no text line over `MAX_LINE_CHARS`;
- both: at most `MAX_ROWS` rows under the header, blank rows counted, at most `MAX_COLUMNS`
  columns and `MAX_CELL_CHARS` characters a cell, checked while streaming, before a row is
  built.

A file over a limit raises `ImportFileError` naming the limit.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO

import openpyxl.xml
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

if not openpyxl.xml.DEFUSEDXML:  # pragma: no cover - requirements.txt pins defusedxml
    raise ImportError(
        "defusedxml is not installed (or OPENPYXL_DEFUSEDXML is off): openpyxl would expand "
        "XML entities in uploaded files. Install requirements.txt."
    )

MiB = 1024 * 1024
MAX_FILE_BYTES = 16 * MiB
MAX_ROWS = 20_000
MAX_COLUMNS = 50
MAX_CELL_CHARS = 1_000
MAX_LINE_CHARS = 100_000
MAX_ZIP_MEMBERS = 500
MAX_MEMBER_BYTES = 32 * MiB
MAX_UNPACKED_BYTES = 64 * MiB
MAX_RATIO = 200
RATIO_CHECKED_FROM = 1 * MiB
XLSX_MAGIC = b"PK\x03\x04"
UNSUPPORTED_SUFFIXES = {
    ".xls": "Excel 97–2003 (.xls) stöds inte: spara filen som .xlsx eller CSV UTF-8.",
    ".ods": "OpenDocument (.ods) stöds inte: spara filen som .xlsx eller CSV UTF-8.",
    ".numbers": "Numbers-filer stöds inte: exportera filen som .xlsx eller CSV.",
}


class ImportFileError(Exception):
    """The file as a whole cannot be imported; `str()` is one Swedish line."""


def _number(n: int) -> str:
    """20000 → "20 000" (Swedish digit groups)."""
    return f"{n:,}".replace(",", " ")


NOT_XLSX = "Filen kunde inte läsas som en Excel-fil (.xlsx). Spara den som .xlsx eller CSV UTF-8."
TOO_MANY_ROWS = (
    f"Filen har för många rader: högst {_number(MAX_ROWS)} under rubrikraden (tomma rader "
    "räknas också). Dela upp den i flera filer."
)
TOO_LARGE = f"Filen är för stor: högst {MAX_FILE_BYTES // MiB} MB."
TOO_UNPACKED = (
    f"Excel-filen packas upp till för mycket data: högst {MAX_MEMBER_BYTES // MiB} MB per del "
    f"och {MAX_UNPACKED_BYTES // MiB} MB totalt. Spara den som CSV UTF-8 eller dela upp den."
)
TOO_PACKED = (
    f"Excel-filen är ovanligt hårt packad (mer än {MAX_RATIO} gånger) och läses inte. Spara "
    "den på nytt i Excel eller som CSV UTF-8."
)
TOO_MANY_MEMBERS = f"Excel-filen har för många delar: högst {MAX_ZIP_MEMBERS}."


def _too_many_columns(line: int) -> ImportFileError:
    return ImportFileError(f"Filen har för många kolumner (rad {line}): högst {MAX_COLUMNS}.")


def _too_long_cell(line: int, column: int) -> ImportFileError:
    return ImportFileError(
        f"Filen har en för lång cell (rad {line}, kolumn {column}): högst "
        f"{_number(MAX_CELL_CHARS)} tecken per cell."
    )


@dataclass(frozen=True)
class RawRow:
    """One data row as text, keyed by column name. `line` is the spreadsheet row number."""

    line: int
    values: dict[str, str]
    extra_cells: bool = False


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"rad {self.line}: {self.message}"


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_rows(
    source: str | Path | bytes | IO[bytes],
    filename: str | None,
    columns: tuple[str, ...],
    optional: tuple[str, ...] = (),
) -> list[RawRow]:
    """Read a spreadsheet into rows of text. `source` is a path, the file's bytes, or a
    binary file object; `filename` (for its extension) defaults to the path's name. The header
    must hold exactly `columns`, in any order and any case, and may add any of `optional`
    (a row's values hold only the columns the file has)."""
    if isinstance(source, str | Path):
        path = Path(source)
        filename = filename or path.name
        try:
            if path.is_file() and path.stat().st_size > MAX_FILE_BYTES:
                raise ImportFileError(TOO_LARGE)
            data = path.read_bytes()
        except FileNotFoundError:
            raise ImportFileError(f"Filen finns inte: {path}") from None
        except IsADirectoryError:
            raise ImportFileError(f"{path} är en mapp, inte en fil.") from None
        except OSError as e:
            raise ImportFileError(f"Filen {path} kunde inte läsas: {e.strerror}.") from None
    elif isinstance(source, bytes):
        data = source
    else:
        data = source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(TOO_LARGE)
    suffix = Path(filename or "").suffix.lower()
    if suffix in UNSUPPORTED_SUFFIXES:
        raise ImportFileError(UNSUPPORTED_SUFFIXES[suffix])
    if not data.strip():
        raise ImportFileError("Filen är tom.")
    if data.startswith(XLSX_MAGIC):
        table = _read_xlsx(data)
    elif suffix == ".xlsx":
        raise ImportFileError("Filen är inte en giltig Excel-fil (.xlsx).")
    else:
        table = _read_csv(data)
    with closing(table):  # the XLSX reader closes its workbook even when a row is refused
        return _rows_from_table(table, columns, optional)


def _read_csv(data: bytes) -> Iterator[tuple[int, list[str]]]:
    if b"\x00" in data:
        raise ImportFileError(
            "Filen är ingen textfil. Välj en CSV-fil (UTF-8) eller en Excel-fil (.xlsx)."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "Filen är inte UTF-8-kodad. Spara den i Excel som ”CSV UTF-8 (kommaavgränsad)”."
        ) from None
    header_line = text.split("\n", 1)[0][:MAX_LINE_CHARS]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(_bounded_lines(text), delimiter=delimiter)
    try:
        # A spreadsheet row is one record, even when a quoted cell spans several text lines.
        for line, cells in enumerate(reader, start=1):
            yield line, _bounded_cells(line, cells)
    except csv.Error as e:
        raise ImportFileError(
            f"CSV-filen kunde inte läsas (rad {reader.line_num}): {e}."
        ) from None


def _bounded_lines(text: str) -> Iterator[str]:
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise ImportFileError(
                f"Filen har en för lång rad (textrad {number}): högst "
                f"{_number(MAX_LINE_CHARS)} tecken per rad."
            )
        yield line


def _bounded_cells(line: int, cells: list) -> list:
    """The row's cells within the column and cell-length limits (None counts as empty)."""
    if len(cells) > MAX_COLUMNS:
        beyond = cells[MAX_COLUMNS:]
        if beyond.count(None) + beyond.count("") != len(beyond):
            raise _too_many_columns(line)
        cells = cells[:MAX_COLUMNS]
    for column, cell in enumerate(cells, start=1):
        if isinstance(cell, str) and len(cell) > MAX_CELL_CHARS:
            raise _too_long_cell(line, column)
    return cells


# What a damaged or hostile workbook raises while openpyxl reads it: zip and deflate errors
# (a CRC mismatch, a truncated stream), XML errors (SyntaxError; defusedxml's refusals are
# ValueErrors), and what openpyxl raises for parts that are missing or malformed.
XLSX_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    InvalidFileException,
    KeyError,
    IndexError,
    OSError,
    ValueError,
    TypeError,
    SyntaxError,
)


def _check_zip(data: bytes) -> None:
    """Refuse an archive that would unpack to too much before anything is decompressed: the
    central directory declares each member's sizes."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise ImportFileError(NOT_XLSX) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise ImportFileError(TOO_MANY_MEMBERS)
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > MAX_MEMBER_BYTES or total > MAX_UNPACKED_BYTES:
            raise ImportFileError(TOO_UNPACKED)
        if member.file_size > RATIO_CHECKED_FROM and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise ImportFileError(TOO_PACKED)


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list[str]]]:
    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except XLSX_ERRORS:
        raise ImportFileError(NOT_XLSX) from None
    try:
        sheet = workbook.worksheets[0]
        # Row widths from the cells themselves, not from a <dimension> the file may inflate.
        sheet.reset_dimensions()
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        while True:
            try:
                line, cells = next(rows)
            except StopIteration:
                break
            except XLSX_ERRORS:
                raise ImportFileError(NOT_XLSX) from None
            yield line, [_as_text(c) for c in _bounded_cells(line, list(cells))]
    finally:
        workbook.close()


def _as_text(value) -> str:
    """An XLSX cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_from_table(
    table: Iterable[tuple[int, list[str]]],
    columns: tuple[str, ...],
    optional: tuple[str, ...] = (),
) -> list[RawRow]:
    rows_iter = _row_limit(table)
    header_cells = None
    for _line, cells in rows_iter:
        if any(c.strip() for c in cells):
            header_cells = cells
            break
    if header_cells is None:
        raise ImportFileError("Filen är tom.")
    header = [c.strip().casefold() for c in header_cells]
    while header and not header[-1]:
        header.pop()
    _check_header(header, columns, optional)
    index = {name: i for i, name in enumerate(header) if name}
    rows = []
    for line, cells in rows_iter:
        texts = [c.strip() for c in cells]
        if not any(texts):
            continue  # blank rows between or after the data
        values = {name: texts[i] if i < len(texts) else "" for name, i in index.items()}
        extra = any(t for t in texts[len(header) :]) or any(
            t for i, t in enumerate(texts[: len(header)]) if not header[i]
        )
        rows.append(RawRow(line=line, values=values, extra_cells=extra))
    if not rows:
        raise ImportFileError("Filen har bara en rubrikrad och inga rader att importera.")
    return rows


def _row_limit(table: Iterable[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """The table's rows, refused once there are more than `MAX_ROWS` under the header line
    (blank rows count: they cost reading too)."""
    for line, cells in table:
        if line > MAX_ROWS + 1:
            raise ImportFileError(TOO_MANY_ROWS)
        yield line, cells


def _check_header(
    header: list[str], columns: tuple[str, ...], optional: tuple[str, ...] = ()
) -> None:
    named = [h for h in header if h]
    unknown = [h for h in named if h not in columns and h not in optional]
    missing = [c for c in columns if c not in named]
    doubled = sorted({h for h in named if named.count(h) > 1})
    problems = []
    if missing:
        problems.append("saknade kolumner: " + ", ".join(missing))
    if unknown:
        problems.append("okända kolumner: " + ", ".join(unknown))
    if doubled:
        problems.append("dubblerade kolumner: " + ", ".join(doubled))
    if problems:
        raise ImportFileError(
            "Rubrikraden stämmer inte ("
            + "; ".join(problems)
            + "). Första raden ska innehålla kolumnerna "
            + ", ".join(columns)
            + (" (och får ha " + ", ".join(optional) + ")" if optional else "")
            + "."
        )
