from datetime import date

from django import forms

from common.forms import SwedishBlanks
from reporting.models import BoardNote

FIRST_HALF = "halvar"
FULL_YEAR = "helar"
DATE_ERRORS = {"invalid": "Ange ett datum som finns, som ÅÅÅÅ-MM-DD."}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BoardReportForm(forms.Form):
    """Which report and which period. The buttons "Första halvåret" and "Helår" set the
    period from the chosen year; otherwise the dates are used as given."""

    scope = forms.ChoiceField(label="Rapport för")
    fran = forms.DateField(
        label="Från och med", required=False, widget=DateInput(), error_messages=DATE_ERRORS
    )
    till = forms.DateField(
        label="Till och med", required=False, widget=DateInput(), error_messages=DATE_ERRORS
    )
    ar = forms.IntegerField(
        label="År",
        min_value=2000,
        max_value=2100,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    # Set by the buttons "Första halvåret" and "Helår"; never rendered as a field.
    period = forms.CharField(required=False)

    def __init__(self, *args, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes = {scope.key: scope for scope in scopes}
        self.fields["scope"].choices = [(scope.key, scope.label) for scope in scopes]

    def clean(self):
        data = super().clean()
        period = data.get("period") or ""
        if period not in ("", FIRST_HALF, FULL_YEAR):
            raise forms.ValidationError("Okänt snabbval för perioden.")
        if period:
            year = data.get("ar")
            if year is None:
                if "ar" not in self.errors:
                    self.add_error("ar", "Ange vilket år rapporten gäller.")
                return data
            data["fran"] = date(year, 1, 1)
            data["till"] = date(year, 6, 30) if period == FIRST_HALF else date(year, 12, 31)
            return data
        date_from, date_to = data.get("fran"), data.get("till")
        if date_from is None and "fran" not in self.errors:
            self.add_error("fran", "Ange periodens första dag.")
        if date_to is None and "till" not in self.errors:
            self.add_error("till", "Ange periodens sista dag.")
        if date_from and date_to and date_from > date_to:
            self.add_error("till", "Periodens sista dag kan inte ligga före dess första dag.")
        return data

    @property
    def selected_scope(self):
        return self.scopes[self.cleaned_data["scope"]]


NOTE_WARNING_ID = "board-note-warning"


class BoardNoteForm(SwedishBlanks, forms.ModelForm):
    """The unit manager's text for the board. Förbund and steering-group users read it as it
    is written, beside a table with small counts hidden, so the page warns against figures
    (WARNING, shown above the field and read out with it)."""

    WARNING_ID = NOTE_WARNING_ID
    WARNING = (
        "Förbundets och styrgruppens användare ser texten precis som den är skriven. "
        "Skriv inga siffror eller andelar som tabellen döljer."
    )

    class Meta:
        model = BoardNote
        fields = ["text"]
        widgets = {
            "text": forms.Textarea(
                attrs={"rows": 5, "aria-describedby": f"{NOTE_WARNING_ID} id_text_helptext"}
            )
        }
        error_messages = {
            "text": {"max_length": "Texten får vara högst 3 000 tecken (nu %(show_value)d)."}
        }
        help_texts = {
            "text": "Kort text som visas för förbundet och styrgruppen och skrivs ut på "
            "PDF-rapporten. Inga personuppgifter."
        }
