"""The upload form both imports share (the enrolment import and the budget actuals), and the
upload handler that keeps an uploaded file in memory.

`SpreadsheetUploadForm.clean_file` refuses, in this order: a file over the form's `max_bytes`,
no file, a spreadsheet format that is not supported (.xls, .ods, .numbers, with a hint what to
save instead), any other file type, and a file `reporting.spreadsheet` cannot read. On success
`form.content` holds the file's bytes and `form.rows` its rows."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from django import forms
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from reporting.spreadsheet import UNSUPPORTED_SUFFIXES, ImportFileError, RawRow

ACCEPTED_SUFFIXES = {".csv", ".txt", ".xlsx"}


def megabytes(size: int) -> str:
    """1048576 → "1", 2621440 → "2,5" (MB with a decimal comma only when needed)."""
    text = f"{size / 1024 / 1024:.1f}".removesuffix(".0")
    return text.replace(".", ",")


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Keeps an uploaded file in memory, never in a temporary file (the file may hold personal
    data), and drops it once it grows past `limit` bytes (the form then says it is too large)."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.too_large = False
        self.buffer = None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = bytearray()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            raise SkipFile
        self.buffer += raw_data
        return None

    def file_complete(self, file_size):
        return InMemoryUploadedFile(
            file=io.BytesIO(bytes(self.buffer)),
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


class SpreadsheetUploadForm(forms.Form):
    """A CSV or XLSX file, read with `parse(content, filename)`: subclasses set it (as a
    staticmethod of their import's parser) and `max_bytes`."""

    max_bytes: int
    parse: Callable[[bytes, str], list[RawRow]]
    file_help = ""

    file = forms.FileField(
        label="Fil",
        required=False,
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
        error_messages={
            "empty": "Filen är tom.",
            "invalid": "Det gick inte att ta emot filen. Försök igen.",
        },
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.content = b""
        self.rows: list[RawRow] | None = None
        self.fields["file"].help_text = self.file_help

    @classmethod
    def too_large_message(cls) -> str:
        return (
            f"Filen är för stor. Högst {megabytes(cls.max_bytes)} MB kan importeras åt gången "
            "– dela upp den i flera filer."
        )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.too_large or (upload is not None and upload.size > self.max_bytes):
            raise forms.ValidationError(self.too_large_message())
        if not upload:
            raise forms.ValidationError("Välj en fil att importera.")
        suffix = Path(upload.name).suffix.lower()
        if suffix in UNSUPPORTED_SUFFIXES:
            raise forms.ValidationError(UNSUPPORTED_SUFFIXES[suffix])
        if suffix not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError(
                "Filtypen stöds inte. Välj en CSV-fil (.csv) eller en Excel-fil (.xlsx)."
            )
        content = upload.read()
        try:
            self.rows = self.parse(content, upload.name)
        except ImportFileError as e:
            raise forms.ValidationError(str(e)) from None
        self.content = content
        return upload
