"""File responses: CSV (UTF-8 with a byte-order mark, so that Excel reads Swedish headings),
Excel and PDF downloads.

Every CSV file of the application is written here with RFC 4180 line ends; callers pass rows
of values already escaped for spreadsheets (`common.cells.escape_text`) where they hold text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from django.http import HttpResponse, StreamingHttpResponse

BOM = "\ufeff"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


class _Echo:
    """A file-like object whose write() returns what it is given (for streaming CSV)."""

    def write(self, value):
        return value


def csv_text(rows: Iterable[Sequence], *, bom: bool = False) -> str:
    """Rows as CSV text with RFC 4180 line ends; a byte-order mark first when `bom`."""
    out = io.StringIO()
    if bom:
        out.write(BOM)
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _csv_lines(rows: Iterable[Sequence]) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield BOM
    for row in rows:
        yield writer.writerow(row)


def attachment(body: bytes, fmt: str, filename: str) -> HttpResponse:
    """A download of `body` (fmt "csv", "xlsx" or "pdf") named `filename`."""
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(rows: Iterable[Sequence], filename: str, *, streaming: bool = False):
    """A CSV download with a byte-order mark. With `streaming` the rows are written as they
    come (a long log export), otherwise in one body."""
    if streaming:
        response = StreamingHttpResponse(_csv_lines(rows), content_type=CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return attachment(csv_text(rows, bom=True).encode("utf-8"), "csv", filename)
