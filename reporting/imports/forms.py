"""The upload form of the enrolment import (the rules themselves are in reporting.imports)."""

from django import forms

from rehab.access import ADMIN, teams_for
from rehab.models import Team
from reporting import imports as importing
from reporting.uploads import SpreadsheetUploadForm, megabytes

MAX_MB = megabytes(importing.MAX_UPLOAD_BYTES)


class ImportUploadForm(SpreadsheetUploadForm):
    max_bytes = importing.MAX_UPLOAD_BYTES
    file_help = f"CSV (UTF-8, komma eller semikolon) eller Excel (.xlsx), högst {MAX_MB} MB."
    field_order = ["team", "file"]

    team = forms.ModelChoiceField(
        label="Team",
        queryset=Team.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Välj ett av de team där du är enhetschef."},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = (
            teams_for(user, ADMIN).exclude(kind=Team.Kind.TRIAGE).order_by("name")
        )

    parse = staticmethod(importing.parse_file)


class ImportConfirmForm(forms.Form):
    """Confirms exactly the file that was previewed (its SHA-256), not whatever the session
    holds by then (another tab may have uploaded a different file)."""

    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
