"""The upload form of the enrolment import (the rules themselves are in reporting.imports)."""

from pathlib import Path

from django import forms

from rehab.access import ADMIN, teams_for
from rehab.models import Team
from reporting import imports as importing
from reporting.spreadsheet import UNSUPPORTED_SUFFIXES

ACCEPTED_SUFFIXES = {".csv", ".txt", ".xlsx"}
MAX_MB = f"{importing.MAX_UPLOAD_BYTES / 1024 / 1024:.1f}".replace(".", ",")


class ImportUploadForm(forms.Form):
    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Välj ett av de team där du är enhetschef."},
    )
    file = forms.FileField(
        label="Fil",
        required=False,
        help_text=f"CSV (UTF-8, komma eller semikolon) eller Excel (.xlsx), högst {MAX_MB} MB.",
        widget=forms.FileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
        error_messages={
            "empty": "Filen är tom.",
            "invalid": "Det gick inte att ta emot filen. Försök igen.",
        },
    )

    def __init__(self, *args, user, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large
        self.rows = None
        self.content = b""
        self.fields["team"].queryset = (
            teams_for(user, ADMIN).exclude(kind=Team.Kind.TRIAGE).order_by("name")
        )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.too_large:
            raise forms.ValidationError(
                f"Filen är för stor. Högst {MAX_MB} MB kan importeras åt gången – dela upp den "
                "i flera filer."
            )
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
            self.rows = importing.parse_file(content, upload.name)
        except importing.ImportFileError as e:
            raise forms.ValidationError(str(e)) from None
        self.content = content
        return upload


class ImportConfirmForm(forms.Form):
    """Confirms exactly the file that was previewed (its SHA-256), not whatever the session
    holds by then (another tab may have uploaded a different file)."""

    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
