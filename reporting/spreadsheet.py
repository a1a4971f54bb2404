"""Reading spreadsheets: the one reader of the enrolment import and the budget import.

CSV (comma or semicolon, UTF-8 with or without BOM) or XLSX (the first sheet) becomes a list of
`RawRow`s: each data row's cells as stripped text keyed by column name, with the line number a
spreadsheet user sees (the header is line 1). A file that cannot be read at all raises
`ImportFileError`, whose text is one Swedish line. Blank rows are skipped; the header must name
exactly the importer's columns.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

MAX_ROWS = 100_000
XLSX_MAGIC = b"PK\x03\x04"
UNSUPPORTED_SUFFIXES = {
    ".xls": "Excel 97–2003 (.xls) stöds inte: spara filen som .xlsx eller CSV UTF-8.",
    ".ods": "OpenDocument (.ods) stöds inte: spara filen som .xlsx eller CSV UTF-8.",
    ".numbers": "Numbers-filer stöds inte: exportera filen som .xlsx eller CSV.",
}


class ImportFileError(Exception):
    """The file as a whole cannot be imported; `str()` is one Swedish line."""


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
) -> list[RawRow]:
    """Read a spreadsheet into rows of text. `source` is a path, the file's bytes, or a
    binary file object; `filename` (for its extension) defaults to the path's name. The header
    must hold exactly `columns`, in any order and any case."""
    if isinstance(source, str | Path):
        path = Path(source)
        filename = filename or path.name
        try:
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
        data = source.read()
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
        return _rows_from_table(table, columns)


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
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # A spreadsheet row is one record, even when a quoted cell spans several text lines.
        yield from enumerate(reader, start=1)
    except csv.Error as e:
        raise ImportFileError(
            f"CSV-filen kunde inte läsas (rad {reader.line_num}): {e}."
        ) from None


def _read_xlsx(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportFileError(
            "Filen kunde inte läsas som en Excel-fil (.xlsx). Spara den som .xlsx eller CSV UTF-8."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, [_as_text(c) for c in cells]
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
    table: Iterable[tuple[int, list[str]]], columns: tuple[str, ...]
) -> list[RawRow]:
    rows_iter = iter(table)
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
    _check_header(header, columns)
    index = {name: i for i, name in enumerate(header) if name}
    rows = []
    for line, cells in rows_iter:
        texts = [c.strip() for c in cells]
        if not any(texts):
            continue  # blank rows between or after the data
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(
                f"Filen har fler än {MAX_ROWS} rader. Dela upp den i flera filer."
            )
        values = {name: texts[i] if i < len(texts) else "" for name, i in index.items()}
        extra = any(t for t in texts[len(header) :]) or any(
            t for i, t in enumerate(texts[: len(header)]) if not header[i]
        )
        rows.append(RawRow(line=line, values=values, extra_cells=extra))
    if not rows:
        raise ImportFileError("Filen har bara en rubrikrad och inga rader att importera.")
    return rows


def _check_header(header: list[str], columns: tuple[str, ...]) -> None:
    named = [h for h in header if h]
    unknown = [h for h in named if h not in columns]
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
            + "."
        )
